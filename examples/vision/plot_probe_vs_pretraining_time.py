"""
Linear-probe accuracy against pre-training time
===============================================

The same encoder is pre-trained on 2,000 Fashion-MNIST images for 0 (random initialisation),
1, 2 and 4 epochs; a logistic regression on its frozen features is scored on 1,000 test images
and plotted against the pre-training time, with the raw-pixel probe as a reference line. On a
busy machine the times are only indicative.
"""

import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.datasets import load_fashion_mnist
from sklot.vision import AutoregressiveImageEncoder

N_TRAIN, EPOCHS = 2000, (1, 2, 4)
X, y = load_fashion_mnist(return_X_y=True, as_images=True, n_samples=N_TRAIN)
X_test, y_test = load_fashion_mnist(subset="test", return_X_y=True, as_images=True, n_samples=1000)


def probe(F, F_test):
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(F, y)
    return clf.score(F_test, y_test)


pixels = probe(X.reshape(len(X), -1), X_test.reshape(len(X_test), -1))
# 0 epochs: a fit with a vanishing learning rate leaves the random initialisation in place
times, accs = [0.0], []
enc0 = AutoregressiveImageEncoder(max_epochs=1, lr=1e-12, random_state=0).fit(X)
accs.append(probe(enc0.transform(X), enc0.transform(X_test)))
for n_epochs in EPOCHS:
    t0 = time.perf_counter()
    enc = AutoregressiveImageEncoder(max_epochs=n_epochs, random_state=0).fit(X)
    times.append(time.perf_counter() - t0)
    accs.append(probe(enc.transform(X), enc.transform(X_test)))
    print(f"{n_epochs} epochs: {times[-1]:.0f} s, probe accuracy {accs[-1]:.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(times, accs, "o-", label="AIM features (0, 1, 2, 4 epochs)")
ax.axhline(pixels, color="0.4", ls="--", label=f"raw pixels ({pixels:.3f})")
ax.set_xlabel("pre-training time (s, this machine)")
ax.set_ylabel("linear-probe test accuracy")
ax.legend()
ax.set_title(f"Fashion-MNIST, {N_TRAIN} training images")
fig.tight_layout()
out = os.environ.get("SKLOT_EXAMPLES_OUT", ".")
fig.savefig(os.path.join(out, "vision_probe_vs_time.png"), dpi=100)
