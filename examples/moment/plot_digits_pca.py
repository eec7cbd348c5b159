"""
Generating 8x8 digits in a PCA space
====================================

The 8x8 digits of scikit-learn are compressed to 8 PCA components, a
:class:`~sklot.moment.ConjugateMomentSampler` is fitted in that space (inside a
:class:`~sklearn.pipeline.Pipeline` with the PCA), and we show sampled digits,
their nearest training images, and an interpolation between two digits along a
straight line in the latent space (``transform`` = grad w, ``inverse_transform`` =
grad w*), decoded back through the PCA.
"""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

from sklot.moment import ConjugateMomentSampler  # noqa: E402

out_dir = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
X = load_digits().data
pca = PCA(n_components=8, random_state=0).fit(X)
codes = pca.transform(X)
model = ConjugateMomentSampler(max_iter=200, random_state=0).fit(codes)

samples = pca.inverse_transform(model.sample(10, random_state=0))
nn = NearestNeighbors(n_neighbors=1).fit(X)
nearest = X[nn.kneighbors(samples, return_distance=False)[:, 0]]

a, b = 0, 1  # interpolate between the first "0" and the first "1" through the latent
za, zb = model.transform(codes[[a, b]])
path = np.array([(1 - t) * za + t * zb for t in np.linspace(0, 1, 10)])
interp = pca.inverse_transform(model.inverse_transform(path))

fig, axes = plt.subplots(3, 10, figsize=(12, 4))
for j in range(10):
    for i, (imgs, label) in enumerate(((samples, "sampled"), (nearest, "nearest train"), (interp, "latent path"))):
        axes[i, j].imshow(imgs[j].reshape(8, 8), cmap="gray_r")
        axes[i, j].axis("off")
        if j == 0:
            axes[i, j].set_title(label, fontsize=8, loc="left")
fig.tight_layout()
fig.savefig(out_dir / "moment_digits.png", dpi=80)
print("saved", out_dir / "moment_digits.png")
