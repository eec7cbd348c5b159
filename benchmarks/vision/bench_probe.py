"""Frozen-trunk linear-probe accuracy of AutoregressiveImageEncoder against baselines, in one run.

Datasets: Fashion-MNIST (``sklot.datasets.load_fashion_mnist``: the first ``--n-train`` training
images, the first ``--n-test`` test images) and scikit-learn's digits (1,200 train / 597 test).
Every method gives features, probed by the same ``StandardScaler + LogisticRegression``; the
encoders' patch features are pooled as ``transform`` pools them with ``pooling`` = ``"mean"``,
``"grid"`` (four quadrant means) and ``"flatten"`` (all patch features), one row each:

* ``pixels``: the raw pixels;
* ``pca``: PCA to 64 components (fitted on the training images);
* ``random_init``: the encoder at its random initialisation (same seed and size, mean pooling);
* ``aim_image_only``: ``AutoregressiveImageEncoder`` pre-trained without captions (the AIMv1
  image-only objective; Fashion-MNIST and digits have no captions);
* ``mae``: the same encoder pre-trained by MAE-style masked reconstruction
  (``objective="masked"``, 75 % of the patches hidden).

Printed per method: probe accuracy on the test images, pre-training seconds per epoch (a timing:
rerun on an idle machine before quoting it). ``--scenes`` adds the procedural scenes
(``sklot.datasets.make_shape_scenes``: 32x32 RGB images of 1-4 coloured shapes with their
detail captions): the same encoder pre-trained image-only vs image+captions, probed on the
number of objects (which the captions state), same epochs.

Run from the repository root (full, the encoder's defaults; about 4 min of pre-training per
objective for 10,000 images on one idle core):
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/vision/bench_probe.py --n-train 10000 --n-test 2000
All 60,000 training images, the test set:
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/vision/bench_probe.py --n-train 60000 --n-test 10000
Scenes only (image-only vs image+captions, 2,000 / 1,000 scenes, 5 epochs):
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/vision/bench_probe.py --datasets --scenes \
        --n-train 2000 --n-test 1000 --epochs 5
``--poolings flatten`` probes the default pooling only (the 60,000-image probes of the other two
cost minutes each). Quick (a few minutes):
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/vision/bench_probe.py --quick

``--validation`` probes on held-out *training* images instead of the test images (Fashion-MNIST:
the ``--n-test`` training images after the first ``--n-train``; digits: the first 1,200 split
900 / 300): the split on which the default ``pooling`` was chosen, e.g.
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/vision/bench_probe.py --quick --validation \
        --datasets fashion digits --methods pixels aim_image_only
"""

import argparse
import json
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot._core.init import build_module
from sklot.vision import AutoregressiveImageEncoder, VisionEncoder, flatten_pool, grid_pool, mean_pool
from sklot.vision._estimator import _mlp_dim

POOLINGS = ("mean", "grid", "flatten")


def probe(F_tr, y_tr, F_te, y_te):
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return float(clf.fit(F_tr, y_tr).score(F_te, y_te))


def pool(tokens, how):
    """``transform``'s pooling (``pooling=how``) of patch features (n, N, D), in numpy."""
    import torch

    t = torch.as_tensor(tokens)
    side = int(round(t.shape[1] ** 0.5))
    pools = {"mean": mean_pool, "grid": lambda z: grid_pool(z, (side, side)), "flatten": flatten_pool}
    return pools[how](t).numpy()


def random_init_features(params, X_tr, X_te, seed=0):
    """Patch features of the encoder at initialisation (inputs standardised as in fit)."""
    import torch

    C, H, W = X_tr.shape[1:]
    enc = build_module(
        lambda: VisionEncoder((C, H, W), params["patch_size"], params["embed_dim"], params["depth"],
                              params["n_heads"], _mlp_dim(params["embed_dim"])),
        seed,
    ).eval()
    mean, std = X_tr.mean(), X_tr.std()
    out = []
    for X in (X_tr, X_te):
        with torch.no_grad():
            x = torch.as_tensor(((X - mean) / std).astype(np.float32))
            out.append(torch.cat([enc(x[i : i + 256]) for i in range(0, len(x), 256)]).numpy())
    return out


def run_encoder(params, X_tr, X_te, captions=None):
    t0 = time.perf_counter()
    enc = AutoregressiveImageEncoder(**params).fit(X_tr, captions=captions)
    total = time.perf_counter() - t0
    per_epoch = float(np.mean([h["dur"] for h in enc.history_]))
    return enc.patch_features(X_tr), enc.patch_features(X_te), per_epoch, total


