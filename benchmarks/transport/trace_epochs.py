"""Trace a LipschitzTransportMap fit: L2-UVP of the generator after every epoch, on a validation pair.

Fits on ``make_transport_pair(kind, n_features=d, random_state=1)`` (validation seed; the benchmark
uses 0), n samples a side (seeds 10 / 11, test points 12, as tune_defaults.py), and prints the final
L2-UVP, the linear map's, and the per-epoch trace (every 5th epoch, then the last 10). Used to find
the cause of the init="linear" error floor (docs/benchmarks/transport.md). Example (a few minutes):

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/transport/trace_epochs.py \\
        mixture 8 2000 "{'init': 'linear'}"

Arguments: kind, d, n, and optionally a dict of LipschitzTransportMap parameters.
"""

import ast
import sys
import time

import numpy as np
import ot
import torch
from skorch.callbacks import Callback

import sklot.transport._gan_map as gm
from sklot import LipschitzTransportMap
from sklot.datasets import make_transport_pair
from sklot.transport import l2_uvp


class EpochError(Callback):
    """After each epoch, the L2-UVP of the current generator on the test points."""

    def __init__(self, model, X_test, T_test, Y, trace):
        self.model, self.X_test, self.T_test, self.Y, self.trace = model, X_test, T_test, Y, trace

    def on_epoch_end(self, net, **kwargs):
        m = self.model
        Z = torch.as_tensor(((self.X_test - m.shift_) / m.scale_).astype(np.float32))
        with torch.no_grad():
            out = net.module_.generator(Z).double().numpy()
        self.trace.append(l2_uvp(m.shift_ + m.scale_ * out, self.T_test, self.Y))


def main():
    kind, d, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    setting = ast.literal_eval(sys.argv[4]) if len(sys.argv) > 4 else {}
    src, tgt, T = make_transport_pair(kind, n_features=d, random_state=1)
    X, Y, X_test = src(n, rng=10), tgt(n, rng=11), src(4096, rng=12)
    T_test = T(X_test)
    lin = l2_uvp(ot.da.LinearTransport().fit(Xs=X, Xt=Y).transform(Xs=X_test), T_test, Y)
    trace = []
    model = LipschitzTransportMap(random_state=0, **setting)
    make_net = gm.make_net

    def with_trace(*args, callbacks=(), **kwargs):
        cb = ("epoch_error", EpochError(model, X_test, T_test, Y, trace))
        return make_net(*args, callbacks=list(callbacks) + [cb], **kwargs)

    gm.make_net = with_trace  # the estimator builds its net through this name
    t0 = time.perf_counter()
    model.fit(X, Y)
    err = l2_uvp(model.transform(X_test), T_test, Y)
    print(f"{kind} d={d} n={n} {setting} lin={lin:.2f} final={err:.2f} L={model.lipschitz_constant_:.2f} "
          f"t={time.perf_counter() - t0:.0f}s")
    print("trace", " ".join(f"{v:.2f}" for v in trace[::5]),
          "last10", " ".join(f"{v:.2f}" for v in trace[-10:]))


if __name__ == "__main__":
    main()
