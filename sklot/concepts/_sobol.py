"""Total-order Sobol indices: the Jansen estimator on a quasi-Monte-Carlo design.

The design and the estimator are pure functions of arrays, so that they can be
tested alone (on the Ishigami function, whose indices are known in closed
form) and reused by :class:`~sklot.concepts.TacoTransformer` for concept
importance.
"""

import numpy as np

__all__ = ["sobol_design", "jansen_total_indices", "total_sobol_indices"]


def sobol_design(n_dims, n_designs, *, random_state=None):
    r"""Quasi-Monte-Carlo design of the Jansen estimator, stacked as ``[A; B; C_1; ...; C_r]``.

    A scrambled Sobol' sequence of ``n_designs`` points in :math:`[0, 1]^{2r}`
    is split into two blocks :math:`A = M_{:, :r}` and :math:`B = M_{:, r:}`;
    :math:`C_i` is :math:`A` with its column :math:`i` taken from :math:`B`
    (Saltelli et al. 2010, the "radial" :math:`A_B^{(i)}` matrices).

    Parameters
    ----------
    n_dims : int
        Number of inputs :math:`r`.
    n_designs : int
        Number of design points :math:`N` (a power of two keeps the Sobol'
        sequence balanced, any value is accepted).
    random_state : int, RandomState instance or None
        Seeds the Owen scrambling of the sequence.

    Returns
    -------
    design : ndarray of shape (n_designs * (n_dims + 2), n_dims)
        Rows ``[0, N)`` are :math:`A`, ``[N, 2N)`` are :math:`B`, rows
        ``[(2 + i) N, (3 + i) N)`` are :math:`C_i`.

    Examples
    --------
    >>> from sklot.concepts import sobol_design
    >>> design = sobol_design(3, 8, random_state=0)
    >>> design.shape
    (40, 3)
    >>> bool(((design[16:24, 1:] == design[:8, 1:]).all()) and (design[16:24, 0] == design[8:16, 0]).all())
    True
    """
    import torch

    from .._core.random import draw_seed

    n_dims, n_designs = int(n_dims), int(n_designs)
    if n_dims < 1:
        raise ValueError(f"n_dims must be >= 1; got {n_dims}.")
    if n_designs < 2:
        raise ValueError(f"n_designs must be >= 2 (a variance is estimated over them); got {n_designs}.")
    engine = torch.quasirandom.SobolEngine(2 * n_dims, scramble=True, seed=draw_seed(random_state))
    points = engine.draw(n_designs, dtype=torch.float64).numpy()
    a, b = points[:, :n_dims], points[:, n_dims:]
    blocks = [a, b]
    for i in range(n_dims):
        c = a.copy()
        c[:, i] = b[:, i]
        blocks.append(c)
    return np.concatenate(blocks, axis=0)


def jansen_total_indices(outputs, n_designs):
    r"""Jansen's estimator of the total-order Sobol indices.

    .. math::

        S_{T_i} = \frac{\sum_{j=1}^{N} \left(f(A)_j - f(C_i)_j\right)^2}
                       {2 N \, \operatorname{Var}\left(f(A)\right)}

    (Jansen 1999; Saltelli et al. 2010, table 2, formula (f)).

    Parameters
    ----------
    outputs : array-like of shape (..., n_designs * (r + 2))
        Model outputs on the rows of :func:`sobol_design`, in the same order,
        along the last axis; leading axes (e.g. one per sample) are kept.
    n_designs : int
        The :math:`N` used to build the design.

    Returns
    -------
    indices : ndarray of shape (..., r)
        Total-order indices. Where :math:`\operatorname{Var}(f(A)) = 0` (the
        output does not vary) the indices are NaN: there is nothing to
        apportion.
    """
    import torch

    is_tensor = isinstance(outputs, torch.Tensor)
    out = outputs if is_tensor else torch.as_tensor(np.asarray(outputs, dtype=np.float64))
    n_designs = int(n_designs)
    total = out.shape[-1]
    if total % n_designs or total // n_designs < 3:
        raise ValueError(
            f"outputs has {total} values along its last axis; expected n_designs * (r + 2) "
            f"with n_designs={n_designs} and r >= 1."
        )
    r = total // n_designs - 2
    f_a = out[..., :n_designs]
    f_c = out[..., 2 * n_designs :].reshape(*out.shape[:-1], r, n_designs)
    var = f_a.var(dim=-1, unbiased=False)
    num = ((f_a.unsqueeze(-2) - f_c) ** 2).sum(dim=-1)
    nan = torch.tensor(float("nan"), dtype=out.dtype, device=out.device)
    indices = torch.where(var.unsqueeze(-1) > 0, num / (2 * n_designs * var.unsqueeze(-1)), nan)
    return indices if is_tensor else indices.numpy()


def total_sobol_indices(func, n_dims, *, n_designs=1024, random_state=None):
    r"""Total-order Sobol indices of ``func`` with independent uniform inputs on :math:`[0, 1]^r`.

    Builds the design of :func:`sobol_design`, calls ``func`` once on all of
    its ``n_designs * (r + 2)`` rows, and applies :func:`jansen_total_indices`.

    Parameters
    ----------
    func : callable
        Maps an array of shape (n, r) with rows in :math:`[0, 1]^r` to outputs
        of shape (n,).
    n_dims : int
    n_designs : int, default=1024
    random_state : int, RandomState instance or None

    Returns
    -------
    indices : ndarray of shape (n_dims,)

    Examples
    --------
    Additive function :math:`f(x) = x_0 + 2 x_1`: :math:`S_{T} = (1/5, 4/5)`.

    >>> from sklot.concepts import total_sobol_indices
    >>> st = total_sobol_indices(lambda x: x[:, 0] + 2 * x[:, 1], 2, n_designs=4096, random_state=0)
    >>> [round(float(v), 2) for v in st]
    [0.2, 0.8]
    """
    design = sobol_design(n_dims, n_designs, random_state=random_state)
    outputs = np.asarray(func(design), dtype=np.float64).reshape(-1)
    if outputs.shape[0] != design.shape[0]:
        raise ValueError(f"func returned {outputs.shape[0]} outputs for {design.shape[0]} input rows.")
    return jansen_total_indices(outputs, n_designs)
