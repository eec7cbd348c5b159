r"""SPELL for diffusers users: a scheduler wrapper that corrects ``pred_original_sample``.

Works with any diffusers scheduler that has ``alphas_cumprod`` and steps from the model output and the
current sample (``DDPMScheduler``, ``DDIMScheduler``, ...): ``pipeline.scheduler =
SpellScheduler(pipeline.scheduler, repellency)``, or call :meth:`SpellScheduler.step` in your own loop.
diffusers itself is only needed by the scheduler being wrapped (optional extra ``diffusion``).
"""

import math


from ._repellency import SparseRepellency

__all__ = ["SpellScheduler"]


class SpellScheduler:
    r"""Wrap a diffusers scheduler so that each ``step`` applies SPELL to the denoised estimate.

    At timestep :math:`t`, from the model output and :math:`x_t` the wrapper computes
    :math:`\hat x_0` (``prediction_type`` ``"epsilon"``, ``"sample"`` or ``"v_prediction"``),
    the correction :math:`\lambda\Delta(\hat x_0)` of the :class:`SparseRepellency` (on the flattened
    samples), and hands the wrapped scheduler the state for which the same noise prediction gives the
    corrected estimate (:func:`~sklot.diffusion._schedule.spell_correct`):
    :math:`x_t + \sqrt{\bar\alpha_t}\lambda\Delta` and, for ``"sample"`` / ``"v_prediction"``, the model
    output consistent with it. The wrapped scheduler's ``pred_original_sample`` is then
    :math:`\hat x_0 + \lambda\Delta`. Every other attribute is the wrapped scheduler's.

    Parameters
    ----------
    scheduler : diffusers scheduler
    repellency : SparseRepellency
        Fitted, its references in the scheduler's sample space, flattened to ``(n, C * H * W)``.

    Attributes
    ----------
    active_fraction_ : list of float
        Per call of :meth:`step`, the fraction of the batch whose :math:`\hat x_0` was inside a ball.

    Examples
    --------
    >>> import torch
    >>> from diffusers import DDPMScheduler
    >>> from sklot.diffusion import SparseRepellency, SpellScheduler
    >>> spell = SparseRepellency(radius=1.0).fit(torch.zeros(1, 4).numpy())
    >>> sched = SpellScheduler(DDPMScheduler(num_train_timesteps=10), spell)
    >>> sched.set_timesteps(10)
    >>> out = sched.step(torch.zeros(2, 1, 2, 2), 5, torch.zeros(2, 1, 2, 2))
    >>> sched.active_fraction_
    [1.0]
    """

    def __init__(self, scheduler, repellency):
        if not isinstance(repellency, SparseRepellency):
            raise TypeError(f"repellency must be a SparseRepellency; got {type(repellency).__name__}.")
        if not hasattr(scheduler, "alphas_cumprod") or not hasattr(scheduler, "step"):
            raise TypeError("scheduler must be a diffusers scheduler with alphas_cumprod and step().")
        self.scheduler = scheduler
        self.repellency = repellency
        self.active_fraction_ = []

    def __getattr__(self, name):
        # only reached for attributes not found on the wrapper: the wrapped scheduler's
        if name in ("scheduler", "repellency", "active_fraction_"):
            raise AttributeError(name)
        return getattr(self.scheduler, name)

    def step(self, model_output, timestep, sample, *args, **kwargs):
        """The wrapped scheduler's ``step`` after the SPELL correction (same arguments and output)."""
        t = int(timestep)
        ab = float(self.scheduler.alphas_cumprod[t])
        kind = self.scheduler.config.prediction_type
        a, s = math.sqrt(ab), math.sqrt(1 - ab)
        if kind == "epsilon":
            x0 = (sample - s * model_output) / a
        elif kind == "sample":
            x0 = model_output
        elif kind == "v_prediction":
            x0 = a * sample - s * model_output
        else:
            raise ValueError(f"prediction_type {kind!r} is not supported by SpellScheduler.")
        n = len(sample)
        shift, active = self.repellency.shift(x0.reshape(n, -1).double())
        shift = shift.to(sample.dtype).reshape(sample.shape)
        self.active_fraction_.append(float(active.float().mean()) if n else 0.0)
        sample = sample + a * shift
        if kind == "sample":
            model_output = model_output + shift
        elif kind == "v_prediction":
            model_output = model_output - s * shift
        return self.scheduler.step(model_output, timestep, sample, *args, **kwargs)
