"""Sample quality and fit time of ConjugateMomentSampler vs two baselines, on 2-D targets.

Run:  OMP_NUM_THREADS=1 python benchmarks/moment/bench_sample_quality.py [--seeds 0,1,2]
      [--targets two_moons,ring,spiral] [--models conjugate,gaussian,brenier_icnn,...] [--quick]

For each target (two moons, ring of 8 Gaussians, spiral) and each seed ``s``, draws
2,000 training points (``random_state=2s``) and 2,000 held-out points
(``random_state=2s+1``) and fits, in the same run:
  * ``conjugate``: ConjugateMomentSampler with defaults (semi-dual OT step, tail
    averaging of the last half of the iterates);
  * ``conjugate_last``: the same fit keeping the last iterate (``averaging=0``, the
    default until 2026-12-01);
  * ``conjugate_old``: the defaults before 2026-11-28 (max_iter=300, learning_rate=1e-2,
    last iterate), for the quality and fit-time ratio of the new defaults;
  * ``conjugate_emd``: the conjugate model with the cheaper OT-regression step;
  * ``moment``: the plain moment factorisation (the paper's "ill-suited" baseline);
  * ``gaussian``: a Gaussian fitted to the data;
  * ``brenier_icnn``: a standard ICNN Brenier generator (Gaussian latent + convex map,
    minibatch OT regression, same ICNN) trained with as many Adam steps as the default
    fit takes (max_iter x n_inner_steps = 3,000) on batches of 256, learning rate 1e-2
    (chosen on validation draws: it beat the earlier 3e-3, see docs/benchmarks/moment.md);
  * ``brenier_icnn_avg``: the same baseline with the same tail averaging as ours (for
    information: averaging is not part of the standard generator);
  * ``brenier_icnn_dual``: the Brenier generator at sklot's own OT step (semi-dual with the
    inner conjugate solver, ``_baselines.BrenierICNNGenerator(ot_step="semi_dual")``); the
    two baselines above use the cheaper OT-regression step, which is weaker;
all with model seed ``s``, and prints the sliced Wasserstein distance (POT, 500
projections) and the energy distance between 2,000 generated points and the held-out
data, the sliced Wasserstein distance between ``--n-large`` (10,000) generated points
and a second, larger held-out draw (``random_state=1000+2s+1``; less sampling noise),
fit and sampling times, then per-seed and mean ratios baseline / conjugate (> 1: the
conjugate model is better). "train" is the noise floor: training vs held-out data at
2,000 points, and two independent draws at ``--n-large`` points.
"""

import argparse
import time

import numpy as np
import ot
import torch

from sklot.moment import ConjugateMomentSampler
from sklot.datasets import make_ring_of_gaussians, make_spiral, make_two_moons
TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}

from _baselines import BrenierICNNGenerator, GaussianBaseline

MODELS = (
    "conjugate", "conjugate_last", "conjugate_old", "conjugate_emd", "moment", "gaussian", "brenier_icnn",
    "brenier_icnn_avg", "brenier_icnn_dual",
)


def energy_distance(X, Y):
    d = lambda A, B: np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1)).mean()  # noqa: E731
    return 2 * d(X, Y) - d(X, X) - d(Y, Y)


def sliced_w2(X, Y, seed=0):
    return float(ot.sliced_wasserstein_distance(X, Y, n_projections=500, seed=seed))


