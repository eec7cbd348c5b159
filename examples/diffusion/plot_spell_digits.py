"""
Class-conditional digits without / with dynamic SPELL, and their nearest training images
========================================================================================

A class-conditional :class:`~sklot.diffusion.DiffusionGenerator` (a small conv UNet, classifier-free
guidance) is fitted on scikit-learn's 8x8 digits. For each class we draw a batch without and with
dynamic SPELL (:class:`~sklot.diffusion.SparseRepellency`, ``mode="dynamic"``: the batch's other
members repel each denoised estimate), and show each sample beside its nearest training image. The
Vendi score of each batch measures its diversity.
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

from sklot.diffusion import DiffusionGenerator, SparseRepellency  # noqa: E402
from sklot.diffusion.metrics import vendi_score  # noqa: E402

out_dir = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
digits = load_digits()
X, y = digits.data / 16.0, digits.target
gen = DiffusionGenerator(image_shape=(8, 8), max_epochs=40, batch_size=128, sampler="ddim",
                         n_sampling_steps=50, guidance_scale=2.0, random_state=0).fit(X, y)
nn = NearestNeighbors(n_neighbors=1).fit(X)
per_class = 6
labels = np.repeat(np.arange(10), per_class)
batches = {"without SPELL": gen.sample(len(labels), y=labels, random_state=1)}
dyn = SparseRepellency(radius=2.0, mode="dynamic", memory=False).fit()
batches["with dynamic SPELL"] = gen.sample(len(labels), y=labels, random_state=1, repellency=dyn)

fig, axes = plt.subplots(2, 1, figsize=(12, 12))
for ax, (title, S) in zip(axes, batches.items()):
    nearest = X[nn.kneighbors(S)[1][:, 0]]
    tiles = np.zeros((10 * 9, per_class * 18))
    for i, (s, n) in enumerate(zip(S, nearest)):
        r, c = divmod(i, per_class)
        tiles[r * 9 : r * 9 + 8, c * 18 : c * 18 + 8] = np.clip(s.reshape(8, 8), 0, 1)
        tiles[r * 9 : r * 9 + 8, c * 18 + 9 : c * 18 + 17] = n.reshape(8, 8)
    vendi = np.mean([vendi_score(S[labels == k], bandwidth=2.0) for k in range(10)])
    ax.imshow(tiles, cmap="gray_r")
    ax.set_title(f"{title} (left of each pair: sample; right: nearest training image); "
                 f"mean per-class Vendi {vendi:.2f}")
    ax.axis("off")
fig.tight_layout()
fig.savefig(out_dir / "diffusion_spell_digits.png", dpi=90)
