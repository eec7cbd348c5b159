"""Loukas's local-variation graph coarsening (JMLR 2019) as pure functions."""

from ._coarsen import CoarseningLevel, coarse_weights, coarsen, coarsening_matrix
from ._local_variation import (
    greedy_contraction_sets,
    local_variation_cost,
    variation_edge_sets,
    variation_neighborhood_sets,
)
from ._quality import coarsening_quality

__all__ = [
    "CoarseningLevel",
    "coarse_weights",
    "coarsen",
    "coarsening_matrix",
    "coarsening_quality",
    "greedy_contraction_sets",
    "local_variation_cost",
    "variation_edge_sets",
    "variation_neighborhood_sets",
]
