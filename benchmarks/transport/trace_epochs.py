"""Trace a LipschitzTransportMap fit: L2-UVP and held-out criteria after every epoch, on a validation pair.

Fits on ``make_transport_pair(kind, n_features=d, random_state=pair_seed)`` (validation seeds 1, 2;
the benchmark uses 0), n samples a side (seeds 10 / 11, test points 12, as tune_defaults.py). After
every epoch it records, for the current generator: L2-UVP on the test points, and on fresh
held-out samples (n // 10 a side, seeds 13 / 14) the sliced W2 of ``early_stopping`` (``sw``), the
exact W2^2 and W1 between the pushed held-out source and the held-out target (``ot.emd2``), the
transport cost E|x - T(x)|^2 (all in standardised units), the gate tanh(a) of ``init="residual"``
and the critic's training W1 estimate. It prints the final and best L2-UVP, the linear map's, the
transport cost of the exact map, the Spearman correlation of each criterion with L2-UVP over the
epochs with the L2-UVP at its minimum, and the rows of every 5th epoch.

Used to find the cause of the init="linear" error floor and of the d = 16 behaviour
(docs/benchmarks/transport.md). Example (a few minutes on one idle core):

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/transport/trace_epochs.py \\
        mixture_hard 16 2000 "{}" 2

Arguments: kind, d, n, optionally a dict of LipschitzTransportMap parameters and the pair seed
(default 1; 0 is refused: it is the benchmark's).
"""

import ast
import sys
import time

import numpy as np
import ot
import torch
from scipy.stats import spearmanr
from skorch.callbacks import Callback

import sklot.transport._gan_map as gm
from sklot import LipschitzTransportMap
from sklot.datasets import make_transport_pair
from sklot.transport import l2_uvp

COLUMNS = ["l2_uvp", "sw", "w2sq", "w1", "cost", "gate", "train_w1"]


class EpochTrace(Callback):
    """After each epoch, one row of COLUMNS for the current generator."""

    def __init__(self, model, X_test, T_test, Y, X_valid, Y_valid, rows):
        self.model, self.X_test, self.T_test, self.Y = model, X_test, T_test, Y
        self.X_valid, self.Y_valid, self.rows = X_valid, Y_valid, rows

    def _push(self, net, X):
        m = self.model
        Z = torch.as_tensor(((X - m.shift_) / m.scale_).astype(np.float32))
        with torch.no_grad():
            return m.shift_ + m.scale_ * net.module_.generator(Z).double().numpy()

    def on_epoch_end(self, net, **kwargs):
        s = self.model.scale_
        pushed = self._push(net, self.X_valid)
        sw = ot.sliced_wasserstein_distance(pushed, self.Y_valid, n_projections=256, seed=0) / s
        M = ot.dist(pushed, self.Y_valid) / s**2
        cost = np.mean(np.sum((pushed - self.X_valid) ** 2, 1)) / s**2
        gen = net.module_.generator
        gate = float(torch.tanh(gen.gate.detach())) if hasattr(gen, "gate") else 0.0
        uvp = l2_uvp(self._push(net, self.X_test), self.T_test, self.Y)
        self.rows.append((uvp, sw, ot.emd2([], [], M), ot.emd2([], [], np.sqrt(M)), cost, gate,
                          net.history[-1]["w1"]))


def main():
    kind, d, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    setting = ast.literal_eval(sys.argv[4]) if len(sys.argv) > 4 else {}
    pair_seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    if pair_seed == 0:
        raise SystemExit("pair seed 0 is the benchmark's: trace on other seeds")
    src, tgt, T = make_transport_pair(kind, n_features=d, random_state=pair_seed)
    X, Y, X_test = src(n, rng=10), tgt(n, rng=11), src(4096, rng=12)
    X_valid, Y_valid = src(max(2, n // 10), rng=13), tgt(max(2, n // 10), rng=14)
    T_test = T(X_test)
    lin = l2_uvp(ot.da.LinearTransport().fit(Xs=X, Xt=Y).transform(Xs=X_test), T_test, Y)
    rows = []
    model = LipschitzTransportMap(random_state=0, **setting)
    make_net = gm.make_net

    def with_trace(*args, callbacks=(), **kwargs):
        cb = ("epoch_trace", EpochTrace(model, X_test, T_test, Y, X_valid, Y_valid, rows))
        return make_net(*args, callbacks=list(callbacks) + [cb], **kwargs)

    gm.make_net = with_trace  # the estimator builds its net through this name
    t0 = time.perf_counter()
    model.fit(X, Y)
    R = np.asarray(rows)
    err = l2_uvp(model.transform(X_test), T_test, Y)
    s2 = model.scale_**2
    exact_cost = np.mean(np.sum((T(X_valid) - X_valid) ** 2, 1)) / s2
    print(f"{kind} d={d} n={n} pair_seed={pair_seed} {setting} lin={lin:.2f} final={err:.2f} "
          f"best={R[:, 0].min():.2f} (epoch {R[:, 0].argmin() + 1}) L={model.lipschitz_constant_:.2f} "
          f"exact-map cost={exact_cost:.2f} t={time.perf_counter() - t0:.0f}s")
    for j, name in enumerate(COLUMNS[1:], start=1):
        k = int(R[:, j].argmin())
        print(f"{name}: Spearman with l2_uvp {spearmanr(R[:, 0], R[:, j])[0]:.2f}, "
              f"its minimum at epoch {k + 1} where l2_uvp = {R[k, 0]:.2f}")
    print("epoch " + " ".join(COLUMNS))
    for i in list(range(0, len(R), 5)) + [len(R) - 1]:
        print(i + 1, " ".join(f"{v:.4f}" for v in R[i]))


if __name__ == "__main__":
    main()
