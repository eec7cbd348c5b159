"""Diffusion models and SPELL, sparse repellency of their samples (Kirchhof et al. 2025).

* :class:`DiffusionGenerator` -- a small DDPM of vectors or images, class-conditional with
  classifier-free guidance, trained through sklot's engine;
* :class:`SparseRepellency` -- the guidance: keeps the denoised estimate out of a shield of balls
  around protected points (static) and away from the batch's other members (dynamic);
* :func:`repellency` -- the correction itself, a pure function;
* :class:`SpellScheduler` -- SPELL for diffusers: a scheduler wrapper correcting ``pred_original_sample``;
* :class:`CADS`, :class:`ParticleGuidance` -- the diversity baselines;
* :mod:`sklot.diffusion.metrics` -- in-shield rate, Vendi, precision / recall / density / coverage,
  Frechet distance.
"""

from ._baselines import CADS, ParticleGuidance
from ._diffusers_scheduler import SpellScheduler
from ._generator import DiffusionGenerator
from ._repellency import SparseRepellency, repellency, repellency_from_pairs

__all__ = [
    "CADS",
    "DiffusionGenerator",
    "ParticleGuidance",
    "SparseRepellency",
    "SpellScheduler",
    "repellency",
    "repellency_from_pairs",
]
