"""A small convolutional image encoder for GBC contrastive training (kept in sklot.gbc).

A plain torch module of sklot.gbc's own: the vision family's ViT blocks (sklot.vision) had not
landed when GraphCaptionCLIP was written.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ConvImageEncoder"]


class ConvImageEncoder(nn.Module):
    """Conv 3x3 stages (GroupNorm, ReLU, stride 2 after the first), a 4x4 grid, a linear map.

    The features of a 4 x 4 grid of cells are concatenated (not averaged over the image), so the
    embedding keeps where things are, which positional captions ("at the top left") ask for.
    GroupNorm, not BatchNorm: an image's embedding does not depend on its batch.

    Parameters
    ----------
    in_channels : int
    embed_dim : int
    widths : tuple of int, default=(32, 64, 96)

    Shapes: (B, in_channels, H, W) -> (B, embed_dim), L2-normalised.
    """

    def __init__(self, in_channels=3, embed_dim=64, widths=(32, 64, 96)):
        super().__init__()
        layers, c = [], in_channels
        for i, w in enumerate(widths):
            conv = nn.Conv2d(c, w, 3, stride=1 if i == 0 else 2, padding=1)
            layers += [conv, nn.GroupNorm(8, w), nn.ReLU()]
            c = w
        self.features = nn.Sequential(*layers)
        self.grid = nn.AdaptiveAvgPool2d(4)
        self.proj = nn.Linear(16 * c, embed_dim)

    def forward(self, x):
        h = self.grid(self.features(x))
        return F.normalize(self.proj(torch.flatten(h, 1)), dim=-1)
