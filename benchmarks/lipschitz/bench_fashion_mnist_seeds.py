"""LipschitzClassifier vs deel-torchlip 1.0.5 on Fashion-MNIST over several seeds, in the same run.

Same set-up as ``bench_fashion_mnist.py`` (dense 784-256-128-10, GroupSort2 /
MaxMin, orthonormal layers, multiclass HKR, Adam, batch 256), but each library
is trained once per seed and the script prints, per seed and averaged:
clean accuracy, verified robust accuracy (VRA) at eps = 36/255 and 0.5 (both
certified the same way: margin / (sqrt(2) L), L the product of the exact
spectral norms of the exported weights), time per epoch and the ratio, and
the extreme singular values of every exported weight matrix (how tight the
network is: a singular value below 1 wastes certified radius).

``--holdout N`` trains on the first 60,000 - N training images (after a
seeded shuffle) and evaluates on the other N: a validation split for choosing
settings without looking at the test set. Without it, training uses the
60,000 training images and evaluation the 10,000 test images.

Learning rates: deel-torchlip trains at ``--lr`` (default 1e-3, its
notebook's, constant); sklot at ``--sklot-lr`` (default: LipschitzClassifier's
own, a cosine schedule from 3e-3). The two parametrisations do not take the
same step for the same Adam rate (sklot reprojects its raw weights onto the
orthonormal ones after every step; deel-torchlip's raw weights drift, the top
singular value of the first layer's raw weight growing from 1 to about 3 in 3
epochs), so each library runs at its own rate; both were checked on a
validation split (see docs/benchmarks/lipschitz.md).

``--sklot-param name=value`` (repeatable) overrides any other
LipschitzClassifier parameter (values parsed as Python literals), e.g.
``--sklot-param lr_schedule=constant``.

    python benchmarks/lipschitz/bench_fashion_mnist_seeds.py --epochs 3 --seeds 0 1 2 --threads 1
"""

