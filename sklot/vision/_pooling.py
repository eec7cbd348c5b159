"""Pooling of patch features into one vector per image (the frozen-trunk features)."""

import math

import torch

__all__ = ["mean_pool", "attention_pool", "grid_pool", "flatten_pool"]


def mean_pool(tokens):
    """Average of the patch features: (B, N, D) -> (B, D)."""
    return tokens.mean(dim=1)


def attention_pool(tokens):
    r"""Parameter-free attention pooling: one query, the mean token, over the patch tokens.

    .. math::

        a = \mathrm{softmax}_k\Big(\frac{\bar z^\top z_k}{\sqrt D}\Big), \qquad
        \mathrm{pool}(z) = \sum_k a_k z_k, \qquad \bar z = \frac1N \sum_k z_k .

    A learned query (AIMv2's attentive probe) needs labels; this pooling needs none and weights
    the patches that agree with the image's average feature. (B, N, D) -> (B, D).
    """
    query = tokens.mean(dim=1, keepdim=True)  # (B, 1, D)
    scores = (query @ tokens.transpose(1, 2)) / math.sqrt(tokens.shape[-1])  # (B, 1, N)
    return (torch.softmax(scores, dim=-1) @ tokens)[:, 0]


def grid_pool(tokens, grid_size, cells=2):
    """Means of the patch features over a ``cells`` x ``cells`` grid of image regions, concatenated.

    (B, N, D) -> (B, cells**2 D), regions in raster order. Keeps where things are, which a global
    mean discards (and a linear probe on 28x28 clothes needs).

    Parameters
    ----------
    tokens : (B, N, D) with N = grid_size[0] * grid_size[1], patches in raster order
    grid_size : tuple (rows, columns) of patches
    cells : int, default=2
    """
    B, N, D = tokens.shape
    rows, cols = grid_size
    t = tokens.reshape(B, rows, cols, D)
    r_edges = [round(i * rows / cells) for i in range(cells + 1)]
    c_edges = [round(i * cols / cells) for i in range(cells + 1)]
    parts = []
    for i in range(cells):
        r0, r1 = r_edges[i], max(r_edges[i + 1], r_edges[i] + 1)
        for j in range(cells):
            c0, c1 = c_edges[j], max(c_edges[j + 1], c_edges[j] + 1)
            parts.append(t[:, r0:r1, c0:c1].mean(dim=(1, 2)))
    return torch.cat(parts, dim=1)


def flatten_pool(tokens):
    """All patch features, concatenated: (B, N, D) -> (B, N D) (a linear probe on the whole trunk output)."""
    return tokens.reshape(tokens.shape[0], -1)
