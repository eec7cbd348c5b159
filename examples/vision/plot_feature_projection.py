"""
Frozen AIM features of Fashion-MNIST, projected in 2-D
======================================================

An encoder pre-trained without labels (image-only autoregression, 2,000 images, a few epochs)
embeds unseen test images; their pooled features (``transform``) are projected on the first two
principal components and coloured by class (never seen in pre-training). The printed linear-probe
accuracy uses all feature dimensions.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.datasets import load_fashion_mnist
from sklot.vision import AutoregressiveImageEncoder

N_TRAIN, N_EPOCHS = 2000, 3
data = load_fashion_mnist(as_images=True, n_samples=N_TRAIN)
X, y = data.data, data.target
X_test, y_test = load_fashion_mnist(subset="test", return_X_y=True, as_images=True, n_samples=1000)
enc = AutoregressiveImageEncoder(max_epochs=N_EPOCHS, random_state=0).fit(X)
F, F_test = enc.transform(X), enc.transform(X_test)
probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(F, y)
print(f"linear probe on frozen features: {probe.score(F_test, y_test):.3f}")

Z = PCA(2, random_state=0).fit(F).transform(F_test)
fig, ax = plt.subplots(figsize=(7, 5.5))
for c, name in enumerate(data.target_names):
    sel = y_test == c
    ax.scatter(*Z[sel].T, s=6, label=name)
ax.legend(markerscale=3, fontsize=8, loc="best")
ax.set_title("AIM features of Fashion-MNIST test images (first 2 principal components)")
fig.tight_layout()
out = os.environ.get("SKLOT_EXAMPLES_OUT", ".")
fig.savefig(os.path.join(out, "vision_fashion_features_pca.png"), dpi=100)
