r"""Losses for Lipschitz classifiers (Béthune et al. 2022; Serrurier et al. 2021).

Binary targets may be given in {+1, -1} or {1, 0} with predictions of shape
(n,) or (n, 1). Multiclass targets are integer class indices of shape (n,)
with predictions of shape (n, K); they are one-hot encoded as
:math:`s_{ik} = +1` if :math:`y_i = k` else :math:`-1`.

* KR (Kantorovich-Rubinstein), binary:
  :math:`\mathrm{KR}(f) = \mathbb{E}_{y=+1}[f] - \mathbb{E}_{y=-1}[f]`
  (batch class proportions); multiclass: the mean over classes of the
  one-vs-all KR of column :math:`f_k`.
* Hinge with margin :math:`m`:
  :math:`\mathbb{E}[\mathrm{relu}(m/2 - s f)]`; multiclass one-vs-all with the
  true-class term weighted by :math:`K-1`, averaged over the :math:`K` columns.
* HKR: :math:`\alpha\,\mathrm{Hinge} - (1-\alpha)\,\mathrm{KR}`.
* Multiclass categorical hinge:
  :math:`\mathbb{E}[\mathrm{relu}(m - (f_y - \max_{j\ne y} f_j))]`.
* tau-cross-entropy: :math:`\mathrm{CE}(\tau f, y)/\tau`.

All functions return a scalar to *minimise*, except :func:`kr` which returns
the KR estimate itself.
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "kr",
    "kr_loss",
    "hinge_margin_loss",
    "hkr_loss",
    "multiclass_hinge_loss",
    "tau_cross_entropy_loss",
    "KRLoss",
    "HingeMarginLoss",
    "HKRLoss",
    "MulticlassHingeLoss",
    "TauCrossEntropyLoss",
]


def _is_multiclass(y_pred):
    return y_pred.ndim == 2 and y_pred.shape[1] > 1


def _signs(y_pred, y_true):
    """Return predictions and +-1 signs of the same shape (n, K) or (n,)."""
    if _is_multiclass(y_pred):
        y = y_true.reshape(-1).long()
        if y.numel() != y_pred.shape[0]:
            raise ValueError("multiclass losses expect integer class indices of shape (n,).")
        s = -torch.ones_like(y_pred)
        s.scatter_(1, y[:, None], 1.0)
        return y_pred, s
    f = y_pred.reshape(-1)
    t = y_true.reshape(-1).to(f.dtype)
    if t.numel() != f.numel():
        raise ValueError(f"y_true has {t.numel()} entries for {f.numel()} predictions.")
    return f, torch.where(t > 0, 1.0, -1.0).to(f.dtype)


def kr(y_pred, y_true):
    r"""Kantorovich-Rubinstein estimate :math:`\mathbb{E}_{+}[f] - \mathbb{E}_{-}[f]`.

    Over a 1-Lipschitz :math:`f` its supremum is :math:`W_1(P_+, P_-)`.
    Multiclass: mean over classes of the one-vs-all estimate. A class absent
    from the batch contributes 0 to its side.
    """
    f, s = _signs(y_pred, y_true)
    pos = (s > 0).to(f.dtype)
    n_pos = pos.sum(0)
    n_neg = (1 - pos).sum(0)
    mean_pos = (f * pos).sum(0) / n_pos.clamp_min(1)
    mean_neg = (f * (1 - pos)).sum(0) / n_neg.clamp_min(1)
    return (mean_pos - mean_neg).mean()


def kr_loss(y_pred, y_true):
    """Negative KR estimate (to minimise)."""
    return -kr(y_pred, y_true)


def hinge_margin_loss(y_pred, y_true, margin=1.0):
    r"""Hinge loss :math:`\mathrm{relu}(m/2 - s f)` (margin split across both sides)."""
    f, s = _signs(y_pred, y_true)
    h = F.relu(margin / 2.0 - s * f)
    if f.ndim == 2:
        h = torch.where(s > 0, h * (f.shape[1] - 1), h)
        return h.mean(1).mean()
    return h.mean()


def hkr_loss(y_pred, y_true, alpha=0.99, margin=1.0):
    r"""Hinge-KR loss :math:`\alpha\,\mathrm{Hinge}_m - (1-\alpha)\,\mathrm{KR}` (Serrurier et al. 2021)."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1]; got {alpha}.")
    out = 0.0
    if alpha > 0:
        out = alpha * hinge_margin_loss(y_pred, y_true, margin)
    if alpha < 1:
        out = out - (1.0 - alpha) * kr(y_pred, y_true)
    return out


