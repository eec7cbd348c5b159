"""Distribution estimators do not depend on the units or the offset of the points (issue 18, item 3).

Every kernel here is, in exact arithmetic, invariant to a global translation and rescaling of the
points when its widths are the median heuristics (the default): sliced Wasserstein and Sinkhorn are
translation-equivariant and scale as distances / squared distances, the MMD of a Gaussian kernel
with a median bandwidth is translation and scale invariant. The estimators standardise the pooled
points in float64 before any float32 work, so this holds numerically too.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sklot.distribution import (
    KernelDistributionClassifier,
    KernelDistributionRegressor,
    MeanEmbedding,
    SinkhornPotentialEmbedding,
    SlicedWassersteinEmbedding,
)

# float32 unit roundoff: the standardised points are rounded to float32 before the sliced and mean
# embeddings, and a transformed input may round some coordinates to the neighbouring float32 (the
# +1e8 shift itself moves each coordinate by up to ulp(1e8)/2 = 7.5e-9, below this roundoff).
# Predictions move by that relative amount times the conditioning of the ridge solve, which at
# alpha=1e-2 on these 40 bags is far below 100: hence a tolerance of 100 * U32 relative to max|y|.
U32 = 2.0**-24
TRANSFORMS = {
    "x1e-20": (lambda b: b * 1e-20, 1e-20),
    "x1e20": (lambda b: b * 1e20, 1e20),
    "+1e8": (lambda b: b + 1e8, 1.0),
}


def _bags(seed=0, n_bags=50):
    rng = np.random.default_rng(seed)
    means = rng.uniform(-2, 2, n_bags)
    bags = [rng.normal(m, 1.0, size=(int(rng.integers(20, 40)), 2)) for m in means]
    return bags, means


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("embedding", ["sliced_wasserstein", "mean", "sinkhorn"])
def test_regressor_predictions_invariant_to_global_affine_maps(embedding, transform):
    bags, y = _bags()
    f, _ = TRANSFORMS[transform]
    kw = dict(embedding=embedding, alpha=1e-2, random_state=0, device="cpu")
    ref = KernelDistributionRegressor(**kw).fit(bags[:40], y[:40])
    moved = KernelDistributionRegressor(**kw).fit([f(b) for b in bags[:40]], y[:40])
    tol = 100 * U32 * np.abs(y).max()
    pred = moved.predict([f(b) for b in bags[40:]])
    np.testing.assert_allclose(pred, ref.predict(bags[40:]), rtol=0, atol=tol)
    assert abs(moved.score([f(b) for b in bags[40:]], y[40:]) - ref.score(bags[40:], y[40:])) < 1e-5
    assert ref.score(bags[40:], y[40:]) > 0.9


@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_classifier_decisions_invariant_to_global_affine_maps(transform):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 40)
    bags = [rng.normal(0, [0.5, 2.0][k], size=(30, 2)) for k in labels]
    f, _ = TRANSFORMS[transform]
    kw = dict(alpha=1e-2, random_state=0, device="cpu")
    ref = KernelDistributionClassifier(**kw).fit(bags, labels)
    moved = KernelDistributionClassifier(**kw).fit([f(b) for b in bags], labels)
    np.testing.assert_allclose(
        moved.decision_function([f(b) for b in bags]), ref.decision_function(bags), rtol=0, atol=100 * U32
    )


def _dist(E):
    return np.sqrt(np.maximum(((E[:, None] - E[None]) ** 2).sum(-1), 0.0))


@pytest.mark.parametrize(
    "make, power",
    [
        # embedding distances scale as distances (SW_2), are unit free (MMD), or as squared distances
        (lambda: SlicedWassersteinEmbedding(n_projections=8, n_quantiles=8, random_state=0, device="cpu"), 1),
        (lambda: MeanEmbedding(n_frequencies=64, random_state=0, device="cpu"), 0),
        (lambda: SinkhornPotentialEmbedding(n_references=16, random_state=0), 2),
    ],
)
@pytest.mark.parametrize("transform", list(TRANSFORMS))
def test_embedding_distances_follow_the_units(make, power, transform):
    bags, _ = _bags(2, n_bags=12)
    f, c = TRANSFORMS[transform]
    D = _dist(make().fit_transform(bags))
    D_moved = _dist(make().fit_transform([f(b) for b in bags]))
    assert np.all(np.isfinite(D_moved))
    # float32 embeddings: distances carry an error of a few U32 times the largest embedding norm
    np.testing.assert_allclose(D_moved / c**power, D, rtol=0, atol=1e3 * U32 * D.max())


def test_sliced_embedding_values_are_the_quantiles_in_original_units():
    # theta^T (s x + c) has quantiles s Q + theta^T c: transform() returns them in float64
    bags, _ = _bags(3, n_bags=6)
    emb = SlicedWassersteinEmbedding(n_projections=4, n_quantiles=4, random_state=0, device="cpu")
    E = emb.fit_transform(bags)
    E_moved = emb.fit_transform([b + 1e8 for b in bags])
    shift = (np.full(2, 1e8) @ emb.directions_)[:, None] * np.sqrt(np.diff(emb.quantile_edges_) / 4)
    # the offset is carried in float64: what is left is float64 rounding at 1e8 and float32 roundoff
    np.testing.assert_allclose(E_moved - shift.reshape(-1), E, rtol=0, atol=1e3 * U32 * np.abs(E).max())


def test_complex_bags_are_rejected():
    bags, y = _bags(4, n_bags=5)
    bad = bags[:2] + [bags[2] * (1 + 1j)] + bags[3:]
    with pytest.raises(ValueError, match="bag 2 has complex values"):
        KernelDistributionRegressor(device="cpu").fit(bad, y)
    with pytest.raises(ValueError, match="complex"):
        SlicedWassersteinEmbedding(device="cpu").fit(np.stack([b[:20] for b in bags]) * 1j)


def test_sparse_bags_are_rejected_with_a_clear_message():
    bags, y = _bags(5, n_bags=5)
    with pytest.raises(TypeError, match="bag 1 is a scipy sparse csr_matrix; bags must be dense"):
        KernelDistributionRegressor(device="cpu").fit([bags[0], sp.csr_matrix(bags[1])] + bags[2:], y)
    with pytest.raises(TypeError, match="bags must be dense: got a scipy sparse"):
        MeanEmbedding(device="cpu").fit(sp.csr_array(bags[0]))
