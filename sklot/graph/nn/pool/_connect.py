"""Connect step of Loukas pooling: the coarse graph's edges ``W_c = P W P^T``."""

import torch

__all__ = ["loukas_connect"]


def loukas_connect(select, edge_index, edge_weight=None):
    """Edges of the coarse graph: supernodes ``s != t`` are joined with weight
    ``\\sum_{i \\in S_s, j \\in S_t} w_{ij}`` (self-loops dropped), i.e.
    ``W_c = P W P^T`` with zero diagonal (Loukas, 2019, Sec. 2).

    Parameters
    ----------
    select : LoukasSelectOutput
    edge_index : LongTensor of shape (2, |E|)
    edge_weight : Tensor of shape (|E|,) or None

    Shapes
    ------
    - output: ``edge_index`` ``(2, |E_c|)`` sorted row-major, ``edge_weight`` ``(|E_c|,)``
    """
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.shape[1], device=edge_index.device)
    src = select.cluster[edge_index[0]]
    dst = select.cluster[edge_index[1]]
    keep = src != dst
    src, dst, w = src[keep], dst[keep], edge_weight[keep]
    key = src * select.num_clusters + dst
    unique, inverse = torch.unique(key, return_inverse=True)
    weight = torch.zeros(unique.numel(), dtype=w.dtype, device=w.device).index_add_(0, inverse, w)
    coarse = torch.stack([unique // select.num_clusters, unique % select.num_clusters])
    return coarse, weight
