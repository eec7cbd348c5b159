"""Graph-based captions (GBC; Hsieh et al., 2024, arXiv 2407.06723).

* :class:`GbcGraph`, :class:`GbcVertex`, :class:`GbcEdge`, :class:`Description`, :class:`Bbox`:
  pydantic v2 models of the official JSON format, validated (a DAG rooted at the image vertex
  ``""``, edge texts in their source's captions, bboxes in ``[0, 1]``), unknown fields kept;
* :func:`read_gbc` / :func:`write_gbc`: JSON Lines, plain or gzip;
* :func:`to_networkx` / :func:`to_pyg`: a networkx multigraph, a torch_geometric ``Data`` whose
  node features are caption embedding + bbox + node type (:func:`hashing_text_encoder` needs no
  download);
* :func:`multi_positive_clip_loss`: the multi-positive contrastive loss (CLIP when every image has
  one caption);
* :class:`GraphCaptionCLIP`: an image and a text encoder trained together on (image, GBC graph)
  pairs from short, detailed, all captions (multi-positive) or the graph (structure-aware
  hierarchical attention, :mod:`sklot.gbc._saha`); :func:`recall_at_k` for retrieval.
"""

from ._clip import GraphCaptionCLIP
from ._convert import VERTEX_LABELS, hashing_text_encoder, to_networkx, to_pyg, vertex_caption
from ._io import read_gbc, write_gbc
from ._loss import multi_positive_clip_loss
from ._retrieval import recall_at_k
from ._schema import Bbox, Description, GbcEdge, GbcGraph, GbcVertex

__all__ = [
    "VERTEX_LABELS",
    "Bbox",
    "Description",
    "GbcEdge",
    "GbcGraph",
    "GbcVertex",
    "GraphCaptionCLIP",
    "hashing_text_encoder",
    "multi_positive_clip_loss",
    "read_gbc",
    "recall_at_k",
    "to_networkx",
    "to_pyg",
    "vertex_caption",
    "write_gbc",
]
