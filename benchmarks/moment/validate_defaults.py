"""Validation runs behind ConjugateMomentSampler's defaults (validation draws only, never test draws).

Reproduces the validation tables cited in docs/benchmarks/moment.md and in the docstrings
of sklot/moment/_estimator.py (``averaging``, ``batch_size="auto"``, ``max_iter`` /
``learning_rate``, the ``sample_latent`` step, ``ot_solver="auto"``), and compares the
ICNN Brenier baseline at sklot's own OT step.

Protocol (docs/benchmarks/moment.md): validation fit ``k`` trains on
``make_<target>(n_train, random_state=100 + k)`` with model seed ``k`` and scores on a
validation draw ``make_<target>(n_val, random_state=200 + k)``; k = 0, 1 for the spiral and
the ring, k = 0 for the moons. Score: POT's sliced Wasserstein distance (500 projections,
seed 0) between ``model.sample(n_val, random_state=0)`` and the validation draw, plus the
noise floor (two independent draws of the target). Lower is better.

Tables (``--table``, comma-separated, default all):

* ``averaging``: last iterate vs tail averaging 0.5 / 0.75, strong convexity 0.02, a wider
  ICNN, batch 256 vs ``batch_size="auto"`` (1,024), and the Brenier baseline with both OT
  steps (+ averaging, + the wider ICNN): the tables "averaging" and "larger batch" of
  docs/benchmarks/moment.md (n_train 2,000, n_val 10,000);
* ``baseline``: the Brenier baseline at sklot's step (``semi_dual``) vs its regression step,
  on the five validation draws (included in ``averaging``; alone for a shorter run);
* ``iterations``: the 2026-11-28 learning-rate / iteration choice (no averaging, batch 256,
  as the code then was) on the ring, the spiral and the moons, with the largest eigenvalue of
  the quadratic part of w (n_train 2,000, n_val 2,000);
* ``sampler``: one fitted potential per target (spiral, ring; the 2026-11-28 defaults),
  sampled by the previous procedure and by MALA/ULA at 2x, 1x and 0.5x the fit's step
  (n_val 2,000);
* ``ot_step``: the semi-dual step vs the OT-regression step on the moons (the
  ``ot_solver="auto"`` docstring).

Full run (the figures of docs/benchmarks/moment.md; ~60 default-size fits, about 1.5 h on
one idle core, ``--jobs`` runs fits in parallel processes of one torch thread each):

    OMP_NUM_THREADS=1 python benchmarks/moment/validate_defaults.py --jobs 2

Quick run (a smoke test of the whole pipeline with budgets scaled down in proportion, see
``shrink``; figures not comparable to the full run): ``--quick`` (n_train 500, n_val 2,000,
one draw, the spiral only for ``averaging``, the ring only for ``iterations``), about 4
minutes on a 2-core machine at load 10 (313 s on 2026-12-01):

    OMP_NUM_THREADS=1 python benchmarks/moment/validate_defaults.py --quick
"""

import argparse
import time

import numpy as np
import ot
import torch
from joblib import Parallel, delayed

from sklot.datasets import make_ring_of_gaussians, make_spiral, make_two_moons
from sklot.moment import ConjugateMomentSampler, langevin

from _baselines import BrenierICNNGenerator

TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}
DRAWS = {"spiral": (0, 1), "ring": (0, 1), "two_moons": (0,)}

# Parameters of ConjugateMomentSampler before 2026-12-01 (no averaging, batch 256) and before
# 2026-11-28 (also 300 iterations, lr 1e-2): the code the older tables were measured with.
LAST_256 = dict(averaging=0.0, batch_size=256)
OLD = dict(LAST_256, max_iter=300, learning_rate=1e-2)


def sliced_w2(X, Y):
    return float(ot.sliced_wasserstein_distance(X, Y, n_projections=500, seed=0))


