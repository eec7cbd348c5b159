"""Bad-input and scale cases for every public sklot estimator (issue 18, "Done when").

One *cell* is an (estimator, case) pair. :func:`run_cell` plays the case and returns an
:class:`Outcome` whose ``status`` is

``"correct"``
    the estimator accepted the input and its outputs pass the case's check (below);
``"clear error"``
    the *action under test* (not the setup) raised an exception of an allowed type
    (``ValueError``, ``TypeError``, ``NotFittedError``; the parameter cases also accept
    scikit-learn's ``InvalidParameterError``, a ValueError) whose message matches the
    case's regular expression, i.e. names the problem;
``"warned"``
    (degenerate-data cases only) the answer is off but the fit issued a warning whose
    message names the degeneracy (e.g. "constant feature"), as issue 18 item 4 allows;
``"FAIL"``
    anything else: a wrong or non-finite answer, a warning-free silent change, or an
    exception of another type (AssertionError, RuntimeError from torch, LinAlgError,
    IndexError, AttributeError, ...) or with a message that does not name the problem.

Every case states which outcomes it accepts: the bad-input cases (NaN, inf, complex,
strings, wrong shape, empty, unfitted, bad parameters) accept only a clear error; the
others (sparse, single sample, degenerate data, scales) accept a correct answer or a
clear error.

What "correct" means per estimator kind
---------------------------------------
Scale cases fit a fresh estimator on ``g(X)`` (``g`` = ``c * X`` or ``X + b``, applied
to every coordinate: array entries, bag points, graph node features) and compare its
outputs on ``g(X_test)`` with those of the reference fit on ``X`` at ``X_test``:

* classifiers: predictions unchanged on at least ``CLASSIFIER_AGREEMENT`` of the test
  points (the few points next to the boundary may flip with float rounding), and the
  reference must itself be accurate (``MIN_REFERENCE_ACCURACY``) so that agreement means
  something;
* regressors: held-out R^2 within ``R2_TOL`` of the reference R^2 (reference R^2 at
  least ``MIN_REFERENCE_R2``); for ``y`` cases (``y + 1e3``, ``1e3 * y``) the R^2 is
  computed against the transformed targets;
* transformers (and ``sample`` of the sampler): outputs finite and their geometry
  equivariant: the matrix of pairwise Euclidean distances ``D'`` between output rows is
  proportional to the reference ``D`` (``D' = s D``, ``s > 0`` fitted by least squares)
  within a relative Frobenius error ``DISTANCE_TOL``. This is the invariance each
  transformer promises: sliced-Wasserstein and Sinkhorn embeddings are equivariant
  (distances scale by ``c`` or ``c**2``, offsets cancel), the mean embedding with its
  median bandwidth and the sampler's latent (``standardize=True``) are invariant, the
  graph embedder standardises node attributes, TacoTransformer is linear (and must
  remove the same concept whatever the units).

Lipschitz estimators constrain the Lipschitz constant in input units, so their exact
equivalent problem on ``c * X`` uses ``lipschitz_constant / c`` (same function
``f(x / c)``, same outputs); offsets need no change.

The other "correct" checks: ``sparse`` and ``object_numbers`` give the dense float
outputs (rtol 1e-5); ``single_predict`` gives the row of the batch output (rtol 1e-5);
``empty_predict`` an output of shape ``(0, width)``; ``single_fit``, ``empty_graph``,
``identical_rows`` and ``const_feature`` finite outputs, with, for ``const_feature``,
classifiers still accurate (``MIN_REFERENCE_ACCURACY``), regressors still useful
(``MIN_REFERENCE_R2``) and the sampler's samples not spread along the constant feature
(std at most 1e-3 of the other features'), and for ``identical_rows`` the sampler's
samples within 1e-3 of the single point (data of unit scale); ``single_class`` predicts
that class; ``string_labels`` gives the reference predictions as the strings.

All data are tiny and all configs small (``tests/_estimator_configs.py`` plus
:data:`ROBUST_PARAMS`); reference fits are cached per estimator.
"""

import inspect
import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError

import sklot
from tests._estimator_configs import CONFIGS

__all__ = ["ESTIMATORS", "CASES", "cells", "run_cell", "Outcome"]

