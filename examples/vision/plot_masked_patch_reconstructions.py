"""
Next-patch reconstructions on Fashion-MNIST
===========================================

:class:`sklot.vision.AutoregressiveImageEncoder` is pre-trained (image-only objective, no
captions) on 2,000 Fashion-MNIST images for a few epochs. The top rows of each image (a prefix of
patches) are given; every later patch is what the causal decoder predicts from the true patches
before it (the training task, :func:`sklot.vision.reconstruct_patches`), shown with the true
patch's mean and contrast as MAE shows its reconstructions. Longer pre-training
(``N_EPOCHS``) sharpens them.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from sklot.datasets import load_fashion_mnist
from sklot.vision import AutoregressiveImageEncoder, reconstruct_patches

N_TRAIN, N_EPOCHS = 2000, 3
X, y = load_fashion_mnist(return_X_y=True, as_images=True, n_samples=N_TRAIN)
X_test, _ = load_fashion_mnist(subset="test", return_X_y=True, as_images=True, n_samples=8)
enc = AutoregressiveImageEncoder(max_epochs=N_EPOCHS, random_state=0, verbose=1).fit(X)

prefix = 21  # 3 of the 7 rows of 4x4 patches
rec = reconstruct_patches(enc, X_test, prefix_length=prefix)
fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
for i in range(8):
    axes[0, i].imshow(X_test[i, 0], cmap="gray_r")
    axes[1, i].imshow(rec[i, 0], cmap="gray_r", vmin=0, vmax=1)
    axes[1, i].axhline(prefix // 7 * 4 - 0.5, color="tab:red", lw=1)
    for ax in axes[:, i]:
        ax.set_xticks([])
        ax.set_yticks([])
axes[0, 0].set_ylabel("test image")
axes[1, 0].set_ylabel("below the line:\npredicted")
fig.suptitle(f"AIM next-patch predictions after {N_EPOCHS} epochs on {N_TRAIN} images "
             f"(final loss {enc.history_[-1]['train_loss']:.3f})")
fig.tight_layout()
out = os.environ.get("SKLOT_EXAMPLES_OUT", ".")
fig.savefig(os.path.join(out, "vision_fashion_reconstructions.png"), dpi=100)
