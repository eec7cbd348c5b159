import numpy as np
import ot
import pytest
import torch

from sklot.distribution._sliced_quantiles import (
    bin_averaged_quantiles,
    quantile_bin_edges,
    sliced_quantile_embedding,
    uniform_bin_average_matrix,
)
from sklot.distribution._sliced_wasserstein_embedding import draw_directions


def _bags(seed, n_bags=6, n=40, d=3):
    rng = np.random.default_rng(seed)
    return np.stack(
        [rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d) for _ in range(n_bags)]
    )


def _pairwise(E):
    return ((E[:, None] - E[None]) ** 2).sum(-1)


def test_uniform_matrix_rows_sum_to_bin_share_and_columns_average():
    for spacing in ("uniform", "cosine"):
        edges = quantile_bin_edges(5, spacing)
        A = uniform_bin_average_matrix(7, edges).numpy()
        np.testing.assert_allclose(A.sum(0), np.full(5, 1.0))  # each bin average is a convex combination
        np.testing.assert_allclose(A @ np.diff(edges), np.full(7, 1 / 7))  # each point has mass 1/n


def test_weighted_formula_equals_matrix_formula_for_uniform_weights():
    s = torch.sort(torch.randn(4, 3, 37, dtype=torch.float64), -1).values
    w = torch.full_like(s, 1.0)
    for T, spacing in [(1, "uniform"), (5, "cosine"), (16, "uniform"), (37, "cosine"), (100, "cosine")]:
        edges = quantile_bin_edges(T, spacing)
        a = bin_averaged_quantiles(s, w, edges)
        b = s @ uniform_bin_average_matrix(37, edges)
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_quantiles", [40, 80])
def test_squared_embedding_distance_is_pot_sliced_wasserstein_when_bins_refine_steps(n_quantiles):
    X = _bags(0)
    theta = draw_directions(3, 16, seed=1)
    edges = quantile_bin_edges(n_quantiles, "uniform")
    E = sliced_quantile_embedding(torch.as_tensor(X), torch.as_tensor(theta), edges).numpy()
    D2 = _pairwise(E)
    for i, j in [(0, 1), (2, 5), (3, 4)]:
        sw = ot.sliced_wasserstein_distance(X[i], X[j], projections=theta, p=2)
        np.testing.assert_allclose(D2[i, j], sw**2, rtol=1e-9)


@pytest.mark.parametrize("spacing", ["uniform", "cosine"])
def test_coarse_bins_give_a_lower_bound_increasing_with_refinement(spacing):
    X = _bags(1, n=50)
    theta = draw_directions(3, 8, seed=2)
    ref = _pairwise(
        sliced_quantile_embedding(
            torch.as_tensor(X), torch.as_tensor(theta), quantile_bin_edges(50, "uniform")
        ).numpy()
    )
    np.testing.assert_allclose(ref[0, 1], ot.sliced_wasserstein_distance(X[0], X[1], projections=theta) ** 2)
    prev = np.zeros_like(ref)
    for T in (1, 2, 4, 8, 16, 32):  # nested partitions of [0, 1]
        D2 = _pairwise(
            sliced_quantile_embedding(
                torch.as_tensor(X), torch.as_tensor(theta), quantile_bin_edges(T, spacing)
            ).numpy()
        )
        assert np.all(D2 <= ref + 1e-9) and np.all(D2 >= prev - 1e-9)
        prev = D2


def test_integer_weights_equal_duplicated_points():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 2))
    counts = np.array([1, 3, 2, 1, 1])
    dup = np.repeat(x, counts, axis=0)
    theta = torch.as_tensor(draw_directions(2, 6, seed=0))
    edges = quantile_bin_edges(16)
    a = sliced_quantile_embedding(
        torch.as_tensor(x)[None], theta, edges, weights=torch.as_tensor(counts / 8.0)[None]
    )
    b = sliced_quantile_embedding(torch.as_tensor(dup)[None], theta, edges)
    torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_padding_with_sizes_equals_each_bag_alone():
    rng = np.random.default_rng(4)
    sizes = [5, 9, 12]
    bags = [rng.normal(size=(k, 2)) for k in sizes]
    theta = torch.as_tensor(draw_directions(2, 4, seed=0))
    pad = np.zeros((3, 12, 2))
    for r, b in enumerate(bags):
        pad[r, : len(b)] = b
    edges = quantile_bin_edges(7)
    padded = sliced_quantile_embedding(torch.as_tensor(pad), theta, edges, n_points=torch.tensor(sizes))
    for r, b in enumerate(bags):
        alone = sliced_quantile_embedding(torch.as_tensor(b)[None], theta, edges)
        torch.testing.assert_close(padded[[r]], alone, rtol=1e-10, atol=1e-10)


def test_one_dimensional_weighted_bags_give_exact_w2_when_weights_fall_on_bins():
    # weights multiples of 1/8 and T = 8: the bins refine the weighted quantile steps
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=3), rng.normal(2.0, 1.0, size=4)
    a, b = np.array([1, 3, 4]) / 8, np.array([2, 2, 1, 3]) / 8
    theta = torch.ones(1, 1, dtype=torch.float64)
    edges = quantile_bin_edges(8, "uniform")
    ex = sliced_quantile_embedding(
        torch.as_tensor(x)[None, :, None], theta, edges, weights=torch.as_tensor(a)[None]
    )
    ey = sliced_quantile_embedding(
        torch.as_tensor(y)[None, :, None], theta, edges, weights=torch.as_tensor(b)[None]
    )
    w2sq = ot.wasserstein_1d(x, y, a, b, p=2)
    np.testing.assert_allclose(float(((ex - ey) ** 2).sum()), w2sq, rtol=1e-10)


def test_far_from_origin_data_keeps_precision():
    X = _bags(6, n_bags=2, n=30, d=2)
    theta = torch.as_tensor(draw_directions(2, 4, seed=0))
    w = torch.ones(2, 30, dtype=torch.float64)
    edges = quantile_bin_edges(30)
    base = sliced_quantile_embedding(torch.as_tensor(X), theta, edges, weights=w)
    shifted = sliced_quantile_embedding(torch.as_tensor(X + 1e6), theta, edges, weights=w)
    d_base = float(((base[0] - base[1]) ** 2).sum())
    d_shift = float(((shifted[0] - shifted[1]) ** 2).sum())
    np.testing.assert_allclose(d_shift, d_base, rtol=1e-6)
