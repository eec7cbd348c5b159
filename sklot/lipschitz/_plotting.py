"""Figures shared by the demo and the examples (matplotlib, Agg-safe)."""

import numpy as np


def plot_explanations(clf, X, image_shape, class_names=None, path=None, n=6):
    """Rows: input, saliency map, counterfactual (runner-up class), with distances and radii."""
    import matplotlib.pyplot as plt

    X = X[:n]
    sal = clf.explain(X).reshape(len(X), *image_shape[-2:])
    x_cf, dist = clf.counterfactual(X, clip=(float(X.min()), float(X.max())))
    radius = clf.certified_radius(X)
    pred, pred_cf = clf.predict(X), clf.predict(x_cf)
    names = (lambda c: class_names[c]) if class_names is not None else str
    fig, axes = plt.subplots(3, len(X), figsize=(1.9 * len(X), 6.2))
    for i in range(len(X)):
        axes[0, i].imshow(X[i].reshape(image_shape[-2:]), cmap="gray")
        axes[0, i].set_title(f"{names(pred[i])}\nr={radius[i]:.2f}", fontsize=8)
        v = np.abs(sal[i]).max() or 1.0
        axes[1, i].imshow(sal[i], cmap="coolwarm", vmin=-v, vmax=v)
        axes[2, i].imshow(x_cf[i].reshape(image_shape[-2:]), cmap="gray")
        axes[2, i].set_title(f"-> {names(pred_cf[i])}\nd={dist[i]:.2f}", fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("saliency")
    axes[2, 0].set_ylabel("counterfactual")
    fig.suptitle(
        "1-Lipschitz network: certified radius r, saliency grad f, counterfactual at distance d >= r",
        fontsize=9,
    )
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return fig
