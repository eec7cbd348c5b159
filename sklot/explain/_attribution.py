r"""Fidelity, stability and complexity metrics of attribution maps (saliency maps).

Every metric has the signature ``metric(model, X, explanations, y=None, **options)`` and returns
one score per sample (an ndarray of shape ``(n_samples,)``). ``y`` is the class explained (labels
of ``model.classes_`` for a sklot or skorch classifier, indices for a bare torch module); None
explains the class predicted on the intact input. Forward passes run in batches of
``batch_size`` inputs on the model's device, in the model's dtype.

Scale: a 1-Lipschitz network has small logits (a flat softmax), so no metric here scores
probabilities or raw logits. Deletion and insertion score the *margin* of the target class
normalised by its value on the intact input (``score="margin"``) or the fraction of predictions
kept (``score="kept"``); mu-fidelity is a correlation and max-sensitivity a relative change, both
invariant to a rescaling of the logits. Multiplying a model's logits by any ``a > 0`` leaves
every score unchanged.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state

from ._model import TorchClassifierView, check_X_explanations

__all__ = ["deletion_auc", "insertion_auc", "mu_fidelity", "max_sensitivity", "sparseness"]


def _baseline_tensor(view, baseline, d):
    b = np.asarray(baseline, dtype=np.float64)
    if b.ndim == 0:
        b = np.full(d, float(b))
    b = b.reshape(-1)
    if b.size != d:
        raise ValueError(f"baseline must be a scalar or hold one value per feature ({d}); got {b.size}.")
    return view.tensor(b)


def _scores(view, x, cls, score):
    logits = view.logits(x)
    if score == "kept":
        return (view.predict_index(logits) == cls).to(torch.float64)
    return view.margin(logits, cls).to(torch.float64)


def _check_steps(n_steps, d):
    if n_steps is None:
        return d
    if not (isinstance(n_steps, Integral) and n_steps >= 1):
        raise ValueError(f"n_steps must be a positive integer or None; got {n_steps!r}.")
    return min(int(n_steps), d)


def _perturbation_curve(model, X, explanations, y, *, baseline, n_steps, score, batch_size, insert):
    if score not in ("margin", "kept"):
        raise ValueError(f"score must be 'margin' or 'kept'; got {score!r}.")
    X, E = check_X_explanations(X, explanations)
    view = TorchClassifierView(model, batch_size)
    n, shape = len(X), X.shape[1:]
    d = int(np.prod(shape))
    n_steps = _check_steps(n_steps, d)
    x_all = view.tensor(X).reshape(n, d)
    base = _baseline_tensor(view, baseline, d)
    cls_all = view.target(x_all.reshape(n, *shape), y)
    ks = torch.as_tensor(np.round(np.linspace(0, d, n_steps + 1)).astype(np.int64), device=view.device)
    # rank[i, f] = position of feature f in sample i's ranking (0 = highest explanation value)
    order = np.argsort(-E.reshape(n, d), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(d)[None, :], axis=1)
    rank = torch.as_tensor(rank, device=view.device)
    curves = torch.empty((n, n_steps + 1), dtype=torch.float64, device=view.device)
    chunk = max(1, view.batch_size // (n_steps + 1))
    for s in range(0, n, chunk):
        x, r, cls = x_all[s : s + chunk], rank[s : s + chunk], cls_all[s : s + chunk]
        m = len(x)
        mask = r[:, None, :] < ks[None, :, None]  # (m, steps + 1, d): features changed at each step
        if insert:
            xp = torch.where(mask, x[:, None, :], base)
        else:
            xp = torch.where(mask, base, x[:, None, :])
        xp = xp.reshape(m * (n_steps + 1), *shape)
        sc = _scores(view, xp, cls.repeat_interleave(n_steps + 1), score).reshape(m, n_steps + 1)
        if score == "margin":
            ref = _scores(view, x.reshape(m, *shape), cls, "margin")
            sc = sc / torch.where(ref > 0, ref, torch.full_like(ref, float("nan")))[:, None]
        curves[s : s + m] = sc
    t = (ks.to(torch.float64) / d).cpu().numpy()
    return np.trapezoid(curves.cpu().numpy(), t, axis=1)


_CURVE_DOC = r"""
    Parameters
    ----------
    model : fitted sklot classifier, torch.nn.Module returning logits, or fitted skorch wrapper
    X : array-like of shape (n_samples, ...)
    explanations : array-like of the shape of ``X``
        Features are ranked by decreasing explanation value, ties in index order (pass
        ``np.abs(explanations)`` to rank by magnitude).
    y : array-like of shape (n_samples,) or None
        Explained class; None: the class predicted on the intact input.
    baseline : float or array-like of shape (n_features,), default=0.0
        Value a removed feature takes (a deleted pixel is set to it; insertion starts from it).
    n_steps : int or None, default=None
        Number of steps of the curve; step ``j`` changes the :math:`k_j = \mathrm{round}(j d /
        n_steps)` top-ranked features (``d`` features in all). None: one feature per step.
    score : {"margin", "kept"}, default="margin"
        Target score along the curve. ``"margin"``: :math:`m_c(x') / m_c(x)` with :math:`m_c =
        f_c - \max_{j\ne c} f_j` (binary: :math:`\pm f`), the margin of the explained class
        normalised by its value on the intact input, so 1 at the intact input (NaN for a sample
        whose intact margin is not positive: then ``y`` is not the predicted class).
        ``"kept"``: 1 while the predicted class is still ``c``, else 0.
    batch_size : int, default=256
        Inputs per forward pass.

    Returns
    -------
    ndarray of shape (n_samples,)
        Area under the curve over the fraction :math:`k_j / d \in [0, 1]` (trapezoidal rule).
