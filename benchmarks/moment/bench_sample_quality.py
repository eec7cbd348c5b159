"""Sample quality and fit time of ConjugateMomentSampler vs two baselines, on 2-D targets.

Run:  python benchmarks/moment/bench_sample_quality.py [--quick]

For each target (two moons, ring of 8 Gaussians, spiral) with 2,000 training and
2,000 held-out points, fits in the same run:
  * ConjugateMomentSampler with defaults: factorization="conjugate" (semi-dual OT step)
    and "moment"; and the conjugate model with the cheaper OT-regression step (ot_solver="emd");
  * a Gaussian fitted to the data;
  * a standard ICNN Brenier generator (Gaussian latent + convex map, minibatch OT
    regression, same ICNN, 1,500 Adam steps on batches of 256 like the default fit);
and prints the sliced Wasserstein distance (POT, 500 projections) and the energy
distance between 2,000 generated points and the held-out data, the fit time and
ratios to the conjugate model. "train" is the train-vs-held-out noise floor.
"""

import argparse
import time

import numpy as np
import ot
import torch

from sklot.moment import ConjugateMomentSampler
from sklot.moment._targets import TARGETS

from _baselines import BrenierICNNGenerator, GaussianBaseline


def energy_distance(X, Y):
    d = lambda A, B: np.sqrt(((A[:, None] - B[None]) ** 2).sum(-1)).mean()  # noqa: E731
    return 2 * d(X, Y) - d(X, X) - d(Y, Y)


def sliced_w2(X, Y, seed=0):
    return float(ot.sliced_wasserstein_distance(X, Y, n_projections=500, seed=seed))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="max_iter=100 (smoke run)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # the machine is shared; one thread is faster for these small nets
    n = 2000
    results = {}
    for name, make in TARGETS.items():
        train = make(n, random_state=0)
        test = make(n, random_state=1)
        models = {
            "conjugate": ConjugateMomentSampler(random_state=0, device="cpu"),
            "conjugate_emd": ConjugateMomentSampler(ot_solver="emd", random_state=0, device="cpu"),
            "moment": ConjugateMomentSampler(factorization="moment", random_state=0, device="cpu"),
            "gaussian": GaussianBaseline(),
            "brenier_icnn": BrenierICNNGenerator(),
        }
        if args.quick:
            for key in ("conjugate", "conjugate_emd", "moment"):
                models[key].set_params(max_iter=100)
            models["brenier_icnn"].n_steps = 500
        rows = {"train": (sliced_w2(train, test), energy_distance(train, test), 0.0)}
        for key, model in models.items():
            t0 = time.perf_counter()
            model.fit(train)
            fit_time = time.perf_counter() - t0
            t0 = time.perf_counter()
            gen = model.sample(n, random_state=2)
            sample_time = time.perf_counter() - t0
            rows[key] = (sliced_w2(gen, test), energy_distance(gen, test), fit_time, sample_time)
            print(f"[{name}] {key:13s} SW {rows[key][0]:.4f}  energy {rows[key][1]:.4f}  "
                  f"fit {fit_time:6.1f}s  sample {sample_time:5.2f}s", flush=True)
        results[name] = rows
    print("\nratios to the conjugate model (>1: the conjugate model is better)")
    print(f"{'target':10s} {'model':13s} {'SW ratio':>9s} {'energy ratio':>13s} {'fit time ratio':>15s}")
    for name, rows in results.items():
        ref = rows["conjugate"]
        for key in ("conjugate_emd", "moment", "gaussian", "brenier_icnn", "train"):
            r = rows[key]
            ft = f"{r[2] / ref[2]:15.2f}" if key != "train" else f"{'-':>15s}"
            print(f"{name:10s} {key:13s} {r[0] / ref[0]:9.2f} {r[1] / ref[1]:13.2f} {ft}")


if __name__ == "__main__":
    main()
