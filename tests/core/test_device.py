import warnings
from unittest import mock

import numpy as np
import pytest
import torch

from sklot._core.device import resolve_device, to_numpy


def test_cpu_and_torch_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")


def test_auto_follows_cuda_availability():
    with mock.patch("torch.cuda.is_available", return_value=False):
        assert resolve_device("auto") == torch.device("cpu")
        assert resolve_device(None) == torch.device("cpu")
    with mock.patch("torch.cuda.is_available", return_value=True):
        assert resolve_device("auto") == torch.device("cuda")


def test_cuda_falls_back_with_warning():
    with mock.patch("torch.cuda.is_available", return_value=False):
        with pytest.warns(UserWarning, match="CUDA is not available"):
            assert resolve_device("cuda") == torch.device("cpu")
        with pytest.warns(UserWarning):
            assert resolve_device("cuda:1") == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "tpu", 3, 1.5, ["cpu"]])
def test_bad_device_names_the_problem(bad):
    with pytest.raises(ValueError, match="device must be"):
        resolve_device(bad)


def test_to_numpy_detaches_and_casts():
    t = torch.ones(3, requires_grad=True) * 2
    out = to_numpy(t, dtype=np.float64)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [2.0, 2.0, 2.0])


@pytest.mark.cuda
def test_cuda_resolves_to_cuda():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_device("cuda").type == "cuda"
