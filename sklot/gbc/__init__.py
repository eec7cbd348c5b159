"""Graph-based captions (GBC; Hsieh et al., 2024, arXiv 2407.06723).

* :class:`GbcGraph`, :class:`GbcVertex`, :class:`GbcEdge`, :class:`Description`, :class:`Bbox`:
  pydantic v2 models of the official JSON format, validated (a DAG rooted at the image vertex
  ``""``, edge texts in their source's captions, bboxes in ``[0, 1]``), unknown fields kept;
* :func:`read_gbc` / :func:`write_gbc`: JSON Lines, plain or gzip.
"""

from ._io import read_gbc, write_gbc
from ._schema import Bbox, Description, GbcEdge, GbcGraph, GbcVertex

__all__ = ["Bbox", "Description", "GbcEdge", "GbcGraph", "GbcVertex", "read_gbc", "write_gbc"]
