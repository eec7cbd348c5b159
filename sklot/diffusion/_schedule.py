r"""The variance-preserving noise schedule and the DDPM / DDIM reverse steps, in terms of :math:`\hat x_0`.

Forward process (Ho et al. 2020, eq. 4): :math:`x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\,
\varepsilon`, :math:`\bar\alpha_t = \prod_{s \le t} (1 - \beta_s)`, :math:`t = 0, \dots, T-1`.
Both reverse steps are written with the denoised estimate
:math:`\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\hat\varepsilon) / \sqrt{\bar\alpha_t}` as input, which is
where a guidance acting on :math:`\hat x_0` (SPELL) enters.

The conventions are diffusers' (``DDPMScheduler`` / ``DDIMScheduler`` with ``variance_type="fixed_small"``,
``clip_sample=False``, ``timestep_spacing="leading"``, ``set_alpha_to_one=True``), against which
``tests/diffusion/test_schedule.py`` checks them on the same betas.
"""

import math

import numpy as np

__all__ = [
    "make_betas",
    "sampling_timesteps",
    "ddpm_step",
    "ddim_step",
    "spell_correct",
    "x0_from_eps",
    "eps_from_x0",
]


def make_betas(schedule, n_timesteps, beta_start=1e-4, beta_end=0.02):
    r"""The betas of a schedule, float64.

    Parameters
    ----------
    schedule : {"linear", "cosine"}
        ``"linear"``: :math:`\beta_t` evenly spaced from ``beta_start`` to ``beta_end`` (Ho et al.
        2020); ``"cosine"``: :math:`\bar\alpha(t) = \cos^2\big(\tfrac{t/T + 0.008}{1.008}\tfrac{\pi}{2}\big)`,
        :math:`\beta_t = \min(1 - \bar\alpha(t+1)/\bar\alpha(t), 0.999)` (Nichol & Dhariwal 2021, eq. 17;
        diffusers' ``"squaredcos_cap_v2"``).
    n_timesteps : int

    Returns
    -------
    ndarray of shape (n_timesteps,)
    """
    if schedule == "linear":
        return np.linspace(beta_start, beta_end, n_timesteps, dtype=np.float64)
    if schedule == "cosine":
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        return np.array(
            [min(1 - f((i + 1) / n_timesteps) / f(i / n_timesteps), 0.999) for i in range(n_timesteps)]
        )
    raise ValueError(f"schedule must be 'linear' or 'cosine'; got {schedule!r}.")


def sampling_timesteps(n_timesteps, n_steps):
    """Timesteps visited by the reverse process, from noisy to clean ("leading" spacing).

    Returns
    -------
    timesteps : ndarray of int, shape (n_steps,)
    step : int
        ``t - step`` is the next timestep (``< 0`` after the last).
    """
    step = n_timesteps // n_steps
    return (np.arange(n_steps) * step)[::-1].copy(), step


def x0_from_eps(x_t, eps, alpha_bar):
    r""":math:`\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\hat\varepsilon)/\sqrt{\bar\alpha_t}` (Tweedie)."""
    return (x_t - math.sqrt(1 - alpha_bar) * eps) / math.sqrt(alpha_bar)


def eps_from_x0(x_t, x0, alpha_bar):
    r"""The noise prediction consistent with ``x0`` at ``x_t``: the inverse of :func:`x0_from_eps`."""
    return (x_t - math.sqrt(alpha_bar) * x0) / math.sqrt(1 - alpha_bar)


def ddpm_step(x_t, x0, alpha_bar, alpha_bar_prev, noise=None):
    r"""Ancestral DDPM step: a draw of :math:`q(x_{t'} \mid x_t, \hat x_0)` (Ho et al. 2020, eqs. 6-7).

    .. math::

        \mu = \frac{\sqrt{\bar\alpha_{t'}}\,\beta}{1-\bar\alpha_t}\hat x_0
              + \frac{\sqrt{\alpha}\,(1-\bar\alpha_{t'})}{1-\bar\alpha_t} x_t, \quad
        \sigma^2 = \frac{1-\bar\alpha_{t'}}{1-\bar\alpha_t}\beta, \quad
        \alpha = \bar\alpha_t/\bar\alpha_{t'},\ \beta = 1 - \alpha,

    with :math:`t'` the next (smaller) timestep; ``alpha_bar_prev = 1`` after the last one, where
    :math:`\sigma = 0` and the step returns :math:`\hat x_0`.

    Parameters
    ----------
    x_t, x0 : torch.Tensor
    alpha_bar, alpha_bar_prev : float
    noise : torch.Tensor or None
        Standard normal, the shape of ``x_t``; required unless ``alpha_bar_prev == 1``.
    """
    alpha = alpha_bar / alpha_bar_prev
    beta = 1 - alpha
    c0 = math.sqrt(alpha_bar_prev) * beta / (1 - alpha_bar)
    ct = math.sqrt(alpha) * (1 - alpha_bar_prev) / (1 - alpha_bar)
    mean = c0 * x0 + ct * x_t
    var = max((1 - alpha_bar_prev) / (1 - alpha_bar) * beta, 1e-20)
    if alpha_bar_prev >= 1.0:
        return mean
    return mean + math.sqrt(var) * noise


def ddim_step(x_t, x0, alpha_bar, alpha_bar_prev):
    r"""Deterministic DDIM step (:math:`\eta = 0`; Song, Meng & Ermon 2021, eq. 12).

    .. math::

        x_{t'} = \sqrt{\bar\alpha_{t'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t'}}\,\hat\varepsilon, \quad
        \hat\varepsilon = (x_t - \sqrt{\bar\alpha_t}\,\hat x_0)/\sqrt{1-\bar\alpha_t},

    the noise recomputed from ``x0`` so that a corrected :math:`\hat x_0` moves the whole step.
    """
    eps = eps_from_x0(x_t, x0, alpha_bar)
    return math.sqrt(alpha_bar_prev) * x0 + math.sqrt(1 - alpha_bar_prev) * eps


def spell_correct(x_t, x0, shift, alpha_bar):
    r"""Apply a correction ``shift`` of the denoised estimate to the state of the reverse process.

    .. math::

        \hat x_0 \leftarrow \hat x_0 + \lambda\Delta, \qquad
        x_t \leftarrow x_t + \sqrt{\bar\alpha_t}\,\lambda\Delta,

    the shift of :math:`x_t` for which the same noise prediction gives the corrected
    :math:`\hat x_0` (variance-preserving parametrisation; the spec's "equivalent shift of
    :math:`x_t`"). Replacing :math:`\hat x_0` alone would let the DDIM step absorb most of the
    correction into the recomputed noise (:math:`x_{t'}` moves by
    :math:`(\sqrt{\bar\alpha_{t'}} - \sqrt{\bar\alpha_t}\sqrt{1-\bar\alpha_{t'}}/\sqrt{1-\bar\alpha_t})
    \lambda\Delta`, nearly 0 for small steps), and the next denoised estimate fall back into the
    ball: on the 2-D test mixture, shifting both gives lower in-shield rates with fewer active steps.

    Returns
    -------
    x_t, x0 : torch.Tensor
    """
    return x_t + math.sqrt(alpha_bar) * shift, x0 + shift
