"""Graph neural network operators of the HG2V model."""

from ._krylov import KrylovConv, normalized_adjacency
from .pool import LoukasSelectOutput, loukas_connect, loukas_select, sum_pool

__all__ = [
    "KrylovConv",
    "LoukasSelectOutput",
    "loukas_connect",
    "loukas_select",
    "normalized_adjacency",
    "sum_pool",
]
