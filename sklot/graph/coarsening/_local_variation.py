"""Local-variation contraction sets, their costs, and the greedy selection (Loukas, 2019, Sec. 4-5).

Given the basis ``A`` (``n x K``) of the subspace to preserve, contracting a set
``S`` of ``n_c`` nodes costs

.. math::

    \\mathrm{cost}(S) = \\frac{\\lVert B_S^\\top L_S B_S \\rVert_F}{n_c - 1},
    \\qquad B_S = (I - \\tfrac{1}{n_c} \\mathbf{1}\\mathbf{1}^\\top) A_S,
    \\qquad L_S = \\mathrm{diag}(2 d_S - W_S \\mathbf{1}) - W_S,

(Loukas, "Graph Reduction with Spectral and Cut Guarantees", JMLR 2019, Eq. 9
and Sec. 4.1): the local variation of the preserved subspace inside ``S``.

``W`` is a dense ndarray for small graphs (fast slicing, no sparse overhead)
or a scipy CSR matrix for large ones; every function here accepts both.
"""

import heapq

import numpy as np
import scipy.sparse as sp

__all__ = [
    "variation_neighborhood_sets",
    "variation_edge_sets",
    "local_variation_cost",
    "greedy_contraction_sets",
]


def _nonzero(W):
    if sp.issparse(W):
        coo = sp.coo_matrix(W)
        order = np.lexsort((coo.col, coo.row))
        return coo.row[order], coo.col[order]
    return np.nonzero(W)


def variation_neighborhood_sets(W):
    """One candidate per node: its closed neighbourhood ``{i} + N(i)`` (sorted node indices).

    Isolated nodes would give singletons, which can never be contracted: they are dropped.
    """
    n = W.shape[0]
    rows, cols = _nonzero(W)
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    bounds = np.searchsorted(rows, np.arange(n + 1))
    sets = []
    for i in range(n):
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            S = np.append(cols[lo:hi], i)
            S.sort()
            sets.append(S)
    return sets


def variation_edge_sets(W):
    """One candidate per undirected edge ``(i, j)``, ``i < j``."""
    rows, cols = _nonzero(W)
    upper = rows < cols
    return [np.array([i, j]) for i, j in zip(rows[upper].tolist(), cols[upper].tolist())]


def local_variation_cost(nodes, A, W_block, degree):
    """Cost of contracting ``nodes`` into one supernode (equation in the module docstring).

    Parameters
    ----------
    nodes : ndarray of int, shape (n_c,), n_c >= 2
    A : ndarray of shape (n, K)
        Rows of the basis for the whole graph.
    W_block : ndarray of shape (n_c, n_c)
        ``W_S``, the weights among ``nodes``.
    degree : ndarray of shape (n,)
        Weighted degrees ``d = W 1`` in the whole graph.
    """
    As = A[nodes]
    Bs = As - As.sum(axis=0) / nodes.size
    LB = (2.0 * degree[nodes] - W_block.sum(axis=1))[:, None] * Bs - W_block @ Bs
    M = Bs.T @ LB
    return float(np.sqrt((M * M).sum())) / (nodes.size - 1)


def _batched_costs(sets, A, block, degree):
    """:func:`local_variation_cost` of many sets at once, one batched product per set size."""
    costs = np.empty(len(sets))
    sizes = np.array([S.size for S in sets])
    for size in np.unique(sizes):
        idx = np.flatnonzero(sizes == size)
        S = np.stack([sets[i] for i in idx])  # (m, s)
        As = A[S]  # (m, s, K)
        Bs = As - As.mean(axis=1, keepdims=True)
        Wb = block(S)  # (m, s, s)
        LB = (2.0 * degree[S] - Wb.sum(axis=2))[:, :, None] * Bs - Wb @ Bs
        M = np.swapaxes(Bs, 1, 2) @ LB
        costs[idx] = np.sqrt((M * M).sum(axis=(1, 2))) / (size - 1)
    return costs


def _edge_costs(edges, A, degree):
    """Vectorised cost of every edge: for ``S = {i, j}``, ``B_S = (a_i - a_j)/2 [1, -1]^T`` and
    ``[1, -1] L_S [1, -1]^T = 2 (d_i + d_j)``, hence ``cost = ||a_i - a_j||^2 (d_i + d_j) / 2``."""
    if not edges:
        return np.zeros(0)
    e = np.asarray(edges)
    delta = A[e[:, 0]] - A[e[:, 1]]
    return np.einsum("ij,ij->i", delta, delta) * (degree[e[:, 0]] + degree[e[:, 1]]) / 2.0


def _block_reader(W):
    """``S -> W_S`` for one set ``(s,)`` or a stack of sets ``(m, s)``."""
    if sp.issparse(W):
        W = sp.csr_matrix(W)

        def block(S):
            if S.ndim == 1:
                return W[S][:, S].toarray()
            return np.stack([W[s][:, s].toarray() for s in S])

        return block
    return lambda S: W[S[..., :, None], S[..., None, :]]


def greedy_contraction_sets(W, A, reduction, method="variation_neighborhoods"):
    """Pick disjoint contraction sets greedily by increasing local-variation cost.

    Pop the cheapest candidate; accept it when none of its nodes is taken and
    its gain ``|S| - 1`` fits the remaining budget ``floor(reduction * n)``;
    when some nodes are taken, shrink it to the free ones, recompute its cost
    and push it back if at least two nodes remain (Loukas, 2019, Algorithm 1).
    Ties are broken by candidate index, so the result is deterministic.

    Parameters
    ----------
    W : ndarray or scipy sparse matrix of shape (n, n)
    A : ndarray of shape (n, K)
    reduction : float in [0, 1)
    method : {"variation_neighborhoods", "variation_edges"}

    Returns
    -------
    sets : list of ndarray of int
        Disjoint sets of at least two nodes each.
    """
    n = W.shape[0]
    budget = int(np.floor(reduction * n + 1e-9))  # 1 - 4/5 = 0.19999...: do not lose a node to rounding
    if method not in ("variation_neighborhoods", "variation_edges"):
        raise ValueError(f"method must be 'variation_neighborhoods' or 'variation_edges'; got {method!r}.")
    degree = np.asarray(W.sum(axis=1)).ravel()
    if budget <= 0 or not degree.any():
        return []
    if method == "variation_edges":
        candidates = variation_edge_sets(W)
        costs = _edge_costs(candidates, A, degree).tolist()
        block = None  # a shrunk edge has one node left and is never pushed back
    else:
        candidates = variation_neighborhood_sets(W)
        block = _block_reader(W)
        costs = _batched_costs(candidates, A, block, degree).tolist()
    heap = list(zip(costs, range(len(candidates)), candidates))
    heapq.heapify(heap)
    marked = np.zeros(n, dtype=bool)
    chosen = []
    while heap and budget > 0:
        _, idx, S = heapq.heappop(heap)
        taken = marked[S]
        if not taken.any():
            gain = S.size - 1
            if gain > budget:
                continue  # would over-reduce
            marked[S] = True
            chosen.append(S)
            budget -= gain
        else:
            S = S[~taken]
            if S.size > 1:
                heapq.heappush(heap, (local_variation_cost(S, A, block(S), degree), idx, S))
    return chosen
