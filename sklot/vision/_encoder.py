"""The AIMv2 vision encoder: patch tokens, then a pre-norm RMSNorm/SwiGLU trunk with prefix attention."""

from torch import nn

from ._attention import prefix_causal_mask
from ._blocks import Transformer
from ._patch_embed import PatchPreprocessor

__all__ = ["VisionEncoder"]


class VisionEncoder(nn.Module):
    r"""Vision transformer of AIMv2 (Fini et al. 2024): patchify, RMSNorm, positions, pre-norm blocks.

    In pre-training the trunk runs with prefix-causal attention
    (:func:`~sklot.vision.prefix_causal_mask`): the first :math:`M` patches attend to each other,
    the others causally. After pre-training it runs bidirectionally (``prefix_lengths=None``),
    with no tuning, which is how AIMv1/v2 features are used.

    Parameters
    ----------
    image_shape : tuple (C, H, W)
    patch_size : int
        Divides H and W.
    embed_dim, depth, n_heads, mlp_dim : int
        Trunk width, number of blocks, attention heads, SwiGLU hidden width (official
        sizes: base 768 / 12 / 6 / 2048, large 1024 / 24 / 8 / 2816).

    Shapes
    ------
    images : (B, C, H, W); prefix_lengths : None or (B,); output : (B, (H/p)(W/p), embed_dim).

    Notes
    -----
    Parameter names (``preprocessor.patchifier.proj``, ``trunk.blocks.0.attn.qkv``, ...) are those
    of the official ``AIMv2VisionEncoder`` (apple/ml-aim), so that its checkpoints load with
    :func:`~sklot.vision.load_aimv2_encoder`.
    """

    def __init__(self, image_shape, patch_size, embed_dim, depth, n_heads, mlp_dim):
        super().__init__()
        C, H, W = image_shape
        self.image_shape = tuple(image_shape)
        self.patch_size = patch_size
        self.grid_size = (H // patch_size, W // patch_size)
        self.n_patches = self.grid_size[0] * self.grid_size[1]
        self.embed_dim = embed_dim
        self.preprocessor = PatchPreprocessor(C, embed_dim, patch_size, self.n_patches)
        self.trunk = Transformer(embed_dim, depth, n_heads, mlp_dim)

    def forward(self, images, prefix_lengths=None):
        tokens = self.preprocessor(images)
        mask = None if prefix_lengths is None else prefix_causal_mask(tokens.shape[1], prefix_lengths)
        return self.trunk(tokens, attn_mask=mask)
