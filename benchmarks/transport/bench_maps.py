"""L2-UVP and fit time of transport map estimators on pairs with a known map, all in one run.

Pairs: ``sklot.datasets.make_transport_pair`` ("gaussian": W2GN covariances, Bures map; "mixture":
a mixture source pushed by grad psi of an explicit strongly convex psi), ``n`` training samples per
side, L2-UVP on 4096 fresh source samples (``sklot.transport.l2_uvp``).

Methods: POT ``LinearTransport`` (Bures map of the sample moments); POT
``SinkhornTransport(out_of_sample_map="continuous")`` (entropic map, ``reg_e`` = 0.05 x the mean
squared distance); discrete OT (``ot.emd``) barycentric targets smoothed by 5-NN regression;
``sklot.LipschitzTransportMap`` with its defaults (``random_state=0``). Not included yet: the ICNN
Brenier map of issue 13.

Run:  OMP_NUM_THREADS=1 python benchmarks/transport/bench_maps.py --kinds gaussian mixture --dims 2 4 \
          --n 4000 [--methods linear sinkhorn emd_knn gan]
"""

import argparse
import time

import numpy as np
import ot
from sklearn.neighbors import KNeighborsRegressor

from sklot import LipschitzTransportMap
from sklot.datasets import make_transport_pair
from sklot.transport import l2_uvp


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


def fit_gan(X, Y):
    return LipschitzTransportMap(random_state=0).fit(X, Y).transform


METHODS = {"linear": fit_linear, "sinkhorn": fit_sinkhorn, "emd_knn": fit_emd_knn, "gan": fit_gan}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", nargs="+", default=["gaussian", "mixture"])
    parser.add_argument("--dims", nargs="+", type=int, default=[2, 4, 8, 16])
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    args = parser.parse_args()
    print("| pair | d | n | method | L2-UVP (%) | fit (s) |")
    print("|---|---|---|---|---|---|")
    for kind in args.kinds:
        for d in args.dims:
            src, tgt, T = make_transport_pair(kind, n_features=d, random_state=0)
            X, Y, X_test = src(args.n, rng=0), tgt(args.n, rng=1), src(4096, rng=2)
            rows = [("identity", lambda Z: Z, 0.0)]
            for name in args.methods:
                t0 = time.perf_counter()
                apply = METHODS[name](X, Y)
                rows.append((name, apply, time.perf_counter() - t0))
            for name, apply, seconds in rows:
                err = l2_uvp(apply(X_test), T(X_test), Y)
                print(f"| {kind} | {d} | {args.n} | {name} | {err:.2f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
