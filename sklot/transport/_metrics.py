"""Quality metrics of estimated transport maps."""

import numpy as np
from sklearn.utils.validation import check_array

__all__ = ["l2_uvp"]


def l2_uvp(T_hat_X, T_X, Y):
    r"""L2 unexplained variance percentage of an estimated transport map.

    .. math::

        \mathrm{L^2\text{-}UVP}(\hat T) = 100\,
            \frac{\frac1n \sum_i |\hat T(x_i) - T^*(x_i)|^2}{\operatorname{tr} \operatorname{Cov}(\nu)}

    (Korotin et al. 2021, "Wasserstein-2 generative networks", section 5), where the
    denominator is the total variance of target samples ``Y``. 0 for the exact map; the
    constant map onto the target mean scores about 100 (for :math:`T^*` with the target's
    variance).

    Parameters
    ----------
    T_hat_X : array-like of shape (n, d)
        The estimated map at source samples :math:`x_i`.
    T_X : array-like of shape (n, d)
        The exact map at the same samples.
    Y : array-like of shape (m, d)
        Target samples (at least 2), for :math:`\operatorname{tr}\operatorname{Cov}(\nu)`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.transport import l2_uvp
    >>> Y = np.array([[0.0, 0.0], [2.0, 0.0]])          # total variance 2 (ddof=1)
    >>> l2_uvp(np.zeros((1, 2)), np.ones((1, 2)), Y)    # squared error 2
    100.0
    """
    T_hat_X = check_array(T_hat_X, dtype=np.float64, input_name="T_hat_X")
    T_X = check_array(T_X, dtype=np.float64, input_name="T_X")
    Y = check_array(Y, dtype=np.float64, ensure_min_samples=2, input_name="Y")
    if T_hat_X.shape != T_X.shape:
        raise ValueError(f"T_hat_X has shape {T_hat_X.shape} but T_X has shape {T_X.shape}.")
    if Y.shape[1] != T_X.shape[1]:
        raise ValueError(f"Y has {Y.shape[1]} features but the maps have {T_X.shape[1]}.")
    total_var = float(np.var(Y, axis=0, ddof=1).sum())
    if not total_var > 0:
        raise ValueError("Y has zero variance: L2-UVP is undefined.")
    err = float(np.mean(np.sum((T_hat_X - T_X) ** 2, axis=1)))
    return 100.0 * err / total_var
