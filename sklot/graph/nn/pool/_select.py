"""Select step of Loukas pooling: nodes -> supernodes, read from a precomputed coarsening level."""

import torch

__all__ = ["LoukasSelectOutput", "loukas_select", "sum_pool"]


class LoukasSelectOutput:
    """Which supernode each node is merged into (torch_geometric's ``SelectOutput`` idea).

    Attributes
    ----------
    cluster : LongTensor of shape (|V|,)
        ``cluster[i]`` is the supernode of node ``i``.
    num_clusters : int
    """

    def __init__(self, cluster, num_clusters):
        self.cluster = cluster
        self.num_clusters = int(num_clusters)


def loukas_select(assignment, num_clusters=None, device=None):
    """Wrap a coarsening assignment (from :func:`sklot.graph.coarsen`) as a select output.

    Unlike learned selections (TopK, SAG), Loukas's selection is computed once
    per graph from the spectrum, before training; this step only moves it to
    torch.

    Shapes
    ------
    - input: assignment ``(|V|,)``
    - output: ``cluster`` ``(|V|,)`` with values in ``[0, num_clusters)``
    """
    cluster = torch.as_tensor(assignment, dtype=torch.long, device=device)
    if num_clusters is None:
        num_clusters = int(cluster.max()) + 1 if cluster.numel() else 0
    return LoukasSelectOutput(cluster, num_clusters)


def sum_pool(x, select):
    """Reduce step: supernode features are sums over their contraction sets.

    .. math:: x^{c}_s = \\sum_{i \\in S_s} x_i

    Shapes
    ------
    - input: ``x`` ``(|V|, F)``
    - output: ``(num_clusters, F)``
    """
    out = x.new_zeros((select.num_clusters, x.shape[1]))
    return out.index_add_(0, select.cluster, x)
