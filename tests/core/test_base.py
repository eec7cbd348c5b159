import pickle
from unittest import mock

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator

from sklot._core.base import TorchEstimatorMixin
from sklot._core.device import to_numpy


class _Toy(TorchEstimatorMixin, BaseEstimator):
    def __init__(self, *, device="cpu"):
        self.device = device

    def fit(self, X):
        dev = self._device()
        self.module_ = torch.nn.Linear(X.shape[1], 1).to(dev)
        self.shift_ = torch.ones(1, device=dev)
        self.buffers_ = [torch.zeros(2, device=dev)]
        return self

    def predict(self, X):
        dev = self._device()
        with torch.no_grad():
            out = self.module_.to(dev)(torch.as_tensor(X, dtype=torch.float32, device=dev)) + self.shift_.to(dev)
        return to_numpy(out).ravel()


def test_pickled_state_holds_only_cpu_tensors():
    est = _Toy().fit(np.ones((3, 2)))
    state = est.__getstate__()
    assert state["module_"].weight.device.type == "cpu"
    assert state["shift_"].device.type == "cpu"
    assert state["buffers_"][0].device.type == "cpu"
    X = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), est.predict(X))


def test_cuda_configured_estimator_predicts_on_cpu_machine():
    X = np.random.default_rng(0).normal(size=(4, 2))
    est = _Toy().fit(X)
    expected = est.predict(X)
    est.set_params(device="cuda")  # as if it had been fitted on a GPU machine
    loaded = pickle.loads(pickle.dumps(est))
    with mock.patch("torch.cuda.is_available", return_value=False):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            out = loaded.predict(X)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.cuda
def test_cuda_fitted_estimator_pickles_to_cpu():
    est = _Toy(device="cuda").fit(np.ones((3, 2)))
    assert est.module_.weight.device.type == "cuda"
    state = est.__getstate__()
    assert state["module_"].weight.device.type == "cpu"
    assert est.module_.weight.device.type == "cuda", "pickling must not move the live model"
