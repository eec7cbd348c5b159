"""Loading official AIMv2 encoder checkpoints (apple/ml-aim ``AIMv2VisionEncoder``) into a VisionEncoder."""

import math
import pathlib
import re

__all__ = ["load_aimv2_encoder", "aimv2_config", "OFFICIAL_HEADS", "CLIP_MEAN", "CLIP_STD"]

# embed_dim -> attention heads of the released encoders (base, large, huge, 1B, 3B)
OFFICIAL_HEADS = {768: 6, 1024: 8, 1536: 12, 2048: 16, 3072: 24}
# the official preprocessing normalises RGB in [0, 1] with OpenAI CLIP's statistics
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# wrappers seen around the encoder's keys: the LiT model, DDP, generic "model." / "encoder."
_PREFIXES = ("image_encoder.", "module.", "model.", "encoder.")
_BLOCK = re.compile(r"^trunk\.blocks\.(\d+)\.")


def _read(path_or_state):
    if isinstance(path_or_state, dict):
        return dict(path_or_state)
    path = pathlib.Path(path_or_state)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {str(path)!r}.")
    if path.suffix == ".safetensors":
        try:
            from safetensors.torch import load_file
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("reading .safetensors needs the `safetensors` package.") from exc
        return load_file(str(path))
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
    return dict(state)


def _strip(state):
    for prefix in _PREFIXES:
        if any(k.startswith(prefix + "preprocessor.") for k in state):
            state = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    # the encoder's own parameters only (an attention-pool ``head.*`` is not part of the trunk)
    return {k: v for k, v in state.items() if k.startswith(("preprocessor.", "trunk."))}


def aimv2_config(state, n_heads=None, image_shape=None):
    """The :class:`VisionEncoder` arguments that an official encoder state dict implies.

    Parameters
    ----------
    state : dict of tensors
        Keys as in apple/ml-aim's ``AIMv2VisionEncoder`` (``preprocessor.patchifier.proj.weight``,
        ``trunk.blocks.{i}.attn.qkv.weight``, ...).
    n_heads : int or None
        Not visible in the shapes; None takes the released encoders' value for the width
        (:data:`OFFICIAL_HEADS`).
    image_shape : tuple or None
        (C, H, W); None assumes a square grid of patches.
    """
    try:
        proj = state["preprocessor.patchifier.proj.weight"]
        pos = state["preprocessor.pos_embed"]
        fc1 = state["trunk.blocks.0.mlp.fc1.weight"]
    except KeyError as exc:
        raise ValueError(
            f"not an AIMv2 vision encoder state dict: missing {exc.args[0]!r} "
            "(expected apple/ml-aim AIMv2VisionEncoder parameter names)."
        ) from None
    embed_dim, channels, patch_size = proj.shape[0], proj.shape[1], proj.shape[2]
    depth = 1 + max(int(m.group(1)) for k in state if (m := _BLOCK.match(k)))
    if n_heads is None:
        if embed_dim not in OFFICIAL_HEADS:
            raise ValueError(f"embed_dim {embed_dim} is not a released size: pass n_heads.")
        n_heads = OFFICIAL_HEADS[embed_dim]
    if image_shape is None:
        side = math.isqrt(pos.shape[1])
        if side * side != pos.shape[1]:
            raise ValueError(f"{pos.shape[1]} position embeddings are not a square grid: pass image_shape.")
        image_shape = (channels, side * patch_size, side * patch_size)
    return dict(
        image_shape=tuple(int(s) for s in image_shape),
        patch_size=int(patch_size),
        embed_dim=int(embed_dim),
        depth=int(depth),
        n_heads=int(n_heads),
        mlp_dim=int(fc1.shape[0]),
    )


def load_aimv2_encoder(checkpoint, n_heads=None, image_shape=None):
    """Build a :class:`VisionEncoder` holding an official AIMv2 encoder's weights.

    Parameters
    ----------
    checkpoint : str, path or dict
        A local ``torch.save`` file (a state dict, possibly under ``"state_dict"`` or
        ``"model"``), a ``.safetensors`` file, or the state dict itself. Keys may carry an
        ``image_encoder.`` (LiT), ``module.`` or ``model.`` prefix. Nothing is downloaded.
    n_heads, image_shape
        See :func:`aimv2_config`.

    Returns
    -------
    VisionEncoder
        ``encoder(images)`` equals the official encoder's output (its ``post_trunk_norm``-ed
        patch tokens) on the same preprocessed images.
    """
    import torch

    from ._encoder import VisionEncoder

    state = _strip(_read(checkpoint))
    config = aimv2_config(state, n_heads=n_heads, image_shape=image_shape)
    encoder = VisionEncoder(**config)
    state = {k: torch.as_tensor(v) for k, v in state.items()}
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(
            f"checkpoint does not match the AIMv2 encoder: missing {sorted(missing)[:5]}, "
            f"unexpected {sorted(unexpected)[:5]}."
        )
    return encoder.float().eval()
