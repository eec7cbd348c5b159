"""Input checks specific to the Lipschitz estimators (they train in float32)."""

from numbers import Integral

import numpy as np

__all__ = ["check_float32_range", "check_layer_sizes"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(X, name="X"):
    """Raise a ValueError when finite values of ``X`` would overflow to inf in float32.

    The networks train in float32: a value above about 3.4e38 in magnitude,
    finite in float64, would become infinite and surface later as a
    non-finite weight. ``X`` is assumed finite (``validate_data`` checks it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.lipschitz._validation import check_float32_range
    >>> check_float32_range(np.array([[1.0, 1e39]]))
    Traceback (most recent call last):
    ...
    ValueError: X has values up to 1e+39 in magnitude, beyond float32's range (3.4e+38), in which the \
network trains; rescale X (e.g. StandardScaler).
    """
    X = np.asarray(X)
    if X.dtype == np.float64 and X.size:
        peak = float(np.max(np.abs(X)))
        if peak > _FLOAT32_MAX:
            raise ValueError(
                f"{name} has values up to {peak:.3g} in magnitude, beyond float32's range "
                f"({_FLOAT32_MAX:.2g}), in which the network trains; rescale {name} (e.g. StandardScaler)."
            )


def check_layer_sizes(sizes, *, default, name="hidden_layer_sizes"):
    """``sizes`` (or ``default`` when None) as a tuple of positive ints; non-integers are rejected.

    Examples
    --------
    >>> from sklot.lipschitz._validation import check_layer_sizes
    >>> check_layer_sizes([8, 4], default=(2,))
    (8, 4)
    >>> check_layer_sizes((8.5,), default=(2,))
    Traceback (most recent call last):
    ...
    ValueError: hidden_layer_sizes must hold positive integers; got (8.5,).
    """
    raw = default if sizes is None else sizes
    values = np.atleast_1d(np.asarray(raw, dtype=object)).ravel().tolist()
    ok = all(isinstance(h, Integral) and not isinstance(h, bool) and h >= 1 for h in values)
    if not values or not ok or np.ndim(raw) > 1:
        raise ValueError(f"{name} must hold positive integers; got {sizes!r}.")
    return tuple(int(h) for h in values)
