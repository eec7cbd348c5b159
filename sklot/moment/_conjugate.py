"""Gradients of a convex potential and of its convex conjugate (batched inner solver).

.. math::

    w^*(x) = \\max_y \\; \\langle x, y\\rangle - w(y), \\qquad
    \\nabla w^*(x) = y^*(x) = \\arg\\min_y \\; w(y) - \\langle x, y\\rangle
    \\quad\\text{(Danskin)}.

The batch of problems is separable, so one L-BFGS run on the summed objective
solves them all; the stopping rule is on the largest gradient entry over the
batch, i.e. every problem meets the tolerance.
"""

import warnings

import torch

__all__ = ["potential_gradient", "conjugate_gradient", "conjugate_value", "quadratic_warm_start"]


def potential_gradient(potential, x, *, create_graph=False):
    """:math:`\\nabla w(x)` for a batch ``x`` of shape (n, d), by autograd."""
    with torch.enable_grad():
        x = x.detach().requires_grad_(True) if not create_graph else x.requires_grad_(True)
        value = potential(x)
        (grad,) = torch.autograd.grad(value.sum(), x, create_graph=create_graph)
    return grad, value


def quadratic_warm_start(potential, x):
    """:math:`\\nabla w^*` of the quadratic and linear part of an :class:`ICNNPotential`.

    A cheap starting point for the solver (the hidden branch is ignored).
    """
    with torch.no_grad():
        M = potential.quadratic_matrix()
        return torch.linalg.solve(M, (x - potential.linear).T).T


def conjugate_gradient(potential, x, *, init=None, tol=1e-4, max_iter=100, history_size=10, return_info=False, warn=True):
    """Solve :math:`y^* = \\arg\\min_y w(y) - \\langle x, y\\rangle` for a batch of ``x``.

    Parameters
    ----------
    potential : callable (n, d) -> (n,)
        A strongly convex, smooth potential :math:`w`.
    x : torch.Tensor of shape (n, d)
    init : torch.Tensor of shape (n, d) or None
        Warm start (e.g. the previous solution for particles that moved a
        little). ``None`` uses :func:`quadratic_warm_start` when the potential
        has a quadratic part, else ``x``.
    tol : float, default=1e-4
        Stop when every entry of :math:`\\nabla w(y) - x` is below ``tol``.
    max_iter : int, default=100
        L-BFGS iterations.
    warn : bool, default=True
        Emit a RuntimeWarning when the tolerance is not met (10 x ``tol``).

    Returns
    -------
    y : torch.Tensor of shape (n, d)
        :math:`\\nabla w^*(x)`, detached.
    info : dict, only if ``return_info``
        ``{"max_residual": float, "converged": bool, "n_iter": int}``.
    """
    x = x.detach()
    if init is None:
        init = quadratic_warm_start(potential, x) if hasattr(potential, "quadratic_matrix") else x
    y = init.detach().clone().requires_grad_(True)
    # Parameters of the potential must not accumulate gradients here.
    opt = torch.optim.LBFGS(
        [y],
        lr=1.0,
        max_iter=int(max_iter),
        tolerance_grad=float(tol),
        tolerance_change=1e-30,  # stop on the gradient tolerance only
        history_size=int(history_size),
        line_search_fn="strong_wolfe",
    )

    def closure():
        with torch.enable_grad():
            val = potential(y).sum() - (x * y).sum()
            (g,) = torch.autograd.grad(val, y)
        y.grad = g
        return val.detach()

    opt.step(closure)
    n_iter = int(opt.state[opt._params[0]].get("n_iter", 0))
    y = y.detach()
    grad, _ = potential_gradient(potential, y)
    residual = float((grad - x).abs().max()) if len(x) else 0.0
    converged = residual <= 10 * tol
    if not converged and warn:
        warnings.warn(
            f"conjugate solver stopped with max |grad w(y) - x| = {residual:.3g} > tol={tol:g}; "
            "raise conjugate_max_iter or loosen conjugate_tol.",
            RuntimeWarning,
            stacklevel=2,
        )
    if return_info:
        return y, {"max_residual": residual, "converged": converged, "n_iter": n_iter}
    return y


def conjugate_value(potential, x, y=None, **solver_kwargs):
    """:math:`w^*(x) = \\langle x, y^*\\rangle - w(y^*)`; solves for ``y^*`` unless given."""
    if y is None:
        y = conjugate_gradient(potential, x, **solver_kwargs)
    with torch.no_grad():
        return (x * y).sum(-1) - potential(y)
