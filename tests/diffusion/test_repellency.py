"""SPELL's repellency: the formula, its sparsity, the one-ball closed form, the indexes, bad input."""

import numpy as np
import pytest
import torch

from sklot.diffusion import SparseRepellency, repellency
from sklot.diffusion._shield_index import ShieldIndex, resolve_algorithm


def _naive(x, Z, r):
    out = np.zeros_like(x)
    for i, xi in enumerate(x):
        for z in Z:
            d = np.linalg.norm(xi - z)
            out[i] += max(r / d - 1, 0) * (xi - z)
    return out


def test_repellency_matches_the_formula_with_overlapping_balls():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(30, 3))
    x = rng.normal(size=(200, 3))
    delta, active = repellency(torch.as_tensor(x), torch.as_tensor(Z), 0.8)
    np.testing.assert_allclose(delta.numpy(), _naive(x, Z, 0.8), rtol=1e-12, atol=1e-14)
    inside = (np.linalg.norm(x[:, None] - Z[None], axis=2) < 0.8).any(1)
    np.testing.assert_array_equal(active.numpy(), inside)
    assert 0 < inside.sum() < len(x)  # both kinds of rows are exercised


def test_delta_is_exactly_zero_outside_every_ball_and_on_the_spheres():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(20, 2))
    x = rng.normal(scale=3, size=(500, 2))
    dist = np.linalg.norm(x[:, None] - Z[None], axis=2).min(1)
    r = 0.3
    outside = x[dist >= r]
    assert len(outside) > 100
    assert np.array_equal(SparseRepellency(radius=r).fit(Z).transform(outside), outside)
    # points exactly on the sphere (representable distances): r / |x - z| - 1 = 0
    on_sphere = np.array([[0.25, 0.0], [0.0, -0.25], [0.15, 0.2]])
    assert np.array_equal(SparseRepellency(radius=0.25).fit(np.zeros((1, 2))).transform(on_sphere), on_sphere)


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree", "ball_tree"])
def test_one_active_ball_puts_the_point_on_its_sphere(algorithm):
    rng = np.random.default_rng(2)
    z = np.array([[1.0, -2.0, 0.5]])
    far = z + 10 + rng.normal(size=(5, 3))  # other balls, inactive
    u = rng.normal(size=(50, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    x = z + u * rng.uniform(0.01, 0.99, size=(50, 1))  # strictly inside B(z, 1)
    spell = SparseRepellency(radius=1.0, overcompensation=1.0, algorithm=algorithm).fit(np.vstack([z, far]))
    out = spell.transform(x)
    np.testing.assert_allclose(np.linalg.norm(out - z, axis=1), 1.0, rtol=1e-13)
    # along the ray from the centre: the direction is kept
    np.testing.assert_allclose((out - z) / np.linalg.norm(out - z, axis=1, keepdims=True), u, atol=1e-12)
    # lambda overcompensates: distance r + (lambda - 1)(r - |x - z|)
    out16 = SparseRepellency(radius=1.0, overcompensation=1.6, algorithm=algorithm).fit(z).transform(x)
    d = np.linalg.norm(x - z, axis=1)
    np.testing.assert_allclose(np.linalg.norm(out16 - z, axis=1), 1 + 0.6 * (1 - d), rtol=1e-13)


def test_a_point_at_a_centre_is_pushed_by_the_radius():
    out = SparseRepellency(radius=0.5, overcompensation=1.0).fit(np.zeros((1, 2))).transform(np.zeros((1, 2)))
    np.testing.assert_array_equal(out, [[0.5, 0.0]])


@pytest.mark.parametrize("algorithm", ["kd_tree", "ball_tree"])
def test_exact_backends_find_the_same_pairs(algorithm):
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(3000, 4))
    x = torch.as_tensor(rng.normal(size=(100, 4)))
    ref = set(zip(*(t.tolist() for t in ShieldIndex(Z, "brute").pairs(x, 0.7))))
    got = set(zip(*(t.tolist() for t in ShieldIndex(Z, algorithm).pairs(x, 0.7))))
    assert ref == got and len(ref) > 50


def test_faiss_index_probing_every_list_is_exact_and_fewer_candidates_miss_balls():
    pytest.importorskip("faiss")
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(4000, 8)).astype(np.float64)
    x = torch.as_tensor(Z[:200] + 0.05 * rng.normal(size=(200, 8)))
    exact = set(zip(*(t.tolist() for t in ShieldIndex(Z, "brute").pairs(x, 1.5))))
    full = ShieldIndex(Z, "faiss", n_neighbors=4000, n_probe=10**6)
    got = set(zip(*(t.tolist() for t in full.pairs(x, 1.5))))
    # float32 distances: pairs within float32 rounding of the sphere may differ
    d = {(i, j): np.linalg.norm(x[i].numpy() - Z[j]) for i, j in exact ^ got}
    assert all(abs(v - 1.5) < 1e-5 for v in d.values())
    small = ShieldIndex(Z, "faiss", n_neighbors=2, n_probe=1)
    assert len(set(zip(*(t.tolist() for t in small.pairs(x, 1.5))))) < len(exact)


