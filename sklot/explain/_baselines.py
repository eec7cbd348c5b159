r"""Baseline attributions from captum for any torch classifier: Saliency, SmoothGrad, IntegratedGradients.

These wrap captum (Kokhlikyan et al. 2020) rather than rewrite it. They explain the *logit* of
the class ``y`` (the predicted class by default); a binary one-output model is seen as the two
logits :math:`(-f, f)`, the convention of :mod:`sklot.explain`. Each returns an ndarray shaped
like ``X``, which the attribution metrics take as ``explanations``.
"""

from numbers import Integral, Real

import numpy as np
import torch

from .._core.random import draw_seed, global_rng_guard
from ._model import TorchClassifierView

__all__ = ["saliency", "smoothgrad", "integrated_gradients"]


def _captum():
    try:
        import captum.attr
    except ImportError as exc:  # pragma: no cover - captum is in the test extra
        raise ImportError("sklot.explain's baseline attributions need captum: pip install captum") from exc
    return captum.attr


class _Logits(torch.nn.Module):
    """Logits of shape (n, K); a one-output binary model becomes (n, 2) = (-f, f)."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        out = self.module(x)
        if out.ndim == 1 or out.shape[1] == 1:
            f = out.reshape(-1, 1)
            return torch.cat([-f, f], 1)
        return out


def _run(model, X, y, batch_size, attribute):
    view = TorchClassifierView(model, batch_size)
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(f"X must have shape (n_samples, ...); got shape {X.shape}.")
    x_all = view.tensor(X)
    cls_all = view.target(x_all, y)
    forward = _Logits(view.module)
    out = []
    for s in range(0, len(X), view.batch_size):
        x = x_all[s : s + view.batch_size].clone().requires_grad_(True)
        out.append(attribute(forward, x, cls_all[s : s + view.batch_size]).detach())
    return torch.cat(out).cpu().numpy().astype(np.float64) if out else np.zeros(X.shape)


def saliency(model, X, y=None, *, batch_size=256):
    r"""Plain input gradient :math:`\nabla_x f_c(x)` of the class logit (captum ``Saliency``, signed).

    Simonyan, Vedaldi and Zisserman 2014. ``model`` as in :func:`sklot.explain.deletion_auc`.

    Returns
    -------
    ndarray shaped like ``X``
    """
    attr = _captum()
    return _run(model, X, y, batch_size,
                lambda f, x, c: attr.Saliency(f).attribute(x, target=c, abs=False))


def smoothgrad(model, X, y=None, *, n_samples=25, stdev=0.15, random_state=None, batch_size=256):
    r"""SmoothGrad: :math:`\frac1N \sum_{k=1}^N \nabla_x f_c(x + \varepsilon_k)`, :math:`\varepsilon_k \sim
    \mathcal N(0, \sigma^2 I)` (Smilkov et al. 2017; captum ``NoiseTunnel`` over ``Saliency``).

    Parameters
    ----------
    model, X, y
        As in :func:`saliency`.
    n_samples : int, default=25
        :math:`N`.
    stdev : float, default=0.15
        :math:`\sigma`, in input units (Smilkov et al. use 10-20% of the input range).
    random_state : int, RandomState or None
        Seeds the noise (captum draws it from torch's global generator, whose state is restored).
    batch_size : int, default=256

    Returns
    -------
    ndarray shaped like ``X``
    """
    if not (isinstance(n_samples, Integral) and n_samples >= 1):
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    if not (isinstance(stdev, Real) and stdev >= 0):
        raise ValueError(f"stdev must be a non-negative number; got {stdev!r}.")
    attr = _captum()
    view = TorchClassifierView(model, batch_size)
    chunk = max(1, view.batch_size // int(n_samples))  # captum evaluates chunk * n_samples inputs at once

    def attribute(f, x, c):
        nt = attr.NoiseTunnel(attr.Saliency(f))
        return nt.attribute(x, nt_type="smoothgrad", nt_samples=int(n_samples), stdevs=float(stdev),
                            target=c, abs=False)

    with global_rng_guard(draw_seed(random_state), device=view.device):
        return _run(model, X, y, chunk, attribute)


def integrated_gradients(model, X, y=None, *, baseline=0.0, n_steps=50, batch_size=256):
    r"""Integrated gradients :math:`(x - b) \odot \int_0^1 \nabla_x f_c(b + t(x - b))\,dt`.

    Sundararajan, Taly and Yan 2017 (captum ``IntegratedGradients``, Gauss-Legendre rule with
    ``n_steps`` nodes). Completeness: the attributions sum to :math:`f_c(x) - f_c(b)`.

    Parameters
    ----------
    model, X, y
        As in :func:`saliency`.
    baseline : float or array-like of one sample's shape, default=0.0
    n_steps : int, default=50
    batch_size : int, default=256

    Returns
    -------
    ndarray shaped like ``X``
    """
    if not (isinstance(n_steps, Integral) and n_steps >= 1):
        raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
    attr = _captum()
    X = np.asarray(X)
    b = np.asarray(baseline, dtype=np.float64)
    if b.ndim and b.shape != X.shape[1:]:
        raise ValueError(f"baseline must be a scalar or of one sample's shape {X.shape[1:]}; got {b.shape}.")
    chunk = max(1, int(batch_size) // int(n_steps)) if isinstance(batch_size, Integral) else batch_size

    def attribute(f, x, c):
        base = torch.as_tensor(np.broadcast_to(b, x.shape[1:]).copy(), dtype=x.dtype, device=x.device)
        base = base.expand_as(x).contiguous()
        return attr.IntegratedGradients(f).attribute(x, baselines=base, target=c, n_steps=int(n_steps))

    return _run(model, X, y, chunk, attribute)
