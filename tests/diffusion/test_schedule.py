"""The VP schedule and the DDPM / DDIM steps against diffusers' schedulers on the same betas."""

import numpy as np
import pytest
import torch

from sklot.diffusion._schedule import ddim_step, ddpm_step, make_betas, sampling_timesteps, x0_from_eps

diffusers = pytest.importorskip("diffusers")


@pytest.mark.parametrize("schedule, name", [("linear", "linear"), ("cosine", "squaredcos_cap_v2")])
def test_betas_match_diffusers(schedule, name):
    ref = diffusers.DDPMScheduler(num_train_timesteps=200, beta_schedule=name)
    np.testing.assert_allclose(make_betas(schedule, 200), ref.betas.numpy(), rtol=2e-6, atol=1e-9)


@pytest.mark.parametrize("n_steps", [200, 40])
def test_ddpm_step_matches_diffusers(n_steps):
    T = 200
    sched = diffusers.DDPMScheduler(num_train_timesteps=T, clip_sample=False, variance_type="fixed_small")
    sched.set_timesteps(n_steps)
    timesteps, step = sampling_timesteps(T, n_steps)
    np.testing.assert_array_equal(timesteps, sched.timesteps.numpy())
    ab = np.cumprod(1 - make_betas("linear", T))
    rng = torch.Generator().manual_seed(0)
    x = torch.randn(8, 3, generator=rng, dtype=torch.float64)
    for t in timesteps[[0, len(timesteps) // 2, -1]]:
        eps = torch.randn(8, 3, generator=rng, dtype=torch.float64)
        ref = sched.step(eps, int(t), x, generator=torch.Generator().manual_seed(5)).prev_sample
        abp = ab[t - step] if t - step >= 0 else 1.0
        noise = torch.randn(8, 3, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
        got = ddpm_step(x, x0_from_eps(x, eps, ab[t]), ab[t], abp, noise)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n_steps", [200, 25])
def test_ddim_step_matches_diffusers(n_steps):
    T = 200
    sched = diffusers.DDIMScheduler(num_train_timesteps=T, clip_sample=False, set_alpha_to_one=True)
    sched.set_timesteps(n_steps)
    timesteps, step = sampling_timesteps(T, n_steps)
    np.testing.assert_array_equal(timesteps, sched.timesteps.numpy())
    ab = np.cumprod(1 - make_betas("linear", T))
    rng = torch.Generator().manual_seed(1)
    x = torch.randn(8, 3, generator=rng, dtype=torch.float64)
    for t in timesteps[[0, len(timesteps) // 2, -1]]:
        eps = torch.randn(8, 3, generator=rng, dtype=torch.float64)
        ref = sched.step(eps, int(t), x, eta=0.0).prev_sample
        abp = ab[t - step] if t - step >= 0 else 1.0
        got = ddim_step(x, x0_from_eps(x, eps, ab[t]), ab[t], abp)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="schedule"):
        make_betas("quadratic", 10)
