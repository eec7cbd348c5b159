"""The damped fixed-point algorithm that learns a conjugate moment (or moment) potential.

Conjugate moment factorisation (Vesseron, Bethune & Cuturi, 2025): find a convex
:math:`w` with :math:`\\rho = \\nabla w^* \\# e^{-w}`, i.e. :math:`\\nabla w` is the
Brenier map from :math:`\\rho` onto :math:`P_w \\propto e^{-w}`. Given :math:`w_k`,

1. move persistent particles :math:`X \\sim P_{w_k}` by Langevin steps on :math:`w_k`;
2. solve OT between a data batch :math:`Y \\sim \\rho` and the particles;
3. update :math:`w` so that :math:`\\nabla w` follows the OT map :math:`Y \\to X`:
   either regress :math:`\\nabla w(y_j)` on the *damped* barycentric target

   .. math::  t_j = \\nabla w_k(y_j) + \\beta\\,(\\bar x_j - \\nabla w_k(y_j)),
              \\qquad \\bar x_j = \\frac{\\sum_i P_{ji} x_i}{\\sum_i P_{ji}},

   (``ot_solver="emd"`` or ``"sinkhorn"``), or take semi-dual steps
   :math:`\\min_w \\mathbb{E}_\\rho w + \\mathbb{E}_{P_{w_k}} w^*` with
   :math:`\\nabla_\\theta w^*(x) = -\\nabla_\\theta w(y^*(x))` (Danskin;
   ``ot_solver="neural_dual"``).

Why damping: on :math:`\\rho = N(m, S)` in 1-D the undamped update of the latent
mean is :math:`a_{k+1} = m - S^{1/3} a_k` near the fixed point, which diverges when
:math:`S > 1`; the damped update has factor :math:`1 - \\beta(1 + S^{1/3})` and
converges for :math:`\\beta < 2 / (1 + S^{1/3})` (sklot's spec, "Convergence").

The plain moment factorisation :math:`\\rho = \\nabla u \\# e^{-u}` (Cordero-Erausquin
& Klartag, 2015) is the same loop with the roles swapped: :math:`\\nabla u` pushes the
particles onto the data.

Why this loop is not run by sklot's training engine: each outer step alternates a
Markov chain move, an OT solve and a few optimiser steps against a target that
moves with the model; it is a fixed-point iteration, not minibatch descent on a
fixed loss over a dataset. It uses the core's seeded generators and resolved device.
"""

import time
import warnings

import numpy as np
import ot
import torch

from .._core.averaging import TailAverage, tail_start
from ._conjugate import conjugate_gradient, potential_gradient
from ._langevin import langevin

__all__ = ["barycentric_targets", "fixed_point_fit"]


def barycentric_targets(source, target, *, solver="emd", reg=0.05, return_info=False):
    """Barycentric projection of ``source`` points through the OT plan onto ``target``.

    Parameters
    ----------
    source : torch.Tensor of shape (n, d)
    target : torch.Tensor of shape (m, d)
    solver : {"emd", "sinkhorn"}
        Exact network simplex (``ot.emd``) or entropic Sinkhorn (float64 kernels do not
        underflow at the default ``reg`` on standardised data).
    reg : float
        Entropic regularisation (Sinkhorn only), in units of squared distance.
    return_info : bool, default=False
        Also return ``{"converged": bool, "marginal_error": float}``. Sinkhorn runs at most
        300 iterations (POT's threshold 1e-6); ``marginal_error`` is POT's column-marginal
        error relative to :math:`\\|b\\|_2` (the rows are renormalised by the projection),
        ``converged`` means below 1 %. POT's own warning is silenced so that the caller
        reports once per fit. ``emd`` is always converged.

    Returns
    -------
    torch.Tensor of shape (n, d)
        :math:`\\bar t_j = \\sum_i P_{ji} t_i / \\sum_i P_{ji}`; with ``emd`` and
        ``n == m`` the plan is a permutation and :math:`\\bar t_j` is the matched point.
    info : dict, only if ``return_info``
    """
    n, m = len(source), len(target)
    cost = torch.cdist(source, target) ** 2
    if not torch.isfinite(cost).all():  # before POT sees them (ot.emd would call it "infeasible")
        raise FloatingPointError(
            "the OT costs overflowed (non-finite squared distances): the fixed-point iteration diverged; "
            "lower learning_rate (or damping, step_size)."
        )
    info = {"converged": True, "marginal_error": 0.0}
    if solver == "emd":
        a = np.full(n, 1.0 / n)
        b = np.full(m, 1.0 / m)
        plan = ot.emd(a, b, cost.detach().cpu().double().numpy())
        plan = torch.as_tensor(plan, dtype=source.dtype, device=source.device)
    elif solver == "sinkhorn":
        a = torch.full((n,), 1.0 / n, dtype=cost.dtype, device=cost.device)
        b = torch.full((m,), 1.0 / m, dtype=cost.dtype, device=cost.device)
        with warnings.catch_warnings(record=True) as caught:  # POT's "numerical errors" warning
            warnings.simplefilter("always")
            plan, log = ot.sinkhorn(
                a, b, cost.detach(), float(reg), numItermax=300, stopThr=1e-6, log=True, warn=False
            )
        underflow = not torch.isfinite(plan).all() or bool((plan.sum(1) <= 0).any())
        if not underflow:  # nothing is replaced by the clear error below: pass POT's warnings on
            for w in caught:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        else:
            raise FloatingPointError(
                f"the Sinkhorn plan underflowed at sinkhorn_reg={reg:g} (squared distances up to "
                f"{float(cost.max()):.3g}); raise sinkhorn_reg or use ot_solver='emd'."
            )
        # the rows are renormalised below, so only the column marginals matter: relative error
        error = float(log["err"][-1]) / float(torch.linalg.norm(b)) if log["err"] else float("inf")
        info = {"converged": error <= 1e-2, "marginal_error": error}
    else:
        raise ValueError(f"solver must be 'emd' or 'sinkhorn'; got {solver!r}.")
    bary = (plan @ target) / plan.sum(1, keepdim=True)
    return (bary, info) if return_info else bary