def jobs_for(table, quick):
    """(table, target, draw, label, kind, params) for every fit of ``table``."""
    out = []

    def add(target, draws, label, kind, params):
        if quick and target not in QUICK_TARGETS.get(table, (target,)):
            return
        for k in draws[:1] if quick else draws:
            out.append((table, target, k, label, kind, params))

    five = [(t, DRAWS[t]) for t in ("spiral", "ring", "two_moons")]
    if table == "averaging":
        for t, draws in five:
            add(t, draws, "last iterate, batch 256", "cms", LAST_256)
            add(t, draws, "averaging=0.5, batch 256", "cms", dict(batch_size=256))
            add(t, draws, "averaging=0.5, batch auto (1,024) = default", "cms", {})
            add(t, draws, "Brenier baseline, regression step", "brenier", dict(ot_step="regression"))
            add(t, draws, "Brenier baseline, semi-dual step (sklot's)", "brenier", dict(ot_step="semi_dual"))
        add("spiral", DRAWS["spiral"], "averaging=0.75, batch 256", "cms",
            dict(batch_size=256, averaging=0.75))
        add("spiral", DRAWS["spiral"], "averaging=0.5, strong_convexity=0.02, batch 256", "cms",
            dict(batch_size=256, strong_convexity=0.02))
        add("spiral", (0,), "Brenier regression + averaging 0.5", "brenier",
            dict(ot_step="regression", averaging=0.5))
        add("spiral", (0,), "wider ICNN (128, 128), last iterate, batch 256", "cms",
            dict(LAST_256, hidden_layer_sizes=(128, 128)))
        add("spiral", (0,), "wider ICNN (128, 128), Brenier regression", "brenier",
            dict(ot_step="regression", hidden_layer_sizes=(128, 128)))
    elif table == "baseline":
        for t, draws in five:
            add(t, draws, "averaging=0.5, batch auto (1,024) = default", "cms", {})
            add(t, draws, "Brenier baseline, regression step", "brenier", dict(ot_step="regression"))
            add(t, draws, "Brenier baseline, semi-dual step (sklot's)", "brenier", dict(ot_step="semi_dual"))
    elif table == "iterations":
        add("ring", (0,), "old defaults (300 it., lr 1e-2)", "cms", OLD)
        add("ring", (0,), "lr 2e-2, 300 it.", "cms", dict(OLD, learning_rate=2e-2))
        add("ring", (0,), "lr 5e-2, 300 it.", "cms", dict(OLD, learning_rate=5e-2))
        add("ring", (0,), "strong_convexity 0.01, lr 2e-2, 300 it.", "cms",
            dict(OLD, learning_rate=2e-2, strong_convexity=0.01))
        add("ring", (0,), "600 it., lr 2e-2 (2026-11-28 default)", "cms", LAST_256)
        add("ring", (0,), "600 it., lr 2e-2, MALA during the fit", "cms", dict(LAST_256, sampler="mala"))
        add("spiral", (0,), "600 it., lr 2e-2 (2026-11-28 default)", "cms", LAST_256)
        add("spiral", (0,), "600 it., lr 3e-2", "cms", dict(LAST_256, learning_rate=3e-2))
        add("spiral", (0,), "1,000 it. x 3 inner steps", "cms",
            dict(LAST_256, max_iter=1000, n_inner_steps=3))
        add("two_moons", (0,), "600 it., lr 2e-2 (2026-11-28 default)", "cms", LAST_256)
    elif table == "sampler":
        add("spiral", (0,), "2026-11-28 default fit", "sampler", LAST_256)
        add("ring", (0,), "2026-11-28 default fit", "sampler", LAST_256)
    elif table == "ot_step":
        add("two_moons", (0,), "semi-dual step (ot_solver='neural_dual', default)", "cms", {})
        add("two_moons", (0,), "OT-regression step (ot_solver='emd')", "cms", dict(ot_solver="emd"))
    else:
        raise SystemExit(f"unknown table {table!r}")
    return out


QUICK_TARGETS = {"averaging": ("spiral",), "baseline": ("spiral",), "iterations": ("ring",)}


