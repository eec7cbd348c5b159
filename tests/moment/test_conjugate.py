import numpy as np
import torch

from sklot.moment import ICNNPotential, conjugate_gradient, conjugate_value


def test_conjugate_of_a_quadratic_matches_the_closed_form():
    # w(y) = 1/2 y^T A y + b^T y  =>  w*(x) = 1/2 (x - b)^T A^{-1} (x - b),  grad w*(x) = A^{-1}(x - b)
    rng = np.random.default_rng(0)
    B = rng.normal(size=(3, 3))
    A = torch.as_tensor(B @ B.T + 0.3 * np.eye(3))
    b = torch.as_tensor(rng.normal(size=3))

    def w(y):
        return 0.5 * ((y @ A) * y).sum(1) + y @ b

    x = torch.as_tensor(rng.normal(size=(200, 3)) * 2)
    y_star, info = conjugate_gradient(w, x, tol=1e-8, max_iter=200, return_info=True)
    exact = torch.linalg.solve(A, (x - b).T).T
    assert info["converged"]
    np.testing.assert_allclose(y_star.numpy(), exact.numpy(), atol=1e-6)
    val = conjugate_value(w, x, y_star)
    exact_val = 0.5 * (((x - b) @ torch.linalg.inv(A)) * (x - b)).sum(1)
    np.testing.assert_allclose(val.numpy(), exact_val.numpy(), atol=1e-9)


def test_conjugate_of_an_icnn_is_a_supremum_and_inverts_the_gradient():
    torch.manual_seed(0)
    w = ICNNPotential(2, (16, 16), rank=1, strong_convexity=0.2).double()
    with torch.no_grad():
        for p in w.parameters():
            p.add_(0.3 * torch.randn_like(p))
    g = torch.Generator().manual_seed(1)
    x = torch.randn(300, 2, generator=g, dtype=torch.float64) * 2
    y_star = conjugate_gradient(w, x, tol=1e-7, max_iter=300)
    # first-order optimality grad w(y*) = x
    y = y_star.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(w(y).sum(), y)
    np.testing.assert_allclose(grad.numpy(), x.numpy(), atol=1e-5)
    # w*(x) >= <x, y> - w(y) for any y (it is a max), with equality at y*
    w_star = conjugate_value(w, x, y_star)
    with torch.no_grad():
        for _ in range(5):
            y_rand = y_star + torch.randn(y_star.shape, generator=g, dtype=torch.float64)
            assert torch.all(w_star >= (x * y_rand).sum(1) - w(y_rand) - 1e-9)


def test_warm_start_saves_iterations():
    torch.manual_seed(0)
    w = ICNNPotential(2, (16,), strong_convexity=0.2).double()
    with torch.no_grad():
        w.output_raw.add_(2.0)  # a strongly non-quadratic potential
    x = 3 * torch.randn(100, 2, dtype=torch.float64)
    y_prev = conjugate_gradient(w, x, tol=1e-8, max_iter=200)
    x_new = x + 1e-2  # the particles moved a little
    _, cold = conjugate_gradient(w, x_new, init=torch.zeros_like(x_new), tol=1e-7, max_iter=200, return_info=True)
    _, warm = conjugate_gradient(w, x_new, init=y_prev, tol=1e-7, max_iter=200, return_info=True)
    assert cold["converged"] and warm["converged"]
    assert warm["n_iter"] < cold["n_iter"]
