"""Langevin samplers of the log-concave density :math:`p_w \\propto e^{-w}`.

Unadjusted Langevin (ULA):

.. math::  x_{t+1} = x_t - \\tau \\nabla w(x_t) + \\sqrt{2\\tau}\\,\\xi_t, \\qquad \\xi_t \\sim N(0, I),

biased by :math:`O(\\tau)`; Metropolis-adjusted Langevin (MALA) accepts the ULA
proposal :math:`x'` with probability
:math:`\\min\\{1, e^{-w(x') + w(x)} q(x \\mid x') / q(x' \\mid x)\\}`,
:math:`q(a \\mid b) \\propto \\exp(-\\|a - b + \\tau\\nabla w(b)\\|^2 / 4\\tau)`,
which makes :math:`p_w` exactly invariant. Chains are persistent: the caller
keeps the returned particles and continues from them.
"""

import torch

from ._conjugate import potential_gradient

__all__ = ["langevin"]


def langevin(potential, x, *, step_size, n_steps, generator, method="ula"):
    """Run ``n_steps`` Langevin steps on :math:`e^{-w}` from the particles ``x``.

    Parameters
    ----------
    potential : callable (n, d) -> (n,)
    x : torch.Tensor of shape (n, d)
        Current particles (not modified).
    step_size : float
        :math:`\\tau`.
    n_steps : int
    generator : torch.Generator
        On the device of ``x``.
    method : {"ula", "mala"}

    Returns
    -------
    x : torch.Tensor of shape (n, d)
        The moved particles (detached).
    acceptance : float
        Mean acceptance rate (1.0 for ULA).
    """
    if method not in ("ula", "mala"):
        raise ValueError(f"method must be 'ula' or 'mala'; got {method!r}.")
    tau = float(step_size)
    noise_scale = (2.0 * tau) ** 0.5
    x = x.detach()
    grad, value = potential_gradient(potential, x)
    accepted = 0.0
    for _ in range(int(n_steps)):
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        proposal = x - tau * grad + noise_scale * noise
        grad_p, value_p = potential_gradient(potential, proposal)
        if method == "ula":
            x, grad = proposal, grad_p
            continue
        # log q(x | x') - log q(x' | x)
        fwd = ((proposal - x + tau * grad) ** 2).sum(-1)
        bwd = ((x - proposal + tau * grad_p) ** 2).sum(-1)
        log_ratio = (value - value_p).detach() + (fwd - bwd) / (4.0 * tau)
        u = torch.rand(len(x), generator=generator, device=x.device, dtype=x.dtype)
        accept = torch.log(u) < log_ratio
        accepted += float(accept.float().mean())
        a = accept[:, None]
        x = torch.where(a, proposal, x)
        grad = torch.where(a, grad_p, grad)
        value = torch.where(accept, value_p.detach(), value.detach())
    acceptance = 1.0 if method == "ula" or n_steps == 0 else accepted / int(n_steps)
    return x.detach(), acceptance
