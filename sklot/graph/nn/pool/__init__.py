"""Loukas pooling split into select (precomputed assignment), reduce (sum) and connect steps."""

from ._connect import loukas_connect
from ._select import LoukasSelectOutput, loukas_select, sum_pool

__all__ = ["LoukasSelectOutput", "loukas_connect", "loukas_select", "sum_pool"]
