"""DiffusionGenerator with SPELL: shielding, sparsity, diversity, determinism, images, bad input."""

import math

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestNeighbors

from sklot.diffusion import CADS, DiffusionGenerator, ParticleGuidance, SparseRepellency
from sklot.diffusion.metrics import vendi_score

CENTERS = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])


def _mixture(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    return CENTERS[y] + 0.5 * rng.normal(size=(n, 2)), y


def _small(**kw):
    params = dict(hidden_layer_sizes=(64, 64), n_timesteps=100, max_epochs=80, batch_size=64, random_state=0,
                  device="cpu")
    params.update(kw)
    return DiffusionGenerator(**params)


@pytest.fixture(scope="module")
def fitted():
    X, _ = _mixture()
    return _small().fit(X), X


@pytest.fixture(scope="module")
def shield(fitted):
    _, X = fitted
    return X[np.random.default_rng(0).choice(len(X), 8, replace=False)]


def _rate(S, Z, r):
    return float((NearestNeighbors(n_neighbors=1).fit(Z).kneighbors(S)[0][:, 0] < r).mean())


def test_the_model_learns_the_mixture(fitted):
    gen, X = fitted
    S = gen.sample(600, random_state=1)
    nearest = np.linalg.norm(S[:, None] - CENTERS[None], axis=2).argmin(1)
    assert np.all(np.bincount(nearest, minlength=3) > 120)  # every mode (about 200 each)
    for k in range(3):
        np.testing.assert_allclose(S[nearest == k].mean(0), CENTERS[k], atol=0.4)  # modes 4 apart, std 0.5


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_same_seed_same_samples(fitted, shield, sampler):
    gen, _ = fitted
    gen.set_params(sampler=sampler)
    spell = SparseRepellency(radius=0.3).fit(shield)
    a = gen.sample(50, random_state=3, repellency=spell)
    np.testing.assert_array_equal(a, gen.sample(50, random_state=3, repellency=spell))
    assert not np.array_equal(a, gen.sample(50, random_state=4, repellency=spell))
    np.testing.assert_array_equal(gen.sample(20), gen.sample(20))  # None: the estimator's seed
    gen.set_params(sampler="ddpm")


@pytest.mark.parametrize("sampler", ["ddpm", "ddim"])
def test_spell_lowers_the_in_shield_rate_on_the_same_seeds(fitted, shield, sampler):
    gen, _ = fitted
    gen.set_params(sampler=sampler)
    r = 0.3
    vanilla = _rate(gen.sample(400, random_state=1), shield, r)
    spell = SparseRepellency(radius=r).fit(shield)
    shielded = _rate(gen.sample(400, random_state=1, repellency=spell), shield, r)
    gen.set_params(sampler="ddpm")
    assert vanilla > 0.1
    assert shielded <= vanilla / 5


def test_active_fraction_is_sparse_and_falls_as_t_goes_to_zero(fitted, shield):
    gen, _ = fitted
    gen.set_params(sampler="ddim")
    _, trace = gen.sample(400, random_state=1, repellency=SparseRepellency(radius=0.6).fit(shield),
                          return_trace=True)
    gen.set_params(sampler="ddpm")
    frac = trace["active_fraction"]
    assert frac.shape == (100,) and trace["active"].shape == (100, 400)
    n = len(frac)
    assert frac.mean() < 0.5  # the vanilla in-shield rate of these balls is about 0.5
    assert frac[-n // 5 :].mean() < 0.25 * frac.max()
    assert frac[-n // 5 :].mean() < frac[: -n // 5].mean()
    # the correction is zero where inactive
    assert np.all(trace["shift_norm"][~trace["active"]] == 0)


def test_correction_moves_the_recomputed_denoised_estimate_away(fitted):
    """After x_t += sqrt(abar) lambda Delta, D(x_t, t) at that step is farther from the reference."""
    gen, X = fitted
    torch.manual_seed(0)
    t = 30
    ab = float(gen.alphas_bar_[t])
    x0_model = torch.as_tensor(gen._to_model(X[:200]), dtype=torch.float32)
    x_t = math.sqrt(ab) * x0_model + math.sqrt(1 - ab) * torch.randn(x0_model.shape)
    x0 = gen._denoise_model(x_t, t)
    data = gen._model_to_data(x0)
    z = data[:1].clone()  # a reference inside many balls' reach
    spell = SparseRepellency(radius=1.0).fit(z.numpy())
    shift, active = spell.shift(data)
    assert 20 < int(active.sum()) < 200
    x_new = x_t + math.sqrt(ab) * gen._model_to_data_shift(shift).float()
    before = torch.linalg.vector_norm(data - z, dim=1)
    after = torch.linalg.vector_norm(gen._model_to_data(gen._denoise_model(x_new, t)) - z, dim=1)
    moved = active.clone()
    moved[0] = False  # the reference itself sits at distance 0
    assert float((after[moved] > before[moved]).float().mean()) >= 0.95
    assert torch.equal(after[~active], before[~active])  # nothing else moves


def _min_gap(S):
    D = np.linalg.norm(S[:, None] - S[None], axis=2)
    np.fill_diagonal(D, np.inf)
    return D.min(1).mean()


def test_dynamic_mode_raises_batch_diversity(fitted):
    gen, _ = fitted
    dyn = SparseRepellency(radius=0.5, mode="dynamic", memory=False).fit()
    vanilla = [gen.sample(50, random_state=s) for s in range(3)]
    repelled = [gen.sample(50, random_state=s, repellency=dyn) for s in range(3)]
    assert np.mean([_min_gap(S) for S in repelled]) > 1.3 * np.mean([_min_gap(S) for S in vanilla])
    vendi = lambda S: vendi_score(S, bandwidth=0.5)  # noqa: E731
    assert np.mean([vendi(S) for S in repelled]) > np.mean([vendi(S) for S in vanilla])


def test_memory_repels_a_batch_from_the_earlier_ones(fitted):
    gen, _ = fitted
    dyn = SparseRepellency(radius=0.5, mode="dynamic", memory=True).fit()
    first = gen.sample(40, random_state=5, repellency=dyn)
    assert dyn.memory_.shape == (40, 2)
    second = gen.sample(40, random_state=6, repellency=dyn)
    plain = gen.sample(40, random_state=6)
    gap = lambda S: NearestNeighbors(n_neighbors=1).fit(first).kneighbors(S)[0].mean()  # noqa: E731
    assert gap(second) > gap(plain)
    assert dyn.memory_.shape == (80, 2)


def test_particle_guidance_spreads_the_batch(fitted):
    gen, _ = fitted
    vanilla = np.mean([_min_gap(gen.sample(50, random_state=s)) for s in range(3)])
    pg = ParticleGuidance(2.0)
    guided = np.mean([_min_gap(gen.sample(50, random_state=s, guidance=pg)) for s in range(3)])
    assert guided > vanilla


def test_ddim_encoding_round_trip(fitted):
    gen, X = fitted
    Z = gen.transform(X[:50])
    np.testing.assert_allclose(gen.inverse_transform(Z), X[:50], atol=0.05 * X.std())
    assert 0.6 < Z.std() < 1.4  # a standard normal latent


@pytest.fixture(scope="module")
def conditional():
    X, y = _mixture()
    return _small().fit(X, np.array(["a", "b", "c"])[y])


def test_class_conditional_samples_follow_their_label(conditional):
    for k, label in enumerate("abc"):
        S = conditional.sample(100, y=label, random_state=2)
        assert np.mean(np.linalg.norm(S[:, None] - CENTERS[None], axis=2).argmin(1) == k) >= 0.95
    mixed = conditional.sample(3, y=["c", "a", "b"], random_state=2)
    np.testing.assert_array_equal(np.linalg.norm(mixed[:, None] - CENTERS[None], axis=2).argmin(1), [2, 0, 1])


def test_cads_keeps_the_class_and_changes_the_samples(conditional):
    S = conditional.sample(100, y="b", random_state=2, guidance=CADS())
    assert np.mean(np.linalg.norm(S[:, None] - CENTERS[None], axis=2).argmin(1) == 1) >= 0.9
    assert not np.allclose(S, conditional.sample(100, y="b", random_state=2))
    c = torch.randn(4, 16)
    cads = CADS()
    assert cads.gamma(0.5) == 1.0 and cads.gamma(0.95) == 0.0 and cads.gamma(0.75) == pytest.approx(0.5)
    assert torch.equal(cads.anneal(c, 0.3, torch.Generator().manual_seed(0)), c)


def test_images_flat_with_image_shape_and_4d():
    from sklearn.datasets import load_digits

    X = load_digits().data[:64] / 16.0
    flat = DiffusionGenerator(hidden_layer_sizes=(8, 16), n_timesteps=10, max_epochs=2, batch_size=32,
                              image_shape=(8, 8), random_state=0, device="cpu").fit(X)
    assert flat.image_shape_ == (1, 8, 8) and flat.sample(3).shape == (3, 64)
    four = DiffusionGenerator(hidden_layer_sizes=(8, 16), n_timesteps=10, max_epochs=2, batch_size=32,
                              random_state=0, device="cpu").fit(X.reshape(-1, 1, 8, 8))
    assert four.sample(3).shape == (3, 1, 8, 8)
    np.testing.assert_allclose(four.sample(3, random_state=1).reshape(3, 64), flat.sample(3, random_state=1),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="halved"):
        DiffusionGenerator(hidden_layer_sizes=(4, 4, 4, 4, 4), image_shape=(8, 8), max_epochs=1).fit(X)
    with pytest.raises(ValueError, match="image_shape"):
        DiffusionGenerator(image_shape=(7, 7), max_epochs=1).fit(X)


def test_bad_input_gives_clear_errors(fitted, conditional):
    gen, _ = fitted
    with pytest.raises(ValueError, match="n_samples"):
        gen.sample(True)
    with pytest.raises(ValueError, match="unconditional"):
        gen.sample(3, y=[0, 1, 2])
    with pytest.raises(ValueError, match="unseen"):
        conditional.sample(2, y="z")
    with pytest.raises(ValueError, match="features"):
        gen.sample(3, repellency=SparseRepellency().fit(np.zeros((2, 3))))
    with pytest.raises(TypeError, match="SparseRepellency"):
        gen.sample(3, repellency="spell")
    with pytest.raises(ValueError, match="CADS"):
        gen.sample(3, guidance=CADS())
    with pytest.raises(ValueError, match="NaN"):
        _small().fit(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="constant"):
        _small().fit(np.ones((5, 2)))
