"""Thread safety and thread-count independence of sklot's fits.

Two estimators fitted at the same time in two threads must give exactly the
predictions of sequential fits (nothing random is drawn from, or restored into,
torch's process-wide generator), and no public method may change the user's
global torch random state. The thread policy (sklot/_core/threads.py) runs small
problems on one thread and gives the user's thread settings back.
"""

import sys
import threading

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification

from sklot import ConjugateMomentSampler, LipschitzClassifier
from sklot._core.base import TorchEstimatorMixin
from sklot._core.threads import ENV_VAR, SMALL_PROBLEM_SIZE, problem_size, thread_policy


def _lipschitz_data():
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, random_state=0)
    return X.astype(np.float32), y


def _fit_lipschitz(seed):
    X, y = _lipschitz_data()
    est = LipschitzClassifier(hidden_layer_sizes=(16,), max_epochs=3, batch_size=32, random_state=seed)
    return est.fit(X, y).decision_function(X)


def _fit_moment(seed):
    X = np.random.default_rng(0).normal(size=(60, 2))
    est = ConjugateMomentSampler(
        hidden_layer_sizes=(8,),
        n_particles=16,
        n_langevin_steps=2,
        max_iter=2,
        n_inner_steps=1,
        random_state=seed,
    )
    return est.fit(X).sample(8, random_state=0)


JOBS = [(_fit_lipschitz, 0), (_fit_moment, 1), (_fit_lipschitz, 2), (_fit_moment, 3)]


@pytest.fixture
def fast_thread_switching():
    # switch threads every microsecond (default 5 ms), so that the fits really interleave
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def test_concurrent_fits_equal_sequential_fits(fast_thread_switching):
    expected = [fn(seed) for fn, seed in JOBS]
    for _ in range(3):
        barrier = threading.Barrier(len(JOBS))
        results = [None] * len(JOBS)
        errors = []

        def work(i, fn, seed):
            try:
                barrier.wait()
                results[i] = fn(seed)
            except BaseException as exc:  # noqa: BLE001 -- re-raised below in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i, fn, s)) for i, (fn, s) in enumerate(JOBS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        for got, want in zip(results, expected):
            np.testing.assert_array_equal(got, want)


def _public_calls(est, X, y, fit_params):
    from tests.test_common import outputs

    est.fit(X, y, **fit_params)
    outputs(est, X)
    if hasattr(est, "export"):
        est.export()
    if hasattr(est, "sample"):
        est.sample(3, random_state=0)
    if hasattr(est, "inverse_transform"):
        est.inverse_transform(est.transform(X))


def test_public_methods_leave_the_global_torch_rng_untouched():
    from tests.test_common import ESTIMATORS, get_data, make_instance

    torch.manual_seed(2024)
    state = torch.get_rng_state()
    for cls in ESTIMATORS:
        est = make_instance(cls)
        X, y, fit_params = get_data(est)
        _public_calls(est, X, y, fit_params)
        assert torch.equal(torch.get_rng_state(), state), f"{cls.__name__} changed torch's global RNG"


# --- thread counts ---------------------------------------------------------------------------


class _Probe(TorchEstimatorMixin, BaseEstimator):
    """Records the thread counts its fit runs with."""

    def fit(self, X, y=None):
        from threadpoolctl import threadpool_info

        self.torch_threads_ = torch.get_num_threads()
        self.blas_threads_ = sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
        return self


@pytest.fixture
def user_threads():
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(old)


def test_small_problems_run_on_one_thread_and_the_user_setting_comes_back(user_threads, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    small = np.zeros((100, 5))
    est = _Probe().fit(small)
    assert est.torch_threads_ == 1 and est.blas_threads_ in ([1], [])
    assert torch.get_num_threads() == user_threads
    big = np.zeros((SMALL_PROBLEM_SIZE // 10 + 1, 10))
    assert _Probe().fit(big).torch_threads_ == user_threads  # large: the user's setting
    assert problem_size([np.zeros((3, 2)), np.zeros((5, 2))]) == 16
    monkeypatch.setenv(ENV_VAR, "3")
    assert _Probe().fit(small).torch_threads_ == 3
    monkeypatch.setenv(ENV_VAR, "user")
    assert _Probe().fit(small).torch_threads_ == user_threads
    monkeypatch.setenv(ENV_VAR, "many")
    with pytest.raises(ValueError, match=ENV_VAR):
        _Probe().fit(small)
    assert torch.get_num_threads() == user_threads


def test_concurrent_calls_give_every_thread_its_settings_back(monkeypatch):
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    monkeypatch.delenv(ENV_VAR, raising=False)
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threadpool_limits(limits=2, user_api="blas"):
            before = blas()
            barrier = threading.Barrier(4)
            seen = []

            def work():
                torch.set_num_threads(2)
                # torch reads the process default into a thread's own pool at the thread's
                # first query: do it now, before the main thread's call changes the default
                seen.append(("before", torch.get_num_threads()))
                barrier.wait()
                with thread_policy(0):
                    barrier.wait()  # all inside at once, the main thread's call too
                    seen.append(torch.get_num_threads())
                    barrier.wait()
                seen.append(("after", torch.get_num_threads()))

            threads = [threading.Thread(target=work) for _ in range(3)]
            for t in threads:
                t.start()
            with thread_policy(0):
                barrier.wait()
                barrier.wait()
                inside = blas(), torch.get_num_threads()
                barrier.wait()
            for t in threads:
                t.join()
            after = blas(), torch.get_num_threads()
    finally:
        torch.set_num_threads(old)
    assert inside == ([1] * len(before), 1)
    assert after == (before, 2)
    expected = [1, 1, 1] + [("after", 2)] * 3 + [("before", 2)] * 3
    assert sorted(map(str, seen)) == sorted(map(str, expected))


def test_small_fit_is_bit_for_bit_the_same_whatever_the_users_thread_count(monkeypatch):
    # Under the old behaviour (SKLOT_NUM_THREADS=user) the decision values below differ by
    # ~1e-6 between 1 and 2 threads (float32 reductions split differently).
    from sklearn.datasets import load_digits

    monkeypatch.delenv(ENV_VAR, raising=False)
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    old = torch.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            torch.set_num_threads(n)
            est = LipschitzClassifier(max_epochs=1, random_state=0).fit(X, y)
            results.append(est.decision_function(X))
            assert torch.get_num_threads() == n
    finally:
        torch.set_num_threads(old)
    np.testing.assert_array_equal(results[0], results[1])


def _probe_in_worker(X):
    return _Probe().fit(X).torch_threads_


@pytest.mark.slow  # starting two loky workers that import torch takes ~30 s on a loaded machine
def test_one_thread_per_joblib_worker():
    from joblib import Parallel, delayed

    got = Parallel(n_jobs=2, backend="loky")(delayed(_probe_in_worker)(np.zeros((50, 4))) for _ in range(2))
    assert got == [1, 1]


def test_problem_size_never_raises_and_counts_a_single_graph():
    # The wrapper sizes the first argument before the method validates it: an input the method
    # rejects (a single graph where a list is expected, an object) must reach that method's own
    # error, not a KeyError from the sizing heuristic.
    import networkx as nx
    from torch_geometric.data import Data

    g = Data(x=torch.zeros(4, 3), edge_index=torch.tensor([[0, 1], [1, 2]]))
    assert problem_size(g) == (4 + 2) * 3
    assert problem_size(nx.path_graph(5)) == 5 + 4
    assert problem_size(object()) == 0
    assert problem_size({0: 1}) >= 0
