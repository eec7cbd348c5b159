"""
Sampling and mapping 2-D targets with one convex potential
==========================================================

A :class:`~sklot.moment.ConjugateMomentSampler` learns a convex potential ``w``
such that the data are the image of the log-concave latent ``e^{-w}`` under
``grad w*``. For three 2-D targets (two moons, a ring of Gaussians, a spiral) we
show the data, the latent density ``e^{-w}`` (with latent samples), generated
samples, and transport arrows from data points to their latent codes ``grad w(y)``.
The latent and the data live in standardised coordinates for the arrows.
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from sklot.moment import ConjugateMomentSampler  # noqa: E402
from sklot.datasets import make_ring_of_gaussians, make_spiral, make_two_moons  # noqa: E402

TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}

out_dir = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
fig, axes = plt.subplots(3, 4, figsize=(16, 12))
for row, (name, make) in zip(axes, TARGETS.items()):
    X = make(2000, random_state=0)
    model = ConjugateMomentSampler(random_state=0).fit(X)  # defaults (600 outer iterations)
    Xs = (X - model.mean_) / model.scale_
    Z = model.transform(X)
    latent = model.sample_latent(2000, random_state=1)
    gen = model.sample(2000, random_state=1)

    row[0].scatter(X[:, 0], X[:, 1], s=2, c="k")
    row[0].set_title(f"{name}: data")

    g = np.linspace(-3.5, 3.5, 200)
    gx, gy = np.meshgrid(g, g)
    with torch.no_grad():
        w = model.potential_(torch.as_tensor(np.c_[gx.ravel(), gy.ravel()])).numpy().reshape(gx.shape)
    dens = np.exp(-(w - w.min()))
    row[1].contourf(gx, gy, dens, levels=20, cmap="Blues")
    row[1].scatter(latent[:500, 0], latent[:500, 1], s=2, c="tab:red")
    row[1].set_title("latent $e^{-w}$ and Langevin samples")

    row[2].scatter(gen[:, 0], gen[:, 1], s=2, c="tab:green")
    row[2].set_title(r"generated: $\nabla w^*$(latent)")

    idx = np.random.default_rng(0).choice(len(X), 150, replace=False)
    row[3].scatter(Xs[idx, 0], Xs[idx, 1], s=4, c="k", label="data (standardised)")
    row[3].scatter(Z[idx, 0], Z[idx, 1], s=4, c="tab:red", label=r"latent $\nabla w$(data)")
    row[3].quiver(Xs[idx, 0], Xs[idx, 1], Z[idx, 0] - Xs[idx, 0], Z[idx, 1] - Xs[idx, 1],
                  angles="xy", scale_units="xy", scale=1, width=0.002, alpha=0.5)
    row[3].legend(loc="lower right", fontsize=7)
    row[3].set_title("transport arrows data -> latent")
    for ax in row:
        ax.set_aspect("equal", adjustable="datalim")  # same panel sizes on every row
fig.tight_layout()
fig.savefig(out_dir / "moment_2d_targets.png", dpi=80)
print("saved", out_dir / "moment_2d_targets.png")
