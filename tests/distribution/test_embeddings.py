import numpy as np
import ot
import pytest
from scipy.special import logsumexp

from sklot.distribution import MeanEmbedding, SinkhornPotentialEmbedding, SlicedWassersteinEmbedding
from sklot.distribution._bag_batches import iter_bag_batches
from sklot.distribution._sinkhorn_potentials import sinkhorn_potential


def _ragged(seed, n_bags=20, d=2):
    rng = np.random.default_rng(seed)
    return [rng.normal(rng.uniform(-2, 2), 1.0, size=(int(rng.integers(5, 60)), d)) for _ in range(n_bags)]


def _dist2(E):
    return ((E[:, None] - E[None]) ** 2).sum(-1)


def test_sliced_embedding_matches_pot_with_the_same_directions():
    rng = np.random.default_rng(0)
    bags = [rng.normal(size=(64, 3)) @ rng.normal(size=(3, 3)) for _ in range(5)]
    emb = SlicedWassersteinEmbedding(
        n_projections=20, n_quantiles=64, quantile_spacing="uniform", random_state=0, device="cpu"
    ).fit(bags)
    D2 = _dist2(emb.transform(bags))
    for i in range(5):
        for j in range(i + 1, 5):
            sw = ot.sliced_wasserstein_distance(bags[i], bags[j], projections=emb.directions_)
            np.testing.assert_allclose(D2[i, j], sw**2, rtol=2e-5)  # float32 projections


def test_sliced_embedding_default_quantiles_within_one_percent_of_pot():
    rng = np.random.default_rng(1)
    bags = [rng.normal(size=(500, 5)) * rng.uniform(0.5, 2) + rng.normal(size=5) * 0.5 for _ in range(6)]
    emb = SlicedWassersteinEmbedding(random_state=0, device="cpu").fit(bags)
    D = np.sqrt(_dist2(emb.transform(bags)))
    for i in range(6):
        for j in range(i + 1, 6):
            sw = ot.sliced_wasserstein_distance(bags[i], bags[j], projections=emb.directions_)
            assert abs(D[i, j] - sw) <= 0.01 * sw


def test_ragged_batches_equal_bag_by_bag_and_3d_equals_list():
    bags = _ragged(2)
    emb = SlicedWassersteinEmbedding(
        n_projections=5, n_quantiles=9, batch_size=3, random_state=0, device="cpu"
    )
    E = emb.fit_transform(bags)
    for i in (0, 7, 19):
        np.testing.assert_allclose(E[i], emb.transform([bags[i]])[0], rtol=1e-5, atol=1e-6)
    X3 = np.stack([b[:5] for b in bags])
    np.testing.assert_array_equal(emb.transform(X3), emb.transform(list(X3)))


def test_batches_cover_every_bag_once_and_keep_equal_sizes_unpadded():
    sizes = [10] * 40 + [3, 4, 5] + [20] * 35
    bags = [np.zeros((k, 2)) for k in sizes]
    seen = []
    for idx, points, w, n_points in iter_bag_batches(bags, None, width=1, max_elements=10**6, device="cpu"):
        seen.extend(idx.tolist())
        if len(set(sizes[i] for i in idx)) == 1:
            assert n_points is None
        else:
            assert n_points.tolist() == [sizes[i] for i in idx]
    assert sorted(seen) == list(range(len(sizes)))


def test_point_weights_equal_duplication_for_every_embedding():
    rng = np.random.default_rng(3)
    base = [rng.normal(size=(6, 2)) for _ in range(3)]
    counts = [rng.integers(1, 4, size=6) for _ in range(3)]
    dup = [np.repeat(b, c, axis=0) for b, c in zip(base, counts)]
    for est in (
        SlicedWassersteinEmbedding(n_projections=4, n_quantiles=8, random_state=0, device="cpu"),
        MeanEmbedding(n_frequencies=16, bandwidth=1.0, random_state=0, device="cpu"),
        SinkhornPotentialEmbedding(n_references=8, random_state=0),
    ):
        est.fit(dup)
        a = est.transform(base, point_weight=counts)
        b = est.transform(dup)
        tol = 1e-5 if not isinstance(est, SinkhornPotentialEmbedding) else 1e-6
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=type(est).__name__)


def test_mean_embedding_distance_approximates_exact_mmd():
    rng = np.random.default_rng(4)
    bags = [rng.normal(m, s, size=(80, 2)) for m, s in [(0, 1), (0.5, 1), (0, 2), (2, 0.5)]]
    sigma = 1.3
    E = MeanEmbedding(n_frequencies=20000, bandwidth=sigma, random_state=0, device="cpu").fit_transform(bags)
    D2 = _dist2(E)

    def k(a, b):
        return np.exp(-ot.dist(a, b) / (2 * sigma**2)).mean()

    for i in range(4):
        for j in range(i + 1, 4):
            mmd2 = k(bags[i], bags[i]) + k(bags[j], bags[j]) - 2 * k(bags[i], bags[j])
            assert abs(D2[i, j] - mmd2) < 0.05 * mmd2 + 2e-3, (i, j, D2[i, j], mmd2)


def test_mean_embedding_median_bandwidth():
    bags = _ragged(5)
    est = MeanEmbedding(random_state=0, device="cpu").fit(bags)
    pooled = np.concatenate(bags)
    assert len(pooled) <= 1000
    d = np.sqrt(ot.dist(pooled, pooled))[np.triu_indices(len(pooled), 1)]
    np.testing.assert_allclose(est.bandwidth_, np.median(d[d > 0]), rtol=1e-10)


