"""Validation of image batches and captions."""

import numpy as np

from .._core.validation import check_float32_range

__all__ = ["check_images", "check_captions"]


def _shape_param(image_shape):
    if image_shape is None:
        return None
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        shape = (1,) + shape
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"image_shape must be (C, H, W) or (H, W) of positive sizes; got {image_shape!r}.")
    return shape


def check_images(est, X, *, reset):
    """Images of ``X`` as a float64 array (n, C, H, W), and their shape (C, H, W).

    ``X`` is (n, C, H, W), (n, H, W) (one channel), or flat (n, C H W) with ``est.image_shape``.
    With ``reset=False`` the shape must be the fitted ``est.image_shape_``.
    """
    if hasattr(X, "iloc") or hasattr(X, "toarray") or hasattr(X, "tocsr"):
        if hasattr(X, "toarray"):
            raise TypeError(f"{type(est).__name__} takes dense images, not a sparse matrix.")
        X = X.to_numpy()
    try:
        arr = np.asarray(X)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"images must be a numeric array: {exc}") from None
    if arr.dtype.kind in "USO" or arr.dtype.kind == "c":
        try:
            if arr.dtype.kind == "c":
                raise TypeError
            arr = arr.astype(np.float64)
        except (ValueError, TypeError):
            raise ValueError(f"images must be real numbers; got dtype {arr.dtype}.") from None
    arr = arr.astype(np.float64, copy=False)
    param = _shape_param(est.image_shape)
    if arr.ndim == 2:
        if param is None:
            raise ValueError(
                f"flat images of shape {arr.shape} need image_shape=(C, H, W) or (H, W); "
                "or pass X of shape (n, C, H, W)."
            )
        if arr.shape[1] != int(np.prod(param)):
            raise ValueError(
                f"image_shape={param} needs {int(np.prod(param))} features per row; X has {arr.shape[1]}."
            )
        arr = arr.reshape((len(arr),) + param)
    elif arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim != 4:
        raise ValueError(f"images must have shape (n, C, H, W), (n, H, W) or (n, C*H*W); got {arr.shape}.")
    shape = tuple(arr.shape[1:])
    if param is not None and shape != param:
        raise ValueError(f"images of dimensions (C, H, W) = {shape} do not match image_shape={param}.")
    if reset:
        if len(arr) < 2:
            raise ValueError(f"{type(est).__name__} needs at least 2 images; got {len(arr)}.")
        est.image_shape_ = shape
        est.n_features_in_ = int(np.prod(shape))
    elif shape != tuple(est.image_shape_):
        raise ValueError(
            f"images of dimensions (C, H, W) = {shape}; the encoder was fitted on {tuple(est.image_shape_)}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("images contain NaN or infinity.")
    check_float32_range(arr, "X")
    return arr, shape


def check_captions(captions, n_images):
    """Captions as a list of ``n_images`` str, or None."""
    if captions is None:
        return None
    if isinstance(captions, (str, bytes)) or not hasattr(captions, "__len__"):
        raise ValueError("captions must be a sequence of strings, one per image.")
    captions = list(captions)
    if len(captions) != n_images:
        raise ValueError(f"captions has {len(captions)} entries for {n_images} images.")
    if not all(isinstance(c, str) for c in captions):
        raise ValueError("captions must be strings.")
    return captions
