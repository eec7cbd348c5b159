"""LipschitzClassifier against deel-torchlip 1.0.5 on Fashion-MNIST, in the same run.

Same network (dense 784-256-128-10, GroupSort2/MaxMin, orthonormal layers),
same loss (multiclass HKR, same alpha and margin), same optimiser (Adam), same
batch size and number of epochs. Each library trains at its own learning rate:
deel-torchlip at ``--lr`` (1e-3, constant, as in its notebook), sklot at its
default (cosine schedule from 3e-3; ``--sklot-lr`` to change it): the two
parametrisations do not take the same step for the same Adam rate (see
``bench_fashion_mnist_seeds.py``, which also averages over seeds).
Prints, with ratios:

* training time per epoch (wall and process CPU time) of sklot, deel-torchlip
  and the same network unconstrained (plain nn.Linear, same loss, same engine);
* clean test accuracy and verified robust accuracy (VRA) at eps = 36/255 and
  0.5, both certificates computed the same way (margin / (sqrt(2) L), with L
  the product of the exact spectral norms of the exported weights);
* inference time on the 10,000 test images of sklot's exported network against
  the same unconstrained network (and deel-torchlip's vanilla export).

Needs Debian's ``dataset-fashion-mnist`` and ``pip install deel-torchlip==1.0.5``
(``-c constraints-cpu.txt``). Run:

    python benchmarks/lipschitz/bench_fashion_mnist.py --epochs 3 --threads 1
"""

import argparse
import json
import pathlib
import statistics
import time