def _log_sinkhorn_reference(x, b, u, a, eps, n_iter=5000):
    """An independent log-domain Sinkhorn (numpy), returning f centred under a."""
    C = ot.dist(u, x)
    f, g = np.zeros(len(u)), np.zeros(len(x))
    for _ in range(n_iter):
        f = -eps * logsumexp((g[None, :] - C) / eps, b=b[None, :], axis=1)
        g = -eps * logsumexp((f[:, None] - C) / eps, b=a[:, None], axis=0)
    return f - a @ f


def test_sinkhorn_potential_matches_independent_solver():
    rng = np.random.default_rng(6)
    x, u = rng.normal(size=(30, 2)), rng.normal(size=(12, 2))
    b = rng.uniform(0.5, 1.5, size=30)
    b /= b.sum()
    a = np.full(12, 1 / 12)
    f, n_iter, err = sinkhorn_potential(x, b, u, a, 0.5, max_iter=5000, tol=1e-12)
    np.testing.assert_allclose(f, _log_sinkhorn_reference(x, b, u, a, 0.5), atol=1e-7)
    assert n_iter < 5000 and err < 1e-12


def test_sinkhorn_embedding_is_permutation_invariant_and_separates_bags():
    bags = _ragged(7, n_bags=6)
    est = SinkhornPotentialEmbedding(n_references=16, random_state=0).fit(bags)
    E = est.transform(bags)
    rng = np.random.default_rng(0)
    E_perm = est.transform([b[rng.permutation(len(b))] for b in bags])
    np.testing.assert_allclose(E, E_perm, atol=1e-8)
    assert np.all(_dist2(E)[np.triu_indices(6, 1)] > 0)


def test_embeddings_reject_bad_bags():
    est = SlicedWassersteinEmbedding(device="cpu")
    with pytest.raises(ValueError, match="bag 1 is empty"):
        est.fit([np.zeros((3, 2)), np.zeros((0, 2))])
    with pytest.raises(ValueError, match="same dimension"):
        est.fit([np.zeros((3, 2)), np.zeros((3, 3))])
    with pytest.raises(ValueError, match="NaN"):
        est.fit([np.array([[0.0, np.nan]])])
    est.fit([np.zeros((3, 2))])
    with pytest.raises(ValueError, match="fitted on bags with d=2"):
        est.transform([np.zeros((3, 4))])
    with pytest.raises(ValueError, match="point_weight"):
        est.transform([np.zeros((3, 2))], point_weight=[np.ones(2)])


@pytest.mark.cuda
def test_sliced_and_mean_embeddings_on_cuda_match_cpu():
    bags = _ragged(8)
    for cls, kw in ((SlicedWassersteinEmbedding, {}), (MeanEmbedding, {})):
        cpu = cls(random_state=0, device="cpu", **kw).fit(bags)
        gpu = cls(random_state=0, device="cuda", **kw).fit(bags)
        np.testing.assert_allclose(gpu.transform(bags), cpu.transform(bags), rtol=1e-4, atol=1e-5)


def test_sinkhorn_potential_small_regularisation_uses_the_log_domain_and_stays_finite():
    rng = np.random.default_rng(9)
    x, u = rng.normal(size=(20, 2)) * 5, rng.normal(size=(8, 2))
    b, a = np.full(20, 1 / 20), np.full(8, 1 / 8)
    eps = 0.2
    assert ot.dist(u, x).max() / eps > 500  # exp(-C / eps) would underflow in the scaling iterations
    f, _, _ = sinkhorn_potential(x, b, u, a, eps, max_iter=5000, tol=1e-10)
    assert np.all(np.isfinite(f))
    np.testing.assert_allclose(f, _log_sinkhorn_reference(x, b, u, a, eps, n_iter=3000), rtol=1e-4, atol=1e-4)


def test_sinkhorn_non_convergence_warns_once_per_fit_with_counts():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklot.distribution import KernelDistributionRegressor

    bags = _ragged(10, n_bags=12)
    y = np.array([b.mean() for b in bags])
    # 3 iterations cannot reach a marginal violation of 1e-12 (POT checks it at iteration 0 only)
    msg = r"did not converge for 12 of 12 bags within max_iter=3"
    with pytest.warns(ConvergenceWarning, match=msg) as rec:
        est = SinkhornPotentialEmbedding(n_references=8, max_iter=3, tol=1e-12, random_state=0)
        est.fit_transform(bags)
    assert sum(issubclass(w.category, ConvergenceWarning) for w in rec) == 1
    assert est.n_not_converged_ == 12 and np.all(est.n_iter_ == 3)
    emb = SinkhornPotentialEmbedding(n_references=8, max_iter=3, tol=1e-12)
    with pytest.warns(ConvergenceWarning, match=r"for 10 of 10 bags") as rec:
        model = KernelDistributionRegressor(embedding=emb, alpha=0.1, random_state=0).fit(bags[:10], y[:10])
    assert sum(issubclass(w.category, ConvergenceWarning) for w in rec) == 1
    assert model.n_not_converged_ == 10 and model.n_iter_.shape == (10,)
    # the defaults on easy data converge: no warning, and the counts say so
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = SinkhornPotentialEmbedding(n_references=8, random_state=0)
        est.fit_transform(bags)
        model = KernelDistributionRegressor(embedding="sinkhorn", alpha=0.1, random_state=0).fit(bags, y)
    assert est.n_not_converged_ == 0 and np.all(est.n_iter_ < est.max_iter)
    assert model.n_not_converged_ == 0
