"""Figures shared by the demo and the examples (matplotlib, Agg-safe)."""

import numpy as np


def plot_explanations(clf, X, image_shape, class_names=None, path=None, n=6, close=True):
    """Rows: input, saliency map, counterfactual (runner-up class), with distances and radii.

    ``close=False`` leaves the figure open (the docs gallery shows the open figures).
    """
    import matplotlib.pyplot as plt

    X = X[:n]
    sal = clf.explain(X).reshape(len(X), *image_shape[-2:])
    x_cf, dist, reached = clf.counterfactual(X, clip=(float(X.min()), float(X.max())))
    radius = clf.certified_radius(X)
    pred, pred_cf = clf.predict(X), clf.predict(x_cf)
    names = (lambda c: class_names[c]) if class_names is not None else str
    fig, axes = plt.subplots(
        3, len(X), figsize=(1.9 * len(X) + 0.9, 6.2), squeeze=False, layout="constrained"
    )
    # One colour scale for the whole row (the gradients all have norm <= 1), shown by a colour bar.
    v = float(np.abs(sal).max()) or 1.0
    for i in range(len(X)):
        axes[0, i].imshow(X[i].reshape(image_shape[-2:]), cmap="gray")
        axes[0, i].set_title(f"{names(pred[i])}\nr={radius[i]:.2f}", fontsize=8)
        im = axes[1, i].imshow(sal[i], cmap="coolwarm", vmin=-v, vmax=v)
        axes[2, i].imshow(x_cf[i].reshape(image_shape[-2:]), cmap="gray")
        mark = "" if reached[i] else " (not reached)"
        axes[2, i].set_title(f"-> {names(pred_cf[i])}{mark}\nd={dist[i]:.2f}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("saliency")
    axes[2, 0].set_ylabel("counterfactual")
    fig.colorbar(im, ax=axes[1, :].tolist(), shrink=0.9, pad=0.02, label="saliency (d margin / d pixel)")
    fig.suptitle(
        "1-Lipschitz network: certified radius r, saliency grad f, counterfactual at distance d >= r",
        fontsize=9,
    )
    if path is not None:
        fig.savefig(path, dpi=110)
    if close:
        plt.close(fig)
    return fig