def _regression_steps(potential, optimizer, scheduler, points, targets, n_steps):
    """A few optimiser steps on :math:`\\mathrm{mean}_j \\|\\nabla w(p_j) - t_j\\|^2`."""
    loss = torch.zeros(())
    for _ in range(n_steps):
        optimizer.zero_grad(set_to_none=True)
        grad, _ = potential_gradient(potential, points.clone(), create_graph=True)
        loss = ((grad - targets) ** 2).sum(-1).mean()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return float(loss.detach())


def _semi_dual_steps(potential, optimizer, scheduler, push_points, onto_points, warm, n_steps, tol, max_iter):
    """Steps on :math:`\\mathbb{E} w(\\text{push}) + \\mathbb{E} w^*(\\text{onto})` (Danskin).

    Returns the last loss, the last maximisers (next warm start) and the inner solver's
    record over these steps: ``(n_solves, n_unconverged, max_residual)``.
    """
    loss = torch.zeros(())
    n_unconverged, max_residual = 0, 0.0
    for _ in range(n_steps):
        # warn=False: the caller reports non-convergence once per fit, with counts
        y_star, info = conjugate_gradient(
            potential, onto_points, init=warm, tol=tol, max_iter=max_iter, warn=False, return_info=True
        )
        n_unconverged += not info["converged"]
        max_residual = max(max_residual, info["max_residual"])
        warm = y_star
        optimizer.zero_grad(set_to_none=True)
        # w*(x) = <x, y*> - w(y*); only -w(y*) depends on the parameters at fixed y*.
        loss = potential(push_points).mean() + ((onto_points * y_star).sum(-1) - potential(y_star)).mean()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return float(loss.detach()), warm, (int(n_steps), n_unconverged, max_residual)


