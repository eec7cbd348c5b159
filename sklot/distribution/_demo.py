"""Demo of the distribution-regression family (``python -m sklot demo --only distribution``)."""

import pathlib

import numpy as np


def run(output_dir: pathlib.Path) -> dict:
    """Fit KernelDistributionRegressor on two generators with known answers; save one plot."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import explained_variance_score

    from sklot.datasets import make_ecological_bags, make_rotated_gaussian_bags
    from sklot.distribution import KernelDistributionRegressor

    output_dir = pathlib.Path(output_dir)
    scores = {}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))

    bags, y, angles = make_rotated_gaussian_bags(n_bags=400, n_points=300, random_state=0, return_angles=True)
    model = KernelDistributionRegressor(alpha=1e-6, random_state=0).fit(bags[:100], y[:100])
    pred = model.predict(bags[100:])
    scores["entropy_explained_variance"] = float(explained_variance_score(y[100:], pred))
    order = np.argsort(angles[100:])
    axes[0].plot(angles[100:][order], y[100:][order], "k-", label="true")
    axes[0].plot(angles[100:], pred, ".", ms=3, label="predicted")
    axes[0].set_xlabel("rotation angle")
    axes[0].set_ylabel("entropy")
    axes[0].set_title(f"rotated Gaussians, EV {scores['entropy_explained_variance']:.3f}")
    axes[0].legend()

    bags, y = make_ecological_bags(n_bags=300, n_points=200, n_features=5, random_state=0)
    model = KernelDistributionRegressor(alpha=1e-2, random_state=0).fit(bags[:100], y[:100])
    pred = model.predict(bags[100:])
    scores["ecological_explained_variance"] = float(explained_variance_score(y[100:], pred))
    axes[1].scatter(y[100:], pred, s=6)
    axes[1].plot([0, 1], [0, 1], "k--", lw=1)
    axes[1].set_xlabel("true vote share")
    axes[1].set_ylabel("predicted")
    axes[1].set_title(f"ecological regression d=5, EV {scores['ecological_explained_variance']:.3f}")
    fig.tight_layout()
    fig.savefig(output_dir / "distribution_regression.png", dpi=100)
    plt.close(fig)
    return scores