# The classes are separated by a margin (reference accuracy 1.0 on 200 test points): an
# equivalent fit flips at most a few points next to the boundary.
CLASSIFIER_AGREEMENT = 0.95
MIN_REFERENCE_ACCURACY = 0.75
# Neural refits on an equivalent problem drift by training noise: LipschitzRegressor moves
# by 0.007 in R^2 between X and 1e3 * X (lipschitz_constant / 1e3). Kernel ridge: ~1e-12.
R2_TOL = 0.05
MIN_REFERENCE_R2 = 0.5
# Relative error of the distance matrix: float32 internals give ~1e-8 on equivalent
# inputs, float64 ones ~1e-16 (measured on the cells that pass); 1e-3 leaves four orders
# of magnitude for rounding and still calls a 0.1 % change of the geometry a different answer.
DISTANCE_TOL = 1e-3

# Overrides of the harness configs: TacoTransformer must actually remove a concept
# (item 5 of issue 18 is about *which* one).
ROBUST_PARAMS = {
    "TacoTransformer": dict(n_remove=1),
}

ALLOWED_ERRORS = (ValueError, TypeError, NotFittedError)
# subclasses of the allowed types that still are internal failures, not clear errors
NOT_CLEAR = (np.linalg.LinAlgError,)

# --- estimators ---------------------------------------------------------------------------


# Input kinds the cases below know how to build and perturb. WassersteinKR (kind
# "two_samples": fit(X_source, X_target)) has no (X, y) form for these cases; its bad-input
# cases (NaN, float32 range, feature mismatch, parameters) are in tests/lipschitz/test_inputs.py.
# Kind "images": 4-D image arrays (n, channels, height, width) with class labels as y
# (AutoregressiveImageEncoder); kind "image_graphs": the same arrays with one GBC graph per image
# in place of y (GraphCaptionCLIP.fit(images, graphs)). Both are perturbed like arrays.
KINDS = ("array", "bags", "graphs", "images", "image_graphs")
IMAGE_KINDS = ("images", "image_graphs")