def make_model(key, seed, quick):
    cms = dict(random_state=seed, device="cpu")
    if key == "gaussian":
        return GaussianBaseline()
    if key in ("brenier_icnn", "brenier_icnn_avg", "brenier_icnn_dual"):
        default = ConjugateMomentSampler()
        steps = default.max_iter * default.n_inner_steps
        averaging = default.averaging if key == "brenier_icnn_avg" else 0.0
        ot_step = "semi_dual" if key == "brenier_icnn_dual" else "regression"
        return BrenierICNNGenerator(
            n_steps=500 if quick else steps, lr=1e-2, seed=seed, averaging=averaging, ot_step=ot_step
        )
    model = {
        "conjugate": ConjugateMomentSampler(**cms),
        "conjugate_last": ConjugateMomentSampler(averaging=0.0, **cms),
        "conjugate_old": ConjugateMomentSampler(max_iter=300, learning_rate=1e-2, averaging=0.0, **cms),
        "conjugate_emd": ConjugateMomentSampler(ot_solver="emd", **cms),
        "moment": ConjugateMomentSampler(factorization="moment", **cms),
    }[key]
    if quick:
        model.set_params(max_iter=100)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="max_iter=100, 500 baseline steps (smoke run)")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--n-large", type=int, default=10000,
                        help="also compare n_large generated points with n_large fresh held-out points (SW)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the machine is shared; one thread is faster for these small nets
    seeds = [int(s) for s in args.seeds.split(",")]
    targets = args.targets.split(",")
    models = args.models.split(",")
    unknown = set(models) - set(MODELS)
    if unknown or "conjugate" not in models:
        raise SystemExit(f"--models must include 'conjugate' and be among {MODELS}; got {models}")
    n, n_large = 2000, args.n_large
    results = {}  # (target, seed) -> {model: (SW, energy, SW large, fit s, sample s)}
    for name in targets:
        make = TARGETS[name]
        for seed in seeds:
            train = make(n, random_state=2 * seed)
            test = make(n, random_state=2 * seed + 1)
            # a second, larger held-out draw (and a second training-size draw for its noise floor)
            test_large = make(n_large, random_state=1000 + 2 * seed + 1)
            floor_large = sliced_w2(make(n_large, random_state=1000 + 2 * seed), test_large)
            rows = {"train": (sliced_w2(train, test), energy_distance(train, test), floor_large, 0.0, 0.0)}
            for key in models:
                model = make_model(key, seed, args.quick)
                t0 = time.perf_counter()
                model.fit(train)
                fit_time = time.perf_counter() - t0
                t0 = time.perf_counter()
                gen = model.sample(n, random_state=2)
                sample_time = time.perf_counter() - t0
                gen_large = model.sample(n_large, random_state=3)
                rows[key] = (
                    sliced_w2(gen, test), energy_distance(gen, test), sliced_w2(gen_large, test_large),
                    fit_time, sample_time,
                )
                print(f"[{name} seed {seed}] {key:16s} SW {rows[key][0]:.4f}  energy {rows[key][1]:.4f}  "
                      f"SW@{n_large} {rows[key][2]:.4f}  fit {fit_time:6.1f}s  sample {sample_time:5.2f}s",
                      flush=True)
            results[name, seed] = rows

    others = [k for k in models if k != "conjugate"] + ["train"]
    print("\nratios baseline / conjugate (> 1: the conjugate model is better), per seed and mean over seeds")
    print(f"{'target':10s} {'model':16s} {'seed':>5s} {'SW ratio':>9s} {'energy ratio':>13s} "
          f"{'SW@' + str(n_large) + ' ratio':>15s} {'fit time ratio':>15s}")
    for name in targets:
        for key in others:
            per = []
            for seed in seeds:
                rows = results[name, seed]
                ref, r = rows["conjugate"], rows[key]
                per.append((r[0] / ref[0], r[1] / ref[1], r[2] / ref[2], r[3] / ref[3]))
                ft = f"{per[-1][3]:15.2f}" if key != "train" else f"{'-':>15s}"
                r0, r1, r2 = per[-1][:3]
                print(f"{name:10s} {key:16s} {seed:5d} {r0:9.2f} {r1:13.2f} {r2:15.2f} {ft}")
            m = np.mean(per, 0)
            ft = f"{m[3]:15.2f}" if key != "train" else f"{'-':>15s}"
            print(f"{name:10s} {key:16s} {'mean':>5s} {m[0]:9.2f} {m[1]:13.2f} {m[2]:15.2f} {ft}")
    print("\nmean over seeds of the raw metrics")
    for name in targets:
        for key in ["conjugate"] + others:
            vals = np.mean([results[name, s][key] for s in seeds], 0)
            print(f"{name:10s} {key:16s} SW {vals[0]:.4f}  energy {vals[1]:.4f}  SW@{n_large} {vals[2]:.4f}  "
                  f"fit {vals[3]:6.1f}s  sample {vals[4]:5.2f}s")


if __name__ == "__main__":
    main()
