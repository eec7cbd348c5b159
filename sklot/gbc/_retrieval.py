"""Cross-modal retrieval metrics (recall at k) on paired embeddings."""

from __future__ import annotations

import numpy as np

__all__ = ["recall_at_k"]


def recall_at_k(queries, gallery, k=1):
    r"""Fraction of queries whose own item is among their ``k`` nearest gallery items.

    Query ``i`` is paired with gallery item ``i``; similarity is the inner product (cosine for
    L2-normalised embeddings). With :math:`r_i = \#\{j \ne i : \langle q_i, g_j\rangle >
    \langle q_i, g_i\rangle\}` the number of items ranked strictly above the pair,

    .. math::  R@k = \frac{1}{n} \sum_i \mathbb 1[r_i < k],

    so ties count in the query's favour only when exact (the pessimistic alternative would
    penalise duplicated items, which a generator can draw).

    Parameters
    ----------
    queries : array of shape (n, d)
    gallery : array of shape (n, d)
    k : int or sequence of int, default=1

    Returns
    -------
    recall : float, or ndarray of floats when ``k`` is a sequence

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.gbc import recall_at_k
    >>> q = np.eye(3)
    >>> g = np.eye(3)[[0, 2, 1]]  # items 1 and 2 swapped
    >>> recall_at_k(q, g, k=[1, 2]).tolist()
    [0.3333333333333333, 1.0]
    """
    queries = np.asarray(queries, dtype=np.float64)
    gallery = np.asarray(gallery, dtype=np.float64)
    if queries.ndim != 2 or queries.shape != gallery.shape:
        raise ValueError(
            f"queries and gallery must be paired 2-d arrays of the same shape, got {queries.shape} "
            f"and {gallery.shape}"
        )
    if len(queries) == 0:
        raise ValueError("recall_at_k needs at least one pair, got 0")
    sims = queries @ gallery.T
    own = np.diag(sims)
    rank = (sims > own[:, None]).sum(axis=1)
    ks = np.atleast_1d(np.asarray(k))
    if ks.dtype.kind not in "iu" or (ks < 1).any():
        raise ValueError(f"k must be positive integers, got {k!r}")
    out = (rank[None, :] < ks[:, None]).mean(axis=1)
    return float(out[0]) if np.ndim(k) == 0 else out
