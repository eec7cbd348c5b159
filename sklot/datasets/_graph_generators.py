"""Graph-classification sets whose labels depend on global structure only."""

import numpy as np

__all__ = ["make_ring_of_cliques", "make_structure_graphs"]

KINDS = ("sbm", "cycles")


def _sbm_edges(rng, sizes, p_in, p_out):
    labels = np.repeat(np.arange(len(sizes)), sizes)
    n = labels.size
    iu, ju = np.triu_indices(n, k=1)
    same = labels[iu] == labels[ju]
    keep = rng.random(iu.size) < np.where(same, p_in, p_out)
    return n, iu[keep], ju[keep]


def _split(n, k):
    base = np.full(k, n // k)
    base[: n % k] += 1
    return base


def make_structure_graphs(n_graphs=200, kind="sbm", n_nodes=(40, 60), mean_degree=6.0, random_state=None):
    """Graphs whose class is a global property that local statistics do not reveal.

    ``kind="sbm"``: stochastic block models with 2 (class 0) or 3 (class 1)
    equal communities, with edge probabilities set so that both classes have
    the same expected degree ``mean_degree`` and the same expected number of
    within-community edges per node (90% of a node's edges stay inside its
    community). Node degrees, triangles and other local counts have the same
    expectation in both classes; only the number of communities differs.

    ``kind="cycles"``: one cycle on ``n`` nodes (class 0) or two disjoint
    cycles on ``n/2`` nodes each (class 1). Both are 2-regular, so the
    1-Weisfeiler-Lehman test (and any message-passing network on constant
    features) cannot tell them apart; the spectrum can.

    Parameters
    ----------
    n_graphs : int, default=200
        Balanced between the two classes (class ``i % 2`` for graph ``i``,
        then shuffled).
    kind : {"sbm", "cycles"}
    n_nodes : (int, int), default=(40, 60)
        Node counts drawn uniformly in this closed range (even for "cycles").
    mean_degree : float, default=6.0
        Expected degree for "sbm".
    random_state : int, RandomState or None

    Returns
    -------
    graphs : list of torch_geometric.data.Data
        Without node features (the embedder falls back to degrees).
    y : ndarray of int64, shape (n_graphs,)

    Examples
    --------
    >>> from sklot.datasets import make_structure_graphs
    >>> graphs, y = make_structure_graphs(n_graphs=10, kind="cycles", random_state=0)
    >>> len(graphs), int(y.sum())
    (10, 5)
    """
    import torch
    from sklearn.utils import check_random_state
    from torch_geometric.data import Data

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
    lo, hi = (int(v) for v in n_nodes)
    if lo < 6 or hi < lo:
        raise ValueError(f"n_nodes must be a range (lo, hi) with 6 <= lo <= hi; got {n_nodes!r}.")
    if int(n_graphs) < 2:
        raise ValueError(f"n_graphs must be at least 2; got {n_graphs!r}.")
    if kind == "sbm" and not (0 < mean_degree < lo / 3):
        raise ValueError(f"mean_degree must lie in (0, {lo / 3:.3g}) for graphs of at least {lo} nodes.")
    rng = np.random.default_rng(check_random_state(random_state).randint(0, 2**31 - 1))
    y = np.arange(int(n_graphs)) % 2
    rng.shuffle(y)
    graphs = []
    for label in y:
        n = int(rng.integers(lo, hi + 1))
        if kind == "sbm":
            k = 2 + int(label)
            sizes = _split(n, k)
            within = 0.9 * mean_degree
            p_in = within / (n / k - 1)
            p_out = (mean_degree - within) / (n - n / k)
            n, i, j = _sbm_edges(rng, sizes, min(p_in, 1.0), p_out)
            perm = rng.permutation(n)  # hide the block order in node ids
            i, j = perm[i], perm[j]
        else:
            n -= n % 2
            if label == 0:
                i = np.arange(n)
                j = (i + 1) % n
            else:
                h = n // 2
                i = np.arange(n)
                j = np.where(i < h, (i + 1) % h, h + (i - h + 1) % h)
            perm = rng.permutation(n)
            i, j = perm[i], perm[j]
        ei = np.stack([np.concatenate([i, j]), np.concatenate([j, i])])
        graphs.append(
            Data(edge_index=torch.as_tensor(ei, dtype=torch.long), num_nodes=n, y=torch.tensor([int(label)]))
        )
    return graphs, y.astype(np.int64)


def make_ring_of_cliques(n_cliques, clique_size):
    """Cliques on consecutive node blocks, clique ``i`` joined to clique ``i+1`` by one edge.

    The graph with a known coarsening: Loukas coarsening at the matching
    reduction should contract it clique by clique.

    Parameters
    ----------
    n_cliques : int
    clique_size : int

    Returns
    -------
    networkx.Graph with ``n_cliques * clique_size`` nodes.

    Examples
    --------
    >>> from sklot.datasets import make_ring_of_cliques
    >>> g = make_ring_of_cliques(3, 4)
    >>> g.number_of_nodes(), g.number_of_edges()
    (12, 21)
    """
    import networkx as nx

    g = nx.Graph()
    for c in range(n_cliques):
        nodes = range(c * clique_size, (c + 1) * clique_size)
        g.add_edges_from((u, v) for u in nodes for v in nodes if u < v)
    for c in range(n_cliques):
        g.add_edge(c * clique_size, ((c + 1) % n_cliques) * clique_size + 1)
    return g
