"""Thread safety and thread-count independence of sklot's fits.

Two estimators fitted at the same time in two threads must give exactly the
predictions of sequential fits (nothing random is drawn from, or restored into,
torch's process-wide generator), and no public method may change the user's
global torch random state.
"""

import sys
import threading

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from sklot import ConjugateMomentSampler, LipschitzClassifier


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
        hidden_layer_sizes=(8,), n_particles=16, n_langevin_steps=2, max_iter=2, n_inner_steps=1, random_state=seed
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
