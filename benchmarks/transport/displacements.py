"""How far the known maps move points in LipschitzTransportMap's standardised units; its "auto" cost weight.

At a stationary point of the generator's objective W1(T#mu, nu) + eps E|x - T(x)|^2 each point's gradient
balances, grad f(T(x)) = 2 eps (T(x) - x), and the critic is 1-Lipschitz: no point can move by more than
1 / (2 eps) (5 with eps = 0.1). For each pair (``make_transport_pair(kind, n_features=d,
random_state=pair_seed)``, n = 4000 a side drawn as tune_defaults.py draws them for validation seeds, seeds
10 / 11, and as bench_maps.py for the benchmark's pair seed 0, seeds 0 / 1) this prints, after ``fit``'s
standardisation (pooled mean, pooled scalar standard deviation): the share of source points that the exact
map moves by more than 1 / (2 x 0.1), the RMS displacement ``r`` of the linear (Bures) map, its pull
2 x 0.1 x r, and the resolved ``cost_weight="auto"`` (``sklot.transport.auto_cost_weight``).
Used in docs/benchmarks/transport.md ("The d = 16 miss"). Seconds on one core:

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/transport/displacements.py \\
        --kinds mixture_hard --dims 16 --pair-seeds 1 2 3 4 5 6 7 8 9 10
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/transport/displacements.py --pair-seeds 1 2 0

``--quick``: d = 2, 4 only.
"""

import argparse

import numpy as np
import ot

from sklot.datasets import make_transport_pair
from sklot.transport import auto_cost_weight

BASE_WEIGHT = 0.1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", nargs="+", default=["mixture", "mixture_hard", "gaussian"])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 4, 8, 16])
    parser.add_argument("--pair-seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.dims = [2, 4]
    limit = 1 / (2 * BASE_WEIGHT)
    print(f"| pair | d | pair seed | exact map: share moved > {limit:g} | linear map: RMS r | "
          f"pull 2 x {BASE_WEIGHT} x r | auto cost_weight |")
    print("|---|---|---|---|---|---|---|")
    for kind in args.kinds:
        for d in args.dims:
            for seed in args.pair_seeds:
                src, tgt, T = make_transport_pair(kind, n_features=d, random_state=seed)
                rx, ry = (0, 1) if seed == 0 else (10, 11)  # bench_maps.py's samples / tune_defaults.py's
                X, Y = src(args.n, rng=rx), tgt(args.n, rng=ry)
                both = np.vstack([X, Y])
                shift, scale = both.mean(0), float(np.sqrt(np.mean(np.var(both, axis=0))))
                # as LipschitzTransportMap.fit: float32 standardised samples, the Bures map between them
                Zx = ((X - shift) / scale).astype(np.float32)
                Zy = ((Y - shift) / scale).astype(np.float32)
                A, b = (np.asarray(a, np.float32) for a in ot.gaussian.empirical_bures_wasserstein_mapping(
                    Zx.astype(np.float64), Zy.astype(np.float64)))
                lin = Zx.astype(np.float64) @ A.astype(np.float64) + b.astype(np.float64) - Zx
                r = float(np.sqrt(np.mean(np.sum(lin**2, axis=1))))
                exact = np.linalg.norm((T(X) - shift) / scale - Zx, axis=1)
                print(f"| {kind} | {d} | {seed} | {np.mean(exact > limit):.3f} | {r:.2f} | "
                      f"{2 * BASE_WEIGHT * r:.3f} | {auto_cost_weight(Zx, A, b):.4f} |", flush=True)


if __name__ == "__main__":
    main()
