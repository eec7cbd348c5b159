"""Spectral normalisation by power iteration."""

import torch
import torch.nn.functional as F

__all__ = ["spectral_normalize", "power_iteration"]


@torch.no_grad()
def power_iteration(w, u, n_iter=1):
    r"""Power iteration for the top singular vectors of a matrix.

    Parameters
    ----------
    w : torch.Tensor of shape (m, n)
    u : torch.Tensor of shape (m,)
        Current estimate of the top left singular vector (warm start).
    n_iter : int, default=1

    Returns
    -------
    u, v : torch.Tensor of shapes (m,) and (n,)
        Unit vectors with :math:`u^\top W v \approx \sigma_{\max}(W)`.
    """
    w = w.detach()
    v = F.normalize(w.mT @ u, dim=0)
    for _ in range(max(1, int(n_iter))):
        u = F.normalize(w @ v, dim=0)
        v = F.normalize(w.mT @ u, dim=0)
    return u, v


def spectral_normalize(w, u, n_iter=1):
    r"""Divide ``w`` by its estimated largest singular value :math:`u^\top W v`.

    The estimate comes from :func:`power_iteration` (no gradient through the
    vectors, gradient through :math:`\sigma`, as in Miyato et al., 2018).

    Returns
    -------
    w_normalised, u : torch.Tensor
    """
    u, v = power_iteration(w, u, n_iter)
    sigma = torch.dot(u, w @ v)
    return w / sigma, u
