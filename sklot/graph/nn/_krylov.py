"""Truncated Krylov graph convolution (the GNN block of HG2V)."""

import torch
from torch import nn

__all__ = ["KrylovConv", "normalized_adjacency"]


def normalized_adjacency(edge_index, num_nodes, edge_weight=None):
    """Edge list of ``\\hat A = D^{-1/2} (A + I) D^{-1/2}`` with ``D`` the degree of ``A + I``.

    Returns
    -------
    index : LongTensor of shape (2, n_edges + num_nodes)
    weight : Tensor of shape (n_edges + num_nodes,)
    """
    device = edge_index.device
    if edge_weight is None:
        edge_weight = torch.ones(edge_index.shape[1], device=device)
    loops = torch.arange(num_nodes, device=device)
    index = torch.cat([edge_index, torch.stack([loops, loops])], dim=1)
    weight = torch.cat([edge_weight.to(torch.get_default_dtype()), torch.ones(num_nodes, device=device)])
    deg = torch.zeros(num_nodes, device=device).index_add_(0, index[0], weight)
    inv_sqrt = deg.pow(-0.5)
    return index, inv_sqrt[index[0]] * weight * inv_sqrt[index[1]]


class KrylovConv(nn.Module):
    """Truncated Krylov block (Luan et al., NeurIPS 2019; the GNN of Béthune et al., 2020, Sec. 4.1).

    .. math::

        H = \\tanh\\big(W [X, \\hat A X, \\hat A^2 X, \\dots, \\hat A^{h-1} X] + b\\big),
        \\qquad \\hat A = D^{-1/2} (A + I) D^{-1/2}.

    Parameters
    ----------
    in_channels : int
    out_channels : int
    order : int, default=4
        ``h``, the number of Krylov terms (``h = 1`` is a node-wise layer).
    activation : bool, default=True
        Apply ``tanh``; without it the block is linear in ``X``.

    Shapes
    ------
    - input: node features ``(|V|, in_channels)``, edge indices ``(2, |E|)``,
      optional edge weights ``(|E|,)``
    - output: node features ``(|V|, out_channels)``
    """

    def __init__(self, in_channels, out_channels, order=4, activation=True):
        super().__init__()
        if order < 1:
            raise ValueError(f"order must be at least 1; got {order}.")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.order = order
        self.activation = activation
        self.lin = nn.Linear(in_channels * order, out_channels)

    def reset_parameters(self):
        self.lin.reset_parameters()

    def forward(self, x, edge_index, edge_weight=None):
        n = x.shape[0]
        index, weight = normalized_adjacency(edge_index, n, edge_weight)
        terms = [x]
        h = x
        for _ in range(self.order - 1):
            h = torch.zeros_like(h).index_add_(0, index[1], h[index[0]] * weight.unsqueeze(1))
            terms.append(h)
        out = self.lin(torch.cat(terms, dim=1))
        return torch.tanh(out) if self.activation else out

    def __repr__(self):
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, order={self.order})"
