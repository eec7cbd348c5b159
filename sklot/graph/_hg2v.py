"""The HG2V model and its node <-> supernode negative-sampling objective (Béthune et al., 2020)."""

import torch
from torch import nn
from torch.nn import functional as F
from torch_geometric.utils import scatter

from ._pyramid import level_batches
from .nn import KrylovConv
from .nn.pool import LoukasSelectOutput, sum_pool

__all__ = ["HG2VModule", "HG2VLoss", "READOUTS", "WORD_READOUTS", "readout_feature_names", "readout_width"]

#: Graph readouts: the reductions over each graph's supernodes (contexts) concatenated per level.
READOUTS = {
    "max-mean": ("max", "mean"),
    "max-mean-sum": ("max", "mean", "sum"),
    "max-mean-sum+words": ("max", "mean", "sum"),
    "words": (),
    "words-level0": (),
}
#: Reductions over each graph's nodes of every level's words, appended after the context blocks.
WORD_READOUTS = {
    "max-mean": (),
    "max-mean-sum": (),
    "max-mean-sum+words": ("max", "mean"),
    "words": ("max", "mean", "sum"),
    "words-level0": ("max", "mean", "sum"),
}
#: Readouts whose words are taken at the first levels only (``{readout: number of levels}``;
#: the others read the words of every level).
WORD_LEVELS = {"words-level0": 1}


def _word_levels(readout, depth):
    return min(WORD_LEVELS.get(readout, depth), depth)


def _check_readout(readout):
    if readout not in READOUTS:
        raise ValueError(f"readout must be one of {sorted(READOUTS)}; got {readout!r}.")
    return readout


def readout_width(readout, depth, n_features):
    """Number of columns of the graph embedding for a readout."""
    _check_readout(readout)
    n_blocks = len(READOUTS[readout]) * depth + len(WORD_READOUTS[readout]) * _word_levels(readout, depth)
    return n_blocks * n_features


def readout_feature_names(readout, depth, n_features):
    """Column names of the graph embedding, in the order of :meth:`HG2VModule.embed_readouts`.

    ``level{l}_contexts_{reduce}_{j}``: reduction ``reduce`` over the graph's supernodes of
    feature ``j`` of the contexts ``X_l`` (``l = 1..depth``); ``level{l}_words_{reduce}_{j}``:
    the same over the graph's level-``l`` nodes of the words ``V_l`` (``l = 0..depth-1``).
    """
    _check_readout(readout)
    names = []
    for level in range(depth):
        for reduce in READOUTS[readout]:
            names += [f"level{level + 1}_contexts_{reduce}_{j}" for j in range(n_features)]
    for level in range(_word_levels(readout, depth)):
        for reduce in WORD_READOUTS[readout]:
            names += [f"level{level}_words_{reduce}_{j}" for j in range(n_features)]
    return names


def _gnn(kind, in_channels, out_channels, krylov_order):
    if kind == "krylov":
        return KrylovConv(in_channels, out_channels, order=krylov_order)
    if kind == "gcn":
        return _TanhGCN(in_channels, out_channels)
    raise ValueError(f"gnn must be 'krylov' or 'gcn'; got {kind!r}.")