def shrink(kind, params, quick):
    """--quick: every budget scaled down in proportion (same code paths, same contrasts).

    Iterations and baseline steps / 10, particles and explicit batch sizes / 4, network
    widths / 4 (so 300 vs 600 iterations stay 30 vs 60, batch 256 vs "auto" stay 64 vs 256).
    """
    params = dict(params)
    if not quick:
        return params
    width = tuple(max(4, h // 4) for h in params.get("hidden_layer_sizes", (64, 64)))
    if kind == "brenier":
        params.update(n_steps=params.get("n_steps", 3000) // 10, hidden_layer_sizes=width, batch_size=64)
    else:
        params.update(max_iter=params.get("max_iter", 600) // 10, n_particles=64, hidden_layer_sizes=width)
        if "batch_size" in params:
            params["batch_size"] = params["batch_size"] // 4
    return params


def _sample_variants(model, n, seed=0):
    """Latent samplers on one fitted potential: the previous procedure, MALA/ULA at 2x/1x/0.5x."""
    w, tau = model.potential_, model.step_size
    default_steps = max(200, 10 * model.n_langevin_steps)

    def from_particles(g):
        idx = torch.randint(len(model.particles_), (n,), generator=g)
        return model.particles_[idx]

    def previous(g):
        # sample_latent before 2026-11-28: MALA from 10 x step_size, adapted to acceptance in [0.5, 0.9]
        z, step = from_particles(g), 10 * tau
        for _ in range(5):
            z, acc = langevin(w, z, step_size=step, n_steps=10, generator=g, method="mala")
            step = step / 2 if acc < 0.5 else (step * 1.5 if acc > 0.9 else step)
        return langevin(w, z, step_size=step, n_steps=max(100, 5 * model.n_langevin_steps), generator=g,
                        method="mala")[0]

    def fixed(mult, steps, method):
        def run(g):
            z = from_particles(g)
            return langevin(w, z, step_size=mult * tau, n_steps=steps, generator=g, method=method)[0]
        return run

    variants = {
        "previous procedure (10x step, adapted)": previous,
        "MALA 2x step, 100 steps": fixed(2.0, 100, "mala"),
        "MALA 1x step, 100 steps": fixed(1.0, 100, "mala"),
        f"MALA 1x step, {default_steps} steps (sample_latent)": None,
        "MALA 0.5x step, 400 steps": fixed(0.5, 400, "mala"),
        "ULA 1x step, 200 steps": fixed(1.0, 200, "ula"),
    }
    out = {}
    for name, fn in variants.items():
        if fn is None:
            out[name] = model.sample(n, random_state=seed)
        else:
            g = torch.Generator().manual_seed(seed)
            out[name] = model.inverse_transform(fn(g).numpy())
    return out


def run_job(job, quick):
    table, target, k, label, kind, params = job
    torch.set_num_threads(1)
    n_train, n_val = (500, 2000) if quick else (2000, 10000 if table in ("averaging", "baseline") else 2000)
    make = TARGETS[target]
    X = make(n_train, random_state=100 + k)
    V = make(n_val, random_state=200 + k)
    params = shrink(kind, params, quick)
    t0 = time.perf_counter()
    if kind == "brenier":
        model = BrenierICNNGenerator(**dict(dict(n_steps=3000, lr=1e-2, seed=k), **params)).fit(X)
    else:
        model = ConjugateMomentSampler(random_state=k, device="cpu", **params).fit(X)
    fit_s = time.perf_counter() - t0
    print(f"[{table}] {target} {100 + k}: {label} fitted in {fit_s:.0f} s", flush=True)
    rows = []
    if kind == "sampler":
        for name, gen in _sample_variants(model, n_val).items():
            rows.append((f"{label}: {name}", sliced_w2(gen, V), None))
    else:
        quad = None
        if kind == "cms":
            quad = float(np.linalg.eigvalsh(model.potential_.quadratic_matrix().numpy()).max())
        rows.append((label, sliced_w2(model.sample(n_val, random_state=0), V), quad))
    return table, target, k, rows, fit_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--table", default="averaging,iterations,sampler,ot_step",
                        help="comma-separated among averaging, baseline, iterations, sampler, ot_step")
    parser.add_argument("--quick", action="store_true", help="tiny budgets, one draw per target (smoke run)")
    parser.add_argument("--targets", default=None, help="only these targets (comma-separated), e.g. spiral")
    parser.add_argument("--draws", default=None, help="only these validation draws k (comma-separated), e.g. 0")
    parser.add_argument("--jobs", type=int, default=1,
                        help="parallel fits (processes, one torch thread each)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    jobs = [j for t in args.table.split(",") for j in jobs_for(t, args.quick)]
    if args.targets:
        jobs = [j for j in jobs if j[1] in args.targets.split(",")]
    if args.draws:
        jobs = [j for j in jobs if str(j[2]) in args.draws.split(",")]
    print(f"{len(jobs)} fits{' (quick budgets)' if args.quick else ''}", flush=True)
    t0 = time.perf_counter()
    results = Parallel(n_jobs=args.jobs, verbose=0)(delayed(run_job)(j, args.quick) for j in jobs)
    for table in dict.fromkeys(j[0] for j in jobs):
        print(f"\n== {table} ==  (sliced Wasserstein to the validation draw; lower is better)")
        for target in dict.fromkeys(r[1] for r in results if r[0] == table):
            n_val = 2000 if args.quick or table not in ("averaging", "baseline") else 10000
            make = TARGETS[target]
            for k in sorted({r[2] for r in results if r[0] == table and r[1] == target}):
                floor = sliced_w2(make(n_val, random_state=300 + k), make(n_val, random_state=200 + k))
                print(f"{target} draw {100 + k}/{200 + k}  (noise floor, two data draws: {floor:.3f})")
                for tb, tg, kk, rows, fit_s in results:
                    if (tb, tg, kk) != (table, target, k):
                        continue
                    for label, sw, quad in rows:
                        extra = f"  max eig. quadratic part {quad:.3f}" if quad is not None else ""
                        print(f"    {label:62s} SW {sw:.3f}{extra}  (fit {fit_s:.0f} s)")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
