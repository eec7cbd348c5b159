"""Trace a LipschitzTransportMap fit: L2-UVP of the generator after every epoch, on a validation pair.

Fits on ``make_transport_pair(kind, n_features=d, random_state=1)`` (validation seed; the benchmark
uses 0), n samples a side (seeds 10 / 11, test points 12, as tune_defaults.py), and prints the final
L2-UVP, the linear map's, and the per-epoch trace (every 5th epoch, then the last 10). Used to find
the cause of the init="linear" error floor (docs/benchmarks/transport.md). Example (a few minutes):

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/transport/trace_epochs.py \\
        mixture 8 2000 "{'init': 'linear'}"

Arguments: kind, d, n, and optionally a dict of LipschitzTransportMap parameters.
"""
import sys, time, ast
import numpy as np, ot, torch
from skorch.callbacks import Callback
import sklot.transport._gan_map as gm
from sklot import LipschitzTransportMap
from sklot.datasets import make_transport_pair
from sklot.transport import l2_uvp

kind, d, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
setting = ast.literal_eval(sys.argv[4]) if len(sys.argv) > 4 else {}
src, tgt, T = make_transport_pair(kind, n_features=d, random_state=1)
X, Y, Xt = src(n, rng=10), tgt(n, rng=11), src(4096, rng=12)
lin = l2_uvp(ot.da.LinearTransport().fit(Xs=X, Xt=Y).transform(Xs=Xt), T(Xt), Y)
Tt = T(Xt)
traj = []
class Ev(Callback):
    def __init__(self, m): self.m = m
    def on_epoch_end(self, net, **kw):
        m = self.m
        Z = torch.as_tensor(((Xt - m.shift_) / m.scale_).astype(np.float32))
        with torch.no_grad():
            out = net.module_.generator(Z).double().numpy()
        traj.append(l2_uvp(m.shift_ + m.scale_ * out, Tt, Y))
orig = gm.make_net
model = LipschitzTransportMap(random_state=0, **setting)
def patched(*a, callbacks=(), **kw):
    return orig(*a, callbacks=list(callbacks) + [("ev", Ev(model))], **kw)
gm.make_net = patched
t0 = time.time()
model.fit(X, Y)
e = l2_uvp(model.transform(Xt), Tt, Y)
print(f"{kind} d={d} n={n} {setting} lin={lin:.2f} final={e:.2f} L={model.lipschitz_constant_:.2f} "
      f"t={time.time() - t0:.0f}s")
print("traj", " ".join(f"{v:.2f}" for v in traj[::5]), "last10", " ".join(f"{v:.2f}" for v in traj[-10:]))
