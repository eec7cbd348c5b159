r"""
Domain adaptation: map source-domain features onto the target domain, then classify
====================================================================================

A classifier was trained on a labelled *target* domain; new data arrive from a *source* domain
whose features are a deformed version of the target's (another sensor, another site), without
labels. Optimal transport domain adaptation (Courty, Flamary, Tuia and Rakotomamonjy, 2017) maps
the source features onto the target domain with an OT map fitted on the two unlabelled samples,
and classifies the mapped points.

Here the deformation is known: five classes lie along a line, and the target features are
:math:`\nabla\varphi(x) = (x_1 + a\,x_1|x_1|,\ 1.5\,x_2) + b` of source features, the gradient
of a convex :math:`\varphi` (an optimal transport map, by Brenier's theorem), which stretches the
outer classes more than the inner ones. The exact map undoes it and is the oracle. We compare the
classifier's accuracy on the raw source, on the source mapped by POT's ``LinearTransport`` (Bures
map of the moments: one stretch for all classes) and by :class:`~sklot.LipschitzTransportMap` (its
defaults).
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import ot  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from sklot import LipschitzTransportMap  # noqa: E402

out_dir = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
CENTERS = [(-4.0, 0.0), (-2.0, 0.5), (0.0, 0.0), (2.0, 0.5), (4.0, 0.0)]
STRETCH = 0.5  # a


def deform(X):
    """Source -> target features: the gradient of the convex
    x -> x_1^2 / 2 + a |x_1|^3 / 3 + 0.75 x_2^2 + b.x."""
    return np.c_[X[:, 0] + STRETCH * X[:, 0] * np.abs(X[:, 0]), 1.5 * X[:, 1]] + np.array([3.0, 1.0])


def domain(n, seed):
    return make_blobs(n, centers=CENTERS, cluster_std=0.5, random_state=seed)


# labelled target domain (the classifier's training data), unlabelled source and target samples
Xt_train, yt_train = domain(1500, seed=0)
Xt_train = deform(Xt_train)
clf = SVC().fit(Xt_train, yt_train)
Xs, ys = domain(800, seed=1)  # source data to classify (labels only to score)
Xt_unlab = deform(domain(800, seed=2)[0])  # an unlabelled target sample, independent of Xs

maps = {
    "raw source": Xs,
    "POT LinearTransport": ot.da.LinearTransport().fit(Xs=Xs, Xt=Xt_unlab).transform(Xs=Xs),
    "LipschitzTransportMap": LipschitzTransportMap(random_state=0).fit(Xs, Xt_unlab).transform(Xs),
    "exact map (oracle)": deform(Xs),
}
accuracy = {name: clf.score(Z, ys) for name, Z in maps.items()}
X_check, y_check = domain(800, seed=3)
print(f"target-domain classifier on fresh target-domain data: {clf.score(deform(X_check), y_check):.3f}")
for name, acc in accuracy.items():
    print(f"accuracy on {name:>22s}: {acc:.3f}")
gain = accuracy["LipschitzTransportMap"] - accuracy["raw source"]
vs_linear = accuracy["LipschitzTransportMap"] - accuracy["POT LinearTransport"]
print(f"LipschitzTransportMap: {100 * gain:+.1f} points over the raw source, "
      f"{100 * vs_linear:+.1f} over LinearTransport")

fig, axes = plt.subplots(4, 1, figsize=(12, 11), sharex=True, sharey=True)
gx, gy = np.meshgrid(np.linspace(-20, 28, 480), np.linspace(-2.5, 5.0, 200))
regions = clf.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
colors = np.array(["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"])
shades = ["#cfe2f3", "#fce5cd", "#d9ead3", "#f4cccc", "#d9d2e9"]
for ax, (name, Z) in zip(axes, maps.items()):
    ax.contourf(gx, gy, regions, levels=np.arange(-0.5, 5), colors=shades)
    ax.scatter(*Xt_unlab.T, s=2, color="0.5", label="target sample (unlabelled)")
    ax.scatter(*Z.T, s=4, c=colors[ys], label="source points, true class")
    ax.set_title(f"{name}: accuracy {accuracy[name]:.3f}")
axes[0].legend(loc="lower right", fontsize=7)
fig.suptitle("Classifier trained on the target domain (its regions shaded), applied to source points")
fig.tight_layout()
fig.savefig(out_dir / "transport_domain_adaptation.png", dpi=90)
