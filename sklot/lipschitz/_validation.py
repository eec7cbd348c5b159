"""Input checks specific to the Lipschitz estimators (they train in float32)."""

from numbers import Integral

import numpy as np

from .._core.validation import check_float32_range

__all__ = ["check_float32_range", "check_layer_sizes"]


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