def multiclass_hinge_loss(y_pred, y_true, margin=1.0):
    r"""Categorical hinge :math:`\mathrm{relu}(m - (f_y - \max_{j \ne y} f_j))`."""
    if not _is_multiclass(y_pred):
        raise ValueError("multiclass_hinge_loss expects predictions of shape (n, K) with K >= 2.")
    y = y_true.reshape(-1).long()
    f_y = y_pred.gather(1, y[:, None])[:, 0]
    others = y_pred.scatter(1, y[:, None], float("-inf"))
    return F.relu(margin - (f_y - others.max(1).values)).mean()


def tau_cross_entropy_loss(y_pred, y_true, tau=10.0):
    r"""Cross-entropy of :math:`\tau f` divided by :math:`\tau` (Béthune et al. 2022).

    A small temperature :math:`\tau` favours large margins (robustness), a
    large one favours accuracy. Binary: logistic loss on :math:`\tau f`.
    """
    if not tau > 0:
        raise ValueError(f"tau must be > 0; got {tau}.")
    if _is_multiclass(y_pred):
        return F.cross_entropy(tau * y_pred, y_true.reshape(-1).long()) / tau
    f, s = _signs(y_pred, y_true)
    return F.softplus(-tau * s * f).mean() / tau


class _Loss(nn.Module):
    _fn = None

    def forward(self, y_pred, y_true):
        return type(self)._fn(y_pred, y_true, **self._kwargs())

    def _kwargs(self):
        return {}


class KRLoss(_Loss):
    """Module form of :func:`kr_loss` (negative KR, to minimise)."""

    _fn = staticmethod(kr_loss)


class HingeMarginLoss(_Loss):
    """Module form of :func:`hinge_margin_loss`."""

    _fn = staticmethod(hinge_margin_loss)

    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = margin

    def _kwargs(self):
        return {"margin": self.margin}


class HKRLoss(_Loss):
    """Module form of :func:`hkr_loss` (binary or multiclass, from the prediction shape).

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.losses import HKRLoss
    >>> f = torch.tensor([[2.0, -1.0], [0.0, 1.0]])
    >>> y = torch.tensor([0, 1])
    >>> float(HKRLoss(alpha=1.0, margin=1.0)(f, y))  # only cell (1, 0) is inside the margin: 0.5 / 2 / 2
    0.125
    """

    _fn = staticmethod(hkr_loss)

    def __init__(self, alpha=0.99, margin=1.0):
        super().__init__()
        self.alpha = alpha
        self.margin = margin

    def _kwargs(self):
        return {"alpha": self.alpha, "margin": self.margin}


class MulticlassHingeLoss(_Loss):
    """Module form of :func:`multiclass_hinge_loss`."""

    _fn = staticmethod(multiclass_hinge_loss)

    def __init__(self, margin=1.0):
        super().__init__()
        self.margin = margin

    def _kwargs(self):
        return {"margin": self.margin}


class TauCrossEntropyLoss(_Loss):
    """Module form of :func:`tau_cross_entropy_loss`."""

    _fn = staticmethod(tau_cross_entropy_loss)

    def __init__(self, tau=10.0):
        super().__init__()
        self.tau = tau

    def _kwargs(self):
        return {"tau": self.tau}
