"""Thread counts chosen on purpose inside sklot's calls.

torch's intra-op thread pool (and the BLAS behind numpy/scipy) splits even
small tensor operations across every core. On small problems this buys
nothing when the machine is idle and costs 8-70x when other work shares the
cores: the threads of one operation wait at a barrier for a colleague that the
operating system has descheduled. sklot therefore runs every public method of
its estimators (``fit``, ``transform``, ``predict``, ``sample``, ...; see
:class:`~sklot._core.base.TorchEstimatorMixin`) under :func:`thread_policy`:

* **small problems** -- fewer than :data:`SMALL_PROBLEM_SIZE` input elements
  (:func:`problem_size`: ``n_samples * n_features`` for an array, the total
  number of bag points times features for bags, nodes plus edges, times node
  features, for graphs) -- run with **one** torch thread and one BLAS thread;
* larger problems run with the **user's setting** (``torch.get_num_threads()``
  and the BLAS libraries' current limits), untouched;
* the environment variable ``SKLOT_NUM_THREADS`` overrides the policy, read at
  every call: ``auto`` (default, the policy above), a positive integer (that
  many threads in every sklot call, whatever the size), or ``user`` (sklot
  never changes a thread setting: the behaviour before this policy).

Whatever happens inside, the user's settings are back when the call returns,
also under concurrent sklot calls from several threads:
``torch.set_num_threads`` acts on the calling thread's OpenMP pool (and on the
default of threads started later), so each thread's outermost sklot call saves
and restores its own value, under a lock, and nested calls keep it. BLAS limits
(numpy/scipy's OpenBLAS, set with ``threadpoolctl``) are process-wide and
OpenBLAS ignores them when set from another thread than the main one: they are
set only by the main thread's outermost sklot call; sklot calls made from other
threads leave BLAS at the user's setting.

Determinism. Floating-point reductions split over threads add in a different
order, so torch results can differ in the last bits between thread counts.
Small problems always run on one thread, hence give the same results bit for
bit whatever the user's ``torch.set_num_threads``; larger ones are bit for bit
reproducible on the CPU for the same number of threads.

joblib. loky's worker processes start with ``OMP_NUM_THREADS`` (and the BLAS
variables) set to ``cpu_count // n_jobs``, which torch reads at start-up: each
worker uses its share of the cores (one thread when ``n_jobs`` is the number of
cores), and small problems one thread anyway.
"""

import contextlib
import functools
import os
import sys
import threading
from numbers import Integral

__all__ = [
    "ENV_VAR",
    "SMALL_PROBLEM_SIZE",
    "problem_size",
    "thread_policy",
    "threads_for",
    "wrap_public_method",
]

#: Environment variable overriding the policy: ``auto``, a positive integer, or ``user``.
ENV_VAR = "SKLOT_NUM_THREADS"

#: Problems with fewer input elements than this run on one thread (about 8 MB of float64).
SMALL_PROBLEM_SIZE = 1_000_000

_LOCK = threading.Lock()
_LOCAL = threading.local()  # per thread: depth of nested sklot calls, saved torch setting
_BLAS = {"controller": None, "n_modules": None}


def threads_for(size):
    """The thread count for a problem of ``size`` input elements; None means the user's setting.

    Examples
    --------
    >>> from sklot._core.threads import threads_for
    >>> threads_for(1_000), threads_for(10**9)  # with SKLOT_NUM_THREADS unset
    (1, None)
    """
    value = os.environ.get(ENV_VAR, "auto").strip().lower()
    if value in ("", "auto"):
        return 1 if size < SMALL_PROBLEM_SIZE else None
    if value == "user":
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV_VAR} must be 'auto', 'user' or a positive integer; got {value!r}.")
    return n


@contextlib.contextmanager
def thread_policy(size):
    """Run the block with :func:`threads_for(size) <threads_for>` torch and BLAS threads.

    Nested calls (an estimator calling another one, ``fit_transform`` calling
    ``fit``) keep the outermost call's setting.
    """
    depth = getattr(_LOCAL, "depth", 0)
    if depth > 0:
        _LOCAL.depth = depth + 1
        try:
            yield
        finally:
            _LOCAL.depth -= 1
        return
    n = threads_for(size)
    _LOCAL.depth = 1
    _LOCAL.saved = None
    entered = False
    try:
        if n is not None:
            _enter(n)
            entered = True
        yield
    finally:
        try:
            if entered:
                _leave()
        finally:
            _LOCAL.depth = 0


