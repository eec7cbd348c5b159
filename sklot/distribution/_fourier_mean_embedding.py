"""Kernel mean embedding of bags through random Fourier features."""

import numpy as np
import torch

__all__ = ["random_fourier_mean_embedding"]


def random_fourier_mean_embedding(points, frequencies, *, weights=None, n_points=None):
    r"""Mean of random Fourier features over each bag of a batch.

    For a Gaussian base kernel :math:`k(x, x') = \exp(-\|x-x'\|^2 / 2\sigma^2)`
    and frequencies :math:`w_1..w_D \sim \mathcal N(0, \sigma^{-2} I)` (Rahimi & Recht 2007),

    .. math::
        z(x) = D^{-1/2} \big(\cos(w_l^\top x), \sin(w_l^\top x)\big)_{l \le D},
        \qquad \phi(\mu) = \sum_j a_j z(x_j),

    so that :math:`z(x)^\top z(x') \to k(x, x')` and
    :math:`\|\phi(\mu) - \phi(\nu)\|^2 \to \mathrm{MMD}_k^2(\mu, \nu)` as ``D`` grows
    (Muandet et al. 2017; Bachoc et al. 2023, Sec. 2).

    Parameters
    ----------
    points : tensor of shape (B, n, d)
        Batch of bags, padded to a common size when ragged.
    frequencies : tensor of shape (d, D)
    weights : tensor of shape (B, n), optional
        Normalised point weights :math:`a_j` (zero on padding); None = uniform.
    n_points : tensor of shape (B,), optional
        True sizes of padded bags when ``weights`` is None.

    Returns
    -------
    tensor of shape (B, 2 * D)
    """
    B, n, _ = points.shape
    D = frequencies.shape[1]
    arg = torch.matmul(points, frequencies.to(points.dtype))  # (B, n, D)
    if weights is None:
        if n_points is None:
            w = torch.full((B, n), 1.0 / n, dtype=points.dtype, device=points.device)
        else:
            real = torch.arange(n, device=points.device)[None, :] < n_points[:, None]
            w = real.to(points.dtype) / n_points[:, None].to(points.dtype)
    else:
        w = weights.to(points.dtype)
    cos = torch.einsum("bn,bnl->bl", w, torch.cos(arg))
    sin = torch.einsum("bn,bnl->bl", w, torch.sin(arg))
    return torch.cat([cos, sin], dim=1) / np.sqrt(D)
