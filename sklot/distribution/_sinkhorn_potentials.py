"""Entropic optimal transport potential of a bag against a fixed reference cloud."""

import numpy as np

__all__ = ["sinkhorn_potential"]

# exp(-cost / reg) stays well inside float64's range below this ratio
_MAX_EXPONENT = 500.0


def sinkhorn_potential(points, weights, reference, reference_weights, reg, *, max_iter=1000, tol=1e-9):
    r"""Dual Sinkhorn potential on the reference cloud, for OT from the reference to a bag.

    Solves, with POT's Sinkhorn (scaling iterations, or the log domain when
    :math:`\max C / \varepsilon` is large enough to underflow),

    .. math::
        \mathrm{OT}_\varepsilon(\rho, \mu) = \max_{f, g}\; \sum_i a_i f_i + \sum_j b_j g_j
        - \varepsilon \sum_{ij} a_i b_j \big(e^{(f_i + g_j - \|u_i - x_j\|^2)/\varepsilon} - 1\big)

    between the reference :math:`\rho = \sum_i a_i \delta_{u_i}` and the bag
    :math:`\mu = \sum_j b_j \delta_{x_j}`, and returns :math:`f` shifted to
    :math:`\sum_i a_i f_i = 0` (potentials are defined up to a constant). At the
    optimum :math:`f` is the soft c-transform of :math:`g`:
    :math:`f_i = -\varepsilon \log \sum_j b_j e^{(g_j - \|u_i-x_j\|^2)/\varepsilon}`.

    Parameters
    ----------
    points : ndarray of shape (n, d)
    weights : ndarray of shape (n,)
        Non-negative, summing to one.
    reference : ndarray of shape (m, d)
    reference_weights : ndarray of shape (m,)
    reg : float
        Entropic regularisation :math:`\varepsilon` (in squared-distance units).
    max_iter, tol : int, float
        Passed to POT as ``numItermax`` and ``stopThr``.

    Returns
    -------
    f : ndarray of shape (m,)
    n_iter : int
        Sinkhorn iterations used.
    error : float
        Marginal violation at the last check (POT checks every 10 iterations);
        the solve converged when ``error < tol``.
    """
    import ot

    cost = ot.dist(reference, points)  # squared Euclidean
    # POT's own warning is replaced by the caller's single ConvergenceWarning with counts
    kwargs = dict(numItermax=max_iter, stopThr=tol, log=True, warn=False)
    if cost.max() / reg < _MAX_EXPONENT:
        # the scaling iterations are exact in float64 here, and many times faster than POT's log domain
        with np.errstate(all="ignore"):
            _, log = ot.sinkhorn(reference_weights, weights, cost, reg, method="sinkhorn", **kwargs)
        log_u = np.log(log["u"]) if np.all(np.isfinite(log["u"])) and np.all(log["u"] > 0) else None
    else:
        log_u = None
    if log_u is None:
        with np.errstate(over="ignore"):  # POT also returns exp(log_u), which may overflow; unused
            _, log = ot.sinkhorn(reference_weights, weights, cost, reg, method="sinkhorn_log", **kwargs)
        log_u = log["log_u"]
    f = reg * (log_u - np.log(reference_weights))
    error = float(log["err"][-1]) if len(log["err"]) else np.inf
    return f - np.dot(reference_weights, f), int(log["niter"]) + 1, error
