import numpy as np
import pytest
import torch
from sklearn.kernel_ridge import KernelRidge
from sklearn.metrics import explained_variance_score
from sklearn.model_selection import GridSearchCV, cross_val_score

from sklot.datasets import make_rotated_gaussian_bags
from sklot.distribution import (
    KernelDistributionClassifier,
    KernelDistributionRegressor,
    MeanEmbedding,
    SlicedWassersteinEmbedding,
)
from sklot.distribution._kernel_ridge import NystroemRidgeAccumulator, gaussian_kernel, solve_exact_ridge


def _mean_bags(seed, n_bags=60, d=2):
    rng = np.random.default_rng(seed)
    means = rng.uniform(-2, 2, n_bags)
    bags = [rng.normal(m, 1.0, size=(int(rng.integers(20, 40)), d)) for m in means]
    return bags, means


def test_exact_solver_matches_sklearn_kernel_ridge_on_the_embedding():
    bags, y = _mean_bags(0)
    model = KernelDistributionRegressor(solver="exact", alpha=0.3, gamma=0.7, random_state=0, device="cpu")
    model.fit(bags[:40], y[:40])
    E = model.embedding_.transform(bags)

    def sklearn_pred(alpha, gamma):
        kr = KernelRidge(kernel="rbf", gamma=gamma, alpha=alpha).fit(E[:40], y[:40] - y[:40].mean())
        return kr.predict(E[40:]) + y[:40].mean()

    # Both sides use the same float32-rounded embedding and compute in float64 (the exact solver keeps
    # the kernel, its solve and the test kernel in float64; transform() maps the embedding to the
    # data's units in float64). Differences are float64 roundoff, eps = 2^-52: squared distances by
    # expansion carry an absolute error <~ 4 p eps max|e|^2 (p = embedding dimension), i.e. a relative
    # kernel error gamma times that, amplified by the solve by at most cond(K + alpha I) <= 1 + n/alpha.
    p, n, eps = E.shape[1], 40, 2.0**-52
    kernel_err = 4 * p * eps * 0.7 * (E**2).sum(1).max()
    tol = kernel_err * (1 + n / 0.3) * np.abs(y).max()
    assert tol < 1e-8  # a real check: wrong alphas / gammas below move predictions by > 1e-4
    np.testing.assert_allclose(model.predict(bags[40:]), sklearn_pred(0.3, 0.7), rtol=0, atol=tol)
    for alpha, gamma in ((0.3 * 1.01, 0.7), (0.3, 0.7 * 1.01)):
        assert np.abs(model.predict(bags[40:]) - sklearn_pred(alpha, gamma)).max() > 1e4 * tol
    assert isinstance(model.embedding_, SlicedWassersteinEmbedding)


def test_nystroem_with_every_bag_as_landmark_equals_exact():
    bags, y = _mean_bags(1, n_bags=50)
    kw = dict(alpha=0.05, random_state=0, device="cpu")
    exact = KernelDistributionRegressor(solver="exact", **kw).fit(bags, y)
    nys = KernelDistributionRegressor(solver="nystroem", n_components=50, **kw).fit(bags, y)
    np.testing.assert_allclose(nys.predict(bags), exact.predict(bags), rtol=1e-5, atol=1e-6)


def test_nystroem_accumulated_in_chunks_equals_one_shot():
    g = torch.Generator().manual_seed(0)
    E, Y, L = (
        torch.randn(300, 7, generator=g, dtype=torch.float64),
        torch.randn(300, 2, generator=g, dtype=torch.float64),
        None,
    )
    L = E[:40]
    one = NystroemRidgeAccumulator(L, 0.1, 2)
    one.add(E, Y)
    chunks = NystroemRidgeAccumulator(L, 0.1, 2)
    for s in range(0, 300, 64):
        chunk = slice(s, s + 64)
        chunks.add(E[chunk], Y[chunk])
    torch.testing.assert_close(chunks.solve(1e-2), one.solve(1e-2))
    # and it is ridge regression on the Nystroem features
    phi = gaussian_kernel(E, L, 0.1) @ one.M
    w = solve_exact_ridge(phi.T @ phi, phi.T @ Y, 1e-2)
    torch.testing.assert_close(one.solve(1e-2), one.M @ w)


