"""Benchmark (b): fit + predict time of KernelDistributionRegressor (Nystroem) from 10^3 to 10^5 bags.

Bags of 200 points in d=5, default embedding (64 directions x 64 quantiles),
500 Nystroem landmarks. ``predict`` is timed on the N training bags (the same
cost as N new bags); accuracy is measured on 2,000 held-out bags. Anchors in
the same run: the exact solver (up to --exact-max bags) and the POT pairwise
loop that the Gram matrix would need (per-pair time measured here on 200 pairs,
extrapolated to N(N-1)/2 pairs).

    python benchmarks/distribution/bench_scaling.py [--sizes 1000,3000,10000,30000,100000]
"""

import argparse
import time

import numpy as np
import ot
import torch
from sklearn.metrics import r2_score

from _common import gaussian_bags
from sklot.distribution import KernelDistributionRegressor


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1000,3000,10000,30000,100000")
    p.add_argument("--n-points", type=int, default=200)
    p.add_argument("--n-components", type=int, default=500)
    p.add_argument("--exact-max", type=int, default=3000)
    p.add_argument("--verbose", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(2)
    sizes = [int(s) for s in args.sizes.split(",")]
    Xte, yte = gaussian_bags(2000, args.n_points, 5, seed=123)

    # POT anchor: per-pair cost of the pairwise loop at this bag size
    Xp, _ = gaussian_bags(40, args.n_points, 5, seed=7)
    theta = np.random.default_rng(0).standard_normal((5, 64))
    theta /= np.linalg.norm(theta, axis=0)
    t0 = time.perf_counter()
    for k in range(200):
        ot.sliced_wasserstein_distance(Xp[k % 40], Xp[(7 * k + 1) % 40], projections=theta)
    pot_pair = (time.perf_counter() - t0) / 200
    print(f"POT sliced_wasserstein_distance, {args.n_points} points: {1e3 * pot_pair:.2f} ms/pair")
    print(
        f"{'bags':>8} {'solver':>9} {'fit s':>8} {'predict s':>10} {'total s':>8} {'R2 test':>8} "
        f"{'POT Gram s (est.)':>18} {'ratio':>8}"
    )
    for n in sizes:
        X, y = gaussian_bags(n, args.n_points, 5, seed=n)
        solvers = ["nystroem"] + (["exact"] if n <= args.exact_max else [])
        for solver in solvers:
            model = KernelDistributionRegressor(
                solver=solver,
                n_components=args.n_components,
                alpha=1e-3,
                random_state=0,
                device="cpu",
                verbose=args.verbose,
            )
            t0 = time.perf_counter()
            model.fit(X, y)
            t_fit = time.perf_counter() - t0
            t0 = time.perf_counter()
            model.predict(X)
            t_pred = time.perf_counter() - t0
            r2 = r2_score(yte, model.predict(Xte))
            pot = pot_pair * n * (n - 1) / 2
            total = t_fit + t_pred
            print(
                f"{n:>8} {solver:>9} {t_fit:>8.2f} {t_pred:>10.2f} {total:>8.2f} {r2:>8.4f} {pot:>18.0f} "
                f"{pot / total:>8.0f}x",
                flush=True,
            )
        del X, y


if __name__ == "__main__":
    main()
