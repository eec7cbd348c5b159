r"""Explanations of Lipschitz classifiers (Serrurier et al., NeurIPS 2023).

For a network trained with an optimal-transport loss (HKR), the input
gradient :math:`\nabla_x f(x)` has unit norm almost everywhere and points
along the transport plan, toward the nearest point on the decision boundary:
it is the saliency map, and following it gives counterfactuals.
"""

import torch

__all__ = ["margin_function", "saliency_map", "counterfactual"]


def margin_function(logits, cls):
    r"""Margin of class ``cls``: :math:`f_c - \max_{j\ne c} f_j` (binary: :math:`\pm f`).

    Parameters
    ----------
    logits : tensor of shape (n,), (n, 1) or (n, K)
    cls : long tensor of shape (n,)
        Class indices (binary: 0 or 1).
    """
    if logits.ndim == 1 or logits.shape[1] == 1:
        f = logits.reshape(-1)
        return torch.where(cls > 0, f, -f)
    f_c = logits.gather(1, cls[:, None])[:, 0]
    others = logits.scatter(1, cls[:, None], float("-inf")).max(1).values
    return f_c - others


def _predict_class(logits):
    if logits.ndim == 1 or logits.shape[1] == 1:
        return (logits.reshape(-1) > 0).long()
    return logits.argmax(1)


def saliency_map(module, X, cls=None):
    r"""Input gradient of the margin of class ``cls`` (default: the predicted class).

    .. math:: s(x) = \nabla_x \big(f_c(x) - \max_{j \ne c} f_j(x)\big)

    Parameters
    ----------
    module : torch.nn.Module
    X : tensor of shape (n, ...)
    cls : long tensor of shape (n,) or None

    Returns
    -------
    tensor of the shape of ``X``

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.explain import saliency_map
    >>> lin = torch.nn.Linear(3, 1)
    >>> s = saliency_map(lin, torch.ones(2, 3))
    >>> bool(torch.allclose(s.abs(), lin.weight.abs().expand(2, 3)))
    True
    """
    X = X.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = module(X)
        if cls is None:
            cls = _predict_class(logits.detach())
        m = margin_function(logits, cls)
        (grad,) = torch.autograd.grad(m.sum(), X)
    return grad


def counterfactual(module, X, target=None, *, max_iter=50, overshoot=1e-3, clip=None):
    r"""Move inputs along the margin gradient until the prediction becomes ``target``.

    Binary (Serrurier et al. 2023, eq. 5):
    :math:`x' = x - f(x)\,\nabla_x f(x) / \|\nabla_x f(x)\|^2` reaches the
    boundary in one step when :math:`\|\nabla f\| = 1` and f is affine along
    the path; steps repeat (up to ``max_iter``) until the sign flips.
    Multiclass: Newton steps on :math:`h(x) = \max_{j \ne t} f_j(x) - f_t(x)`
    until the target :math:`t` (default: the runner-up class) wins the argmax.

    Parameters
    ----------
    module : torch.nn.Module
    X : tensor of shape (n, ...)
    target : long tensor of shape (n,) or None
    max_iter : int, default=50
    overshoot : float, default=1e-3
        Extra distance added to each step, so the point crosses the boundary.
    clip : tuple (low, high) or None
        Keep inputs in this box after each step.

    Returns
    -------
    X_cf : tensor of the shape of ``X``
    distance : tensor of shape (n,)
        L2 distance travelled, :math:`\|x' - x\|_2`.
    reached : bool tensor of shape (n,)
        Whether the prediction is ``target`` at the end.
    """
    X0 = X.detach()
    with torch.no_grad():
        logits = module(X0)
    binary = logits.ndim == 1 or logits.shape[1] == 1
    current = _predict_class(logits)
    if target is None:
        if binary:
            target = 1 - current
        else:
            target = logits.scatter(1, current[:, None], float("-inf")).argmax(1)
    target = target.to(X0.device).long()
    x = X0.clone()
    done = current == target
    for _ in range(int(max_iter)):
        if bool(done.all()):
            break
        xr = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            h = -margin_function(module(xr), target)  # > 0 while target is not predicted
            (g,) = torch.autograd.grad(h.sum(), xr)
        gflat = g.reshape(len(g), -1)
        gnorm2 = (gflat * gflat).sum(1).clamp_min(1e-12)
        step = h.detach().clamp_min(0) / gnorm2 + overshoot / gnorm2.sqrt()
        step = torch.where(done, torch.zeros_like(step), step)
        x = x - step.reshape(-1, *([1] * (x.ndim - 1))) * g
        if clip is not None:
            x = x.clamp(clip[0], clip[1])
        with torch.no_grad():
            done = _predict_class(module(x)) == target
    distance = (x - X0).reshape(len(x), -1).norm(dim=1)
    return x.detach(), distance, done