def test_rotated_gaussian_entropy_explained_variance_with_100_bags():
    bags, y = make_rotated_gaussian_bags(n_bags=300, n_points=500, random_state=0)
    model = KernelDistributionRegressor(alpha=1e-6, random_state=0, device="cpu").fit(bags[:100], y[:100])
    assert explained_variance_score(y[100:], model.predict(bags[100:])) >= 0.99


def test_gamma_is_median_heuristic_and_distance_is_squared_once():
    bags, y = _mean_bags(2, n_bags=30)
    model = KernelDistributionRegressor(solver="exact", random_state=0, device="cpu").fit(bags, y)
    E = model.embedding_.transform(bags)
    d2 = ((E[:, None] - E[None]) ** 2).sum(-1)[np.triu_indices(30, 1)]
    np.testing.assert_allclose(model.gamma_, 1 / np.median(d2), rtol=1e-4)
    # exp(-gamma * d^2): with alpha -> 0 the fit interpolates, K is positive definite
    K = np.exp(-model.gamma_ * ((E[:, None] - E[None]) ** 2).sum(-1))
    assert np.linalg.eigvalsh(K).min() > -1e-8


def test_point_weights_in_grid_search_and_duplication():
    bags, y = _mean_bags(3, n_bags=40)
    rng = np.random.default_rng(0)
    counts = [rng.integers(1, 3, size=len(b)) for b in bags]
    dup = [np.repeat(b, c, axis=0) for b, c in zip(bags, counts)]
    kw = dict(alpha=0.1, gamma=0.5, random_state=0, device="cpu")
    a = KernelDistributionRegressor(**kw).fit(bags, y, point_weight=counts).predict(bags, point_weight=counts)
    b = KernelDistributionRegressor(**kw).fit(dup, y).predict(dup)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    search = GridSearchCV(
        KernelDistributionRegressor(random_state=0, device="cpu"), {"alpha": [1e-3, 1.0]}, cv=3
    )
    search.fit(bags, y, point_weight=counts)
    assert search.best_score_ > 0.8


def test_cross_val_score_with_an_embedding_instance_and_nested_params():
    bags, y = _mean_bags(4, n_bags=45)
    model = KernelDistributionRegressor(
        embedding=MeanEmbedding(n_frequencies=64), alpha=1e-2, random_state=0, device="cpu"
    )
    assert "embedding__n_frequencies" in model.get_params()
    scores = cross_val_score(model, bags, y, cv=3)
    assert scores.mean() > 0.8


def test_three_d_array_equals_list():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(20, 15, 2)) + rng.uniform(-1, 1, size=(20, 1, 1))
    y = X.mean(axis=(1, 2))
    kw = dict(random_state=0, device="cpu")
    np.testing.assert_array_equal(
        KernelDistributionRegressor(**kw).fit(X, y).predict(X),
        KernelDistributionRegressor(**kw).fit(list(X), y).predict(list(X)),
    )


def test_bad_input_raises_clear_errors():
    bags, y = _mean_bags(6, n_bags=10)
    model = KernelDistributionRegressor(device="cpu")
    with pytest.raises(ValueError, match="9 labels but there are 10 bags"):
        model.fit(bags, y[:9])
    with pytest.raises(ValueError, match="bag 3 is empty"):
        model.fit(bags[:3] + [np.zeros((0, 2))], y[:4])
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bags[:2] + [np.full((3, 2), np.nan)], y[:3])
    with pytest.raises(ValueError, match="same dimension"):
        model.fit(bags[:2] + [np.zeros((3, 3))], y[:3])
    with pytest.raises(ValueError, match="y contains NaN|Input y contains NaN"):
        model.fit(bags, np.r_[y[:9], np.nan])
    with pytest.raises(ValueError, match="point_weight has 2 entries"):
        model.fit(bags, y, point_weight=[np.ones(3)] * 2)
    with pytest.raises(ValueError, match="alpha"):
        KernelDistributionRegressor(alpha=-1.0).fit(bags, y)


