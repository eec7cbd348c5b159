r"""Noise-prediction networks :math:`\hat\varepsilon_\theta(x_t, t, y)`: MLP (vectors), small UNet (images).

Both take integer timesteps ``t`` (embedded sinusoidally, Vaswani et al. 2017 / Ho et al. 2020) and
integer class labels ``y`` (an embedding table with one extra row, index ``n_classes``, for "no
class": the unconditional branch of classifier-free guidance, Ho & Salimans 2022). ``forward`` also
accepts a ready class embedding ``c`` instead of ``y`` (CADS anneals the embedding).
"""

import math

import torch
from torch import nn

__all__ = ["timestep_embedding", "MLPDenoiser", "UNetDenoiser"]


def timestep_embedding(t, dim, max_period=10_000.0):
    r"""Sinusoidal embedding :math:`[\cos(t\omega_i), \sin(t\omega_i)]`, :math:`\omega_i = P^{-i/(d/2)}`.

    Shapes: ``t`` (n,) -> (n, dim).
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=1)
    return emb


class _Conditioning(nn.Module):
    """Time embedding MLP plus the class embedding table (with the "no class" row)."""

    def __init__(self, width, n_classes):
        super().__init__()
        self.width = width
        self.time = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.n_classes = n_classes
        self.classes = nn.Embedding(n_classes + 1, width) if n_classes else None

    def class_embedding(self, y):
        return self.classes(y)

    def forward(self, t, y=None, c=None):
        h = self.time(timestep_embedding(t, self.width).to(self.time[0].weight.dtype))
        if self.classes is not None:
            if c is None:
                if y is None:
                    y = torch.full((len(t),), self.n_classes, dtype=torch.long, device=t.device)
                c = self.classes(y)
            h = h + c
        return h


class MLPDenoiser(nn.Module):
    """Residual MLP: input projection + conditioning, blocks ``h + W2 silu(W1 LN(h))``, output projection.

    Parameters
    ----------
    n_features : int
    hidden_layer_sizes : tuple of int
        One residual block per entry (a linear map joins blocks of different widths).
    n_classes : int
        0 for an unconditional model.

    Shapes: ``x`` (n, n_features), ``t`` (n,), ``y`` (n,) -> (n, n_features).
    """

    def __init__(self, n_features, hidden_layer_sizes=(128, 128, 128), n_classes=0):
        super().__init__()
        sizes = tuple(int(h) for h in hidden_layer_sizes)
        w = sizes[0]
        self.inp = nn.Linear(n_features, w)
        self.cond = _Conditioning(w, n_classes)
        blocks, joins = [], []
        for prev, h in zip((w,) + sizes[:-1], sizes):
            joins.append(nn.Identity() if prev == h else nn.Linear(prev, h))
            blocks.append(nn.Sequential(nn.LayerNorm(h), nn.Linear(h, h), nn.SiLU(), nn.Linear(h, h)))
        self.joins = nn.ModuleList(joins)
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.Sequential(nn.LayerNorm(sizes[-1]), nn.SiLU(), nn.Linear(sizes[-1], n_features))

    def forward(self, x, t, y=None, c=None):
        h = self.inp(x) + self.cond(t, y, c)
        for join, block in zip(self.joins, self.blocks):
            h = join(h)
            h = h + block(h)
        return self.out(h)


def _groups(ch):
    return math.gcd(8, ch)


class _ResBlock(nn.Module):
    def __init__(self, c_in, c_out, emb):
        super().__init__()
        self.n1 = nn.GroupNorm(_groups(c_in), c_in)
        self.c1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.e = nn.Linear(emb, c_out)
        self.n2 = nn.GroupNorm(_groups(c_out), c_out)
        self.c2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Identity() if c_in == c_out else nn.Conv2d(c_in, c_out, 1)

    def forward(self, x, e):
        h = self.c1(nn.functional.silu(self.n1(x)))
        h = h + self.e(e)[:, :, None, None]
        h = self.c2(nn.functional.silu(self.n2(h)))
        return self.skip(x) + h


class UNetDenoiser(nn.Module):
    """Small UNet (Ronneberger et al. 2015; the DDPM variant of Ho et al. 2020, without attention).

    One residual block per level on the way down (average pooling by 2 between levels), one per
    level on the way up (nearest upsampling, concatenated skip connections).

    Parameters
    ----------
    image_shape : tuple (C, H, W)
        ``H`` and ``W`` divisible by ``2 ** (len(channels) - 1)``.
    channels : tuple of int
        Channels per level.
    n_classes : int

    Shapes: ``x`` (n, C * H * W) flat or (n, C, H, W), ``t`` (n,) -> the shape of ``x``.
    """

    def __init__(self, image_shape, channels=(32, 64), n_classes=0):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        C = self.image_shape[0]
        ch = tuple(int(c) for c in channels)
        emb = 4 * ch[0]
        self.cond = _Conditioning(emb, n_classes)
        self.inp = nn.Conv2d(C, ch[0], 3, padding=1)
        self.down = nn.ModuleList(_ResBlock(a, b, emb) for a, b in zip((ch[0],) + ch[:-1], ch))
        self.mid = _ResBlock(ch[-1], ch[-1], emb)
        ups = []
        for i in reversed(range(len(ch))):
            c_in = (ch[i + 1] if i + 1 < len(ch) else ch[-1]) + ch[i]
            ups.append(_ResBlock(c_in, ch[i], emb))
        self.up = nn.ModuleList(ups)
        self.out = nn.Sequential(
            nn.GroupNorm(_groups(ch[0]), ch[0]), nn.SiLU(), nn.Conv2d(ch[0], C, 3, padding=1)
        )

    def forward(self, x, t, y=None, c=None):
        flat = x.ndim == 2
        h = x.reshape(len(x), *self.image_shape) if flat else x
        e = self.cond(t, y, c)
        h = self.inp(h)
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                h = nn.functional.avg_pool2d(h, 2)
            h = block(h, e)
            skips.append(h)
        h = self.mid(h, e)
        for j, block in enumerate(self.up):
            skip = skips.pop()
            if h.shape[-1] != skip.shape[-1]:
                h = nn.functional.interpolate(h, size=skip.shape[-2:], mode="nearest")
            h = block(torch.cat([h, skip], dim=1), e)
        out = self.out(h)
        return out.reshape(len(x), -1) if flat else out