def _enter(n):
    import torch

    with _LOCK:
        saved = torch.get_num_threads()
        if saved != n:
            torch.set_num_threads(n)
            _LOCAL.saved = saved
        # OpenBLAS ignores limits set from any thread but the main one: only the main
        # thread's outermost call limits BLAS (so one caller at a time, nested calls excluded)
        if threading.current_thread() is threading.main_thread():
            _LOCAL.limiter = _blas_controller().limit(limits=n)


def _leave():
    import torch

    with _LOCK:
        if _LOCAL.saved is not None:
            torch.set_num_threads(_LOCAL.saved)
            _LOCAL.saved = None
        limiter, _LOCAL.limiter = getattr(_LOCAL, "limiter", None), None
        if limiter is not None:
            limiter.restore_original_limits()


def _blas_controller():
    # Scanning the loaded libraries costs ~10 ms: done again only when modules were
    # imported since the last scan (an import is what loads a new BLAS library).
    n_modules = len(sys.modules)
    if _BLAS["controller"] is None or _BLAS["n_modules"] != n_modules:
        from threadpoolctl import ThreadpoolController

        # BLAS only: torch's OpenMP pool is set through torch (restoring a limiter
        # restores every library of its controller, OpenMP included)
        _BLAS["controller"] = ThreadpoolController().select(user_api="blas")
        _BLAS["n_modules"] = len(sys.modules)
    return _BLAS["controller"]


def problem_size(X, estimator=None):
    """Number of input elements of ``X``, the size criterion of :func:`thread_policy`.

    Parameters
    ----------
    X : array-like, list of bags, list of graphs, int or None
        An int is a number of samples to draw: times ``estimator.n_features_in_``.
        Bags (arrays) count their elements; networkx graphs their nodes plus
        edges; torch_geometric graphs (nodes plus edges) times node features.
        A long list is estimated from its first 100 items.
    estimator : object, optional

    Returns
    -------
    int
    """
    try:
        return _problem_size(X, estimator)
    except Exception:  # a sizing heuristic never replaces the method's own input check
        return 0


def _problem_size(X, estimator):
    if X is None:
        return 0
    if hasattr(X, "num_nodes") or hasattr(X, "number_of_nodes"):  # one graph, not a list
        return _item_size(X)
    if isinstance(X, Integral) and not isinstance(X, bool):
        return int(X) * int(getattr(estimator, "n_features_in_", 1) or 1)
    shape = getattr(X, "shape", None)
    if shape is not None and not callable(shape):
        return _prod(shape)
    try:
        n = len(X)
    except TypeError:
        return 0
    if n == 0:
        return 0
    k = min(n, 100)
    head = sum(_item_size(X[i]) for i in range(k)) if hasattr(X, "__getitem__") else 0
    return int(head * n / k)


def _item_size(item):
    shape = getattr(item, "shape", None)
    if shape is not None and not callable(shape):
        return _prod(shape)
    if hasattr(item, "number_of_nodes"):  # networkx
        return item.number_of_nodes() + item.number_of_edges()
    if hasattr(item, "num_nodes"):  # torch_geometric Data
        x = getattr(item, "x", None)
        width = int(x.shape[1]) if x is not None and x.dim() == 2 else 1
        return (int(item.num_nodes or 0) + int(item.num_edges or 0)) * width
    try:
        return len(item)
    except TypeError:
        return 1


def _prod(shape):
    out = 1
    for s in shape:
        out *= int(s)
    return out


def wrap_public_method(fn):
    """Run ``fn(self, X, ...)`` under :func:`thread_policy` sized by its first argument."""
    if getattr(fn, "_sklot_thread_policy", False):
        return fn

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        if args:
            X = args[0]
        else:
            X = next((kwargs[k] for k in ("X", "n_samples", "X_source") if k in kwargs), None)
        with thread_policy(problem_size(X, self)):
            return fn(self, *args, **kwargs)

    wrapper._sklot_thread_policy = True
    return wrapper
