"""Turn a graph given in any supported form into a symmetric sparse weight matrix."""

import numpy as np
import scipy.sparse as sp

from ..._core.validation import check_edge_index

__all__ = ["as_weight_matrix"]

_NO_NODES = "the graph has no nodes (a 0 x 0 weight matrix): there is nothing to coarsen."


def as_weight_matrix(graph):
    """Return the symmetric weight matrix ``W`` of ``graph`` as CSR float64, zero diagonal.

    Parameters
    ----------
    graph : scipy sparse matrix, ndarray of shape (n, n), torch_geometric ``Data`` or networkx graph
        Edge weights are read from ``edge_weight`` (``Data``) or the ``"weight"``
        edge attribute (networkx); unweighted edges weigh 1. Directed inputs are
        symmetrised as ``(W + W^T) / 2``; self-loops are dropped (they do not
        change the Laplacian ``L = D - W``).

    Raises
    ------
    ValueError
        Non-square, negative or non-finite weights, or a graph without nodes.
    """
    if sp.issparse(graph) or isinstance(graph, np.ndarray):
        W = sp.csr_matrix(graph, dtype=np.float64)
        if W.shape[0] != W.shape[1]:
            raise ValueError(f"a weight matrix must be square; got shape {W.shape}.")
    elif type(graph).__module__.startswith("networkx"):
        import networkx as nx

        if graph.number_of_nodes() == 0:
            raise ValueError(_NO_NODES)
        W = sp.csr_matrix(nx.to_scipy_sparse_array(graph, weight="weight", dtype=np.float64, format="csr"))
    elif hasattr(graph, "edge_index") and hasattr(graph, "num_nodes"):
        n = int(graph.num_nodes or 0)
        ei = graph.edge_index
        if ei is None or ei.numel() == 0:
            W = sp.csr_matrix((n, n), dtype=np.float64)
        else:
            check_edge_index(ei, n)
            ei = ei.detach().cpu().numpy()
            ew = getattr(graph, "edge_weight", None)
            w = np.ones(ei.shape[1]) if ew is None else ew.detach().cpu().numpy().astype(np.float64).ravel()
            if w.size != ei.shape[1]:
                raise ValueError(f"edge_weight has {w.size} entries for {ei.shape[1]} edges.")
            W = sp.csr_matrix((w, (ei[0], ei[1])), shape=(n, n))
    else:
        raise TypeError(
            "graph must be a scipy sparse or dense (n, n) weight matrix, a torch_geometric Data "
            f"or a networkx graph; got {type(graph).__name__}."
        )
    if W.shape[0] == 0:
        raise ValueError(_NO_NODES)
    W.sum_duplicates()
    if W.nnz and not np.all(np.isfinite(W.data)):
        raise ValueError("edge weights contain NaN or infinite values.")
    if W.nnz and W.data.min() < 0:
        raise ValueError("edge weights must be non-negative (the Laplacian L = D - W needs W >= 0).")
    if (W != W.T).nnz:
        W = (W + W.T) * 0.5
    W.setdiag(0)
    W.eliminate_zeros()
    return W.tocsr()