def test_classifier_separates_scales_and_multiclass():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 3, 90)
    scales = np.array([0.3, 1.0, 3.0])[labels]
    bags = [rng.normal(0, s, size=(40, 2)) for s in scales]
    clf = KernelDistributionClassifier(alpha=1e-2, random_state=0, device="cpu").fit(bags[:60], labels[:60])
    assert clf.decision_function(bags[60:]).shape == (30, 3)
    assert clf.score(bags[60:], labels[60:]) >= 0.95
    with pytest.raises(ValueError, match="at least 2 classes"):
        KernelDistributionClassifier(device="cpu").fit(bags[:5], np.zeros(5))


@pytest.mark.cuda
def test_regressor_on_cuda_matches_cpu():
    bags, y = _mean_bags(8)
    cpu = KernelDistributionRegressor(random_state=0, device="cpu").fit(bags, y)
    gpu = KernelDistributionRegressor(random_state=0, device="cuda").fit(bags, y)
    np.testing.assert_allclose(gpu.predict(bags), cpu.predict(bags), rtol=1e-3, atol=1e-4)


def test_any_bag_transformer_can_be_the_embedding():
    from sklearn.base import BaseEstimator, TransformerMixin

    class MomentEmbedding(TransformerMixin, BaseEstimator):
        """Mean and variance per coordinate (no point weights, no _embed)."""

        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return np.array([np.r_[b.mean(0), b.var(0)] for b in X])

    bags, y = _mean_bags(9, n_bags=40)
    model = KernelDistributionRegressor(embedding=MomentEmbedding(), alpha=1e-3, random_state=0, device="cpu")
    model.fit(bags[:30], y[:30])
    assert model.score(bags[30:], y[30:]) > 0.9


def test_verbose_reports_progress_and_feature_names(capsys):
    bags, y = _mean_bags(10, n_bags=30)
    KernelDistributionRegressor(
        solver="nystroem", n_components=10, verbose=1, random_state=0, device="cpu"
    ).fit(bags, y)
    out = capsys.readouterr().out
    assert "nystroem (10 landmarks" in out and "30/30 bags" in out
    emb = SlicedWassersteinEmbedding(n_projections=2, n_quantiles=3, device="cpu").fit(bags)
    assert list(emb.get_feature_names_out()) == [f"slicedwassersteinembedding{i}" for i in range(6)]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_probabilities_are_calibrated_softmax_of_the_scores(n_classes):
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(11)
    labels = rng.integers(0, n_classes, 90)
    # overlapping scales: not separable, so the probabilities must be informative but not certain
    scales = np.array([0.8, 1.0, 1.25])[labels]
    bags = [rng.normal(0, s, size=(15, 2)) for s in scales]
    names = np.array(["a", "b", "c"])[labels]
    clf = KernelDistributionClassifier(alpha=1e-1, random_state=0, device="cpu").fit(bags[:60], names[:60])
    P = clf.predict_proba(bags[60:])
    assert P.shape == (30, n_classes)
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=1e-12)
    # one positive temperature never reorders the scores
    np.testing.assert_array_equal(clf.classes_[P.argmax(1)], clf.predict(bags[60:]))
    assert 0 < clf.temperature_ < np.exp(10)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(bags[60:])), P, rtol=1e-12)
    # better than the uninformative prior (the class frequencies) on held-out bags
    prior = np.tile(np.bincount(labels[:60], minlength=n_classes) / 60, (30, 1))
    assert log_loss(names[60:], P, labels=clf.classes_) < log_loss(names[60:], prior, labels=clf.classes_)
    scores = cross_val_score(
        KernelDistributionClassifier(alpha=1e-1, random_state=0, device="cpu"), bags, names, cv=3,
        scoring="neg_log_loss",
    )
    assert np.all(np.isfinite(scores))


def test_temperature_minimises_the_loo_log_loss():
    from sklot.distribution._kernel_distribution import _softmax_scores, fit_temperature

    rng = np.random.default_rng(12)
    y = rng.integers(0, 2, 200).astype(bool)
    s = np.where(y, 1.0, -1.0) * 0.3 + 0.5 * rng.standard_normal(200)  # noisy scores
    beta = fit_temperature(s[:, None], y[:, None])
    t = np.where(y, (y.sum() + 1) / (y.sum() + 2), 1 / ((~y).sum() + 2))

    def loss(b):
        p = _softmax_scores(s[:, None], b)[:, 1]
        return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))

    assert loss(beta) <= min(loss(beta * 1.01), loss(beta / 1.01)) + 1e-12