class _TanhGCN(nn.Module):
    """``tanh(GCNConv(x))`` (Kipf & Welling, 2017), the alternative GNN of the paper."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv = GCNConv(in_channels, out_channels)

    def forward(self, x, edge_index, edge_weight=None):
        return torch.tanh(self.conv(x, edge_index, edge_weight))


class HG2VModule(nn.Module):
    """Hierarchical Graph2Vec network over a precomputed coarsening pyramid.

    At each level ``l = 0..depth-1`` (Béthune et al., 2020, Sec. 4):

    .. math::

        V_l = \\mathrm{GNN}_l(X_l, A_l), \\qquad
        X_{l+1} = \\mathrm{Linear}_l\\Big(\\textstyle\\sum_{i \\in S} \\mathrm{GNN}'_l(X_l, A_l)_i\\Big)_{S},

    with ``X_0 = \\mathrm{ReLU}(\\mathrm{Linear}(X))``. ``V_l`` are the node
    embeddings ("words") of level ``l`` and ``X_{l+1}`` the supernode embeddings
    ("contexts"), pooled by summing over each Loukas contraction set ``S``. As in
    the reference code, the contexts enter the next level without gradient
    (each level is trained by its own term of the objective). The graph embedding concatenates, over levels
    ``l = 1..depth``, the max and the mean of ``X_l`` over the graph's supernodes
    (``readout="max-mean"``, the paper's), plus their sum with ``readout="max-mean-sum"``:
    the max and the mean are blind to how many supernodes a graph has, the sum is not.
    ``readout="max-mean-sum+words"`` appends, after those blocks, the max and the mean of
    the words ``V_l`` over the graph's level-``l`` nodes, ``l = 0..depth-1`` (not in the
    paper: the words are the only learnt features that see every input node before pooling).
    ``readout="words"`` keeps the words only: their max, mean and sum over the graph's
    level-``l`` nodes, per level (not in the paper; at level 0 a soft, learnt analogue of the
    Weisfeiler-Lehman label counts, at levels >= 1 the same over the coarse graphs).
    ``readout="words-level0"`` keeps the level-0 block of ``"words"`` only: the max, mean and
    sum of ``V_0`` over the input graph's nodes (``3 * n_features`` columns; each word sees
    the ``h - 1``-hop neighbourhood of its node through the Krylov block, the analogue of
    ``h - 1`` WL iterations, and none of the coarse graphs).

    Parameters
    ----------
    in_features : int
    n_features : int
    depth : int
    gnn : {"krylov", "gcn"}
    krylov_order : int
    readout : {"max-mean-sum", "max-mean", "max-mean-sum+words", "words", "words-level0"}

    Shapes
    ------
    - input: a torch_geometric ``Batch`` of :class:`~sklot.graph._pyramid.PyramidData`
    - ``forward`` output: list over levels of ``(V_l, X_{l+1}, cluster_l)``
    - ``embed`` output: ``(n_graphs, readout_width(readout, depth, n_features))``
    """

    def __init__(
        self, in_features, n_features=128, depth=3, gnn="krylov", krylov_order=4, readout="max-mean-sum"
    ):
        super().__init__()
        _check_readout(readout)
        self.depth = depth
        self.readout = readout
        self.input_lin = nn.Linear(in_features, n_features)
        self.word_gnns = nn.ModuleList(_gnn(gnn, n_features, n_features, krylov_order) for _ in range(depth))
        self.context_gnns = nn.ModuleList(
            _gnn(gnn, n_features, n_features, krylov_order) for _ in range(depth)
        )
        self.context_lins = nn.ModuleList(nn.Linear(n_features, n_features) for _ in range(depth))

    def _levels(self, batch):
        x = torch.relu(self.input_lin(batch.x))
        out = []
        for l in range(self.depth):
            ei, ew = batch[f"edge_index_{l}"], batch[f"edge_weight_{l}"]
            words = self.word_gnns[l](x, ei, ew)
            n_next = int(batch[f"n_nodes_{l + 1}"].sum())
            select = LoukasSelectOutput(batch[f"cluster_{l}"], n_next)
            contexts = self.context_lins[l](sum_pool(self.context_gnns[l](x, ei, ew), select))
            out.append((words, contexts, select.cluster))
            x = contexts.detach()
        return out

    def forward(self, batch):
        return self._levels(batch)

    def embed(self, batch, readout=None):
        """Graph embeddings of a batch; ``readout`` (default: the module's) only changes the
        reductions, not the network, so one trained module serves every readout."""
        readout = self.readout if readout is None else readout
        return self.embed_readouts(batch, (readout,))[readout]

    def embed_readouts(self, batch, readouts):
        """``{readout: embeddings}`` for several readouts from one forward pass."""
        for readout in readouts:
            _check_readout(readout)
        levels = self._levels(batch)
        graph_of = level_batches(batch, self.depth)
        n_graphs = int(batch.num_graphs)
        out = {}
        for readout in readouts:
            parts = []
            for l, (_, contexts, _) in enumerate(levels):
                for reduce in READOUTS[readout]:
                    parts.append(scatter(contexts, graph_of[l + 1], dim=0, dim_size=n_graphs, reduce=reduce))
            for l, (words, _, _) in enumerate(levels[: _word_levels(readout, self.depth)]):
                for reduce in WORD_READOUTS[readout]:
                    parts.append(scatter(words, graph_of[l], dim=0, dim_size=n_graphs, reduce=reduce))
            out[readout] = torch.cat(parts, dim=1)
        return out


class HG2VLoss(nn.Module):
    """Negative-sampling objective of HG2V, summed over levels.

    Positive pairs are (node ``i`` of level ``l``, the supernode ``c(i)`` it is
    merged into at level ``l + 1``); every other (node, supernode) pair of the
    batch, including pairs across graphs, is a negative:

    .. math::

        \\mathcal L = \\sum_l \\frac{1}{N_l N_{l+1}} \\sum_{i, s}
        \\Big[ -w\\, \\mathbb 1_{s = c(i)} \\log \\sigma(v_i^\\top x_s)
               - \\mathbb 1_{s \\ne c(i)} \\log(1 - \\sigma(v_i^\\top x_s)) \\Big],
        \\qquad w = \\frac{N_l N_{l+1}}{N_l} = N_{l+1},

    with ``w`` the positive weight #pairs / #positives (Béthune et al., 2020, Eq. 6).
    """

    def forward(self, levels):
        total = 0.0
        for words, contexts, cluster in levels:
            scores = words @ contexts.T
            target = torch.zeros_like(scores)
            target[torch.arange(words.shape[0], device=scores.device), cluster] = 1.0
            pos_weight = torch.tensor(float(contexts.shape[0]), device=scores.device)
            total = total + F.binary_cross_entropy_with_logits(scores, target, pos_weight=pos_weight)
        return total
