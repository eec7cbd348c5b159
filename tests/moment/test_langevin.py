import numpy as np
import pytest
import torch

from sklot.moment import langevin


def _quadratic(p):
    return lambda x: 0.5 * p * (x**2).sum(1)


def test_ula_has_its_known_bias_and_mala_removes_it():
    # For w = p x^2 / 2 the ULA chain is AR(1) with stationary variance 1 / (p (1 - tau p / 2)).
    p, tau = 1.0, 0.5
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(20000, 1, generator=g, dtype=torch.float64)
    x_ula, acc = langevin(_quadratic(p), x0, step_size=tau, n_steps=60, generator=g, method="ula")
    assert acc == 1.0
    assert abs(float(x_ula.var()) - 1.0 / (p * (1 - tau * p / 2))) < 0.04
    x_mala, acc = langevin(_quadratic(p), x0, step_size=tau, n_steps=60, generator=g, method="mala")
    assert 0.5 < acc < 1.0
    assert abs(float(x_mala.var()) - 1.0 / p) < 0.04


def test_langevin_reaches_a_shifted_gaussian_in_2d():
    mean = torch.tensor([1.0, -2.0], dtype=torch.float64)
    prec = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)

    def w(x):
        d = x - mean
        return 0.5 * ((d @ prec) * d).sum(1)

    g = torch.Generator().manual_seed(1)
    x, _ = langevin(w, torch.zeros(10000, 2, dtype=torch.float64), step_size=0.05, n_steps=200, generator=g, method="mala")
    np.testing.assert_allclose(x.mean(0).numpy(), mean.numpy(), atol=0.05)
    np.testing.assert_allclose(np.cov(x.numpy().T), np.linalg.inv(prec.numpy()), atol=0.06)


def test_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        langevin(_quadratic(1.0), torch.zeros(3, 1), step_size=0.1, n_steps=1, generator=torch.Generator(), method="hmc")
