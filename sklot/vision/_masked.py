"""MAE-style masked-patch reconstruction on the same encoder (a baseline objective)."""

import torch
from torch import nn

from ._blocks import Transformer
from ._losses import normalized_patches

__all__ = ["MaskedPretrainer"]


class MaskedPretrainer(nn.Module):
    r"""Masked autoencoding (He et al. 2022) with a :class:`~sklot.vision.VisionEncoder`.

    A random fraction ``mask_ratio`` of the patches is hidden; the encoder sees the others
    (bidirectionally, with their positions); a small bidirectional decoder gets the encoded
    visible tokens and a learned mask token at each hidden position and regresses the hidden
    patches' normalised pixels:

    .. math::

        L = \frac{1}{|\mathcal M|} \sum_{k \in \mathcal M} \frac{1}{C p^2}
            \| \hat x_k - \tilde x_k \|^2 .

    Parameters
    ----------
    encoder : VisionEncoder
    decoder_dim, decoder_depth, n_heads, mlp_dim : int
    mask_ratio : float, default=0.75
    """

    def __init__(self, encoder, decoder_dim, decoder_depth, n_heads, mlp_dim, mask_ratio=0.75):
        super().__init__()
        self.encoder = encoder
        self.mask_ratio = mask_ratio
        n, patch_dim = encoder.n_patches, encoder.image_shape[0] * encoder.patch_size**2
        self.input_proj = nn.Linear(encoder.embed_dim, decoder_dim)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n, decoder_dim))
        self.trunk = Transformer(decoder_dim, decoder_depth, n_heads, mlp_dim)
        self.pixel_head = nn.Linear(decoder_dim, patch_dim)
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            self.pos_embed.normal_(0.0, 0.02, generator=generator)
            self.mask_token.normal_(0.0, 0.02, generator=generator)

    def forward(self, images, noise):
        """Loss for ``images`` with the hidden patches chosen by ``noise`` (B, I) uniform: the
        ``mask_ratio`` fraction with the largest noise is hidden."""
        B = len(images)
        n = self.encoder.n_patches
        n_keep = max(1, int(round(n * (1 - self.mask_ratio))))
        order = torch.argsort(noise.to(images.device), dim=1)
        keep = order[:, :n_keep]
        tokens = self.encoder.preprocessor(images)
        visible = torch.gather(tokens, 1, keep[..., None].expand(-1, -1, tokens.shape[-1]))
        encoded = self.input_proj(self.encoder.trunk(visible))
        seq = self.mask_token.expand(B, n, -1).clone()
        seq = seq.scatter(1, keep[..., None].expand(-1, -1, seq.shape[-1]), encoded)
        pred = self.pixel_head(self.trunk(seq + self.pos_embed))
        hidden = torch.ones(B, n, device=images.device)
        hidden.scatter_(1, keep, 0.0)
        err = ((pred - normalized_patches(images, self.encoder.patch_size)) ** 2).mean(dim=-1)
        return (err * hidden).sum() / hidden.sum().clamp_min(1.0)
