"""The torch module of :class:`~sklot.gbc.GraphCaptionCLIP`: an image and a text encoder."""

from torch import nn

from ._image_encoder import ConvImageEncoder
from ._saha import SahaTextEncoder

__all__ = ["GraphCaptionCLIPModule"]


class GraphCaptionCLIPModule(nn.Module):
    """Image and text encoders in one module (one optimiser); ``forward`` embeds images.

    Shapes: ``forward`` (B, in_channels, H, W) -> (B, embed_dim); ``text_encoder`` packed
    captions -> (n_outputs, embed_dim); both L2-normalised.
    """

    def __init__(self, in_channels=3, vocab_size=2, embed_dim=64, text_width=64, text_layers=2, max_len=96):
        super().__init__()
        self.image_encoder = ConvImageEncoder(in_channels, embed_dim)
        self.text_encoder = SahaTextEncoder(vocab_size, embed_dim, width=text_width, n_layers=text_layers,
                                            n_heads=4, ffn_width=2 * text_width, max_len=max_len)

    def forward(self, images):
        return self.image_encoder(images)
