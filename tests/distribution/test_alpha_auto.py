"""alpha="auto": exact leave-one-out over ALPHA_GRID from one eigendecomposition (issue 19, item 3)."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import RidgeCV

from sklot.distribution import KernelDistributionRegressor
from sklot.distribution._kernel_distribution import ALPHA_GRID
from sklot.distribution._kernel_ridge import gaussian_kernel, nystroem_feature_map, ridge_loo_residuals


def _noisy_bags(seed, n_bags=40):
    rng = np.random.default_rng(seed)
    means = rng.uniform(-2, 2, n_bags)
    bags = [rng.normal(m, 1.0, size=(25, 2)) for m in means]
    return bags, means + 0.1 * rng.standard_normal(n_bags)


def _brute_force_loo(Phi_or_K, y, alpha, kind):
    """Refit the estimator's model (mean intercept + ridge) without each bag, in float64 numpy."""
    n = len(y)
    res = np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        m = y[keep].mean()
        if kind == "kernel":
            K = Phi_or_K
            c = np.linalg.solve(K[np.ix_(keep, keep)] + alpha * np.eye(n - 1), y[keep] - m)
            res[i] = y[i] - (m + K[i, keep] @ c)
        else:
            F = Phi_or_K
            w = np.linalg.solve(F[keep].T @ F[keep] + alpha * np.eye(F.shape[1]), F[keep].T @ (y[keep] - m))
            res[i] = y[i] - (m + F[i] @ w)
    return res


def test_exact_solver_loo_equals_brute_force_refits():
    bags, y = _noisy_bags(0)
    model = KernelDistributionRegressor(alpha="auto", solver="exact", random_state=0, device="cpu")
    model.fit(bags, y)
    S = model.support_embeddings_.double()
    K = gaussian_kernel(S, S, model._kernel_gamma).numpy()
    # float64 throughout; the solves' relative error is ~ 1e-16 * cond(K + alpha I) <= 1e-16 * (1 + n / alpha)
    for k in np.flatnonzero(ALPHA_GRID >= 1e-4)[::3]:
        brute = _brute_force_loo(K, y, ALPHA_GRID[k], "kernel")
        np.testing.assert_allclose(model.loo_mse_[k], np.mean(brute**2), rtol=1e-8)
    assert 1e-4 <= model.alpha_ <= 1.0  # noisy labels: a moderate penalty
    brute = _brute_force_loo(K, y, model.alpha_, "kernel")
    np.testing.assert_allclose(model.loo_residuals_[:, 0], brute, rtol=1e-8, atol=1e-12)
    assert model.alpha_ == ALPHA_GRID[np.argmin(model.loo_mse_)]
    # the fitted coefficients are the ridge solution at alpha_
    same = KernelDistributionRegressor(alpha=model.alpha_, solver="exact", random_state=0, device="cpu")
    np.testing.assert_allclose(same.fit(bags, y).predict(bags), model.predict(bags), rtol=1e-8)


def test_nystroem_solver_loo_equals_brute_force_refits(monkeypatch):
    import sklot.distribution._kernel_distribution as kd

    bags, y = _noisy_bags(1, n_bags=36)
    for keep in (True, False):  # features kept in memory, or recomputed in a second pass
        monkeypatch.setattr(kd, "_KEEP_FEATURES", 10**9 if keep else 0)
        model = KernelDistributionRegressor(
            alpha="auto", solver="nystroem", n_components=12, random_state=0, device="cpu"
        ).fit(bags, y)
        L = model.support_embeddings_
        M = nystroem_feature_map(gaussian_kernel(L.double(), L.double(), model._kernel_gamma))
        E = model._embed(bags, None, torch.device("cpu")).to(L.dtype)
        F = (gaussian_kernel(E, L, model._kernel_gamma).double() @ M).numpy()
        brute = _brute_force_loo(F, y, model.alpha_, "features")
        np.testing.assert_allclose(model.loo_residuals_[:, 0], brute, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("form", ["gram", "features"])
def test_loo_without_intercept_matches_sklearn_ridgecv_on_explicit_linear_features(form):
    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 6))
    y = X @ rng.standard_normal(6) + 0.3 * rng.standard_normal(30)
    alphas = np.logspace(-3, 2, 11)
    ref = RidgeCV(alphas=alphas, fit_intercept=False, store_cv_results=True).fit(X, y)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)[:, None]
    if form == "gram":  # K = X X^T = Q diag(lam) Q^T, P = Q lam^(1/2) (the exact solver's form)
        lam, Q = torch.linalg.eigh(Xt @ Xt.T)
        lam = lam.clamp_min(0.0)
        P = Q * lam.sqrt()
        s = lam
    else:  # X^T X = V diag(s) V^T, P = X V (the Nystroem solver's feature-space form)
        s, V = torch.linalg.eigh(Xt.T @ Xt)
        P = Xt @ V
    res = ridge_loo_residuals(P, s, yt, P.T @ yt, P.sum(0), torch.as_tensor(alphas), 30, intercept=False)
    np.testing.assert_allclose((res[:, :, 0] ** 2).numpy().T, ref.cv_results_, rtol=1e-8)
    assert alphas[int(torch.argmin((res**2).mean(dim=(1, 2))))] == ref.alpha_


def test_auto_picks_a_small_alpha_for_noise_free_labels_and_a_larger_one_for_noisy_labels():
    rng = np.random.default_rng(3)
    means = rng.uniform(-2, 2, 60)
    bags = [rng.normal(m, 1.0, size=(200, 1)) for m in means]
    exact_mean = np.array([b.mean() for b in bags])  # a noise-free functional of each bag
    kw = dict(alpha="auto", random_state=0, device="cpu")
    clean = KernelDistributionRegressor(**kw).fit(bags, exact_mean)
    noisy = KernelDistributionRegressor(**kw).fit(bags, exact_mean + 0.5 * rng.standard_normal(60))
    assert clean.alpha_ < noisy.alpha_
