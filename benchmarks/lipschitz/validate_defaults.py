"""Validation of LipschitzClassifier's learning-rate defaults (``lr=3e-3``, ``lr_schedule="cosine"``).

Reproduces the validation table of docs/benchmarks/lipschitz.md ("What was chosen, on a
validation split"), which the estimators' docstrings cite: Fashion-MNIST, the last 10,000 of a
seeded shuffle (``numpy.random.default_rng(12345)``, as ``bench_fashion_mnist_seeds.py
--holdout 10000``) of the 60,000 training images held out for validation, training on the other
50,000 -- never the test set. Dense 784-256-128-10, MaxMin, orthonormal layers, multiclass HKR
(alpha=0.98, margin=0.5), Adam, batch 256, 3 epochs, seeds 0-2. Reported: validation accuracy and
verified robust accuracy (VRA) at eps = 36/255 and 0.5, certified as margin / (sqrt(2) L) with L
the product of the exact spectral norms of the exported weights.

Grid (``--rows``; each row trained once per seed):

* ``const_1e-3``: constant rate 1e-3;
* ``epoch_<lr>``: cosine annealing once per epoch, lr_t = lr (1 + cos(pi t / T)) / 2, t = 0..T-1
  (the schedule LipschitzClassifier had before the per-step one), lr in 5e-4, 1e-3, 2e-3, 3e-3,
  5e-3;
* ``epoch_3e-3_layers``: the same at 3e-3 with per-layer rates x0.57 / x1 / x1.41 (first, second,
  last dense layer);
* ``step_3e-3`` (the default: LipschitzClassifier's own ``lr_schedule="cosine"``) and
  ``step_4e-3``: cosine annealing at every training step;
* ``const_1e-3_noreproject``: constant 1e-3 without the reprojection of the raw weights after each
  step (LipschitzNet(reproject=False));
* ``deel_<lr>``: deel-torchlip 1.0.5 at a constant rate (1e-3, its notebook's; 2e-3; 3e-3), trained
  by ``bench_fashion_mnist.train_deel`` (needs ``deel-torchlip``).

The variants change only the schedule callbacks, the optimiser's parameter groups or the
reprojection of the same estimator (no patching of sklot). ``--quick`` runs a reduced form that
finishes in a few minutes on a loaded 2-core machine: the first 10,000 of the 50,000 training
images, seed 0, every sklot row and deel-torchlip at 1e-3 (evaluation on the same 10,000
validation images); its figures are not those of the table (a fifth of the data, one seed).

    OMP_NUM_THREADS=1 python benchmarks/lipschitz/validate_defaults.py                  # the table
    OMP_NUM_THREADS=1 python benchmarks/lipschitz/validate_defaults.py --quick          # reduced
    OMP_NUM_THREADS=1 python benchmarks/lipschitz/validate_defaults.py --rows step_3e-3 --seeds 0 1 2
"""

import argparse
import json
import math
import pathlib
import sys
import time

import numpy as np
import torch
from skorch.callbacks import Callback

# benchmark the sklot of this checkout (not another installed copy), and import the sibling bench
sys.path[:0] = [str(pathlib.Path(__file__).resolve().parents[2]), str(pathlib.Path(__file__).parent)]
from bench_fashion_mnist import evaluate, spectral_bound, train_deel  # noqa: E402

from sklot.lipschitz import LipschitzClassifier  # noqa: E402


class CosinePerEpoch(Callback):
    """lr_t = lr (1 + cos(pi t / T)) / 2 at epoch t = 0..T-1 (optionally per-layer multipliers)."""

    def __init__(self, layer_scales=None):
        self.layer_scales = layer_scales

    def on_train_begin(self, net, **kwargs):
        if self.layer_scales is not None:
            # one parameter group per dense layer (weight and bias), rate lr * scale
            layers = [m for m in net.module_.modules() if isinstance(m, torch.nn.Linear)]
            if len(layers) != len(self.layer_scales):
                raise ValueError(f"{len(self.layer_scales)} layer scales for {len(layers)} dense layers.")
            groups = [
                {"params": list(m.parameters()), "lr": net.lr * s} for m, s in zip(layers, self.layer_scales)
            ]
            net.optimizer_ = torch.optim.Adam(groups, lr=net.lr)
        self.base_lrs_ = [g["lr"] for g in net.optimizer_.param_groups]

    def on_epoch_begin(self, net, **kwargs):
        t = len(net.history) - 1
        factor = (1 + math.cos(math.pi * t / net.max_epochs)) / 2
        for group, base in zip(net.optimizer_.param_groups, self.base_lrs_):
            group["lr"] = base * factor
        net.history.record("event_lr", net.optimizer_.param_groups[0]["lr"])


class NoReprojection(Callback):
    def on_train_begin(self, net, **kwargs):
        net.reproject = False


class _Variant(LipschitzClassifier):
    """LipschitzClassifier whose schedule callbacks are replaced by ``_variant_callbacks``."""

    _variant_callbacks = None

    def _lr_callbacks(self):
        if self._variant_callbacks is None:
            return super()._lr_callbacks()
        return list(self._variant_callbacks)


