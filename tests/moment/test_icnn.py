import numpy as np
import pytest
import torch

from sklot.moment import ICNNPotential, potential_gradient
from sklot.moment._icnn import nonnegative


def _random_potential(seed, d=3, alpha=0.1):
    torch.manual_seed(seed)
    w = ICNNPotential(d, (16, 16, 8), rank=2, strong_convexity=alpha).double()
    with torch.no_grad():
        # switch the hidden branch on, with some raw weights driven negative
        for p in w.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return w


@pytest.mark.parametrize("seed", range(3))
def test_strongly_convex_on_random_segments(seed):
    alpha = 0.1
    w = _random_potential(seed, alpha=alpha)
    g = torch.Generator().manual_seed(seed)
    x = 3 * torch.randn(500, 3, generator=g, dtype=torch.float64)
    y = 3 * torch.randn(500, 3, generator=g, dtype=torch.float64)
    t = torch.rand(500, 1, generator=g, dtype=torch.float64)
    with torch.no_grad():
        lhs = w(t * x + (1 - t) * y)
        rhs = t[:, 0] * w(x) + (1 - t[:, 0]) * w(y) - 0.5 * alpha * (t * (1 - t))[:, 0] * ((x - y) ** 2).sum(1)
    # alpha-strong convexity: w(tx+(1-t)y) <= t w(x) + (1-t) w(y) - alpha/2 t(1-t)|x-y|^2
    assert torch.all(lhs <= rhs + 1e-9)
    # and the hidden branch is really on (the test is not about a quadratic)
    assert float(nonnegative(w.output_raw).detach().sum()) > 0


def test_gradient_monotone():
    w = _random_potential(5)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 3, generator=g, dtype=torch.float64)
    y = torch.randn(400, 3, generator=g, dtype=torch.float64)
    gx, _ = potential_gradient(w, x)
    gy, _ = potential_gradient(w, y)
    assert torch.all(((gx - gy) * (x - y)).sum(1) >= 0.1 * ((x - y) ** 2).sum(1) - 1e-9)


def test_nonnegative_weights_by_construction_after_updates():
    w = _random_potential(1)
    opt = torch.optim.SGD(w.parameters(), lr=10.0)
    x = torch.randn(64, 3, dtype=torch.float64)
    for _ in range(3):
        opt.zero_grad()
        w(x).sum().backward()  # pushes the non-negative weights down
        opt.step()
    assert any(float(raw.min()) < 0 for raw in w.hidden_raw)  # raw values went negative ...
    for raw in list(w.hidden_raw) + [w.output_raw, w.diag_raw]:
        assert float(nonnegative(raw).min()) >= 0.0  # ... the weights used never do


def _hessian(w, c):
    x = torch.as_tensor(c[None]).requires_grad_(True)
    (g,) = torch.autograd.grad(w(x).sum(), x, create_graph=True)
    H = torch.stack([torch.autograd.grad(g[0, k], x, retain_graph=True)[0][0] for k in range(len(c))])
    return g[0].detach().numpy(), H.detach().numpy()


def test_identity_initialisation():
    w = ICNNPotential(4, (32, 32), rank=3, strong_convexity=0.3).double()  # rank d - 1: exact
    w.init_quadratic(np.eye(4), np.zeros(4))  # redo the identity initialisation in float64
    g, H = _hessian(w, np.zeros(4))
    # exact to second order at 0: grad w(0) = 0, Hessian = I
    np.testing.assert_allclose(g, 0, atol=1e-10)
    np.testing.assert_allclose(H, np.eye(4), atol=1e-10)
    # and close to |x|^2 / 2 around it (the small hidden branch stays on)
    x = torch.randn(200, 4, dtype=torch.float64)
    grad, _ = potential_gradient(w, x)
    # (median: a unit whose kink lies near a point bends the gradient locally)
    rel = np.linalg.norm(grad.numpy() - x.numpy(), axis=1) / np.linalg.norm(x.numpy(), axis=1)
    assert np.median(rel) < 0.1
    assert float(nonnegative(w.output_raw).detach().min()) > 0


@pytest.mark.parametrize("d, rank", [(2, 1), (3, 2), (1, 1)])
def test_gaussian_initialisation(d, rank):
    rng = np.random.default_rng(d)
    A = rng.normal(size=(d, d))
    P = A @ A.T + 0.5 * np.eye(d)
    c = rng.normal(size=d)
    torch.manual_seed(d)
    w = ICNNPotential(d, (16,), rank=rank, strong_convexity=0.1).double()  # then set in float64
    w.init_quadratic(P, c)
    g, H = _hessian(w, c)
    np.testing.assert_allclose(g, 0, atol=1e-10)
    np.testing.assert_allclose(H, P, atol=1e-10)
    x = torch.as_tensor(c + 0.5 * rng.normal(size=(30, d)))
    grad, _ = potential_gradient(w, x)
    exact = (x.numpy() - c) @ P
    # (median: a unit whose kink lies near a point bends the gradient locally)
    assert np.median(np.linalg.norm(grad.numpy() - exact, axis=1)) < 0.1 * np.abs(P).max()


def test_gaussian_initialisation_rejects_curvature_below_alpha():
    w = ICNNPotential(2, (8,), strong_convexity=1.0)
    with pytest.raises(ValueError, match="strong_convexity"):
        w.init_quadratic(np.diag([2.0, 0.5]), np.zeros(2))