def bench_dataset(name, X_tr, y_tr, X_te, y_te, params, methods, poolings=POOLINGS):
    rows = []
    flat_tr, flat_te = X_tr.reshape(len(X_tr), -1), X_te.reshape(len(X_te), -1)
    for method in methods:
        per_epoch = total = float("nan")
        t0 = time.perf_counter()
        if method == "pixels":
            F_tr, F_te = flat_tr, flat_te
        elif method == "pca":
            pca = PCA(64, random_state=0).fit(flat_tr)
            F_tr, F_te = pca.transform(flat_tr), pca.transform(flat_te)
        elif method == "random_init":
            F_tr, F_te = random_init_features(params, X_tr, X_te)
        elif method == "aim_image_only":
            F_tr, F_te, per_epoch, total = run_encoder(params, X_tr, X_te)
        elif method == "mae":
            F_tr, F_te, per_epoch, total = run_encoder({**params, "objective": "masked"}, X_tr, X_te)
        else:
            raise ValueError(method)
        variants = [(method, F_tr, F_te)] if F_tr.ndim == 2 else [
            (f"{method}[{how}]", pool(F_tr, how), pool(F_te, how)) for how in poolings
        ]
        for label, A, B in variants:
            acc = probe(A, y_tr, B, y_te)
            rows.append(dict(dataset=name, method=label, accuracy=acc, n_features=A.shape[1],
                             seconds_per_epoch=per_epoch, pretrain_seconds=total))
            print(f"{name:14s} {label:26s} probe acc {acc:.4f}  features {A.shape[1]:5d}  "
                  f"s/epoch {per_epoch:7.2f}  pre-training {total:7.1f} s", flush=True)
        print(f"  ({method}: {time.perf_counter() - t0:.1f} s in all)", flush=True)
    return rows


def bench_scenes(n_train, n_test, params):
    """Image-only vs image+captions on a probe of the number of objects (needs make_shape_scenes)."""
    from sklot import datasets

    if "make_shape_scenes" not in datasets.__all__:
        print("scenes: sklot.datasets.make_shape_scenes is not available in this version; skipped")
        return []
    X, _, info = datasets.make_shape_scenes(n_train + n_test, image_size=32, random_state=0, return_info=True)
    # detail captions: counts and shapes first ("Two circles and a square."), then sizes, colours,
    # positions (cut at the encoder's max_caption_tokens)
    captions, y = list(info.detail_captions), np.asarray(info.n_objects)
    X_tr, X_te, y_tr, y_te = X[:n_train], X[n_train:], y[:n_train], y[n_train:]
    rows = []
    for method, caps in (("aim_image_only", None), ("aim_image_text", captions[:n_train])):
        F_tr, F_te, per_epoch, total = run_encoder({**params, "image_shape": None}, X_tr, X_te, captions=caps)
        for how in POOLINGS:
            acc = probe(pool(F_tr, how), y_tr, pool(F_te, how), y_te)
            rows.append(dict(dataset="scenes_count", method=f"{method}[{how}]", accuracy=acc,
                             seconds_per_epoch=per_epoch, pretrain_seconds=total))
            print(f"scenes (count) {method}[{how}] probe acc {acc:.4f}  s/epoch {per_epoch:7.2f}", flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 / 1,000 Fashion-MNIST images, 3 epochs")
    ap.add_argument("--n-train", type=int, default=10000)
    ap.add_argument("--n-test", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=None, help="default: the estimator's (10)")
    ap.add_argument("--datasets", nargs="*", default=["fashion", "digits"], choices=["fashion", "digits"])
    ap.add_argument("--methods", nargs="+", default=["pixels", "pca", "random_init", "aim_image_only", "mae"])
    ap.add_argument("--scenes", action="store_true",
                    help="add the scenes (min(n_train, 4000) / min(n_test, 1000) 32x32 RGB images)")
    ap.add_argument("--validation", action="store_true",
                    help="probe on held-out training images (the split defaults are chosen on)")
    ap.add_argument("--poolings", nargs="+", default=list(POOLINGS), choices=POOLINGS,
                    help="poolings probed for the encoders (default: all three)")
    ap.add_argument("--json", default=None, help="write the rows to this file")
    args = ap.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test = 2000, 1000
        args.epochs = args.epochs or 3
    epochs = {} if args.epochs is None else {"max_epochs": args.epochs}
    rows = []
    if "fashion" in args.datasets:
        from sklot.datasets import load_fashion_mnist

        kw = dict(return_X_y=True, as_images=True)
        if args.validation:
            X, y = load_fashion_mnist(subset="train", n_samples=args.n_train + args.n_test, **kw)
            X_tr, y_tr, X_te, y_te = X[: args.n_train], y[: args.n_train], X[args.n_train :], y[args.n_train :]
        else:
            X_tr, y_tr = load_fashion_mnist(subset="train", n_samples=args.n_train, **kw)
            X_te, y_te = load_fashion_mnist(subset="test", n_samples=args.n_test, **kw)
        params = dict(random_state=0, device="cpu", **epochs)  # the estimator's defaults otherwise
        full = {**AutoregressiveImageEncoder().get_params(), **params}
        rows += bench_dataset("fashion_mnist", X_tr, y_tr, X_te, y_te, full, args.methods, args.poolings)
    if "digits" in args.datasets:
        d = load_digits()
        X = d.data.reshape(-1, 1, 8, 8)
        params = dict(AutoregressiveImageEncoder().get_params(), patch_size=2, embed_dim=32, depth=2,
                      decoder_dim=32, decoder_depth=1, batch_size=64, random_state=0, device="cpu", **epochs)
        y = d.target
        cut, end = (900, 1200) if args.validation else (1200, len(y))
        rows += bench_dataset("digits", X[:cut], y[:cut], X[cut:end], y[cut:end], params, args.methods,
                              args.poolings)
    if args.scenes:
        rows += bench_scenes(min(args.n_train, 4000), min(args.n_test, 1000),
                             dict(random_state=0, device="cpu", **epochs))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return rows


if __name__ == "__main__":
    main()