def sklot_row(name):
    """(LipschitzClassifier parameters, replacement callbacks or None) of a grid row."""
    kind, _, rest = name.partition("_")
    if kind == "const":
        lr = float(rest.split("_")[0])
        cbs = [("no_reproject", NoReprojection())] if rest.endswith("noreproject") else None
        return dict(lr=lr, lr_schedule="constant"), cbs or None
    if kind == "epoch":
        lr = float(rest.split("_")[0])
        scales = (0.57, 1.0, 1.41) if rest.endswith("layers") else None
        return dict(lr=lr, lr_schedule="cosine"), [("lr_scheduler", CosinePerEpoch(scales))]
    if kind == "step":
        return dict(lr=float(rest), lr_schedule="cosine"), None  # the estimator's own schedule
    raise ValueError(f"unknown row {name!r}")


TABLE_ROWS = [
    "deel_1e-3",
    "deel_2e-3",
    "deel_3e-3",
    "const_1e-3",
    "epoch_5e-4",
    "epoch_1e-3",
    "epoch_2e-3",
    "epoch_3e-3",
    "epoch_5e-3",
    "epoch_3e-3_layers",
    "step_3e-3",
    "step_4e-3",
    "const_1e-3_noreproject",
]
QUICK_ROWS = ["deel_1e-3"] + [r for r in TABLE_ROWS if not r.startswith("deel_")]


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", nargs="+", default=None, help=f"grid rows (default: all of {TABLE_ROWS})")
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="default 0 1 2 (quick: 0)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--holdout", type=int, default=10000)
    p.add_argument("--n-train", type=int, default=None, help="first N training images (quick: 10000)")
    p.add_argument("--quick", action="store_true", help="reduced run (see the module docstring)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data-home", default=None, help="folder of the Fashion-MNIST IDX files")
    p.add_argument("--out", default="benchmarks/results/lipschitz_validate_defaults.json")
    args = p.parse_args()
    if args.quick:
        args.rows = args.rows or QUICK_ROWS
        args.seeds = args.seeds or [0]
        args.n_train = args.n_train or 10000
    args.rows = args.rows or TABLE_ROWS
    args.seeds = args.seeds or [0, 1, 2]
    return args


def split(args):
    from sklot.datasets import load_fashion_mnist

    X, y = load_fashion_mnist(subset="train", data_home=args.data_home, return_X_y=True)
    perm = np.random.default_rng(12345).permutation(len(X))  # as bench_fashion_mnist_seeds --holdout
    val, tr = perm[: args.holdout], perm[args.holdout :]
    if args.n_train is not None:
        tr = tr[: args.n_train]
    return X[tr], y[tr], X[val], y[val]


def run_row(name, seed, data, args):
    Xtr, ytr, Xva, yva = data
    if name.startswith("deel_"):
        a = argparse.Namespace(
            seed=seed,
            lr=float(name.split("_")[1]),
            epochs=args.epochs,
            batch_size=args.batch_size,
            alpha=0.98,
            margin=0.5,
        )
        plain, _, _ = train_deel(Xtr, ytr, a)
        if not all(bool(torch.isfinite(q).all()) for q in plain.parameters()):
            return {k: float("nan") for k in ("accuracy", "vra_36_255", "vra_0.5", "lipschitz_bound")}
        return evaluate(plain, Xva, yva, spectral_bound(plain))
    params, callbacks = sklot_row(name)
    clf = _Variant(
        hidden_layer_sizes=(256, 128),
        loss="hkr",
        alpha=0.98,
        margin=0.5,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        device="cpu",
        random_state=seed,
        **params,
    )
    clf._variant_callbacks = callbacks
    try:
        clf.fit(Xtr, ytr)
    except ValueError as exc:  # divergence is reported as such
        if "diverged" not in str(exc):
            raise
        return {k: float("nan") for k in ("accuracy", "vra_36_255", "vra_0.5", "lipschitz_bound")}
    return evaluate(clf.exported_module_, Xva, yva, clf.lipschitz_bound_)


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    data = split(args)
    import sklot

    print(f"sklot {sklot.__version__} from {pathlib.Path(sklot.__file__).parent}")
    print(
        f"Fashion-MNIST validation split: {len(data[0])} training, {len(data[2])} held-out training images "
        f"(never the test set); epochs={args.epochs} batch={args.batch_size} seeds={args.seeds} "
        f"threads={args.threads}",
        flush=True,
    )
    results = {}
    for name in args.rows:
        results[name] = []
        for seed in args.seeds:
            t = time.perf_counter()
            r = run_row(name, seed, data, args)
            r["seed"] = seed
            results[name].append(r)
            print(
                f"  {name:24s} seed {seed}: acc {r['accuracy']:.4f}  VRA@36/255 {r['vra_36_255']:.4f}  "
                f"VRA@0.5 {r['vra_0.5']:.4f}  ({time.perf_counter() - t:.0f} s)",
                flush=True,
            )
    print(f"\n=== means over seeds {args.seeds}, validation split (percent) ===")
    print(f"{'row':24s}  {'acc':>6s}  {'VRA@36/255':>10s}  {'VRA@0.5':>7s}")
    for name, rows in results.items():
        m = {k: 100 * float(np.mean([r[k] for r in rows])) for k in ("accuracy", "vra_36_255", "vra_0.5")}
        print(f"{name:24s}  {m['accuracy']:6.2f}  {m['vra_36_255']:10.2f}  {m['vra_0.5']:7.2f}")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
