"""Vision encoders pre-trained by multimodal autoregression (AIMv2, Fini et al. 2024).

Building blocks, one concept per file, importable on their own (the GBC image encoder reuses
them):

* :class:`PatchEmbed` / :class:`PatchPreprocessor` (``_patch_embed.py``): Conv2d patchify,
  RMSNorm, learned absolute positions; :func:`patchify`;
* :class:`Attention`, :func:`prefix_causal_mask`, :func:`causal_mask` (``_attention.py``):
  self-attention through ``scaled_dot_product_attention`` with prefix-causal masks;
* :class:`SwiGLU`, :class:`Block`, :class:`Transformer` (``_blocks.py``): pre-norm RMSNorm
  blocks;
* :class:`VisionEncoder` (``_encoder.py``), :class:`MultimodalDecoder` (``_decoder.py``);
* the losses :func:`normalized_patches`, :func:`image_loss`, :func:`text_loss` (``_losses.py``)
  and the objectives :class:`AutoregressivePretrainer`, :class:`MaskedPretrainer`;
* :class:`CaptionTokenizer`, pooling, the official-checkpoint loader
  :func:`load_aimv2_encoder`;
* the estimator :class:`AutoregressiveImageEncoder`.
"""

from ._attention import Attention, causal_mask, prefix_causal_mask
from ._blocks import Block, SwiGLU, Transformer, rms_norm
from ._checkpoint import aimv2_config, load_aimv2_encoder
from ._decoder import MultimodalDecoder
from ._encoder import VisionEncoder
from ._estimator import AutoregressiveImageEncoder
from ._losses import image_loss, normalized_patches, text_loss
from ._masked import MaskedPretrainer
from ._patch_embed import PatchEmbed, PatchPreprocessor, patchify
from ._pooling import attention_pool, flatten_pool, grid_pool, mean_pool
from ._pretrainer import AutoregressivePretrainer, draw_prefix_lengths
from ._reconstruction import reconstruct_patches
from ._tokenizer import CaptionTokenizer

__all__ = [
    "Attention",
    "AutoregressiveImageEncoder",
    "AutoregressivePretrainer",
    "Block",
    "CaptionTokenizer",
    "MaskedPretrainer",
    "MultimodalDecoder",
    "PatchEmbed",
    "PatchPreprocessor",
    "SwiGLU",
    "Transformer",
    "VisionEncoder",
    "aimv2_config",
    "attention_pool",
    "causal_mask",
    "draw_prefix_lengths",
    "flatten_pool",
    "grid_pool",
    "image_loss",
    "load_aimv2_encoder",
    "mean_pool",
    "normalized_patches",
    "patchify",
    "prefix_causal_mask",
    "reconstruct_patches",
    "rms_norm",
    "text_loss",
]
