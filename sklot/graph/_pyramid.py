"""Coarsening pyramids of graphs, computed once per graph, cached, and batched with torch_geometric."""

import hashlib

import numpy as np
import scipy.sparse as sp
import torch
from torch_geometric.data import Data

from .coarsening import coarsen

__all__ = ["PyramidData", "graph_digest", "graph_pyramid", "pyramids", "pyramid_data", "level_batches"]


class PyramidData(Data):
    """A graph plus its coarsening pyramid, batchable by torch_geometric.

    Attributes (``l = 0..depth``): ``edge_index_l`` / ``edge_weight_l`` the
    graph at level ``l`` (level 0 is the input graph), ``n_nodes_l`` its size,
    and for ``l < depth`` ``cluster_l``, the supernode at level ``l + 1`` of
    every node at level ``l``. Batching offsets ``edge_index_l`` by
    ``n_nodes_l`` and ``cluster_l`` by ``n_nodes_{l+1}``.
    """

    def __inc__(self, key, value, *args, **kwargs):
        if key.startswith("edge_index_"):
            return int(self[f"n_nodes_{key[len('edge_index_') :]}"])
        if key.startswith("cluster_"):
            return int(self[f"n_nodes_{int(key[len('cluster_') :]) + 1}"])
        return super().__inc__(key, value, *args, **kwargs)

    def __cat_dim__(self, key, value, *args, **kwargs):
        if key.startswith("edge_index_"):
            return 1
        return super().__cat_dim__(key, value, *args, **kwargs)


def graph_pyramid(edge_index, num_nodes, depth, n_eigenvectors, reduction, method):
    """Coarsen one graph ``depth`` times at most and pad with identity levels up to ``depth``.

    Returns
    -------
    levels : list of (assignment, edge_index, edge_weight) numpy triples, one per level
        ``assignment`` maps level-``l`` nodes to level-``l + 1`` supernodes;
        ``edge_index``/``edge_weight`` describe the level-``l + 1`` graph.
    """
    ei = np.asarray(edge_index, dtype=np.int64).reshape(2, -1)
    W = sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=(num_nodes, num_nodes))
    W.data[:] = 1.0  # duplicate edges count once
    W = ((W + W.T) > 0).astype(np.float64)
    levels = coarsen(W, n_eigenvectors=n_eigenvectors, reduction=reduction, method=method, max_levels=depth)
    out = []
    n = num_nodes
    e, w = _edges(W)
    for level in range(depth):
        if level < len(levels):
            # the coarse graph W_c = P W P^T was computed by `coarsen`: read it, do not redo it
            e, w = _edges(levels[level].adjacency)
            assignment = levels[level].assignment
            n = levels[level].n_coarse
        else:  # identity level: the pyramid has stopped coarsening
            assignment = np.arange(n)
        out.append((np.asarray(assignment, dtype=np.int64), e, w))
    return out


def _edges(W):
    """``(edge_index, edge_weight)`` of a weight matrix, row-major order (int64, float32), no diagonal."""
    W = sp.coo_matrix(sp.csr_matrix(W, copy=True))
    W.sum_duplicates()  # canonical: sorted by (row, column)
    keep = (W.row != W.col) & (W.data != 0)
    return np.vstack([W.row[keep], W.col[keep]]).astype(np.int64), W.data[keep].astype(np.float32)


def graph_digest(graph):
    """Content key of a graph's structure: a hash of ``num_nodes`` and ``edge_index``.

    Two graphs with the same key have the same pyramid, whatever the objects
    holding them; editing ``edge_index`` in place changes the key.
    """
    ei = np.ascontiguousarray(graph.edge_index.detach().cpu().numpy(), dtype=np.int64)
    h = hashlib.blake2b(digest_size=16)
    h.update(np.int64(graph.num_nodes).tobytes())
    h.update(ei.tobytes())
    return h.hexdigest()


def pyramids(graphs, depth, n_eigenvectors, reduction, method, n_jobs=None, cache=None):
    """Pyramids of every graph, computed in parallel with joblib (``n_jobs``).

    ``cache`` (a mapping, e.g. a dict kept by the estimator) is read for pyramids
    already computed and receives the new ones, keyed by the coarsening parameters
    and :func:`graph_digest`; the graphs themselves are never written to.
    """
    from joblib import Parallel, delayed

    params = (int(depth), int(n_eigenvectors), float(reduction), str(method))
    cache = {} if cache is None else cache
    keys = [(params, graph_digest(g)) for g in graphs]
    todo = {}
    for i, key in enumerate(keys):
        if key not in cache and key not in todo:
            todo[key] = i
    if todo:
        args = [(graphs[i].edge_index.cpu().numpy(), int(graphs[i].num_nodes)) for i in todo.values()]
        results = Parallel(n_jobs=n_jobs)(
            delayed(graph_pyramid)(ei, n, depth, n_eigenvectors, reduction, method) for ei, n in args
        )
        for key, res in zip(todo, results):
            cache[key] = res
    return [cache[key] for key in keys]


def pyramid_data(x, edge_index, pyramid):
    """Assemble a :class:`PyramidData` from node features, the input edges and a pyramid."""
    n0 = x.shape[0]
    data = PyramidData(x=x, n_nodes_0=n0)
    data.edge_index_0 = edge_index.long()
    data.edge_weight_0 = torch.ones(edge_index.shape[1])
    n = n0
    for level, (assignment, e, w) in enumerate(pyramid):
        data[f"cluster_{level}"] = torch.as_tensor(assignment)
        n = int(assignment.max()) + 1 if assignment.size else 0
        data[f"n_nodes_{level + 1}"] = n
        data[f"edge_index_{level + 1}"] = torch.as_tensor(e)
        data[f"edge_weight_{level + 1}"] = torch.as_tensor(w, dtype=torch.float32)
    data.num_nodes = n0
    return data


def level_batches(batch, depth):
    """Graph index of every node at every level: ``batch_{l+1}[cluster_l] = batch_l``."""
    out = [batch.batch]
    for level in range(depth):
        cluster = batch[f"cluster_{level}"]
        nxt = torch.zeros(int(batch[f"n_nodes_{level + 1}"].sum()), dtype=torch.long, device=cluster.device)
        nxt[cluster] = out[-1]
        out.append(nxt)
    return out
