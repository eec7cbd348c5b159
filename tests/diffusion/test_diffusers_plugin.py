"""SpellScheduler on a tiny randomly initialised diffusers UNet2DModel, built offline."""


import numpy as np
import pytest
import torch

from sklot.diffusion import SparseRepellency, SpellScheduler

diffusers = pytest.importorskip("diffusers")


def _unet():
    torch.manual_seed(0)
    return diffusers.UNet2DModel(
        sample_size=8, in_channels=1, out_channels=1, block_out_channels=(8, 16), layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
        norm_num_groups=4,
    ).eval()


def _loop(unet, scheduler, n=16, seed=0, steps=20):
    scheduler.set_timesteps(steps)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 8, 8, generator=g)
    with torch.no_grad():
        for t in scheduler.timesteps:
            eps = unet(x, t).sample
            x = scheduler.step(eps, t, x, generator=g).prev_sample
    return x


@pytest.mark.parametrize("kind", ["epsilon", "sample", "v_prediction"])
def test_pred_original_sample_is_corrected_onto_the_sphere(kind):
    sched = diffusers.DDPMScheduler(num_train_timesteps=50, prediction_type=kind, clip_sample=False)
    sched.set_timesteps(50)
    rng = torch.Generator().manual_seed(1)
    x = torch.randn(6, 1, 8, 8, generator=rng)
    out = torch.randn(6, 1, 8, 8, generator=rng)
    t = 25
    plain = sched.step(out, t, x, generator=torch.Generator().manual_seed(2)).pred_original_sample
    z = plain[0].reshape(1, -1).double() + 0.1  # one ball around (near) the first estimate
    r = float(torch.linalg.vector_norm(plain[0].reshape(-1).double() - z[0])) * 2
    spell = SparseRepellency(radius=r, overcompensation=1.0).fit(z.numpy())
    wrapped = SpellScheduler(sched, spell)
    got = wrapped.step(out, t, x, generator=torch.Generator().manual_seed(2)).pred_original_sample
    d = torch.linalg.vector_norm(got.reshape(6, -1).double() - z, dim=1)
    d0 = torch.linalg.vector_norm(plain.reshape(6, -1).double() - z, dim=1)
    inside = d0 < r
    assert bool(inside[0])
    np.testing.assert_allclose(d[inside].numpy(), r, rtol=1e-5)
    np.testing.assert_allclose(got[~inside].numpy(), plain[~inside].numpy(), rtol=1e-5, atol=1e-5)
    assert wrapped.active_fraction_ == [float(inside.float().mean())]


def test_inactive_shield_leaves_the_sampler_unchanged():
    unet = _unet()
    ref = _loop(unet, diffusers.DDPMScheduler(num_train_timesteps=50))
    spell = SparseRepellency(radius=0.1).fit(np.full((3, 64), 100.0))
    got = _loop(unet, SpellScheduler(diffusers.DDPMScheduler(num_train_timesteps=50), spell))
    torch.testing.assert_close(got, ref)


@pytest.mark.parametrize("name", ["DDPMScheduler", "DDIMScheduler"])
def test_spell_keeps_a_tiny_unet_pipeline_away_from_its_vanilla_samples(name):
    unet = _unet()
    make = lambda: getattr(diffusers, name)(num_train_timesteps=50)  # noqa: E731
    vanilla = _loop(unet, make()).reshape(16, -1)
    # shield: the vanilla outputs themselves; radius: their typical distance to each other / 4
    D = torch.cdist(vanilla.double(), vanilla.double())
    r = float(D[D > 0].median()) / 4
    spell = SparseRepellency(radius=r).fit(vanilla.double().numpy())
    wrapped = SpellScheduler(make(), spell)
    shielded = _loop(unet, wrapped).reshape(16, -1)
    inside = lambda S: float((torch.cdist(S.double(), vanilla.double()).min(1).values < r).float().mean())  # noqa
    assert inside(vanilla) == 1.0
    assert inside(shielded) <= 0.25
    assert len(wrapped.active_fraction_) == 20 and max(wrapped.active_fraction_) > 0
    assert wrapped.timesteps is wrapped.scheduler.timesteps  # delegation


def test_wrapper_refuses_what_it_cannot_wrap():
    with pytest.raises(TypeError, match="SparseRepellency"):
        SpellScheduler(diffusers.DDPMScheduler(), "spell")
    with pytest.raises(TypeError, match="scheduler"):
        SpellScheduler(object(), SparseRepellency().fit(np.zeros((1, 2))))
