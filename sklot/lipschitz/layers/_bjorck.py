"""Björck orthonormalisation of a weight matrix."""

import torch

__all__ = ["bjorck_orthonormalize"]


def _bjorck_step(w, beta, rows):
    # W <- (1 + b) W - b W W^T W, with the Gram matrix on the smaller side.
    if rows:
        return (1.0 + beta) * w - beta * (w @ w.mT) @ w
    return (1.0 + beta) * w - beta * w @ (w.mT @ w)


def bjorck_orthonormalize(w, *, n_iter=15, n_iter_grad=3, tol=1e-3, beta=0.5):
    r"""Orthonormalise a matrix with Björck's iteration (Björck and Bowie, 1971).

    .. math::

        W_{t+1} = (1 + \beta) W_t - \beta W_t W_t^\top W_t,

    which drives every singular value of :math:`W_0` in :math:`(0, \sqrt{3})`
    to 1 (quadratically near 1). The Gram product is formed on the smaller
    side (:math:`W W^\top` for wide, :math:`W^\top W` for tall matrices).

    Speed: the first iterations run without autograd until
    :math:`\|W_t - W_{t-1}\|_F < \mathrm{tol}` (or ``n_iter - n_iter_grad``
    steps); the last ``n_iter_grad`` iterations are differentiated and the
    earlier ones are passed straight through (their Jacobian taken as the
    identity), as in Anil, Lucas and Grosse (2019) and deel-lip's detached
    iterations.

    Parameters
    ----------
    w : torch.Tensor of shape (m, n)
        Singular values should lie in :math:`(0, \sqrt{3})`; spectral
        normalisation first ensures it.
    n_iter : int, default=15
        Maximum total number of iterations.
    n_iter_grad : int, default=3
        Iterations recorded by autograd (always run).
    tol : float, default=1e-3
        Frobenius change that ends the non-differentiated phase.
    beta : float, default=0.5

    Returns
    -------
    torch.Tensor of shape (m, n)

    Examples
    --------
    >>> import torch
    >>> from sklot.lipschitz.layers import bjorck_orthonormalize
    >>> w = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
    >>> w = w / torch.linalg.matrix_norm(w, ord=2)
    >>> q = bjorck_orthonormalize(w, n_iter=30, tol=0.0)
    >>> bool(torch.allclose(q @ q.T, torch.eye(4), atol=1e-4))
    True
    """
    return _bjorck(w, n_iter=n_iter, n_iter_grad=n_iter_grad, tol=tol, beta=beta)[0]


def _bjorck(w, *, n_iter, n_iter_grad, tol, beta):
    """Björck iterations; also returns the last non-differentiated iterate."""
    if w.ndim != 2:
        raise ValueError(f"bjorck_orthonormalize expects a 2-D matrix; got shape {tuple(w.shape)}.")
    n_iter_grad = max(0, min(int(n_iter_grad), int(n_iter)))
    rows = w.shape[0] <= w.shape[1]
    if w.requires_grad and n_iter_grad > 0 and tol > 0:
        # Near the fixed point (e.g. raw weights reprojected at every step) the
        # non-differentiated phase is skipped: the Gram matrix of the first
        # differentiated step tells how far W is from orthonormal, since
        # ||W_1 - W_0|| = beta ||(I - G) W|| <= beta ||I - G||_F ||W||_2.
        gram = w @ w.mT if rows else w.mT @ w
        eye = torch.eye(gram.shape[0], dtype=w.dtype, device=w.device)
        if beta * float(torch.linalg.norm(gram.detach() - eye)) < tol:
            w = (1.0 + beta) * w - beta * (gram @ w if rows else w @ gram)
            for _ in range(n_iter_grad - 1):
                w = _bjorck_step(w, beta, rows)
            return w, w.detach()
    with torch.no_grad():
        v = w.detach()
        for _ in range(int(n_iter) - n_iter_grad):
            nxt = _bjorck_step(v, beta, rows)
            done = tol > 0 and float(torch.linalg.norm(nxt - v)) < tol
            v = nxt
            if done:
                break
    # straight-through: the Jacobian of the non-differentiated steps is taken as the identity
    w = w + (v - w).detach() if w.requires_grad else v
    for _ in range(n_iter_grad):
        w = _bjorck_step(w, beta, rows)
    return w, v
