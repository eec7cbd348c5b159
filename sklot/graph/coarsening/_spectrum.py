"""The K smallest Laplacian eigenpairs and the local-variation basis ``A`` built from them."""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["laplacian", "smallest_eigenpairs", "inverse_sqrt_spectrum"]

# Below this many nodes a dense ``eigh`` is faster than ARPACK (and never fails).
DENSE_EIGH_MAX_NODES = 400


def laplacian(W):
    """Combinatorial Laplacian ``L = D - W`` (dense for a dense ``W``, else CSR)."""
    d = np.asarray(W.sum(axis=1)).ravel()
    if not sp.issparse(W):
        return np.diag(d) - W
    return (sp.diags(d) - W).tocsr()


def _count_components(W):
    return connected_components(W if sp.issparse(W) else sp.csr_matrix(W), directed=False)[0]


def smallest_eigenpairs(W, k):
    """The ``k`` smallest eigenpairs of ``L = D - W``, ascending.

    Graphs with at most :data:`DENSE_EIGH_MAX_NODES` nodes, or with ``k >= n - 1``,
    use a dense ``eigh``; ``k`` is shrunk to ``n`` when the graph is smaller
    than ``k`` (Loukas's reference crashes there). Larger graphs use ARPACK on
    the shifted operator ``2 d_max I - L``, whose largest eigenvalues are the
    smallest of ``L`` (the same trick as Loukas, 2019). The eigenvalues of the
    null space (one per connected component, counted exactly with a graph
    traversal) are set to exactly zero so that no rounding residue turns into
    a huge ``lambda^{-1/2}``.

    Returns
    -------
    eigenvalues : ndarray of shape (k',)
    eigenvectors : ndarray of shape (n, k')
        ``k' = min(k, n)``.
    """
    n = W.shape[0]
    k = int(min(k, n))
    L = laplacian(W)
    if n <= DENSE_EIGH_MAX_NODES or k >= n - 1:
        Ld = L.toarray() if sp.issparse(L) else L
        if n <= 64 or k >= n - 1:
            lam, U = np.linalg.eigh(Ld)
            lam, U = lam[:k], U[:, :k]
        else:
            from scipy.linalg import eigh

            lam, U = eigh(Ld, subset_by_index=[0, k - 1], driver="evr")
    else:
        from scipy.sparse.linalg import ArpackNoConvergence, eigsh

        offset = 2.0 * float(np.asarray(W.sum(axis=1)).max()) + 1.0
        T = sp.identity(n, format="csr") * offset - L
        v0 = np.ones(n) / np.sqrt(n)  # deterministic start vector
        try:
            mu, U = eigsh(T, k=k, which="LA", tol=1e-10, v0=v0)
        except ArpackNoConvergence:
            lam_all, U_all = np.linalg.eigh(L.toarray())  # rare: ARPACK did not converge
            mu, U = offset - lam_all[:k], U_all[:, :k]
        order = np.argsort(-mu)
        lam, U = offset - mu[order], U[:, order]
    n_zero = min(_count_components(W), k)
    lam = np.maximum(lam, 0.0)
    lam[:n_zero] = 0.0
    return lam, U


def inverse_sqrt_spectrum(lam):
    """``lambda^{-1/2}`` with the zero eigenvalues mapped to 0 (Loukas, 2019, Sec. 4)."""
    out = np.zeros_like(lam, dtype=np.float64)
    scale = max(float(np.max(np.abs(lam))) if lam.size else 0.0, 1.0)
    pos = lam > 1e-10 * scale
    out[pos] = lam[pos] ** -0.5
    return out
