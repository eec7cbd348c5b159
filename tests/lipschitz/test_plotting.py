"""The explanation figure of the demo and the gallery: a shared colour scale for the saliency row."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from sklot.lipschitz import LipschitzClassifier  # noqa: E402
from sklot.lipschitz._plotting import plot_explanations  # noqa: E402


def test_saliency_row_has_one_colour_scale_and_a_colour_bar():
    X, y = load_digits(return_X_y=True)
    X = X[:300] / 16.0
    clf = LipschitzClassifier(hidden_layer_sizes=(16,), max_epochs=1, random_state=0).fit(X, y[:300])
    n = 4
    fig = plot_explanations(clf, X[:n], (8, 8), n=n)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    saliency = images[n : 2 * n]  # rows: input, saliency, counterfactual
    sal = clf.explain(X[:n])
    v = np.abs(sal).max()
    for im in saliency:  # symmetric, and the same for every image of the row
        assert im.get_clim() == (-v, v)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1
    assert bars[0].get_ylabel().startswith("saliency")
    # closed by default (the demo); left open on request (the gallery shows open figures)
    assert not plt.fignum_exists(fig.number)
    kept = plot_explanations(clf, X[:n], (8, 8), n=n, close=False)
    assert plt.fignum_exists(kept.number)
    plt.close(kept)
