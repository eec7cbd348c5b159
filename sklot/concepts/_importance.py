"""Concept importance: total-order Sobol indices of concepts for a scorer (Jourdan et al. 2023, sec. 3.2).

For an embedding :math:`a = u W + \\delta` (coefficients :math:`u`, residual
:math:`\\delta`), a design row :math:`m \\in [0, 1]^r` gives the perturbed
embedding :math:`(u \\odot (1 - m)) W + \\delta`; the scorer's output is the
margin between its two largest logits. The Jansen estimator on the design of
:func:`~sklot.concepts.sobol_design` gives one index per concept and sample;
indices are averaged over samples.
"""

import numpy as np
import torch

from ._sobol import jansen_total_indices

__all__ = ["concept_total_indices"]


def concept_total_indices(
    margin_function, coefficients, residual, design, n_designs, *, device, max_batch_elements=2**24, verbose=0
):
    r"""Total-order Sobol index of each concept, averaged over samples.

    .. math::

        S_{T_i} = \frac{1}{|\mathcal{S}|} \sum_{a \in \mathcal{S}}
        \frac{\sum_j \left(f(\tilde a_{A_j}) - f(\tilde a_{C_{i,j}})\right)^2}{2 N \operatorname{Var}_j f(\tilde a_{A_j})}

    where :math:`\mathcal{S}` are the samples whose output varies over the
    design (samples with zero variance carry no information on how the
    variance splits, and are left out).

    The ``n_samples * n_designs * (r + 2)`` scorer evaluations run as large
    tensor batches on ``device``: as many samples per batch as keep the widest
    intermediate under ``max_batch_elements`` floats.

    Parameters
    ----------
    margin_function : callable
        From :func:`~sklot.concepts._scorers.concept_margin_function`.
    coefficients : ndarray of shape (n, r)
    residual : ndarray of shape (n, d)
        :math:`\delta = a - u W`.
    design : ndarray of shape (n_designs * (r + 2), r)
        From :func:`~sklot.concepts.sobol_design`.
    n_designs : int
    device : torch.device

    Returns
    -------
    indices : ndarray of shape (r,)
        NaN where no sample's output varied.
    """
    n, r = coefficients.shape
    keep = torch.as_tensor(1.0 - design, dtype=torch.float32, device=device)  # (P, r)
    n_rows = keep.shape[0]
    width = max(int(getattr(margin_function, "width", r)), r)
    batch = max(1, int(max_batch_elements) // (n_rows * width))
    U = torch.as_tensor(np.asarray(coefficients, dtype=np.float32), device=device)
    R = torch.as_tensor(np.asarray(residual, dtype=np.float32), device=device)
    total = torch.zeros(r, dtype=torch.float64, device=device)
    count = 0
    n_batches = (n + batch - 1) // batch
    for b, start in enumerate(range(0, n, batch)):
        u = U[start : start + batch]
        margins = margin_function(u[:, None, :] * keep[None], R[start : start + batch])  # (B, P)
        st = jansen_total_indices(margins.to(torch.float64), n_designs)  # (B, r)
        valid = ~torch.isnan(st).any(dim=1)
        total += st[valid].sum(dim=0)
        count += int(valid.sum())
        if verbose and (b + 1) % max(1, n_batches // 10) == 0:
            print(f"  Sobol indices: {min(start + batch, n)}/{n} samples", flush=True)
    if count == 0:
        return np.full(r, np.nan)
    return (total / count).cpu().numpy()
