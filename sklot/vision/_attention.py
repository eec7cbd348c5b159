"""Prefix-causal self-attention (AIMv1, El-Nouby et al. 2024) through ``scaled_dot_product_attention``."""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["Attention", "prefix_causal_mask", "causal_mask"]


def prefix_causal_mask(n_tokens, prefix_lengths):
    r"""Boolean attention masks of prefix-causal attention, ``True`` where attention is allowed.

    Query :math:`i` may attend to key :math:`j` iff

    .. math::

        j \le i \quad \text{or} \quad j < M_b,

    i.e. every token sees the whole prefix (the first :math:`M_b` tokens of image :math:`b`,
    bidirectionally among themselves) and the other tokens are causal (El-Nouby et al. 2024,
    AIMv1, Sec. 3; the official ``PrefixCausalAttention``: lower triangle OR prefix columns).

    Parameters
    ----------
    n_tokens : int
    prefix_lengths : torch.Tensor of shape (B,), integer
        :math:`M_b`, between 0 (purely causal) and ``n_tokens`` (fully bidirectional).

    Returns
    -------
    torch.Tensor of shape (B, 1, n_tokens, n_tokens), bool
        Broadcast over heads by :func:`torch.nn.functional.scaled_dot_product_attention`.
    """
    prefix_lengths = torch.as_tensor(prefix_lengths)
    device = prefix_lengths.device
    idx = torch.arange(n_tokens, device=device)
    causal = idx[None, :] <= idx[:, None]  # (N, N): key j <= query i
    prefix = idx[None, None, :] < prefix_lengths.reshape(-1, 1, 1)  # (B, 1, N): key j in the prefix
    return (causal[None] | prefix).unsqueeze(1)


def causal_mask(n_tokens, device=None):
    """Lower-triangular boolean mask of shape (n_tokens, n_tokens), ``True`` where allowed."""
    idx = torch.arange(n_tokens, device=device)
    return idx[None, :] <= idx[:, None]


class Attention(nn.Module):
    r"""Multi-head self-attention without biases, as in the official AIMv2 encoder.

    .. math::

        \mathrm{Attn}(x) = W_o \, \mathrm{concat}_h\,
            \mathrm{softmax}\!\Big(\frac{Q_h K_h^\top}{\sqrt{d_h}} + \log \mathbb{1}[\text{mask}]\Big) V_h,
        \qquad [Q, K, V] = x W_{qkv}^\top .

    Parameter names (``qkv``, ``proj``) follow apple/ml-aim, so that official checkpoints load.

    Parameters
    ----------
    dim : int
    n_heads : int
        Must divide ``dim``.

    Shapes
    ------
    x : (B, N, dim); attn_mask : None (bidirectional), bool of shape broadcastable to
    (B, n_heads, N, N), ``True`` where allowed; output : (B, N, dim).
    """

    def __init__(self, dim, n_heads):
        super().__init__()
        if dim % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide the embedding dimension {dim}.")
        self.n_heads = n_heads
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x, attn_mask=None):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.n_heads, C // self.n_heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.proj(out.transpose(1, 2).reshape(B, N, C))
