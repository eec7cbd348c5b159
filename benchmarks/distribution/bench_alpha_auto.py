"""Benchmark (d): ``alpha="auto"`` (exact leave-one-out) vs grid search vs the fixed default.

On each of the three shipped experiments (the examples of ``examples/distribution``),
with the sliced Wasserstein kernel and ``gamma`` by the median heuristic:

* ``fixed``: ``alpha=1.0`` (the default before ``"auto"``) and any other ``--fixed`` values;
* ``auto``: ``alpha="auto"`` (LOO over ``ALPHA_GRID`` inside ``fit``);
* ``grid``: ``GridSearchCV`` over ``alpha`` in 10^-10 .. 10^2 (one per decade), 5-fold on the
  training split, refitted on it.

Validation (what the default is chosen on): the 5-fold cross-validated R^2 on the
*training* split (for ``grid``: its inner ``best_score_``). Test: R^2 on the held-out split.
Seeds: ``--seeds 0`` is the examples' data; other seeds draw fresh data and directions.

    python benchmarks/distribution/bench_alpha_auto.py                 # seed 0
    python benchmarks/distribution/bench_alpha_auto.py --seeds 1 2 3   # fresh seeds
    python benchmarks/distribution/bench_alpha_auto.py --quick         # smaller, for a smoke run
"""

import argparse
import time

import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from sklot.datasets import make_ecological_bags, make_mixture_mode_bags, make_rotated_gaussian_bags
from sklot.distribution import KernelDistributionRegressor, SlicedWassersteinEmbedding

GRID = np.logspace(-10, 2, 13)


def experiments(seed, quick):
    """(name, train bags, train y, test bags, test y, embedding factory) for each shipped experiment."""
    k = 2 if quick else 1
    bags, y = make_rotated_gaussian_bags(n_bags=600 // k, n_points=500 // k, random_state=seed)
    sw = SlicedWassersteinEmbedding
    yield "entropy (100 train / 500 test)", bags[:100], y[:100], bags[100:], y[100:], sw
    for C in (2, 10):
        bags, y = make_mixture_mode_bags(n_bags=256, n_points=256 // k, max_modes=C, random_state=seed)
        y = y.astype(float)
        yield f"mode counting d=2 C={C} (128 / 128)", bags[:128], y[:128], bags[128:], y[128:], sw
    for d in (5,) if quick else (5, 20):
        bags, y = make_ecological_bags(n_bags=300, n_points=200, n_features=d, random_state=d + 100 * seed)
        yield (
            f"ecological d={d} (100 / 200)", bags[:100], y[:100], bags[100:], y[100:],
            lambda **kw: SlicedWassersteinEmbedding(n_projections=100, **kw),
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--fixed", type=float, nargs="*", default=[1.0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv = KFold(5, shuffle=True, random_state=0)
    print(f"{'experiment':<36} {'seed':>4} {'method':>12} {'alpha':>9} {'val R2':>8} {'test R2':>8}")
    for seed in args.seeds:
        for name, Xtr, ytr, Xte, yte, make_emb in experiments(seed, args.quick):
            t0 = time.perf_counter()

            def model(alpha):
                return KernelDistributionRegressor(
                    embedding=make_emb(), alpha=alpha, random_state=seed, device="cpu"
                )

            rows = []
            for alpha in args.fixed:
                val = cross_val_score(model(alpha), Xtr, ytr, cv=cv).mean()
                rows.append(("fixed", alpha, val, model(alpha).fit(Xtr, ytr).score(Xte, yte)))
            auto = model("auto").fit(Xtr, ytr)
            val = cross_val_score(model("auto"), Xtr, ytr, cv=cv).mean()
            rows.append(("auto", auto.alpha_, val, auto.score(Xte, yte)))
            search = GridSearchCV(model(1.0), {"alpha": list(GRID)}, cv=cv).fit(Xtr, ytr)
            rows.append(("grid", search.best_params_["alpha"], search.best_score_, search.score(Xte, yte)))
            best = rows[-1][3]
            for method, alpha, val, test in rows:
                print(f"{name:<36} {seed:>4} {method:>12} {alpha:>9.1e} {val:>8.4f} {test:>8.4f}", flush=True)
            print(
                f"{name:<36} {seed:>4}   auto/grid test R2 {rows[-2][3] / best:.4f}"
                f"  ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
