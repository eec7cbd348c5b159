"""L2-UVP and fit time of transport map estimators on pairs with a known map, all in one run.

Pairs: ``sklot.datasets.make_transport_pair`` ("gaussian": W2GN covariances, Bures map; "mixture":
a mixture source pushed by grad psi of an explicit strongly convex psi; "mixture_hard": the same with
more components and steeper, anisotropic terms, closer to the issue's pair), ``--n`` training samples
per side drawn with seeds 0 / 1, the pair drawn with ``--pair-seed`` (0; tune_defaults.py uses others),
L2-UVP on 4096 fresh source samples (``sklot.transport.l2_uvp``).

Methods (``--methods``):

* ``linear``: POT ``LinearTransport`` (Bures map of the sample moments);
* ``sinkhorn``: POT ``SinkhornTransport(out_of_sample_map="continuous")`` (entropic map,
  ``reg_e`` = 0.05 x the mean squared distance), run in a child process ended after
  ``--sinkhorn-cap`` seconds of CPU time (180, fit and 4096 out-of-sample queries; the row then says
  "skipped"); it is also skipped, without trying, for ``n > --sinkhorn-max-n`` (8000: its n x n kernel);
* ``emd_knn``: discrete OT (``ot.emd``) barycentric targets smoothed by 5-NN regression;
* ``icnn``: an ICNN Brenier map fitted by the semi-dual with exact conjugates
  (``sklot.transport._icnn_dual``: Taghvaei & Jalali 2019; Amos 2023), starting at the linear map;
* ``gan``: ``sklot.LipschitzTransportMap`` with its defaults (``random_state=0``);
* ``gan_es``: the same with ``early_stopping=True`` (10 % of each sample held out, the epoch of least
  held-out sliced W2 restored, the linear start included).

Prints one markdown row per (pair, d, method): L2-UVP, its ratio to the linear map's, fit time and its
ratio to the linear map's. Fit times are only figures on an idle machine.

Full run (all pairs, d = 2, 4, 8, 16, n = 4000; about 40 minutes on one idle core):

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/transport/bench_maps.py

Quick run (a few minutes): ``... bench_maps.py --quick`` (d = 2, 4, n = 1000, no sinkhorn).
"""

import argparse
import multiprocessing as mp
import resource
import time

import numpy as np
import ot
from sklearn.neighbors import KNeighborsRegressor

from sklot import LipschitzTransportMap
from sklot.datasets import make_transport_pair
from sklot.transport import l2_uvp
from sklot.transport._icnn_dual import fit_icnn_brenier_map


def fit_linear(X, Y):
    return ot.da.LinearTransport().fit(Xs=X, Xt=Y).transform


def fit_sinkhorn(X, Y):
    reg = 0.05 * float(np.mean(ot.dist(X[:500], Y[:500])))
    model = ot.da.SinkhornTransport(reg_e=reg, out_of_sample_map="continuous").fit(Xs=X, Xt=Y)
    return lambda Z: model.transform(Xs=Z)


def fit_emd_knn(X, Y):
    G = ot.emd(np.full(len(X), 1 / len(X)), np.full(len(Y), 1 / len(Y)), ot.dist(X, Y), numItermax=10**7)
    targets = len(X) * G @ Y
    return KNeighborsRegressor(5).fit(X, targets).predict


def fit_icnn(X, Y):
    return fit_icnn_brenier_map(X, Y, random_state=0).transform


def fit_gan(X, Y):
    return LipschitzTransportMap(random_state=0).fit(X, Y).transform


def fit_gan_early_stopping(X, Y):
    return LipschitzTransportMap(early_stopping=True, random_state=0).fit(X, Y).transform


METHODS = {"linear": fit_linear, "sinkhorn": fit_sinkhorn, "emd_knn": fit_emd_knn, "icnn": fit_icnn,
           "gan": fit_gan, "gan_es": fit_gan_early_stopping}


def draw(kind, d, n, pair_seed):
    src, tgt, T = make_transport_pair(kind, n_features=d, random_state=pair_seed)
    X, Y, X_test = src(n, rng=0), tgt(n, rng=1), src(4096, rng=2)
    return X, Y, X_test, T(X_test)


def evaluate(name, kind, d, n, pair_seed):
    """(L2-UVP, fit seconds) of one method on one pair."""
    X, Y, X_test, T_test = draw(kind, d, n, pair_seed)
    t0 = time.perf_counter()
    apply = METHODS[name](X, Y)
    seconds = time.perf_counter() - t0
    return l2_uvp(apply(X_test), T_test, Y), seconds


def _child(queue, args, cap):
    # a CPU-time cap (SIGXCPU ends the child), fair on a loaded machine where wall time is not
    resource.setrlimit(resource.RLIMIT_CPU, (int(cap), int(cap) + 5))
    queue.put(evaluate(*args))


def evaluate_capped(args, cap):
    """``evaluate`` in a child process, ended after ``cap`` seconds of CPU time (then None)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, args, cap))
    proc.start()
    proc.join()
    return queue.get() if not queue.empty() else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", nargs="+", default=["gaussian", "mixture", "mixture_hard"])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 4, 8, 16])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--pair-seed", type=int, default=0)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--sinkhorn-cap", type=float, default=180.0)
    parser.add_argument("--sinkhorn-max-n", type=int, default=8000)
    parser.add_argument("--quick", action="store_true", help="d = 2, 4, n = 1000, no sinkhorn")
    args = parser.parse_args()
    if args.quick:
        args.dims, args.n = [2, 4], 1000
        args.methods = [m for m in args.methods if m != "sinkhorn"]
    methods = ["linear"] + [m for m in args.methods if m != "linear"]
    print("| pair | d | n | method | L2-UVP (%) | / linear | fit (s) | / linear |")
    print("|---|---|---|---|---|---|---|---|")
    for kind in args.kinds:
        for d in args.dims:
            X, Y, X_test, T_test = draw(kind, d, args.n, args.pair_seed)
            err_id = l2_uvp(X_test, T_test, Y)
            print(f"| {kind} | {d} | {args.n} | identity | {err_id:.2f} | | | |", flush=True)
            base = None
            for name in methods:
                job = (name, kind, d, args.n, args.pair_seed)
                if name == "sinkhorn":
                    out = None if args.n > args.sinkhorn_max_n else evaluate_capped(job, args.sinkhorn_cap)
                    if out is None:
                        print(f"| {kind} | {d} | {args.n} | sinkhorn | "
                              f"skipped (> {args.sinkhorn_cap:.0f} CPU s "
                              f"or n > {args.sinkhorn_max_n}) | | | |", flush=True)
                        continue
                else:
                    out = evaluate(*job)
                err, seconds = out
                if base is None:
                    base = (err, max(seconds, 1e-3))
                print(f"| {kind} | {d} | {args.n} | {name} | {err:.2f} | {err / base[0]:.2f} | "
                      f"{seconds:.1f} | "
                      f"{seconds / base[1]:.0f} |", flush=True)


if __name__ == "__main__":
    main()