import numpy as np
import torch
from torch import nn


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument(
        "--lr", type=float, default=1e-3, help="Adam rate of deel-torchlip (its notebook's) and unconstrained"
    )
    p.add_argument(
        "--sklot-lr",
        type=float,
        default=None,
        help="sklot's peak Adam rate (default: LipschitzClassifier's, 3e-3)",
    )
    p.add_argument(
        "--lr-schedule",
        choices=("constant", "cosine"),
        default="cosine",
        help="sklot's lr_schedule (its default; deel-torchlip always trains at the constant lr)",
    )
    p.add_argument("--alpha", type=float, default=0.98)
    p.add_argument("--margin", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-train", type=int, default=None)
    p.add_argument("--skip-deel", action="store_true")
    p.add_argument("--skip-unconstrained", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="benchmarks/results/lipschitz_fashion_mnist.json")
    return p.parse_args()


def spectral_bound(seq):
    """Product of exact spectral norms of the Linear layers (activations are 1-Lipschitz)."""
    L = 1.0
    for m in seq.modules():
        if isinstance(m, nn.Linear):
            L *= float(torch.linalg.matrix_norm(m.weight.detach().double(), ord=2))
    return L


def evaluate(module, X, y, L):
    from sklot.lipschitz import certified_radius

    with torch.no_grad():
        f = module(torch.as_tensor(X, dtype=torch.float64)).numpy()
    r = certified_radius(f, lipschitz_constant=L, y=y)
    return {
        "accuracy": float(np.mean(f.argmax(1) == y)),
        "vra_36_255": float(np.mean(r > 36 / 255)),
        "vra_0.5": float(np.mean(r > 0.5)),
        "lipschitz_bound": L,
    }


def time_inference(module, X, repeats=15, batch=1000):
    Xt = torch.as_tensor(X, dtype=torch.float32)
    module = module.float().eval()
    times = []
    with torch.no_grad():
        for _ in range(repeats):
            t = time.perf_counter()
            for s in range(0, len(Xt), batch):
                module(Xt[s : s + batch])
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def train_deel(Xtr, ytr, args):
    from deel import torchlip

    torch.manual_seed(args.seed)
    net = torchlip.Sequential(
        torchlip.SpectralLinear(784, 256),
        torchlip.GroupSort2(),
        torchlip.SpectralLinear(256, 128),
        torchlip.GroupSort2(),
        torchlip.SpectralLinear(128, 10),
    )
    crit = torchlip.HKRMulticlassLoss(alpha=args.alpha, min_margin=args.margin)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    X = torch.as_tensor(Xtr)
    Y = nn.functional.one_hot(torch.as_tensor(ytr), 10).float()
    gen = torch.Generator().manual_seed(args.seed)
    walls, cpus = [], []
    net.train()
    for epoch in range(args.epochs):
        t, c = time.perf_counter(), time.process_time()
        perm = torch.randperm(len(X), generator=gen)
        for s in range(0, len(X), args.batch_size):
            idx = perm[s : s + args.batch_size]
            loss = crit(net(X[idx]), Y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        print(
            f"  deel-torchlip epoch {epoch + 1}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s cpu, "
            f"loss {float(loss):.4f}",
            flush=True,
        )
    net.eval()
    return net.vanilla_export().double(), walls, cpus


class _TimedEpochs:
    """skorch callback recording process CPU time per epoch."""

    def __init__(self):
        self.cpu = []

    def initialize(self):
        return self

    def on_epoch_begin(self, net, **kw):
        self._c = time.process_time()

    def on_epoch_end(self, net, **kw):
        self.cpu.append(time.process_time() - self._c)

    def __getattr__(self, name):  # the other skorch hooks do nothing
        if name.startswith("on_"):
            return lambda *a, **k: None
        raise AttributeError(name)


def train_sklot(Xtr, ytr, args):
    from sklot.lipschitz import LipschitzClassifier

    clf = LipschitzClassifier(
        hidden_layer_sizes=(256, 128),
        loss="hkr",
        alpha=args.alpha,
        margin=args.margin,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr_schedule=args.lr_schedule,
        **({} if args.sklot_lr is None else {"lr": args.sklot_lr}),
        device="cpu",
        random_state=args.seed,
        verbose=0,
    )
    c = time.process_time()
    clf.fit(Xtr, ytr)
    cpu_total = time.process_time() - c
    walls = [h["dur"] for h in clf.history_]
    return clf, walls, cpu_total


def train_unconstrained(Xtr, ytr, args):
    """The same network with plain nn.Linear layers, same loss, through sklot's engine."""
    from sklot._core.training import make_net
    from sklot.lipschitz.layers import MaxMin
    from sklot.lipschitz.losses import HKRLoss

    module = nn.Sequential(nn.Linear(784, 256), MaxMin(), nn.Linear(256, 128), MaxMin(), nn.Linear(128, 10))
    net = make_net(
        module,
        HKRLoss(alpha=args.alpha, margin=args.margin),
        device="cpu",
        seed=args.seed,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
    )
    c = time.process_time()
    net.fit(Xtr, ytr.astype(np.int64))
    cpu_total = time.process_time() - c
    return net.module_.eval(), [h["dur"] for h in net.history], cpu_total


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    from sklot.datasets import load_fashion_mnist

    Xtr, ytr = load_fashion_mnist(subset="train", return_X_y=True, n_samples=args.n_train)
    Xte, yte = load_fashion_mnist(subset="test", return_X_y=True)
    print(
        f"Fashion-MNIST: {len(Xtr)} train / {len(Xte)} test; epochs={args.epochs} batch={args.batch_size} "
        f"lr={args.lr} (sklot: lr={args.sklot_lr or 'default'}, schedule {args.lr_schedule}) "
        f"alpha={args.alpha} margin={args.margin} threads={args.threads}",
        flush=True,
    )
    res = {"args": vars(args)}

    print("sklot LipschitzClassifier ...", flush=True)
    clf, walls, cpu = train_sklot(Xtr, ytr, args)
    res["sklot"] = {
        "epoch_wall_s": walls,
        "epoch_cpu_s": cpu / args.epochs,
        **evaluate(clf.exported_module_, Xte, yte, clf.lipschitz_bound_),
    }
    print("  ", res["sklot"], flush=True)

    if args.skip_unconstrained:
        print(
            f"accuracy {res['sklot']['accuracy']:.4f}  VRA@36/255 {res['sklot']['vra_36_255']:.4f}  "
            f"VRA@0.5 {res['sklot']['vra_0.5']:.4f}"
        )
        return
    print("unconstrained (same net, same loss, same engine) ...", flush=True)
    plain, walls_u, cpu_u = train_unconstrained(Xtr, ytr, args)
    res["unconstrained"] = {
        "epoch_wall_s": walls_u,
        "epoch_cpu_s": cpu_u / args.epochs,
        **evaluate(plain.double(), Xte, yte, spectral_bound(plain)),
    }
    print("  ", res["unconstrained"], flush=True)

    if not args.skip_deel:
        print("deel-torchlip 1.0.5 ...", flush=True)
        deel_plain, walls_d, cpus_d = train_deel(Xtr, ytr, args)
        res["deel"] = {
            "epoch_wall_s": walls_d,
            "epoch_cpu_s": float(np.mean(cpus_d)),
            **evaluate(deel_plain, Xte, yte, spectral_bound(deel_plain)),
        }
        print("  ", res["deel"], flush=True)

    # inference on the test set: exported sklot network vs the same unconstrained network
    t_sklot = time_inference(clf.export(torch.float32), Xte)
    t_plain = time_inference(plain, Xte)
    res["inference_s"] = {"sklot_exported": t_sklot, "unconstrained": t_plain}
    if not args.skip_deel:
        res["inference_s"]["deel_vanilla"] = time_inference(deel_plain, Xte)

    s, u = res["sklot"], res["unconstrained"]
    print("\n=== results (median epoch wall; mean epoch CPU) ===")
    for name in ("sklot", "deel", "unconstrained"):
        if name in res:
            r = res[name]
            wall = statistics.median(r["epoch_wall_s"])
            print(
                f"{name:14s} epoch wall {wall:7.2f} s  cpu {r['epoch_cpu_s']:7.2f} s  "
                f"acc {r['accuracy']:.4f}  VRA@36/255 {r['vra_36_255']:.4f}  VRA@0.5 {r['vra_0.5']:.4f}  "
                f"L {r['lipschitz_bound']:.4f}"
            )
    if "deel" in res:
        d = res["deel"]
        ratio = statistics.median(s["epoch_wall_s"]) / statistics.median(d["epoch_wall_s"])
        print(
            f"ratio sklot/deel time per epoch: wall {ratio:.2f}"
            f"  cpu {s['epoch_cpu_s'] / d['epoch_cpu_s']:.2f}"
        )
    ratio = statistics.median(s["epoch_wall_s"]) / statistics.median(u["epoch_wall_s"])
    print(
        f"overhead constrained/unconstrained training: wall {ratio:.2f}"
        f"  cpu {s['epoch_cpu_s'] / u['epoch_cpu_s']:.2f}"
    )
    print(
        f"inference on 10k test images: sklot exported {t_sklot * 1e3:.1f} ms, "
        f"unconstrained {t_plain * 1e3:.1f} ms, "
        f"ratio {t_sklot / t_plain:.3f}"
        + (f"; deel vanilla {res['inference_s']['deel_vanilla'] * 1e3:.1f} ms" if "deel" in res else "")
    )
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
