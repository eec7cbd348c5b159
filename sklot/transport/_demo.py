"""Demo of the transport family: a Lipschitz OT map on a 2-D Gaussian pair with a known map."""

import pathlib


def run(output_dir: pathlib.Path) -> dict:
    """Fit LipschitzTransportMap on 1,000 + 1,000 points; compare with the exact map; save a plot."""
    import matplotlib.pyplot as plt

    from sklot.datasets import make_transport_pair
    from sklot.transport import LipschitzTransportMap, l2_uvp

    output_dir = pathlib.Path(output_dir)
    sample_source, sample_target, exact_map = make_transport_pair("gaussian", n_features=2, random_state=0)
    X, Y, X_test = sample_source(1000, rng=0), sample_target(1000, rng=1), sample_source(2000, rng=2)
    model = LipschitzTransportMap(random_state=0).fit(X, Y)  # the defaults
    T_hat, T = model.transform(X_test), exact_map(X_test)
    scores = {
        "l2_uvp_percent": float(l2_uvp(T_hat, T, sample_target(4000, rng=3))),
        "l2_uvp_identity_percent": float(l2_uvp(X_test, T, sample_target(4000, rng=3))),
        "lipschitz_constant": float(model.lipschitz_constant_),
        "lipschitz_bound": float(model.lipschitz_bound_),
    }
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharex=True, sharey=True)
    shown = X_test[:120]
    panels = ((axes[0], model.transform(shown), "learned map"),
              (axes[1], exact_map(shown), "exact (Bures) map"))
    for ax, mapped, title in panels:
        ax.scatter(*Y[:600].T, s=3, color="tab:orange", alpha=0.4, label="target samples")
        ax.scatter(*shown.T, s=6, color="tab:blue", label="source points")
        arrows = (mapped - shown).T
        ax.quiver(*shown.T, *arrows, angles="xy", scale_units="xy", scale=1, width=0.003, color="0.3")
        ax.set_title(title)
        ax.set_aspect("equal", adjustable="box")
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"LipschitzTransportMap on a 2-D Gaussian pair: L2-UVP {scores['l2_uvp_percent']:.2f} % "
                 f"(identity {scores['l2_uvp_identity_percent']:.0f} %)")
    fig.tight_layout()
    fig.savefig(output_dir / "transport_gaussian_map.png", dpi=100)
    plt.close(fig)
    return scores
