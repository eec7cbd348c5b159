"""Demo of the diffusion family: SPELL keeps a 2-D diffusion model's samples out of shield balls."""

import pathlib


def run(output_dir: pathlib.Path) -> dict:
    """Fit a small DiffusionGenerator on a 2-D mixture; sample with / without a static SPELL shield."""
    import matplotlib.pyplot as plt
    import numpy as np

    from sklot.diffusion import DiffusionGenerator, SparseRepellency
    from sklot.diffusion.metrics import in_shield_rate

    output_dir = pathlib.Path(output_dir)
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = centers[rng.integers(0, 3, 600)] + 0.5 * rng.normal(size=(600, 2))
    gen = DiffusionGenerator(hidden_layer_sizes=(64, 64), n_timesteps=100, max_epochs=60, batch_size=64,
                             sampler="ddim", random_state=0).fit(X)
    shield, radius = X[rng.choice(len(X), 10, replace=False)], 0.5
    spell = SparseRepellency(radius=radius).fit(shield)
    vanilla = gen.sample(500, random_state=1)
    shielded, trace = gen.sample(500, random_state=1, repellency=spell, return_trace=True)
    scores = {
        "in_shield_rate_vanilla": in_shield_rate(vanilla, shield, radius),
        "in_shield_rate_spell": in_shield_rate(shielded, shield, radius),
        "active_step_fraction": float(trace["active"].mean()),
        "active_last_fifth": float(trace["active_fraction"][-20:].mean()),
    }
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, S, title in ((axes[0], vanilla, "without SPELL"), (axes[1], shielded, "with SPELL (static)")):
        ax.scatter(*X.T, s=2, color="0.75", label="training data")
        ax.scatter(*S.T, s=4, color="tab:blue", label="samples")
        for z in shield:
            ax.add_patch(plt.Circle(z, radius, fill=False, color="tab:red"))
        rate = in_shield_rate(S, shield, radius)
        ax.set_title(f"{title}: {100 * rate:.1f} % in the shield")
        ax.set_aspect("equal")
    axes[0].legend(loc="upper right", fontsize=7)
    axes[2].plot(trace["active_fraction"])
    axes[2].set_xlabel("reverse step (noise -> data)")
    axes[2].set_ylabel("fraction of trajectories with x0_hat in a ball")
    axes[2].set_title("SPELL is sparse")
    fig.tight_layout()
    fig.savefig(output_dir / "diffusion_spell_2d.png", dpi=100)
    plt.close(fig)
    return scores
