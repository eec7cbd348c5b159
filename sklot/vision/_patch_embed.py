"""Patch embedding: Conv2d of stride = patch size, RMSNorm, learned absolute positions."""

import math

import torch
from torch import nn

from ._blocks import rms_norm

__all__ = ["PatchEmbed", "PatchPreprocessor", "patchify"]


def patchify(images, patch_size):
    """Cut images into non-overlapping patches, in raster order.

    Parameters
    ----------
    images : torch.Tensor of shape (B, C, H, W)
    patch_size : int
        Divides H and W.

    Returns
    -------
    torch.Tensor of shape (B, (H / p) (W / p), C p p)
        Patch :math:`k` is row ``k // (W / p)``, column ``k % (W / p)``; pixels ordered (C, p, p),
        the order of a Conv2d kernel.
    """
    B, C, H, W = images.shape
    p = patch_size
    x = images.reshape(B, C, H // p, p, W // p, p)
    return x.permute(0, 2, 4, 1, 3, 5).reshape(B, (H // p) * (W // p), C * p * p)


class PatchEmbed(nn.Module):
    """Linear patch embedding (a Conv2d with stride = kernel = ``patch_size``) followed by RMSNorm.

    Parameters
    ----------
    in_channels : int
    embed_dim : int
    patch_size : int

    Shapes
    ------
    (B, C, H, W) -> (B, (H / p) (W / p), embed_dim)
    """

    def __init__(self, in_channels, embed_dim, patch_size):
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = rms_norm(embed_dim)

    def forward(self, images):
        return self.norm(self.proj(images).flatten(2).transpose(1, 2))


class PatchPreprocessor(nn.Module):
    """Patch tokens plus learned absolute position embeddings (no CLS token), as in AIMv2.

    Parameters
    ----------
    in_channels, embed_dim, patch_size : int
        As in :class:`PatchEmbed`.
    n_patches : int

    Notes
    -----
    Initialisation follows the official code: positions :math:`\\mathcal N(0, 0.02^2)`, the
    patch projection Xavier-uniform as a linear layer (MAE). Parameter names (``patchifier``,
    ``pos_embed``) are those of apple/ml-aim.
    """

    def __init__(self, in_channels, embed_dim, patch_size, n_patches):
        super().__init__()
        self.patchifier = PatchEmbed(in_channels, embed_dim, patch_size)
        self.pos_embed = nn.Parameter(torch.zeros(1, n_patches, embed_dim))
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            self.pos_embed.normal_(0.0, 0.02, generator=generator)
            w = self.patchifier.proj.weight
            fan_out, fan_in = w.shape[0], math.prod(w.shape[1:])
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            w.uniform_(-bound, bound, generator=generator)
            self.patchifier.proj.bias.zero_()

    def forward(self, images):
        tokens = self.patchifier(images)
        return tokens + self.pos_embed[:, : tokens.shape[1]]
