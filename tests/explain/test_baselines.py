"""captum baselines for unconstrained networks: shapes, and agreement with autograd and closed forms."""

import numpy as np
import pytest
import torch

pytest.importorskip("captum")

from sklot.explain import integrated_gradients, saliency, smoothgrad  # noqa: E402


@pytest.fixture
def mlp_and_data():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).double()
    X = np.random.default_rng(0).normal(size=(9, 6))
    return mlp, X


def _autograd(module, X, cls):
    x = torch.as_tensor(X).requires_grad_(True)
    out = module(x)
    out = torch.cat([-out, out], 1) if out.shape[1] == 1 else out
    (g,) = torch.autograd.grad(out.gather(1, torch.as_tensor(cls)[:, None]).sum(), x)
    return g.numpy()


def test_saliency_is_the_autograd_gradient_of_the_class_logit(mlp_and_data):
    mlp, X = mlp_and_data
    pred = mlp(torch.as_tensor(X)).argmax(1).numpy()
    s = saliency(mlp, X, batch_size=4)  # several batches
    assert s.shape == X.shape
    np.testing.assert_allclose(s, _autograd(mlp, X, pred), rtol=1e-12, atol=1e-14)
    y = np.arange(len(X)) % 3
    np.testing.assert_allclose(saliency(mlp, X, y), _autograd(mlp, X, y), rtol=1e-12, atol=1e-14)
    # a one-output binary model: class 0 is the logit -f
    lin = torch.nn.Linear(6, 1).double()
    np.testing.assert_allclose(saliency(lin, X, np.zeros(len(X), int)),
                               -np.broadcast_to(lin.weight.detach().numpy(), X.shape), rtol=1e-12)


def test_smoothgrad_closed_forms_and_seed(mlp_and_data):
    mlp, X = mlp_and_data
    # tiny noise: the plain gradient
    pred = mlp(torch.as_tensor(X)).argmax(1).numpy()
    np.testing.assert_allclose(smoothgrad(mlp, X, stdev=1e-9, random_state=0), _autograd(mlp, X, pred),
                               rtol=1e-6, atol=1e-9)

    # quadratic logit a x^2 / 2 (per feature): the gradient a x is linear, so SmoothGrad is a (x + mean noise)
    class Quad(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(1.5, dtype=torch.float64))  # sets the dtype: float64

        def forward(self, x):
            return (self.a * x**2 / 2).sum(1, keepdim=True)

    n, sigma = 400, 0.3
    sg = smoothgrad(Quad(), X, np.ones(len(X), int), n_samples=n, stdev=sigma, random_state=0)
    # |mean of n N(0, sigma^2)| < 5 sigma / sqrt(n) except with probability ~ 6e-7 per entry
    np.testing.assert_array_less(np.abs(sg - 1.5 * X), 1.5 * 5 * sigma / np.sqrt(n))
    assert np.abs(sg - 1.5 * X).max() > 0  # the noise is there
    # reproducible, and the caller's global torch stream is untouched
    state = torch.get_rng_state()
    a = smoothgrad(mlp, X, random_state=3)
    assert torch.equal(state, torch.get_rng_state())
    np.testing.assert_array_equal(a, smoothgrad(mlp, X, random_state=3))


def test_integrated_gradients_closed_forms(mlp_and_data):
    mlp, X = mlp_and_data
    lin = torch.nn.Linear(6, 3).double()
    W = lin.weight.detach().numpy()
    y = np.arange(len(X)) % 3
    b = np.linspace(-1, 1, 6)
    # linear model: (x - b) * w_c exactly, up to captum's quadrature weights (float32-rounded, ~1e-8)
    ig = integrated_gradients(lin, X, y, baseline=b)
    np.testing.assert_allclose(ig, (X - b) * W[y], rtol=1e-7, atol=1e-12)

    # quadratic a x^2 / 2: a (x^2 - b^2) / 2 exactly (Gauss-Legendre integrates the linear path gradient)
    class Quad(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.tensor(1.5, dtype=torch.float64))  # sets the dtype: float64

        def forward(self, x):
            return (self.a * x**2 / 2).sum(1, keepdim=True)

    ig = integrated_gradients(Quad(), X, np.ones(len(X), int), baseline=b, n_steps=8)
    np.testing.assert_allclose(ig, 1.5 * (X**2 - b**2) / 2, rtol=1e-7, atol=1e-10)  # captum nodes: ~float32
    # completeness on the MLP: attributions sum to f_c(x) - f_c(0)
    ig = integrated_gradients(mlp, X, y, n_steps=64, batch_size=100)
    with torch.no_grad():
        f = mlp(torch.as_tensor(X)).numpy()[np.arange(len(X)), y]
        f0 = mlp(torch.zeros(1, 6, dtype=torch.float64)).numpy()[0, y]
    np.testing.assert_allclose(ig.sum(1), f - f0, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="baseline"):
        integrated_gradients(mlp, X, baseline=np.zeros(4))
