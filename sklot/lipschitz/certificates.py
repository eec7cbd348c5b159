r"""Robustness certificates of Lipschitz classifiers.

For an :math:`L`-Lipschitz (in L2) network the prediction at :math:`x` cannot
change within the L2 ball of radius

* binary, one output :math:`f`: :math:`|f(x)| / L`;
* multiclass, network :math:`L`-Lipschitz as a map into :math:`\mathbb{R}^K`:
  :math:`(f_c - \max_{j\ne c} f_j) / (\sqrt{2} L)`, since
  :math:`|(f_c - f_j)(x) - (f_c - f_j)(x')| \le \sqrt{2}\,\|f(x) - f(x')\|_2`;
* multiclass, each logit :math:`L`-Lipschitz separately:
  :math:`(f_c - \max_{j\ne c} f_j) / (2L)`.

(Tsuzuku, Sato and Sugiyama 2018; Béthune et al. 2022.)
"""

import numpy as np
import torch

__all__ = ["certified_radius", "verified_robust_accuracy"]


def _as_tensor(a):
    if isinstance(a, torch.Tensor):
        return a
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


def certified_radius(logits, *, lipschitz_constant=1.0, per_class=False, y=None):
    r"""Certified L2 radius of each prediction.

    Parameters
    ----------
    logits : array-like or tensor of shape (n,), (n, 1) or (n, K)
    lipschitz_constant : float, default=1.0
        :math:`L`, an upper bound on the network's Lipschitz constant.
    per_class : bool, default=False
        Each logit is separately :math:`L`-Lipschitz (divisor :math:`2L`)
        rather than the whole output map (divisor :math:`\sqrt{2}L`).
    y : array-like of shape (n,) or None
        If given, the radius is computed for the *true* class: it is the
        signed margin, negative when the point is misclassified. Binary
        labels are {0, 1} or {-1, +1}; multiclass labels are indices.

    Returns
    -------
    ndarray or tensor of shape (n,)
        Non-negative for the predicted class when ``y`` is None.

    Examples
    --------
    >>> from sklot.lipschitz.certificates import certified_radius
    >>> certified_radius([[3.0, 1.0, 0.0]], lipschitz_constant=1.0).round(4).tolist()
    [1.4142]
    >>> certified_radius([-0.5, 2.0]).tolist()
    [0.5, 2.0]
    """
    if not lipschitz_constant > 0:
        raise ValueError(f"lipschitz_constant must be > 0; got {lipschitz_constant}.")
    is_numpy = not isinstance(logits, torch.Tensor)
    f = _as_tensor(logits)
    if f.ndim == 2 and f.shape[1] == 1:
        f = f[:, 0]
    if f.ndim == 1:
        if y is None:
            margin = f.abs()
        else:
            s = torch.where(_as_tensor(y).reshape(-1).to(f.device) > 0, 1.0, -1.0).to(f.dtype)
            margin = s * f
        out = margin / lipschitz_constant
    elif f.ndim == 2:
        c = f.argmax(1) if y is None else _as_tensor(y).reshape(-1).long().to(f.device)
        f_c = f.gather(1, c[:, None])[:, 0]
        others = f.scatter(1, c[:, None], float("-inf")).max(1).values
        divisor = (2.0 if per_class else np.sqrt(2.0)) * lipschitz_constant
        out = (f_c - others) / divisor
    else:
        raise ValueError(f"logits must have shape (n,), (n, 1) or (n, K); got {tuple(f.shape)}.")
    return out.cpu().numpy() if is_numpy else out


def verified_robust_accuracy(logits, y, eps, *, lipschitz_constant=1.0, per_class=False):
    """Fraction of points correctly classified with a certified radius above ``eps``.

    ``eps`` must be a finite number >= 0 (NaN or infinity raise a ValueError:
    every comparison with NaN is false, which would report 0.0).

    Examples
    --------
    >>> from sklot.lipschitz.certificates import verified_robust_accuracy
    >>> verified_robust_accuracy([2.0, -0.1, 0.3], [1, 0, 0], eps=0.05)
    0.6666666666666666
    """
    try:
        eps_value = float(eps)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"eps must be a real number; got {eps!r}.") from exc
    if not np.isfinite(eps_value) or eps_value < 0:
        raise ValueError(f"eps must be a finite number >= 0; got {eps!r}.")
    eps = eps_value
    r = certified_radius(logits, lipschitz_constant=lipschitz_constant, per_class=per_class, y=y)
    r = np.asarray(r.detach().cpu() if isinstance(r, torch.Tensor) else r)
    return float(np.mean(r > eps))
