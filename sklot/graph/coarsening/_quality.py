"""How well a coarsening preserves the spectrum: Loukas's restricted spectral approximation."""

import numpy as np
import scipy.sparse as sp

from ._graph_input import as_weight_matrix
from ._spectrum import inverse_sqrt_spectrum, laplacian, smallest_eigenpairs

__all__ = ["coarsening_quality"]


def _total_matrix(coarsening, N):
    if isinstance(coarsening, (list, tuple)):
        C = sp.identity(N, format="csr")
        for level in coarsening:
            C = level.matrix @ C
        return sp.csr_matrix(C)
    C = sp.csr_matrix(coarsening, dtype=np.float64)
    if C.shape[1] != N:
        raise ValueError(f"the coarsening matrix has {C.shape[1]} columns but the graph has {N} nodes.")
    return C


def coarsening_quality(graph, coarsening, n_eigenvectors=6):
    """Measure the restricted spectral approximation constant and eigenvalue errors.

    With ``\\Pi = C^\\top C`` the projection onto piecewise-constant signals and
    ``U_K`` the first ``K`` Laplacian eigenvectors, the restricted spectral
    approximation constant (Loukas, JMLR 2019, Definition 2) is the smallest
    ``\\epsilon`` with

    .. math::

        \\lVert x - \\Pi x \\rVert_L \\le \\epsilon \\lVert x \\rVert_L
        \\quad \\forall x \\in \\operatorname{span}(U_K),
        \\qquad \\lVert x \\rVert_L = \\sqrt{x^\\top L x},

    computed exactly as
    ``\\epsilon = \\lVert L^{1/2} (I - \\Pi) U_K \\Lambda_K^{-1/2} \\rVert_2``
    (the null space of ``L``, on which both sides vanish, is left out). Small
    ``\\epsilon`` bounds the eigenvalue and eigenspace errors (Loukas, 2019,
    Theorems 3.1-3.3). Eigenvalue errors compare ``\\lambda_k`` with the
    eigenvalues ``\\tilde\\lambda_k`` of ``L_c = C L C^\\top``; by Cauchy
    interlacing ``\\tilde\\lambda_k \\ge \\lambda_k``.

    Parameters
    ----------
    graph : weight matrix, torch_geometric ``Data`` or networkx graph
        The original (finest) graph.
    coarsening : list of CoarseningLevel, or matrix of shape (n, N)
        The output of :func:`coarsen`, or any coarsening matrix with
        orthonormal rows (e.g. one produced by another implementation).
    n_eigenvectors : int, default=6

    Returns
    -------
    quality : dict
        ``epsilon`` (float), ``eigenvalue_error`` (ndarray, relative error
        ``(\\tilde\\lambda_k - \\lambda_k) / \\lambda_k`` for the non-zero
        ``\\lambda_k``), ``eigenvalues``, ``coarse_eigenvalues``, ``reduction``
        (``1 - n / N``) and ``n_coarse``.

    Examples
    --------
    >>> import networkx as nx
    >>> from sklot.graph import coarsen, coarsening_quality
    >>> g = nx.barbell_graph(10, 0)  # two 10-cliques joined by one edge
    >>> q = coarsening_quality(g, coarsen(g, n_eigenvectors=2, reduction=0.9), n_eigenvectors=2)
    >>> q["n_coarse"], q["epsilon"] < 0.5
    (2, True)
    """
    W = as_weight_matrix(graph)
    N = W.shape[0]
    C = _total_matrix(coarsening, N)
    n = C.shape[0]
    L = laplacian(W)
    lam, U = smallest_eigenpairs(W, n_eigenvectors)
    A = U * inverse_sqrt_spectrum(lam)
    R = A - C.T @ (C @ A)
    M = R.T @ (L @ R)
    epsilon = float(np.sqrt(max(np.linalg.eigvalsh((M + M.T) / 2).max(), 0.0))) if M.size else 0.0
    Lc = (C @ L @ C.T).toarray()
    lam_c = np.linalg.eigvalsh((Lc + Lc.T) / 2)[: lam.size]
    k = min(lam.size, lam_c.size)
    nonzero = lam[:k] > 0
    err = (lam_c[:k][nonzero] - lam[:k][nonzero]) / lam[:k][nonzero]
    return {
        "epsilon": epsilon,
        "eigenvalue_error": err,
        "eigenvalues": lam,
        "coarse_eigenvalues": lam_c,
        "reduction": 1.0 - n / N,
        "n_coarse": n,
    }
