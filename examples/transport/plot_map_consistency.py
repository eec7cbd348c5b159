r"""
A Lipschitz OT map on a 2-D pair with a known map, and its error as the sample grows
====================================================================================

:func:`sklot.datasets.make_transport_pair` with ``kind="mixture"`` gives a source :math:`\mu` (a
standardised 3-component Gaussian mixture) and a target :math:`\nu = \nabla\psi\#\mu` for an
explicit strongly convex :math:`\psi`, so the optimal transport map is known exactly:
:math:`T^* = \nabla\psi` (Brenier). :class:`~sklot.LipschitzTransportMap` (with its defaults) only
sees ``n`` samples of each side, never which source point goes where.

Top row: the samples, the learned map as arrows and the exact map as arrows. Bottom: the L2-UVP
(:func:`sklot.transport.l2_uvp`, 100 x mean squared error / total variance of :math:`\nu`, on fresh
source points) as ``n`` grows, beside POT's linear (Bures) map: the GAN estimator is consistent
(González-Sanz et al., 2022), the linear map is not (its error stops at its bias).
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import ot  # noqa: E402

from sklot import LipschitzTransportMap  # noqa: E402
from sklot.datasets import make_transport_pair  # noqa: E402
from sklot.transport import l2_uvp  # noqa: E402

out_dir = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
sample_source, sample_target, exact_map = make_transport_pair("mixture", n_features=2, random_state=0)
X_test = sample_source(4096, rng=100)
Y_ref = sample_target(4096, rng=101)  # for the total variance of nu in L2-UVP
T_test = exact_map(X_test)

sizes = [200, 400, 800, 1600]
gan_err, linear_err, models = [], [], {}
for n in sizes:
    X, Y = sample_source(n, rng=n), sample_target(n, rng=n + 1)  # independent samples, no pairing
    model = LipschitzTransportMap(random_state=0).fit(X, Y)  # the defaults
    linear = ot.da.LinearTransport().fit(Xs=X, Xt=Y)
    gan_err.append(l2_uvp(model.transform(X_test), T_test, Y_ref))
    linear_err.append(l2_uvp(linear.transform(Xs=X_test), T_test, Y_ref))
    models[n] = (model, X, Y)
    print(f"n = {n:5d}: L2-UVP  LipschitzTransportMap {gan_err[-1]:5.2f} %   "
          f"linear (Bures) {linear_err[-1]:5.2f} %")
identity_err = l2_uvp(X_test, T_test, Y_ref)
print(f"identity map: {identity_err:.1f} %")

model, X, Y = models[sizes[-1]]
print(f"certified Lipschitz bound of the n = {sizes[-1]} map: {model.lipschitz_bound_:.3f} "
      f"(constant {model.lipschitz_constant_:.3f})")
shown = X_test[np.random.default_rng(0).choice(len(X_test), 150, replace=False)]

fig = plt.figure(figsize=(15, 9))
ax0 = fig.add_subplot(2, 3, 1)
ax0.scatter(*X.T, s=3, color="tab:blue", alpha=0.5, label=r"source $\mu$")
ax0.scatter(*Y.T, s=3, color="tab:orange", alpha=0.5, label=r"target $\nu$")
ax0.set_title(f"samples (n = {sizes[-1]} a side)")
ax0.legend(loc="upper left", fontsize=8)
panels = [
    (fig.add_subplot(2, 3, 2, sharex=ax0, sharey=ax0), model.transform(shown),
     f"learned map (L2-UVP {gan_err[-1]:.2f} %)"),
    (fig.add_subplot(2, 3, 3, sharex=ax0, sharey=ax0), exact_map(shown), r"exact map $\nabla\psi$"),
]
for ax, mapped, title in panels:
    ax.scatter(*Y.T, s=2, color="tab:orange", alpha=0.25)
    ax.scatter(*shown.T, s=6, color="tab:blue")
    ax.quiver(*shown.T, *(mapped - shown).T, angles="xy", scale_units="xy", scale=1, width=0.003,
              color="0.25")
    ax.set_title(title)
for ax in [ax0] + [p[0] for p in panels]:
    ax.set_aspect("equal", adjustable="box")

ax = fig.add_subplot(2, 1, 2)
ax.loglog(sizes, gan_err, "o-", label="LipschitzTransportMap (defaults)")
ax.loglog(sizes, linear_err, "s--", label="POT LinearTransport (Bures)")
ax.set_xticks(sizes, [str(n) for n in sizes])
ax.set_xlabel("n (samples per side)")
ax.set_ylabel("L2-UVP (%)")
ax.set_title(f"error against the exact map as n grows (identity map: {identity_err:.0f} %)")
ax.legend()
fig.tight_layout()
fig.savefig(out_dir / "transport_map_consistency.png", dpi=90)
