"""Hierarchical graph embeddings with Loukas's coarsening (Béthune et al., 2020).

* :func:`coarsen` and :func:`coarsening_quality`: Loukas's local-variation
  coarsening (JMLR 2019) and its restricted spectral approximation constant;
* :class:`LoukasGraphEmbedder`: unsupervised, inductive HG2V graph embeddings.
"""

from ._embedder import LoukasGraphEmbedder
from .coarsening import CoarseningLevel, coarsen, coarsening_quality

__all__ = ["CoarseningLevel", "LoukasGraphEmbedder", "coarsen", "coarsening_quality"]