def public_estimators():
    out = []
    for name in sklot.__all__:
        obj = getattr(sklot, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            if getattr(obj, "_input_kind", "array") in KINDS:
                out.append(obj)
    return out


ESTIMATORS = public_estimators()


def input_kind(cls):
    return getattr(cls, "_input_kind", "array")


def make_instance(cls, **extra):
    params = dict(CONFIGS.get(cls.__name__, {}).get("params", {}))
    params.update(ROBUST_PARAMS.get(cls.__name__, {}))
    params.update(extra)
    defaults = cls().get_params()
    if "random_state" in defaults:
        params.setdefault("random_state", 0)
    if "device" in defaults:
        params.setdefault("device", "cpu")
    return cls(**params)


def role(cls):
    est = cls()
    if is_classifier(est):
        return "classifier"
    if is_regressor(est):
        return "regressor"
    return "transformer"


def is_lipschitz(cls):
    return cls.__module__.startswith("sklot.lipschitz")


# --- data per input kind -------------------------------------------------------------------
#
# A dataset is (X_train, y_train, X_test, y_test); X is an array, a list of bags or a list
# of torch_geometric Data with node attributes ``x`` (2 features).


def _array_data(r):
    rng = np.random.default_rng(0)
    n, d = 280, 4  # 80 to fit, 200 to compare predictions on
    if r == "classifier":
        centers = np.array([[1.5, 1.5, 0, 0], [-1.5, -1.5, 0, 0]])
        y = np.arange(n) % 2
        X = centers[y] + rng.normal(size=(n, d))
    else:
        X = rng.normal(size=(n, d))
        w = np.array([0.8, -0.5, 0.3, 0.0])
        y = X @ w + 0.05 * rng.normal(size=n)
        if r == "transformer":  # TacoTransformer (y_role="sensitive") reads y as the concept
            y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X[:80], y[:80], X[80:], y[80:]


def _bag_data(r):
    rng = np.random.default_rng(0)
    bags, means = [], []
    for _ in range(60):
        m = rng.uniform(-2, 2)
        bags.append(rng.normal(m, 1.0, size=(int(rng.integers(15, 30)), 2)))
        means.append(m)
    means = np.asarray(means)
    y = (means > 0).astype(int) if r == "classifier" else means
    return bags[:40], y[:40], bags[40:], y[40:]


def _graph_data(r):
    import networkx as nx
    import torch
    from torch_geometric.utils import from_networkx

    rng = np.random.default_rng(0)
    graphs, y = [], []
    for i in range(30):
        n = int(rng.integers(8, 14))
        g = nx.cycle_graph(n) if i % 2 else nx.star_graph(n - 1)
        data = from_networkx(g)
        data.x = torch.as_tensor(rng.normal(i % 2, 1.0, size=(n, 2)), dtype=torch.float32)
        graphs.append(data)
        y.append(i % 2)
    y = np.asarray(y)
    return graphs[:20], y[:20], graphs[20:], y[20:]


def _image_data(r):
    # one-channel 8x8 images: a bright 4x4 square top-left (class 0) or bottom-right (class 1)
    rng = np.random.default_rng(0)
    n = 120
    y = np.arange(n) % 2
    X = rng.normal(0.0, 0.3, size=(n, 1, 8, 8))
    for i, c in enumerate(y):
        X[i, 0, 4 * c : 4 * c + 4, 4 * c : 4 * c + 4] += 2.0
    return X[:60], y[:60], X[60:], y[60:]


def _image_graph_data(r):
    from sklot.datasets import make_shape_scenes

    images, graphs = make_shape_scenes(40, image_size=16, max_objects=3, random_state=0)
    return images[:24], graphs[:24], images[24:], graphs[24:]


_DATA_CACHE = {}


def dataset(cls):
    key = (input_kind(cls), role(cls))
    if key not in _DATA_CACHE:
        makers = {
            "array": _array_data, "bags": _bag_data, "graphs": _graph_data,
            "images": _image_data, "image_graphs": _image_graph_data,
        }
        maker = makers[key[0]]
        _DATA_CACHE[key] = maker(key[1])
    return _DATA_CACHE[key]


# elementwise maps applied to every coordinate of an input of any kind


def map_values(X, fn):
    """Apply ``fn`` to the numbers of X (array, list of bags, list of graphs with ``x``)."""
    if isinstance(X, np.ndarray):
        return fn(X)
    first = X[0]
    if hasattr(first, "edge_index"):
        import torch

        out = []
        for g in X:
            g2 = g.clone()
            g2.x = torch.as_tensor(fn(g.x.double().numpy()))
            out.append(g2)
        return out
    return [fn(np.asarray(b)) for b in X]


def take(X, idx):
    if isinstance(X, np.ndarray):
        return X[idx]
    return [X[i] for i in (range(len(X))[idx] if isinstance(idx, slice) else idx)]


# --- outputs and checks ----------------------------------------------------------------------


class CheckFailed(AssertionError):
    """The estimator answered, but not correctly."""


def main_outputs(est, X):
    """The outputs a case compares: predict for predictors, transform (and sample) else."""
    r = role(type(est))
    if r in ("classifier", "regressor"):
        return {"predict": np.asarray(est.predict(X))}
    out = {"transform": np.asarray(est.transform(X), dtype=np.float64)}
    if hasattr(est, "sample"):
        out["sample"] = np.asarray(est.sample(40), dtype=np.float64)
    return out


def assert_finite(out):
    for k, v in out.items():
        if v.dtype.kind in "fc" and not np.all(np.isfinite(v)):
            raise CheckFailed(f"{k} returned {np.sum(~np.isfinite(v))} non-finite values")


def _pairwise(A):
    """Condensed pairwise Euclidean distances, computed from differences (no cancellation)."""
    from scipy.spatial.distance import pdist

    A = A.reshape(len(A), -1)
    A = A - A.mean(0)  # distances ignore a common offset; centring keeps its digits out
    scale = np.abs(A).max()
    return pdist(A / scale) if scale > 0 else np.zeros(len(A) * (len(A) - 1) // 2)


def distance_mismatch(ref, new):
    """Relative error of ``new``'s distance matrix against ``s * ref``'s, best ``s > 0``."""
    D, E = _pairwise(ref), _pairwise(new)
    s = float(np.sum(D * E) / np.sum(D * D))
    if not s > 0:
        return math.inf
    return float(np.linalg.norm(E - s * D) / np.linalg.norm(s * D))


def r2(y, p):
    y, p = np.asarray(y, float), np.asarray(p, float)
    return 1.0 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)


def compare_equivalent(cls, ref_est, ref_X, new_est, new_X, y_test, y_map=None):
    """The check of every scale case; raises CheckFailed with what differs."""
    r = role(cls)
    ref = main_outputs(ref_est, ref_X)
    new = main_outputs(new_est, new_X)
    assert_finite(new)
    if r == "classifier":
        acc = np.mean(ref["predict"] == y_test)
        if acc < MIN_REFERENCE_ACCURACY:
            raise CheckFailed(f"reference fit too poor to compare (accuracy {acc:.2f})")
        agree = np.mean(ref["predict"] == new["predict"])
        if agree < CLASSIFIER_AGREEMENT:
            raise CheckFailed(f"predictions changed: agreement {agree:.2f} < {CLASSIFIER_AGREEMENT}")
    elif r == "regressor":
        r_ref = r2(y_test, ref["predict"])
        if r_ref < MIN_REFERENCE_R2:
            raise CheckFailed(f"reference fit too poor to compare (R^2 {r_ref:.3f})")
        y_new = y_test if y_map is None else y_map(y_test)
        r_new = r2(y_new, new["predict"])
        if not abs(r_new - r_ref) <= R2_TOL:
            raise CheckFailed(f"held-out R^2 {r_new:.3g} vs {r_ref:.3f} at the reference scale")
    else:
        for k in ref:
            err = distance_mismatch(ref[k], new[k])
            if not err <= DISTANCE_TOL:
                raise CheckFailed(f"{k}: distance geometry changed (relative error {err:.3g})")


# --- cases ----------------------------------------------------------------------------------


@dataclass
class Case:
    """One bad-input or scale case.

    ``run(cls)`` returns ``(action, check)``: ``action()`` is the call under test (its
    exceptions are classified), ``check(result)`` raises CheckFailed if the answer is
    wrong. ``applies(cls)`` says whether the case exists for an estimator; ``pattern``
    is the regex a clear error's message must match; ``error_only`` cases accept no
    answer at all.
    """

    name: str
    run: object
    pattern: str
    applies: object = lambda cls: True
    error_only: bool = False
    doc: str = ""
    warn_pattern: str = None


_REF_CACHE = {}


def fitted_reference(cls):
    """The reference fit on the clean training data (cached)."""
    if cls not in _REF_CACHE:
        X, y, _, _ = dataset(cls)
        _REF_CACHE[cls] = make_instance(cls).fit(X, y)
    return _REF_CACHE[cls]


def _fit_action(cls, Xfn=None, yfn=None, **params):
    X, y, _, _ = dataset(cls)
    Xf = X if Xfn is None else Xfn(X)
    yf = y if yfn is None else yfn(y)
    return lambda: make_instance(cls, **params).fit(Xf, yf)


def _predict_action(cls, Xfn):
    est = fitted_reference(cls)
    _, _, Xt, _ = dataset(cls)
    Xb = Xfn(Xt)
    return lambda: main_outputs(est, Xb)


def _no_answer(result):
    raise CheckFailed("accepted an input that has no answer")


def _outputs_after_fit(cls, Xeval=None):
    """Check for a fit action: the fitted model's outputs are finite."""

    def check(est):
        _, _, Xt, _ = dataset(cls)
        assert_finite(main_outputs(est, Xt if Xeval is None else Xeval))

    return check


def _put(value):
    def corrupt(X):
        def fn(a):
            a = np.array(a, dtype=np.result_type(a, type(value)))
            a.flat[min(3, a.size - 1)] = value
            return a

        if isinstance(X, np.ndarray):
            return fn(X)
        return map_first(X, fn)

    return corrupt


def map_first(X, fn):
    """Apply ``fn`` to the first bag / the first graph's node features only."""
    out = list(X)
    if hasattr(out[0], "edge_index"):
        import torch

        g = out[0].clone()
        v = fn(g.x.double().numpy())
        g.x = torch.as_tensor(v)
        out[0] = g
    else:
        out[0] = fn(np.asarray(out[0]))
    return out


def _bad_value_cases(label, value, pattern):
    def at_fit(cls):
        return _fit_action(cls, Xfn=_put(value)), _no_answer

    def at_predict(cls):
        return _predict_action(cls, _put(value)), _no_answer

    return [
        Case(f"{label}_fit", at_fit, pattern, error_only=True, doc=f"one {value} entry in X at fit"),
        Case(f"{label}_predict", at_predict, pattern, error_only=True, doc=f"one {value} entry at predict"),
    ]


def _nan_y(cls):
    def fn(y):
        y = np.array(y, dtype=float)
        y[3] = np.nan
        return y

    return _fit_action(cls, yfn=fn), _no_answer


def _wrong_features(cls):
    def drop(X):
        if isinstance(X, np.ndarray):
            return np.hstack([X, X[:, :1]])
        return map_values(X, lambda a: np.hstack([a, a[:, :1]]))

    return _predict_action(cls, drop), _no_answer


def _array_only(cls):
    return input_kind(cls) == "array"


def _not_graph(cls):
    return input_kind(cls) != "graphs"


def _flat_kind(cls):
    # sparse matrices are 2-D: they stand for arrays and bags of points, not graphs or images
    return input_kind(cls) not in ("graphs",) + IMAGE_KINDS


def _dim1(cls):
    if input_kind(cls) in IMAGE_KINDS:  # one number per image
        return _fit_action(cls, Xfn=lambda X: X.reshape(len(X), -1)[:, 0]), _no_answer
    if input_kind(cls) == "array":
        return _fit_action(cls, Xfn=lambda X: X[:, 0]), _no_answer
    return _fit_action(cls, Xfn=lambda X: [np.asarray(b)[:, 0] for b in X]), _no_answer


def _dim3(cls):
    if input_kind(cls) in IMAGE_KINDS:  # one dimension too many: (n, C, H, W, 1)
        return _fit_action(cls, Xfn=lambda X: X[..., None]), _no_answer
    if input_kind(cls) == "array":
        return _fit_action(cls, Xfn=lambda X: X.reshape(len(X), 2, -1)), _no_answer
    return _fit_action(cls, Xfn=lambda X: [np.asarray(b)[:, :, None] for b in X]), _no_answer


def _empty_fit(cls):
    return _fit_action(cls, Xfn=lambda X: take(X, slice(0, 0)), yfn=lambda y: y[:0]), _no_answer


def _empty_predict(cls):
    est = fitted_reference(cls)
    _, _, Xt, _ = dataset(cls)
    X0 = take(Xt, slice(0, 0))

    def check(out):
        ref = main_outputs(est, take(Xt, slice(0, 2)))
        for k, v in out.items():
            if k == "sample":
                continue
            if v.shape[0] != 0 or v.shape[1:] != ref[k].shape[1:]:
                raise CheckFailed(f"{k} on 0 samples returned shape {v.shape}")

    return (lambda: main_outputs(est, X0)), check


def _empty_graph(cls):
    import torch
    from torch_geometric.data import Data

    def fn(X):
        g = Data(x=torch.zeros((0, 2)), edge_index=torch.zeros((2, 0), dtype=torch.long), num_nodes=0)
        return [g] + list(X[1:])

    return _fit_action(cls, Xfn=fn), _outputs_after_fit(cls)


def _single_fit(cls):
    return _fit_action(cls, Xfn=lambda X: take(X, slice(0, 1)), yfn=lambda y: y[:1]), _outputs_after_fit(cls)


def _single_predict(cls):
    est = fitted_reference(cls)
    _, _, Xt, _ = dataset(cls)
    ref = main_outputs(est, Xt)

    def check(out):
        for k in out:
            if k == "sample":
                continue
            np.testing.assert_allclose(out[k][0], ref[k][0], rtol=1e-5, atol=1e-6, err_msg=k)

    return (lambda: main_outputs(est, take(Xt, [0]))), check


def _complex(cls):
    return _fit_action(cls, Xfn=lambda X: map_values(X, lambda a: a + 1j * 0.5)), _no_answer


def _strings(cls):
    def fn(X):
        if isinstance(X, np.ndarray):
            S = X.astype(object)
            S[0, 0] = "a"
            return S
        out = list(X)
        b = np.asarray(out[0]).astype(object)
        b[0, 0] = "a"
        out[0] = b
        return out

    return _fit_action(cls, Xfn=fn), _no_answer


def _sparse(cls):
    import scipy.sparse as sp

    X, y, Xt, _ = dataset(cls)
    if input_kind(cls) == "array":
        Xs, Xts = sp.csr_matrix(X), sp.csr_matrix(Xt)
    else:
        Xs, Xts = [sp.csr_matrix(b) for b in X], [sp.csr_matrix(b) for b in Xt]

    def check(est):
        new = main_outputs(est, Xts)
        ref = main_outputs(fitted_reference(cls), Xt)
        for k in ref:
            np.testing.assert_allclose(new[k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)

    return (lambda: make_instance(cls).fit(Xs, y)), check


def _const_feature(cls):
    def fn(X):
        def f(a):
            a = np.array(a, dtype=float)
            a[:, -1] = 3.0
            return a

        return map_values(X, f) if not isinstance(X, np.ndarray) else f(X)

    X, y, Xt, yt = dataset(cls)
    Xc, Xtc = fn(X), fn(Xt)

    def check(est):
        out = main_outputs(est, Xtc)
        assert_finite(out)
        r = role(cls)
        if r == "classifier":
            acc = np.mean(out["predict"] == yt)
            if acc < MIN_REFERENCE_ACCURACY:
                raise CheckFailed(f"accuracy {acc:.2f} with a constant feature")
        elif r == "regressor":
            # the last feature has no weight in y: a constant there loses nothing
            # the constant feature replaces the last one (weightless in the array data, half of
            # the information in the bags): the model must stay useful, not match the reference
            r_new = r2(yt, out["predict"])
            if not r_new >= MIN_REFERENCE_R2:
                raise CheckFailed(f"held-out R^2 {r_new:.3g} with a constant feature")
        if "sample" in out:
            spread = out["sample"].std(0)
            if not spread[-1] <= 1e-3 * spread[:-1].max():
                raise CheckFailed(f"samples spread {spread[-1]:.3g} along a constant feature")

    return (lambda: make_instance(cls).fit(Xc, y)), check


def _identical_rows(cls):
    X, y, Xt, _ = dataset(cls)

    def fn(X):
        if isinstance(X, np.ndarray):
            return np.repeat(X[:1], len(X), axis=0)
        return [X[0]] * len(X)

    Xi = fn(X)

    def check(est):
        out = main_outputs(est, take(Xi, slice(0, 5)))
        assert_finite(out)
        if "sample" in out:
            spread = out["sample"].std(0).max()
            if not spread <= 1e-3:
                raise CheckFailed(f"samples of a single repeated point spread by {spread:.3g}")

    # a classifier fitted on one repeated input needs both labels there: keep y
    return (lambda: make_instance(cls).fit(Xi, y)), check


def _single_class(cls):
    X, y, Xt, _ = dataset(cls)
    y1 = np.zeros_like(y)

    def check(est):
        pred = main_outputs(est, Xt)["predict"]
        if not np.all(pred == 0):
            raise CheckFailed("fitted on one class, predicted another")

    return (lambda: make_instance(cls).fit(X, y1)), check


def _unfitted(cls):
    _, _, Xt, yt = dataset(cls)

    def action():
        """Every output method must raise NotFittedError; anything else propagates."""
        est = make_instance(cls)
        calls = [(m, (Xt,)) for m in ("predict", "predict_proba", "decision_function", "transform",
                                      "inverse_transform", "score_samples") if hasattr(est, m)]
        if hasattr(est, "sample"):
            calls.append(("sample", (3,)))
        if hasattr(est, "score") and role(cls) != "transformer":
            calls.append(("score", (Xt, yt)))
        last = None
        for m, args in calls:
            try:
                getattr(est, m)(*args)
            except NotFittedError as exc:
                last = exc
            else:
                raise CheckFailed(f"{m} answered before fit")
        raise last

    return action, _no_answer


def _string_labels(cls):
    X, y, Xt, _ = dataset(cls)
    names = np.array(["neg", "pos"])

    def check(est):
        ref = main_outputs(fitted_reference(cls), Xt)["predict"]
        new = main_outputs(est, Xt)["predict"]
        if not np.array_equal(new, names[ref]):
            raise CheckFailed(f"string labels: predictions {new[:5]} vs {names[ref][:5]}")

    return (lambda: make_instance(cls).fit(X, names[y])), check


def _object_numbers(cls):
    X, y, Xt, _ = dataset(cls)

    def check(est):
        ref = main_outputs(fitted_reference(cls), Xt)
        new = main_outputs(est, Xt.astype(object))
        for k in ref:
            np.testing.assert_allclose(new[k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)

    return (lambda: make_instance(cls).fit(X.astype(object), y)), check


def _scale(factor=1.0, offset=0.0, label=""):
    def run(cls):
        X, y, Xt, yt = dataset(cls)
        fn = lambda a: np.asarray(a, dtype=np.float64) * factor + offset  # noqa: E731
        extra = {}
        if is_lipschitz(cls) and factor != 1.0:
            extra["lipschitz_constant"] = make_instance(cls).lipschitz_constant / factor
        if "radius" in cls().get_params() and factor != 1.0:
            # SparseRepellency's balls are in input units: the equivalent shield scales with X
            extra["radius"] = make_instance(cls).radius * factor
        Xs, Xts = map_values(X, fn), map_values(Xt, fn)
        ref = fitted_reference(cls)

        def check(est):
            compare_equivalent(cls, ref, Xt, est, Xts, yt)

        return (lambda: make_instance(cls, **extra).fit(Xs, y)), check

    return run


def _y_map(fn):
    def run(cls):
        X, y, Xt, yt = dataset(cls)
        ref = fitted_reference(cls)

        def check(est):
            compare_equivalent(cls, ref, Xt, est, Xt, yt, y_map=fn)

        return (lambda: make_instance(cls).fit(X, fn(y))), check

    return run


def _sample_bool(cls):
    est = fitted_reference(cls)
    return (lambda: est.sample(True)), _no_answer


def _certified_nan(cls):
    est = fitted_reference(cls)
    _, _, Xt, yt = dataset(cls)
    return (lambda: est.score_certified(Xt, yt, eps=float("nan"))), _no_answer


# bad parameters: (param, value); a case exists for an estimator that has the parameter
BAD_PARAMS = [
    ("max_epochs", -1),
    ("max_epochs", "10"),
    ("max_iter", -1),
    ("hidden_layer_sizes", (8.5,)),
    ("hidden_layer_sizes", (-4,)),
    ("n_jobs", 0),
    ("n_frequencies", 0),
    ("n_projections", 0),
    ("n_references", 0),
    ("n_components", 0),
    ("depth", 0),
    ("alpha", -1.0),
    ("learning_rate", -1.0),
]


def _param_case(param, value):
    def run(cls):
        action = _fit_action(cls, **{param: value})
        return action, _no_answer

    return Case(
        f"param_{param}={value!r}",
        run,
        re.escape(param),
        applies=lambda cls: param in cls().get_params(),
        error_only=True,
        doc=f"{param}={value!r} must be refused at fit, naming the parameter",
    )


_NAN = r"nan|finite"
_INF = r"inf|finite"
_FEATURES = r"feature|column|dimension|d=\d"
_DIM = r"dimension|dim \d|dim <=|[1234]-?D\b|shape|reshape"
_EMPTY = r"empty|0 sample|0 row|0 bag|0 graph|0 node|at least 1|minimum of 1|zero|got 0"
_DEGENERATE = r"identical|constant|variance|distinct|single|degenerate|spread|std"
_SINGLE = r"1 sample|one sample|1 row|1 bag|1 graph|single|at least 2|minimum of 2|1 class|only|variance"
_SCALE = r"scale|overflow|underflow|float32|too large|too small|representable|precision|magnitude"

CASES = [
    *_bad_value_cases("nan", np.nan, _NAN),
    *_bad_value_cases("inf", np.inf, _INF),
    *_bad_value_cases("neginf", -np.inf, _INF),
    Case("nan_y", _nan_y, _NAN, applies=lambda c: role(c) != "transformer", error_only=True,
         doc="one NaN in y at fit (classifiers, regressors)"),
    Case("wrong_n_features", _wrong_features, _FEATURES, error_only=True,
         doc="one more feature at predict/transform time than at fit"),
    Case("dim_1d", _dim1, _DIM, applies=_not_graph, error_only=True,
         doc="1-D array (bags: bags of 1-D points) at fit"),
    Case("dim_3d", _dim3, _DIM, applies=_not_graph, error_only=True,
         doc="3-D array (bags: bags of 3-D arrays) at fit"),
    Case("empty_fit", _empty_fit, _EMPTY, error_only=True, doc="0 samples / bags / graphs at fit"),
    Case("empty_predict", _empty_predict, _EMPTY,
         doc="0 samples at predict/transform: an empty output of the right width, or a clear error"),
    Case("empty_graph", _empty_graph, _EMPTY, applies=lambda c: input_kind(c) == "graphs",
         doc="a graph with 0 nodes among the training graphs"),
    Case("single_fit", _single_fit, _SINGLE,
         doc="a single sample / bag / graph at fit: a model with finite outputs, or a clear error"),
    Case("single_predict", _single_predict, _SINGLE,
         doc="a single sample at predict: the same output as in a batch"),
    Case("complex", _complex, r"complex", error_only=True,
         doc="complex values at fit (the imaginary part must not be dropped silently)"),
    Case("sparse", _sparse, r"sparse", applies=_flat_kind,
         doc="scipy.sparse input: the dense answer or a clear error"),
    Case("strings", _strings, r"string|convert|numeric|dtype|object|float", applies=_not_graph,
         error_only=True, doc="a string among the values at fit"),
    Case("object_numbers", _object_numbers, r"object|dtype", applies=_array_only,
         doc="an object array holding floats: the float answer (or a clear error)"),
    Case("string_labels", _string_labels, r"label|class|string", applies=lambda c: role(c) == "classifier",
         doc="class labels given as strings: the same predictions, as strings"),
    Case("const_feature", _const_feature, r"constant|variance|feature", warn_pattern=_DEGENERATE,
         doc="one constant feature: accurate predictions / finite outputs, no spread along it"),
    Case("identical_rows", _identical_rows, _DEGENERATE, warn_pattern=_DEGENERATE,
         doc="all training rows (bags, graphs) identical"),
    Case("single_class", _single_class, r"class", applies=lambda c: role(c) == "classifier",
         doc="one class in y: predict it, or a clear error"),
    Case("unfitted", _unfitted, r"fit", error_only=True,
         doc="every output method before fit: NotFittedError"),
    Case("scale_1e+3", _scale(factor=1e3), _SCALE, doc="X * 1e3 (a change of units)"),
    Case("scale_1e-3", _scale(factor=1e-3), _SCALE, doc="X * 1e-3 (a change of units)"),
    Case("scale_1e-20", _scale(factor=1e-20), _SCALE, doc="X * 1e-20"),
    Case("scale_1e-12", _scale(factor=1e-12), _SCALE, doc="X * 1e-12"),
    Case("scale_1e+10", _scale(factor=1e10), _SCALE, doc="X * 1e10"),
    Case("scale_1e+20", _scale(factor=1e20), _SCALE, doc="X * 1e20"),
    Case("scale_1e+39", _scale(factor=1e39), _SCALE,
         doc="X * 1e39: finite in float64, overflows float32"),
    Case("offset_1e+8", _scale(offset=1e8), _SCALE, doc="X + 1e8"),
    Case("y_offset_1e+3", _y_map(lambda y: y + 1e3), _SCALE, applies=lambda c: role(c) == "regressor",
         doc="y + 1e3 (regressors)"),
    Case("y_scale_1e+3", _y_map(lambda y: y * 1e3), _SCALE, applies=lambda c: role(c) == "regressor",
         doc="y * 1e3 (regressors)"),
    Case("sample_bool", _sample_bool, r"n_samples|integer|bool", applies=lambda c: hasattr(c, "sample"),
         error_only=True, doc="sample(True)"),
    Case("certified_eps_nan", _certified_nan, r"eps|nan|finite",
         applies=lambda c: hasattr(c, "score_certified"), error_only=True, doc="score_certified(eps=nan)"),
    *[_param_case(p, v) for p, v in BAD_PARAMS],
]

CASE_BY_NAME = {c.name: c for c in CASES}


def cells():
    """Every (estimator name, case name) pair that exists, in table order."""
    return [(cls.__name__, case.name) for cls in ESTIMATORS for case in CASES if case.applies(cls)]


# --- running a cell ---------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str  # "correct", "clear error", "warned" or "FAIL"
    detail: str = ""

    def __str__(self):
        return self.status if not self.detail or self.status != "FAIL" else f"FAIL: {self.detail}"


def _short(exc):
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg[:160]}"


def run_cell(cls, case):
    """Play ``case`` on ``cls``; never raises (setup failures are FAIL outcomes)."""
    if isinstance(cls, str):
        cls = getattr(sklot, cls)
    if isinstance(case, str):
        case = CASE_BY_NAME[case]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            action, check = case.run(cls)
        except Exception as exc:  # the reference fit or the data failed: not this cell's input
            return Outcome("FAIL", f"setup: {_short(exc)}")
        del caught[:]
        try:
            result = action()
        except ALLOWED_ERRORS as exc:
            if isinstance(exc, NOT_CLEAR):
                return Outcome("FAIL", _short(exc))
            if re.search(case.pattern, str(exc), flags=re.IGNORECASE):
                return Outcome("clear error", _short(exc))
            return Outcome("FAIL", f"unclear {_short(exc)} (expected /{case.pattern}/)")
        except Exception as exc:
            return Outcome("FAIL", _short(exc))
        warned = [
            str(w.message) for w in caught
            if case.warn_pattern and re.search(case.warn_pattern, str(w.message), flags=re.IGNORECASE)
        ]
        try:
            check(result)
        except (CheckFailed, AssertionError) as exc:
            if warned:
                return Outcome("warned", f"{' '.join(warned[0].split())[:160]}")
            return Outcome("FAIL", f"wrong answer: {' '.join(str(exc).split())[:200]}")
        except Exception as exc:
            return Outcome("FAIL", f"outputs failed after fit: {_short(exc)}")
    return Outcome("correct")
