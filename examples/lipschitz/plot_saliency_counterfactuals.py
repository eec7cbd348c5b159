"""
Saliency maps and counterfactuals of a 1-Lipschitz classifier
==============================================================

A network trained with the hinge-Kantorovich-Rubinstein loss is an optimal
transport potential (Serrurier et al., NeurIPS 2023): its input gradient
``grad f(x)`` has unit norm and points toward the nearest point of the other
class. It is the saliency map, and walking along it gives a counterfactual
whose distance is never below the certified radius.

Fashion-MNIST is read from Debian's ``dataset-fashion-mnist`` when installed;
otherwise the example falls back to scikit-learn's 8x8 digits.
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from sklot.explain import counterfactual_radius_ratio  # noqa: E402
from sklot.lipschitz import LipschitzClassifier  # noqa: E402
from sklot.lipschitz._plotting import plot_explanations  # noqa: E402

out = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
out.mkdir(parents=True, exist_ok=True)

try:
    from sklot.datasets import load_fashion_mnist

    data = load_fashion_mnist(subset="train", n_samples=12000)
    test = load_fashion_mnist(subset="test", n_samples=2000)
    X, y, Xte, yte = data.data, data.target, test.data, test.target
    names, shape = data.target_names, (28, 28)
except FileNotFoundError as err:
    print(err, "\nFalling back to scikit-learn digits.")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    Xd, yd = load_digits(return_X_y=True)
    X, Xte, y, yte = train_test_split(Xd / 16.0, yd, test_size=0.3, random_state=0)
    names, shape = [str(i) for i in range(10)], (8, 8)

clf = LipschitzClassifier(
    hidden_layer_sizes=(256, 128),
    alpha=0.98,
    margin=0.5,
    max_epochs=6,
    batch_size=256,
    lr=2e-3,
    random_state=0,
    verbose=1,
).fit(X, y)
print(
    f"test accuracy {clf.score(Xte, yte):.3f}, VRA at 36/255: {clf.score_certified(Xte, yte, 36 / 255):.3f}"
)

# one image per class
idx = [int(np.flatnonzero(yte == c)[0]) for c in range(6)]
plot_explanations(
    clf, Xte[idx], shape, class_names=names, path=out / "lipschitz_saliency_counterfactuals.png",
    close=False,
)

x_cf, dist, reached = clf.counterfactual(Xte[:200])
ratio = counterfactual_radius_ratio(Xte[:200], x_cf, clf.certified_radius(Xte[:200]))
print(f"counterfactuals reached: {reached.mean():.1%}")
print(
    "distance / certified radius of the reached ones (always >= 1):",
    np.round(np.percentile(ratio[reached], [0, 50, 90]), 2),
)
