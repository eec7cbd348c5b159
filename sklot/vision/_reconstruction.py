"""Next-patch reconstructions by a pre-trained decoder (for inspection and plots)."""

import numpy as np

from ._losses import PATCH_NORM_EPS
from ._patch_embed import patchify

__all__ = ["reconstruct_patches"]


def _unpatchify(patches, shape, p):
    C, H, W = shape
    B = patches.shape[0]
    x = patches.reshape(B, H // p, W // p, C, p, p)
    return x.permute(0, 3, 1, 4, 2, 5).reshape(B, C, H, W)


def reconstruct_patches(encoder, X, prefix_length):
    """Images whose patches after the prefix are the decoder's next-patch predictions.

    The first ``prefix_length`` patches are the input's; each later patch :math:`k` is what the
    decoder predicts from the true patches :math:`< k` (teacher forcing, the training task), in
    normalised-pixel units mapped back with the true patch's mean and standard deviation (as MAE
    shows its reconstructions).

    Parameters
    ----------
    encoder : AutoregressiveImageEncoder
        Fitted with ``objective="autoregressive"``.
    X : array-like of images
    prefix_length : int in [1, n_patches - 1]

    Returns
    -------
    ndarray of shape (n, C, H, W), in the input's units.
    """
    import torch
    from sklearn.utils.validation import check_is_fitted

    from ._images import check_images

    check_is_fitted(encoder, "encoder_")
    model = getattr(encoder, "pretrainer_", None)
    if model is None or not hasattr(model, "decoder"):
        raise ValueError(
            "reconstructions need the autoregressive decoder: fit with objective='autoregressive'."
        )
    n_patches = model.encoder.n_patches
    if not 1 <= int(prefix_length) < n_patches:
        raise ValueError(f"prefix_length must be in [1, {n_patches - 1}]; got {prefix_length!r}.")
    images, shape = check_images(encoder, X, reset=False)
    x = torch.as_tensor(encoder._standardize(images))
    p = model.encoder.patch_size
    with torch.no_grad():
        M = torch.full((len(x),), int(prefix_length))
        pred, _ = model.decoder(model.encoder(x, M), None)
        true = patchify(x, p)
        mean = true.mean(-1, keepdim=True)
        std = torch.sqrt(true.var(-1, unbiased=False, keepdim=True) + PATCH_NORM_EPS)
        out = true.clone()
        k = int(prefix_length)
        out[:, k:] = pred[:, k - 1 :] * std[:, k:] + mean[:, k:]
        rec = _unpatchify(out, shape, p).numpy().astype(np.float64)
    m = encoder.pixel_mean_.reshape(1, -1, 1, 1)
    s = encoder.pixel_std_.reshape(1, -1, 1, 1)
    return rec * s + m