import argparse
import ast
import json
import pathlib
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from bench_fashion_mnist import evaluate, spectral_bound, train_deel  # noqa: E402


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3, help="deel-torchlip's Adam rate (its notebook's)")
    p.add_argument(
        "--sklot-lr",
        type=float,
        default=None,
        help="sklot's peak Adam rate (default: LipschitzClassifier's, 3e-3)",
    )
    p.add_argument("--alpha", type=float, default=0.98)
    p.add_argument("--margin", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--holdout", type=int, default=None, help="validate on N held-out training images")
    p.add_argument("--skip-deel", action="store_true")
    p.add_argument("--skip-sklot", action="store_true")
    p.add_argument("--sklot-param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--out", default="benchmarks/results/lipschitz_fashion_mnist_seeds.json")
    return p.parse_args()


def singular_values(seq):
    out = []
    for m in seq.modules():
        if isinstance(m, nn.Linear):
            s = torch.linalg.svdvals(m.weight.detach().double())
            out.append((float(s.min()), float(s.max())))
    return out


def sklot_params(args):
    params = dict(
        hidden_layer_sizes=(256, 128),
        loss="hkr",
        alpha=args.alpha,
        margin=args.margin,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        device="cpu",
    )
    if args.sklot_lr is not None:
        params["lr"] = args.sklot_lr
    for item in args.sklot_param:
        name, _, value = item.partition("=")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    return params


def train_sklot(Xtr, ytr, params, seed):
    from sklot.lipschitz import LipschitzClassifier

    clf = LipschitzClassifier(**params, random_state=seed)
    c = time.process_time()
    clf.fit(Xtr, ytr)
    cpu = (time.process_time() - c) / clf.n_iter_
    return clf, statistics.median(h["dur"] for h in clf.history_), cpu


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    from sklot.datasets import load_fashion_mnist

    Xtr, ytr = load_fashion_mnist(subset="train", return_X_y=True)
    if args.holdout:
        perm = np.random.default_rng(12345).permutation(len(Xtr))
        val, tr = perm[: args.holdout], perm[args.holdout :]
        Xev, yev, Xtr, ytr = Xtr[val], ytr[val], Xtr[tr], ytr[tr]
        where = f"validation split ({args.holdout} held-out training images)"
    else:
        Xev, yev = load_fashion_mnist(subset="test", return_X_y=True)
        where = "test set"
    params = sklot_params(args)
    print(
        f"Fashion-MNIST: {len(Xtr)} train, evaluated on the {where} ({len(Xev)}); epochs={args.epochs} "
        f"seeds={args.seeds} batch={args.batch_size} deel lr={args.lr} "
        f"alpha={args.alpha} margin={args.margin} "
        f"threads={args.threads}\nsklot parameters: {params}",
        flush=True,
    )
    rows = {"sklot": [], "deel": []}
    for seed in args.seeds:
        if not args.skip_sklot:
            clf, wall, cpu = train_sklot(Xtr, ytr, params, seed)
            r = {"seed": seed, "epoch_wall_s": wall, "epoch_cpu_s": cpu}
            r.update(evaluate(clf.exported_module_, Xev, yev, clf.lipschitz_bound_))
            r["singular_values"] = singular_values(clf.exported_module_)
            rows["sklot"].append(r)
            print(f"  seed {seed} sklot {r}", flush=True)
        if not args.skip_deel:
            a = argparse.Namespace(**{**vars(args), "seed": seed})
            deel_plain, walls, cpus = train_deel(Xtr, ytr, a)
            r = {"seed": seed, "epoch_wall_s": statistics.median(walls), "epoch_cpu_s": float(np.mean(cpus))}
            if all(bool(torch.isfinite(q).all()) for q in deel_plain.parameters()):
                r.update(evaluate(deel_plain, Xev, yev, spectral_bound(deel_plain)))
            else:  # diverged (non-finite weights)
                r.update({k: float("nan") for k in ("accuracy", "vra_36_255", "vra_0.5", "lipschitz_bound")})
            r["singular_values"] = singular_values(deel_plain) if r["accuracy"] == r["accuracy"] else []
            rows["deel"].append(r)
            print(f"  seed {seed} deel  {r}", flush=True)

    keys = ("accuracy", "vra_36_255", "vra_0.5")
    print(f"\n=== {args.epochs} epochs, {where}, seeds {args.seeds} ===")
    for name, rs in rows.items():
        for r in rs:
            sv = " ".join(f"[{lo:.4f},{hi:.4f}]" for lo, hi in r["singular_values"])
            print(
                f"{name:6s} seed {r['seed']}: acc {r['accuracy']:.4f}  VRA@36/255 {r['vra_36_255']:.4f}  "
                f"VRA@0.5 {r['vra_0.5']:.4f}  epoch wall {r['epoch_wall_s']:.2f} s "
                f"cpu {r['epoch_cpu_s']:.2f} s  "
                f"L {r['lipschitz_bound']:.5f}  sv(min,max) {sv}"
            )
    means = {}
    for name, rs in rows.items():
        if rs:
            cols = keys + ("epoch_cpu_s", "epoch_wall_s")
            means[name] = {k: float(np.mean([r[k] for r in rs])) for k in cols}
            m = means[name]
            print(
                f"{name:6s} mean  : acc {m['accuracy']:.4f}  VRA@36/255 {m['vra_36_255']:.4f}  "
                f"VRA@0.5 {m['vra_0.5']:.4f}  epoch wall {m['epoch_wall_s']:.2f} s "
                f"cpu {m['epoch_cpu_s']:.2f} s"
            )
    if rows["deel"] and rows["sklot"]:
        s, d = means["sklot"], means["deel"]
        diffs = {k: [a[k] - b[k] for a, b in zip(rows["sklot"], rows["deel"])] for k in keys}
        print(
            "sklot - deel (points): "
            + "  ".join(
                f"{k} mean {100 * (s[k] - d[k]):+.2f} "
                f"(per seed {', '.join(f'{100 * x:+.2f}' for x in diffs[k])})"
                for k in keys
            )
        )
        print(
            f"ratio sklot/deel time per epoch: wall {s['epoch_wall_s'] / d['epoch_wall_s']:.2f}  "
            f"cpu {s['epoch_cpu_s'] / d['epoch_cpu_s']:.2f}"
        )
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "sklot_params": repr(params), **rows}, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