def test_auto_algorithm_follows_the_shield_size():
    assert resolve_algorithm("auto", 1000, 64) == "brute"
    assert resolve_algorithm("auto", 10**6, 2) == "kd_tree"
    assert resolve_algorithm("auto", 50_000, 64) == "ball_tree"


def test_dynamic_mode_repels_the_batch_and_remembers_earlier_batches():
    spell = SparseRepellency(radius=1.0, overcompensation=1.0, mode="dynamic").fit()
    x = np.array([[0.0, 0.0], [0.5, 0.0], [5.0, 5.0]])
    out = spell.transform(x)
    # the two close points push each other by relu(1/0.5 - 1) * (+-0.5) = +-0.5; the third is alone
    np.testing.assert_allclose(out, [[-0.5, 0.0], [1.0, 0.0], [5.0, 5.0]])
    spell.remember(np.array([[5.2, 5.0]]))
    np.testing.assert_allclose(spell.transform(x[2:])[0], [5.0 - 0.8, 5.0])
    assert spell.fit().memory_ is None  # fit forgets
    no_mem = SparseRepellency(radius=1.0, mode="dynamic", memory=False).fit().remember(x)
    assert no_mem.memory_ is None


def test_identical_batch_members_are_pushed_apart():
    spell = SparseRepellency(radius=1.0, overcompensation=1.0, mode="dynamic").fit()
    out = spell.transform(np.zeros((2, 3)))
    assert np.linalg.norm(out[0] - out[1]) == pytest.approx(2.0)


def test_both_mode_adds_the_static_and_dynamic_corrections():
    Z = np.array([[0.0, 0.0]])
    x = np.array([[0.5, 0.0], [0.9, 0.0]])
    both = SparseRepellency(radius=1.0, mode="both").fit(Z).transform(x)
    st = SparseRepellency(radius=1.0).fit(Z).transform(x)
    dy = SparseRepellency(radius=1.0, mode="dynamic").fit().transform(x)
    np.testing.assert_allclose(both - x, (st - x) + (dy - x))


@pytest.mark.parametrize("radius", [0.0, -1.0])
def test_non_positive_radius_is_refused(radius):
    with pytest.raises(ValueError, match="radius"):
        SparseRepellency(radius=radius).fit(np.zeros((3, 2)))


def test_bad_input_gives_clear_errors():
    spell = SparseRepellency().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="features"):
        spell.transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="features"):
        spell.shift(torch.zeros(4, 3))
    with pytest.raises(ValueError, match="NaN"):
        SparseRepellency().fit(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="NaN"):
        spell.transform(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="protected"):
        SparseRepellency().fit()
    with pytest.raises(ValueError, match="no protected set"):
        SparseRepellency(mode="dynamic").fit(np.zeros((3, 2)))
    dyn = SparseRepellency(mode="dynamic").fit().remember(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="features"):
        dyn.transform(np.zeros((2, 5)))
