"""
Moment vs conjugate moment factorisation on a Gaussian
======================================================

For ``rho = N(0, S)`` the moment measure factorisation ``rho = grad u # e^{-u}``
has the latent ``N(0, S^{-1})``: narrow data directions become *wide* latent
directions (the paper's "ill-suited" baseline), while the conjugate moment
factorisation ``rho = grad w* # e^{-w}`` has the latent ``N(0, S^{1/3})``, aligned
with the data. Both are fitted from samples (without standardisation) and
compared with these closed forms.
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sklot.moment import ConjugateMomentSampler, gaussian_conjugate_moment  # noqa: E402

out_dir = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
R = np.array([[np.cos(0.6), -np.sin(0.6)], [np.sin(0.6), np.cos(0.6)]])
S = R @ np.diag([2.5, 0.3]) @ R.T
X = np.random.default_rng(0).multivariate_normal([0, 0], S, size=2000)


def ellipse(C, **kw):
    t = np.linspace(0, 2 * np.pi, 200)
    evals, evecs = np.linalg.eigh(C)
    pts = (evecs * 2 * np.sqrt(evals)) @ np.array([np.cos(t), np.sin(t)])
    plt.plot(pts[0], pts[1], **kw)


exact = {"conjugate": gaussian_conjugate_moment(np.zeros(2), S)[1], "moment": np.linalg.inv(S)}
plt.figure(figsize=(12, 4))
plt.subplot(1, 3, 1)
plt.scatter(X[:, 0], X[:, 1], s=2, c="k")
ellipse(S, c="k")
plt.title("data N(0, S)")
plt.axis("equal")
for i, fact in enumerate(("conjugate", "moment")):
    model = ConjugateMomentSampler(factorization=fact, standardize=False, max_iter=200, random_state=0).fit(X)
    latent = model.sample_latent(2000, random_state=0)
    err = np.linalg.norm(np.cov(latent.T) - exact[fact]) / np.linalg.norm(exact[fact])
    gen = model.sample(2000, random_state=0)
    gen_err = np.linalg.norm(np.cov(gen.T) - S) / np.linalg.norm(S)
    print(f"{fact}: latent covariance error {err:.3f}, generated covariance error {gen_err:.3f}")
    plt.subplot(1, 3, 2 + i)
    plt.scatter(latent[:, 0], latent[:, 1], s=2, c="tab:red")
    ellipse(exact[fact], c="k", label="closed form " + ("$S^{1/3}$" if fact == "conjugate" else "$S^{-1}$"))
    ellipse(np.cov(latent.T), c="tab:red", ls="--", label="fitted")
    plt.legend(fontsize=8)
    plt.title(f"{fact} latent (rel. error {err:.2f})")
    plt.axis("equal")
plt.tight_layout()
plt.savefig(out_dir / "moment_gaussian_factorisations.png", dpi=80)
