"""The causal multimodal decoder of AIMv2 pre-training, with its pixel and token heads."""

import torch
from torch import nn

from ._attention import causal_mask
from ._blocks import Transformer

__all__ = ["MultimodalDecoder"]


class MultimodalDecoder(nn.Module):
    r"""One causal transformer over [image tokens ; text tokens], with a pixel and a token head.

    AIMv2 (Fini et al. 2024, Sec. 2) decodes the encoder's patch features followed by the
    caption's token embeddings with a single causal decoder: output :math:`i < I` regresses patch
    :math:`i + 1` (next-patch prediction), output :math:`I - 1 + j` classifies caption token
    :math:`j` (next-token prediction), so the caption is conditioned on the whole image. The
    decoder is thrown away after pre-training.

    Parameters
    ----------
    encoder_dim : int
    decoder_dim, depth, n_heads, mlp_dim : int
        Size of the decoder (the same whatever the encoder).
    n_patches : int
        :math:`I`.
    patch_dim : int
        Pixels per patch, :math:`C p^2` (the pixel head's output).
    vocab_size : int
        0 for an image-only decoder (no token head).
    max_text_tokens : int
        Longest caption (text positions).

    Shapes
    ------
    image_tokens : (B, I, encoder_dim); text_ids : None or (B, T) int, T <= max_text_tokens.
    Returns pixels (B, I - 1, patch_dim), predictions of patches 1..I-1, and logits
    (B, T, vocab_size) of tokens 0..T-1 (None without text).
    """

    def __init__(self, encoder_dim, decoder_dim, depth, n_heads, mlp_dim, n_patches, patch_dim,
                 vocab_size=0, max_text_tokens=0):
        super().__init__()
        self.n_patches = n_patches
        self.input_proj = nn.Linear(encoder_dim, decoder_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, n_patches + max(max_text_tokens - 1, 0), decoder_dim))
        self.trunk = Transformer(decoder_dim, depth, n_heads, mlp_dim)
        self.pixel_head = nn.Linear(decoder_dim, patch_dim)
        if vocab_size:
            self.text_embedding = nn.Embedding(vocab_size, decoder_dim)
            self.token_head = nn.Linear(decoder_dim, vocab_size)
        self.vocab_size = vocab_size
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        with torch.no_grad():
            self.pos_embed.normal_(0.0, 0.02, generator=generator)

    def forward(self, image_tokens, text_ids=None):
        B, n_img, _ = image_tokens.shape
        seq = self.input_proj(image_tokens)
        if text_ids is not None:
            if not self.vocab_size:
                raise ValueError("this decoder was built without a token head (vocab_size=0).")
            # token j is predicted from position I - 1 + j: the last token is never an input
            seq = torch.cat([seq, self.text_embedding(text_ids[:, :-1])], dim=1)
        seq = seq + self.pos_embed[:, : seq.shape[1]]
        out = self.trunk(seq, attn_mask=causal_mask(seq.shape[1], seq.device))
        pixels = self.pixel_head(out[:, : n_img - 1])
        logits = None if text_ids is None else self.token_head(out[:, n_img - 1 :])
        return pixels, logits
