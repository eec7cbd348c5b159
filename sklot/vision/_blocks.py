"""Pre-norm transformer blocks with RMSNorm and SwiGLU (the AIMv2 trunk)."""

from torch import nn
from torch.nn import functional as F

from ._attention import Attention

__all__ = ["SwiGLU", "Block", "Transformer", "rms_norm"]

RMS_EPS = 1e-5


def rms_norm(dim):
    r"""RMSNorm :math:`x / \sqrt{\mathrm{mean}(x^2) + \epsilon} \odot g` (Zhang and Sennrich 2019),
    with the official :math:`\epsilon = 10^{-5}`."""
    return nn.RMSNorm(dim, eps=RMS_EPS)


class SwiGLU(nn.Module):
    r"""SwiGLU feed-forward layer :math:`W_2\,(\mathrm{silu}(W_1 x) \odot W_3 x)` (Shazeer 2020), no biases.

    Parameters
    ----------
    dim : int
    hidden_dim : int

    Shapes
    ------
    (..., dim) -> (..., dim)
    """

    def __init__(self, dim, hidden_dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim, bias=False)
        self.fc2 = nn.Linear(hidden_dim, dim, bias=False)
        self.fc3 = nn.Linear(dim, hidden_dim, bias=False)

    def forward(self, x):
        return self.fc2(F.silu(self.fc1(x)) * self.fc3(x))


class Block(nn.Module):
    r"""Pre-norm transformer block: :math:`x + \mathrm{Attn}(\mathrm{N}_1 x)`, then
    :math:`x + \mathrm{MLP}(\mathrm{N}_2 x)`.

    Parameters
    ----------
    dim : int
    n_heads : int
    mlp_dim : int
        Hidden width of the SwiGLU layer.

    Shapes
    ------
    x : (B, N, dim); attn_mask : see :class:`~sklot.vision.Attention`; output : (B, N, dim).
    """

    def __init__(self, dim, n_heads, mlp_dim):
        super().__init__()
        self.attn = Attention(dim, n_heads)
        self.norm_1 = rms_norm(dim)
        self.mlp = SwiGLU(dim, mlp_dim)
        self.norm_2 = rms_norm(dim)

    def forward(self, x, attn_mask=None):
        x = x + self.attn(self.norm_1(x), attn_mask=attn_mask)
        return x + self.mlp(self.norm_2(x))


class Transformer(nn.Module):
    """A stack of :class:`Block` followed by a final RMSNorm (``post_trunk_norm``).

    Parameters
    ----------
    dim, n_heads, mlp_dim : int
        As in :class:`Block`.
    depth : int
        Number of blocks.

    Shapes
    ------
    x : (B, N, dim); attn_mask : shared by every block; output : (B, N, dim).
    """

    def __init__(self, dim, depth, n_heads, mlp_dim):
        super().__init__()
        self.blocks = nn.ModuleList([Block(dim, n_heads, mlp_dim) for _ in range(depth)])
        self.post_trunk_norm = rms_norm(dim)

    def forward(self, x, attn_mask=None):
        for block in self.blocks:
            x = block(x, attn_mask=attn_mask)
        return self.post_trunk_norm(x)
