"""sklot.diffusion.metrics against vendi-score and prdc, and closed forms."""

import numpy as np
import pytest

from sklot.diffusion.metrics import (
    frechet_distance,
    in_shield_rate,
    precision_recall_density_coverage,
    vendi_score,
)


def test_in_shield_rate_counts_samples_inside_a_ball():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(50, 3))
    X = rng.normal(size=(300, 3))
    d = np.linalg.norm(X[:, None] - Z[None], axis=2).min(1)
    assert in_shield_rate(X, Z, 0.5) == pytest.approx(np.mean(d < 0.5))
    assert in_shield_rate(X, Z, 0.5, algorithm="kd_tree") == pytest.approx(np.mean(d < 0.5))
    assert 0 < np.mean(d < 0.5) < 1
    with pytest.raises(ValueError, match="features"):
        in_shield_rate(X, Z[:, :2], 0.5)


def test_vendi_score_matches_vendi_score_package():
    vendi = pytest.importorskip("vendi_score.vendi")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    h = 1.3
    k = lambda a, b: np.exp(-np.sum((a - b) ** 2) / (2 * h**2))  # noqa: E731
    assert vendi_score(X, bandwidth=h) == pytest.approx(vendi.score(X, k), rel=1e-9)
    assert vendi_score(X, kernel="cosine") == pytest.approx(vendi.score_dual(X), rel=1e-9)
    # n identical samples count as one, n orthogonal ones as n
    assert vendi_score(np.ones((10, 3)), kernel="cosine") == pytest.approx(1.0)
    assert vendi_score(np.eye(7), kernel="cosine") == pytest.approx(7.0)


def test_prdc_matches_prdc_package():
    prdc = pytest.importorskip("prdc")
    rng = np.random.default_rng(2)
    real = rng.normal(size=(200, 5))
    fake = rng.normal(loc=0.3, scale=0.8, size=(150, 5))
    ref = prdc.compute_prdc(real, fake, nearest_k=5)
    got = precision_recall_density_coverage(real, fake, n_neighbors=5)
    for key in ("precision", "recall", "density", "coverage"):
        assert got[key] == pytest.approx(float(ref[key]), rel=1e-12), key
    assert 0 < got["coverage"] < 1


def test_frechet_distance_closed_form_for_gaussians():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20000, 2))
    Y = rng.normal(size=(20000, 2)) * 2.0 + np.array([1.0, 0.0])
    # |mu|^2 + tr(I + 4I - 2 * 2I) = 1 + 2
    assert frechet_distance(X, Y) == pytest.approx(3.0, abs=0.1)
    assert frechet_distance(X, X) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_matches_the_sqrtm_formula_and_takes_singular_covariances():
    from scipy import linalg

    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(500, 4)), rng.normal(size=(400, 4)) @ rng.normal(size=(4, 4))
    S1, S2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    ref = np.sum((X.mean(0) - Y.mean(0)) ** 2) + np.trace(S1 + S2 - 2 * np.real(linalg.sqrtm(S1 @ S2)))
    assert frechet_distance(X, Y) == pytest.approx(ref, rel=1e-9)
    Xd = np.hstack([X, np.zeros((500, 2))])  # dead features
    Yd = np.hstack([Y, np.zeros((400, 2))])
    assert frechet_distance(Xd, Yd) == pytest.approx(ref, rel=1e-9)
