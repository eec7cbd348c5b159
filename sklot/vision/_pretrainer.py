"""The AIMv2 pre-training objective: prefix-causal encoder, causal multimodal decoder, two losses."""

import torch
from torch import nn

from ._losses import image_loss, normalized_patches, text_loss

__all__ = ["AutoregressivePretrainer", "draw_prefix_lengths"]


def draw_prefix_lengths(n_images, n_patches, generator):
    """Prefix lengths :math:`M \\sim \\mathcal U\\{1, \\dots, I - 1\\}`, one per image (AIMv1 Sec. 3)."""
    return torch.randint(1, n_patches, (n_images,), generator=generator)


class AutoregressivePretrainer(nn.Module):
    r"""Encoder + decoder of AIMv2 pre-training; ``forward`` returns the loss.

    .. math::

        L = L_{img} + \lambda\, L_{text}

    with :math:`L_{img}` the per-patch normalised next-patch regression on the non-prefix
    patches (:func:`~sklot.vision.image_loss`) and :math:`L_{text}` the next-token cross-entropy
    of the caption decoded after the whole image (:func:`~sklot.vision.text_loss`). The spec's
    :math:`L_{text} + \alpha L_{img}` is the same objective scaled by :math:`\alpha = 1/\lambda`.
    Without captions :math:`L = L_{img}`: the image-only objective of AIMv1 (El-Nouby et al.
    2024), whose decoder never sees text.

    Parameters
    ----------
    encoder : VisionEncoder
    decoder : MultimodalDecoder
    text_weight : float
        :math:`\lambda`.
    """

    def __init__(self, encoder, decoder, text_weight=1.0):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.text_weight = text_weight

    def losses(self, images, text_ids=None, prefix_lengths=None):
        """``(total, image_loss, text_loss or None)`` for a batch.

        ``prefix_lengths=None`` uses :math:`M = \\lfloor I / 2 \\rfloor` (a deterministic choice
        for evaluation).
        """
        n_patches = self.encoder.n_patches
        if prefix_lengths is None:
            prefix_lengths = torch.full((len(images),), n_patches // 2)
        prefix_lengths = prefix_lengths.to(images.device)
        feats = self.encoder(images, prefix_lengths=prefix_lengths)
        pixels, logits = self.decoder(feats, text_ids)
        l_img = image_loss(pixels, normalized_patches(images, self.encoder.patch_size), prefix_lengths)
        if text_ids is None:
            return l_img, l_img, None
        l_txt = text_loss(logits, text_ids)
        return l_img + self.text_weight * l_txt, l_img, l_txt

    def forward(self, images, text_ids=None, prefix_lengths=None):
        return self.losses(images, text_ids, prefix_lengths)[0]
