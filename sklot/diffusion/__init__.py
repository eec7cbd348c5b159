"""Diffusion models and SPELL, sparse repellency of their samples (Kirchhof et al. 2025).

* :class:`SparseRepellency` -- the guidance: keeps the denoised estimate out of a shield of balls
  around protected points (static) and away from the batch's other members (dynamic);
* :func:`repellency` -- the correction itself, a pure function.
"""

from ._repellency import SparseRepellency, repellency, repellency_from_pairs

__all__ = ["SparseRepellency", "repellency", "repellency_from_pairs"]