def fixed_point_fit(
    potential,
    data,
    particles,
    *,
    factorization="conjugate",
    n_iter=500,
    batch_size=512,
    n_langevin_steps=20,
    step_size=0.01,
    sampler="ula",
    ot_solver="emd",
    sinkhorn_reg=0.05,
    damping=0.5,
    n_inner_steps=5,
    optimizer=None,
    scheduler=None,
    generator=None,
    conjugate_tol=1e-4,
    conjugate_max_iter=50,
    averaging=0.0,
    callback=None,
    verbose=0,
):
    """Run the damped fixed-point iteration in place on ``potential``.

    Parameters
    ----------
    potential : ICNNPotential
        Updated in place (warm start from its current value).
    data : torch.Tensor of shape (n, d)
        Standardised samples of :math:`\\rho`.
    particles : torch.Tensor of shape (n_particles, d)
        Initial persistent Langevin particles.
    factorization : {"conjugate", "moment"}
    optimizer : torch.optim.Optimizer
        Over ``potential.parameters()``; its state persists across outer steps.
    scheduler : torch.optim.lr_scheduler.LRScheduler or None
        Stepped after every optimiser step.
    generator : torch.Generator
        On the device of ``data``; drives batches and Langevin noise.
    averaging : float in [0, 1]
        Fraction of the last outer steps whose parameters are averaged (Polyak-Ruppert
        tail averaging); at the end the potential holds that average. 0 keeps the last
        iterate. Averaging the raw parameters keeps :math:`w` convex: non-negativity is
        built into the parametrisation, not imposed on the values.
    callback : callable or None
        ``callback(it, potential)`` after every outer step (``it`` counts from 1), before
        the average is updated.

    Returns
    -------
    particles : torch.Tensor of shape (n_particles, d)
    history : list of dict
        Per outer step: ``loss``, ``acceptance``, ``latent_mean``, ``latent_var``, and the
        semi-dual step's inner conjugate solves (``ot_solver="neural_dual"``; zeros
        otherwise): ``conjugate_solves`` (batched solves), ``conjugate_unconverged`` (those
        that stopped above ``10 * conjugate_tol``, i.e. at the iteration cap) and
        ``conjugate_max_residual`` (largest :math:`\\max |\\nabla w(y) - x|`); and the same for
        ``ot_solver="sinkhorn"``: ``sinkhorn_solves``, ``sinkhorn_unconverged`` (relative column
        marginal error above 1 % after 300 iterations), ``sinkhorn_max_error``. They are not warned
        about here: the estimator reports them once per fit.
    """
    if factorization not in ("conjugate", "moment"):
        raise ValueError(f"factorization must be 'conjugate' or 'moment'; got {factorization!r}.")
    n = len(data)
    b = min(int(batch_size), n)
    history = []
    warm = None  # warm starts of the inner conjugate solver (neural_dual)
    t0 = time.perf_counter()
    report_every = max(1, n_iter // 10)
    avg_start = tail_start(n_iter, averaging)
    average = TailAverage(potential.parameters())
    for it in range(int(n_iter)):
        particles, acceptance = langevin(
            potential, particles, step_size=step_size, n_steps=n_langevin_steps, generator=generator, method=sampler
        )
        idx = torch.randperm(n, generator=generator, device=generator.device)[:b].to(data.device)
        batch = data[idx]
        if factorization == "conjugate":
            push, onto = batch, particles  # grad w: data -> latent
        else:
            push, onto = particles, batch  # grad u: latent -> data
        if ot_solver == "neural_dual":
            if warm is None or len(warm) != len(onto):
                warm = None
            sinkhorn = (0, 0, 0.0)
            loss, warm, conjugate = _semi_dual_steps(
                potential, optimizer, scheduler, push, onto, warm, n_inner_steps, conjugate_tol, conjugate_max_iter
            )
            if factorization == "moment":
                warm = None  # data batches change: nothing to warm-start from
        else:
            bary, ot_info = barycentric_targets(
                push, onto, solver=ot_solver, reg=sinkhorn_reg, return_info=True
            )
            current, _ = potential_gradient(potential, push)
            targets = current + damping * (bary - current)
            loss = _regression_steps(potential, optimizer, scheduler, push, targets.detach(), n_inner_steps)
            conjugate = (0, 0, 0.0)
            sinkhorn = (int(ot_solver == "sinkhorn"), int(not ot_info["converged"]), ot_info["marginal_error"])
        rec = {
            "iter": it + 1,
            "loss": loss,
            "acceptance": acceptance,
            "latent_mean": particles.mean(0).cpu().numpy(),
            "latent_var": particles.var(0).cpu().numpy(),
            "conjugate_solves": conjugate[0],
            "conjugate_unconverged": conjugate[1],
            "conjugate_max_residual": conjugate[2],
            "sinkhorn_solves": sinkhorn[0],
            "sinkhorn_unconverged": sinkhorn[1],
            "sinkhorn_max_error": sinkhorn[2],
        }
        history.append(rec)
        if not np.isfinite(loss) or not torch.isfinite(particles).all():
            raise FloatingPointError(
                f"the fixed-point iteration diverged at outer step {it + 1}; lower damping, step_size "
                "or learning_rate."
            )
        if callback is not None:
            callback(it + 1, potential)
        if it >= avg_start:  # Polyak-Ruppert average of the last iterates
            average.update()
        if verbose and ((it + 1) % report_every == 0 or it == 0):
            print(
                f"[moment] iter {it + 1:5d}/{n_iter}  loss {loss:9.4g}  "
                f"latent var {np.array2string(rec['latent_var'][:3], precision=3)}  "
                f"accept {acceptance:.2f}  {time.perf_counter() - t0:6.1f}s",
                flush=True,
            )
    average.copy_to_params()
    return particles, history