"""


def deletion_auc(model, X, explanations, y=None, *, baseline=0.0, n_steps=None, score="margin",
                 batch_size=256):
    r"""Deletion metric (Petsiuk, Das and Saenko 2018, RISE, sec. 4.1): lower is better.

    Features are set to ``baseline`` in decreasing order of explanation; the score of the
    explained class is recorded after each step, and the area under that curve is returned. A
    faithful explanation removes the evidence first, so the score collapses fast.
    """
    return _perturbation_curve(model, X, explanations, y, baseline=baseline, n_steps=n_steps,
                               score=score, batch_size=batch_size, insert=False)


def insertion_auc(model, X, explanations, y=None, *, baseline=0.0, n_steps=None, score="margin",
                  batch_size=256):
    r"""Insertion metric (Petsiuk, Das and Saenko 2018, RISE, sec. 4.1): higher is better.

    Starting from the ``baseline`` input, features of ``X`` are put back in decreasing order of
    explanation; the area under the score curve is returned (1 at the full input with
    ``score="margin"``).
    """
    return _perturbation_curve(model, X, explanations, y, baseline=baseline, n_steps=n_steps,
                               score=score, batch_size=batch_size, insert=True)


if deletion_auc.__doc__ is not None:  # None under python -OO
    deletion_auc.__doc__ += _CURVE_DOC
    insertion_auc.__doc__ += _CURVE_DOC


def _subset_size(subset_size, d):
    if isinstance(subset_size, Integral) and not isinstance(subset_size, bool):
        if not 1 <= subset_size <= d:
            raise ValueError(f"subset_size must be in [1, {d}] as an integer; got {subset_size}.")
        return int(subset_size)
    if isinstance(subset_size, Real) and 0 < subset_size <= 1:
        return max(1, int(round(subset_size * d)))
    raise ValueError(f"subset_size must be an int in [1, d] or a fraction in (0, 1]; got {subset_size!r}.")


def mu_fidelity(model, X, explanations, y=None, *, baseline=0.0, subset_size=0.2, n_subsets=128,
                random_state=None, batch_size=256):
    r"""Mu-fidelity (Bhatt, Weller and Moura 2020, IJCAI, eq. 2): higher is better, in [-1, 1].

    .. math::
        \mu_F(x) = \operatorname{corr}_{S}\Big(\sum_{i \in S} e_i,\;
        f_c(x) - f_c(x_{[x_S = b]})\Big)

    Pearson correlation, over ``n_subsets`` random subsets :math:`S` of ``subset_size`` features
    (drawn uniformly without replacement), between the attribution they carry and the drop of
    the explained class's logit :math:`f_c` (binary one-output model: :math:`\pm f`) when they
    are set to the baseline :math:`b`. A correlation is invariant to a rescaling of the logits.

    Parameters
    ----------
    model, X, explanations, y
        As in :func:`deletion_auc`.
    baseline : float or array-like of shape (n_features,), default=0.0
    subset_size : int or float, default=0.2
        Number of features per subset, or a fraction of them.
    n_subsets : int, default=128
    random_state : int, RandomState or None
    batch_size : int, default=256

    Returns
    -------
    ndarray of shape (n_samples,)
        NaN where either series is constant (e.g. an all-zero explanation).
    """
    X, E = check_X_explanations(X, explanations)
    view = TorchClassifierView(model, batch_size)
    n, shape = len(X), X.shape[1:]
    d = int(np.prod(shape))
    k = _subset_size(subset_size, d)
    if not (isinstance(n_subsets, Integral) and n_subsets >= 2):
        raise ValueError(f"n_subsets must be an integer >= 2; got {n_subsets!r}.")
    gen = torch.Generator().manual_seed(int(check_random_state(random_state).randint(2**31 - 1)))
    x_all = view.tensor(X).reshape(n, d)
    e_all = torch.as_tensor(E.reshape(n, d), device=view.device)
    base = _baseline_tensor(view, baseline, d)
    cls_all = view.target(x_all.reshape(n, *shape), y)
    out = np.empty(n)
    chunk = max(1, view.batch_size // n_subsets)
    for s in range(0, n, chunk):
        x, e, cls = x_all[s : s + chunk], e_all[s : s + chunk], cls_all[s : s + chunk]
        m = len(x)
        idx = torch.rand((m, n_subsets, d), generator=gen).argsort(2)[:, :, :k].to(view.device)
        mask = torch.zeros((m, n_subsets, d), dtype=torch.bool, device=view.device)
        mask.scatter_(2, idx, True)
        xp = torch.where(mask, base, x[:, None, :]).reshape(m * n_subsets, *shape)
        f0 = view.class_logit(view.logits(x.reshape(m, *shape)), cls).to(torch.float64)
        fs = view.class_logit(view.logits(xp), cls.repeat_interleave(n_subsets)).to(torch.float64)
        drop = f0[:, None] - fs.reshape(m, n_subsets)
        attr = (mask * e[:, None, :]).sum(2)
        a = attr - attr.mean(1, keepdim=True)
        b = drop - drop.mean(1, keepdim=True)
        den = (a.norm(dim=1) * b.norm(dim=1))
        scale = torch.maximum(attr.abs().amax(1), drop.abs().amax(1)).clamp_min(1e-300)
        tiny = (a.norm(dim=1) <= 1e-12 * scale) | (b.norm(dim=1) <= 1e-12 * scale)
        r = (a * b).sum(1) / torch.where(tiny, torch.ones_like(den), den)
        out[s : s + m] = torch.where(tiny, torch.full_like(r, float("nan")), r).cpu().numpy()
    return out


def _gradient_explanation(view, x, cls):
    xr = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = view.module(xr)
        logits = logits.reshape(-1) if (logits.ndim == 1 or logits.shape[1] == 1) else logits
        (g,) = torch.autograd.grad(view.margin(logits, cls).sum(), xr)
    return g


def max_sensitivity(model, X, explanations, y=None, *, explain_func=None, radius=0.1, n_samples=16,
                    random_state=None, batch_size=256):
    r"""Max-sensitivity (Yeh, Hsieh, Suggala, Inouye and Ravikumar 2019, NeurIPS, def. 3.1): lower is better.

    .. math::
        \mathrm{SENS}_{\max}(x) = \max_{\|\delta\|_\infty \le r}
        \frac{\|\Phi(x + \delta) - \Phi(x)\|_2}{\|\Phi(x)\|_2}

    estimated by the maximum over ``n_samples`` perturbations :math:`\delta` drawn uniformly in
    the :math:`\ell_\infty` ball of radius :math:`r` (as quantus's ``MaxSensitivity``). The
    explanation :math:`\Phi` is recomputed at each perturbed input for the class explained at
    :math:`x`; dividing by :math:`\|\Phi(x)\|_2` (``explanations``) makes the score invariant to
    a rescaling of the explanation (and of the logits, for gradients).

    Parameters
    ----------
    model, X, explanations, y
        As in :func:`deletion_auc`; ``explanations`` is :math:`\Phi(x)`.
    explain_func : callable or None, default=None
        ``explain_func(model, X, y) -> ndarray shaped like X``, called with numpy inputs and the
        explained labels. None: the input gradient of the explained class's margin
        :math:`f_c - \max_{j\ne c} f_j` (the saliency map of :meth:`LipschitzClassifier.explain`).
    radius : float, default=0.1
    n_samples : int, default=16
    random_state : int, RandomState or None
    batch_size : int, default=256

    Returns
    -------
    ndarray of shape (n_samples,)
        NaN where :math:`\Phi(x) = 0`.
    """
    X, E = check_X_explanations(X, explanations)
    view = TorchClassifierView(model, batch_size)
    if not (isinstance(radius, Real) and radius > 0):
        raise ValueError(f"radius must be a positive number; got {radius!r}.")
    if not (isinstance(n_samples, Integral) and n_samples >= 1):
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
    n = len(X)
    rng = check_random_state(random_state)
    x_all = view.tensor(X)
    cls_all = view.target(x_all, y)
    if y is None and explain_func is not None:
        cls_np = cls_all.cpu().numpy()
        y_lab = view.classes[cls_np] if view.classes is not None else cls_np
    else:
        y_lab = None if y is None else np.asarray(y).ravel()
    e0 = E.reshape(n, -1)
    norm0 = np.linalg.norm(e0, axis=1)
    best = np.zeros(n)
    for _ in range(int(n_samples)):
        delta = rng.uniform(-radius, radius, size=X.shape)
        xp = X.astype(np.float64) + delta
        if explain_func is None:
            parts = []
            for s in range(0, n, view.batch_size):
                xb = view.tensor(xp[s : s + view.batch_size])
                parts.append(_gradient_explanation(view, xb, cls_all[s : s + view.batch_size]).cpu())
            ep = torch.cat(parts).to(torch.float64).numpy()
        else:
            ep = np.asarray(explain_func(model, xp.astype(X.dtype, copy=False), y_lab), dtype=np.float64)
            if ep.shape != X.shape:
                raise ValueError(f"explain_func returned shape {ep.shape}; expected {X.shape}.")
        best = np.maximum(best, np.linalg.norm(ep.reshape(n, -1) - e0, axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norm0 > 0, best / np.where(norm0 > 0, norm0, 1.0), np.nan)


def sparseness(model, X, explanations, y=None):
    r"""Sparseness: Gini index of :math:`|e|` (Chalasani et al. 2020, ICML): higher is sparser.

    .. math::
        G(e) = \frac{\sum_{i=1}^{d} (2i - d - 1)\, a_{(i)}}{d \sum_{i=1}^{d} a_{(i)}}, \qquad
        a_{(1)} \le \dots \le a_{(d)} \text{ the sorted } |e_i|

    (Hurley and Rickard 2009), as quantus's ``Sparseness``: 0 when all :math:`|e_i|` are equal,
    :math:`(d-1)/d` for a single non-zero feature. Invariant to a rescaling of the explanation.
    ``model`` and ``y`` are accepted for the common signature and unused (may be None).

    Returns
    -------
    ndarray of shape (n_samples,)
        NaN for an all-zero explanation.
    """
    _, E = check_X_explanations(X, explanations)
    a = np.sort(np.abs(E.reshape(len(E), -1)), axis=1)
    d = a.shape[1]
    w = 2 * np.arange(1, d + 1) - d - 1
    tot = a.sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tot > 0, (a * w).sum(1) / (d * np.where(tot > 0, tot, 1.0)), np.nan)
