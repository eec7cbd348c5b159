"""Demo of the moment family: fit the two moons, sample, map, and check a Gaussian closed form."""

import pathlib
import time

import numpy as np


def run(output_dir: pathlib.Path) -> dict:
    """Fit :class:`ConjugateMomentSampler` on two moons and on a 2-D Gaussian; save one plot.

    Returns the sliced Wasserstein distance of generated moons to held-out moons
    (and of a fitted Gaussian, for scale), the Gaussian latent and generated
    covariance errors against the closed form, the map error (L2-UVP, %) and times.
    """
    import matplotlib.pyplot as plt
    import ot

    from . import ConjugateMomentSampler, gaussian_conjugate_moment
    from ..datasets import make_two_moons

    output_dir = pathlib.Path(output_dir)
    scores = {}
    X = make_two_moons(1000, random_state=0)
    test = make_two_moons(1000, random_state=1)
    t0 = time.perf_counter()
    model = ConjugateMomentSampler(max_iter=150, random_state=0).fit(X)
    scores["moons_fit_seconds"] = time.perf_counter() - t0
    gen = model.sample(1000, random_state=0)
    gauss = np.random.default_rng(0).multivariate_normal(X.mean(0), np.cov(X.T), size=1000)
    scores["moons_sliced_w2"] = float(ot.sliced_wasserstein_distance(gen, test, n_projections=200, seed=0))
    scores["moons_sliced_w2_gaussian_fit"] = float(ot.sliced_wasserstein_distance(gauss, test, n_projections=200, seed=0))

    S = np.array([[2.0, 0.6], [0.6, 0.5]])
    m = np.array([1.0, -0.5])
    Y = np.random.default_rng(2).multivariate_normal(m, S, size=1000)
    gm = ConjugateMomentSampler(max_iter=150, ot_solver="emd", learning_rate=3e-3, standardize=False, random_state=0).fit(Y)
    a, S13, _ = gaussian_conjugate_moment(m, S)
    latent = gm.sample_latent(3000, random_state=0)
    gen_g = gm.sample(3000, random_state=0)
    scores["gaussian_latent_cov_rel_error"] = float(np.linalg.norm(np.cov(latent.T) - S13) / np.linalg.norm(S13))
    scores["gaussian_generated_cov_rel_error"] = float(np.linalg.norm(np.cov(gen_g.T) - S) / np.linalg.norm(S))
    x = np.random.default_rng(3).multivariate_normal(a, S13, size=2000)
    scores["gaussian_map_l2_uvp_percent"] = float(
        100 * np.mean(np.sum((gm.inverse_transform(x) - (a + x @ S13.T)) ** 2, 1)) / np.trace(S)
    )

    fig, ax = plt.subplots(1, 3, figsize=(12, 4))
    ax[0].scatter(X[:, 0], X[:, 1], s=2, c="k")
    ax[0].set_title("two moons (train)")
    lat = model.sample_latent(1000, random_state=0)
    ax[1].scatter(lat[:, 0], lat[:, 1], s=2, c="tab:red")
    ax[1].set_title("latent samples of $e^{-w}$")
    ax[2].scatter(gen[:, 0], gen[:, 1], s=2, c="tab:green")
    ax[2].set_title(r"generated $\nabla w^*$(latent)")
    for a_ in ax:
        # equal axis units with equal box sizes: the data limits adapt, not the panel heights
        a_.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    fig.savefig(output_dir / "moment_two_moons.png", dpi=80)
    plt.close(fig)
    return scores
