"""LipschitzClassifier(architecture="cnn") against deel-torchlip's convolutional equivalent, same run.

Same network for every contender: a 3x3 convolution of 16 channels (padding 1), MaxMin /
GroupSort2, 2x2 L2-norm pooling, a 3x3 convolution of 32 channels, MaxMin, 2x2 L2-norm pooling,
flatten, a dense 1568 -> 10 output layer (sklot's default "cnn", hidden_layer_sizes=(16, 32)).
Contenders:

* ``sklot``: ``LipschitzClassifier(architecture="cnn")`` at its defaults (OrthoConv2d: orthonormal
  reshaped kernel divided by 3; Adam 3e-3, cosine schedule), HKR alpha=0.98 margin=0.5;
* ``sklot-aol``: the same with ``convolution="aol"`` (AOLConv2d, Prach and Lampert 2022);
* ``deel``: deel-torchlip 1.0.5, ``SpectralConv2d`` / ``GroupSort2`` / ``ScaledL2NormPool2d`` /
  ``SpectralLinear``, ``HKRMulticlassLoss(alpha, min_margin)``, Adam at ``--lr`` (constant, its
  notebooks' 1e-3), its own training loop;
* ``deel-softhkr`` (``--deel-losses hkr soft_hkr``): the same network with deel-torchlip's
  ``SoftHKRMulticlassLoss(alpha, min_margin)`` (default temperature), its softer multiclass loss.

Same data (the first ``--n-train`` training images, the first ``--n-test`` test images), batch
size and epochs; one torch thread each; seeds ``--seeds``. Printed per seed and averaged: time
per epoch (wall and process CPU), test accuracy, verified robust accuracy (VRA) at 36/255 and 0.5,
all certified the same way, margin / (sqrt(2) L) with L the product of the layer bounds of each
exported network computed from its weights (``sklot.lipschitz.lipschitz_bound`` of each layer; a
convolution: the smaller of the reshaped-kernel and Gram bounds), and again with each
convolution also bounded on its 28x28 / 14x14 input grid ("tight bound",
``conv_spectral_bound``, what ``LipschitzClassifier`` certifies with; deel-torchlip certifies
with its nominal constant 1), and the operator norm of each convolution found by power
iteration (how much of the certified bound a layer actually uses).

Full Fashion-MNIST run, 60,000 / 10,000 images, 15 epochs, 3 seeds (for an idle machine; scaled
from loaded quick runs, about 10 s of CPU per sklot epoch and 20 s per deel-torchlip epoch on one
core, so roughly an hour in all; ``--epochs 5`` about 20 minutes):

    OMP_NUM_THREADS=1 python benchmarks/lipschitz/bench_cnn_torchlip.py --epochs 15 --seeds 0 1 2 \
        --n-train 60000 --n-test 10000 --deel-losses hkr soft_hkr --threads 1

Quick run (a few minutes): ``--quick`` (5,000 / 2,000 images, 2 epochs, seeds 0 1 2).

Where the time goes: ``--profile 2560`` trains one epoch of ``sklot`` and of ``deel`` on the first
2,560 training images under ``torch.profiler`` (after a warm-up epoch) and prints each one's
operators by self CPU time, then exits:

    OMP_NUM_THREADS=1 python benchmarks/lipschitz/bench_cnn_torchlip.py --profile 2560 --threads 1
"""

import argparse
import json
import pathlib
import statistics
import time

import numpy as np
import torch
from torch import nn

CHANNELS = (16, 32)


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--n-train", type=int, default=60000)
    p.add_argument("--n-test", type=int, default=10000)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3, help="deel-torchlip's Adam rate (constant)")
    p.add_argument("--alpha", type=float, default=0.98)
    p.add_argument("--margin", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--contenders", nargs="+", default=["sklot", "sklot-aol", "deel"],
                   choices=["sklot", "sklot-aol", "deel"])
    p.add_argument("--deel-losses", nargs="+", default=["hkr"], choices=["hkr", "soft_hkr", "lse_hkr"])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="profile one epoch of sklot and deel on the first N training images, then exit")
    p.add_argument("--out", default="benchmarks/results/lipschitz_cnn_torchlip.json")
    args = p.parse_args()
    if args.quick:
        args.n_train, args.n_test, args.epochs = 5000, 2000, 2
    return args


def conv_operator_norm(conv, shape, n_iter=50):
    """Largest singular value of the convolution operator on inputs of ``shape`` (power iteration)."""
    w = conv.weight.detach().double()
    x = torch.randn(1, *shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for _ in range(n_iter):
        z = x.clone().requires_grad_(True)
        out = conv._conv_forward(z, w, None)
        (g,) = torch.autograd.grad((out**2).sum() / 2, z)
        x = g / g.norm()
    return float(conv._conv_forward(x, w, None).norm())


def network_bound(module, input_shape=None):
    """Product of the layer bounds of an exported network (activations and L2 pooling: 1).

    With ``input_shape``, each convolution is also bounded on its input grid
    (``conv_spectral_bound``), as ``LipschitzClassifier`` does.
    """
    from sklot.lipschitz import lipschitz_bound
    from sklot.lipschitz._lipschitz_bound import _conv_input_sizes
    from sklot.lipschitz.layers import conv_spectral_bound

    sizes = {} if input_shape is None else _conv_input_sizes(module, input_shape)
    L = 1.0
    for m in module.modules():
        if isinstance(m, nn.Linear):
            L *= lipschitz_bound(m)
        elif isinstance(m, nn.Conv2d):
            b = lipschitz_bound(m)
            if id(m) in sizes:
                b = min(b, conv_spectral_bound(m.weight, sizes[id(m)], m.padding, m.padding_mode))
            L *= b
    return L


def evaluate(module, X, y):
    from sklot.lipschitz import certified_radius

    module = module.double().eval()
    with torch.no_grad():
        f = torch.cat([module(torch.as_tensor(X[s : s + 2000], dtype=torch.float64))
                       for s in range(0, len(X), 2000)]).numpy()
    L = network_bound(module)
    L_tight = network_bound(module, X.shape[1:])
    r = certified_radius(f, lipschitz_constant=L, y=y)
    r_tight = certified_radius(f, lipschitz_constant=L_tight, y=y)
    shapes = iter([(1, 28, 28), (CHANNELS[0], 14, 14)])
    norms = [conv_operator_norm(m, next(shapes)) for m in module.modules() if isinstance(m, nn.Conv2d)]
    return {
        "accuracy": float(np.mean(f.argmax(1) == y)),
        "vra_36_255": float(np.mean(r > 36 / 255)),
        "vra_0.5": float(np.mean(r > 0.5)),
        "lipschitz_bound": L,
        "vra_36_255_tight": float(np.mean(r_tight > 36 / 255)),
        "vra_0.5_tight": float(np.mean(r_tight > 0.5)),
        "lipschitz_bound_tight": L_tight,
        "conv_operator_norms": norms,
    }


def train_sklot(X, y, args, seed, convolution):
    from sklot.lipschitz import LipschitzClassifier

    clf = LipschitzClassifier(
        architecture="cnn",
        hidden_layer_sizes=CHANNELS,
        convolution=convolution,
        alpha=args.alpha,
        margin=args.margin,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        device="cpu",
        random_state=seed,
    )
    c = time.process_time()
    clf.fit(X, y)
    cpu = (time.process_time() - c) / args.epochs
    return clf.export(), [h["dur"] for h in clf.history_], cpu


def train_deel(X, y, args, seed, loss):
    from deel import torchlip

    torch.manual_seed(seed)
    c1, c2 = CHANNELS
    net = torchlip.Sequential(
        torchlip.SpectralConv2d(1, c1, 3, padding=1),
        torchlip.GroupSort2(),
        torchlip.ScaledL2NormPool2d(2),
        torchlip.SpectralConv2d(c1, c2, 3, padding=1),
        torchlip.GroupSort2(),
        torchlip.ScaledL2NormPool2d(2),
        nn.Flatten(),
        torchlip.SpectralLinear(c2 * 7 * 7, 10),
    )
    if loss == "hkr":
        crit = torchlip.HKRMulticlassLoss(alpha=args.alpha, min_margin=args.margin)
    elif loss == "soft_hkr":
        crit = torchlip.SoftHKRMulticlassLoss(alpha=args.alpha, min_margin=args.margin)
    else:
        crit = torchlip.LseHKRMulticlassLoss(alpha=args.alpha, min_margin=args.margin)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    Xt = torch.as_tensor(X)
    Y = nn.functional.one_hot(torch.as_tensor(y), 10).float()
    gen = torch.Generator().manual_seed(seed)
    walls, cpus = [], []
    net.train()
    for _ in range(args.epochs):
        t, c = time.perf_counter(), time.process_time()
        perm = torch.randperm(len(Xt), generator=gen)
        for s in range(0, len(Xt), args.batch_size):
            idx = perm[s : s + args.batch_size]
            out = crit(net(Xt[idx]), Y[idx])
            opt.zero_grad()
            out.backward()
            opt.step()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    net.eval()
    return net.vanilla_export(), walls, float(np.mean(cpus))


def profile(args):
    """One epoch of ``sklot`` and of ``deel`` under torch.profiler, operators by self CPU time."""
    import copy

    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    from sklot.datasets import load_fashion_mnist

    X, y = load_fashion_mnist(subset="train", return_X_y=True, as_images=True, n_samples=args.profile)
    one = copy.copy(args)
    one.epochs = 1
    for label, train in (("sklot", lambda: train_sklot(X, y, one, 0, "orthonormal")),
                         ("deel", lambda: train_deel(X, y, one, 0, "hkr"))):
        train()  # warm-up
        c = time.process_time()
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            train()
        print(f"\n=== {label}: one epoch of {len(X)} images, batch {args.batch_size}, process CPU "
              f"{time.process_time() - c:.2f} s (profiler on) ===")
        table = prof.key_averages().table(
            sort_by="self_cpu_time_total", row_limit=15, max_name_column_width=40
        )
        print(table)


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    if args.profile:
        return profile(args)
    from sklot.datasets import load_fashion_mnist

    Xtr, ytr = load_fashion_mnist(subset="train", return_X_y=True, as_images=True, n_samples=args.n_train)
    Xte, yte = load_fashion_mnist(subset="test", return_X_y=True, as_images=True, n_samples=args.n_test)
    print(f"bench_cnn_torchlip: {len(Xtr)} train / {len(Xte)} test, {vars(args)}", flush=True)
    runs = []
    for name in args.contenders:
        for loss in (args.deel_losses if name == "deel" else ["hkr"]):
            runs.append((name if loss == "hkr" else f"{name}-{loss.replace('_', '')}", name, loss))
    res = {label: [] for label, _, _ in runs}
    for seed in args.seeds:
        for label, name, loss in runs:
            if name == "deel":
                module, walls, cpu = train_deel(Xtr, ytr, args, seed, loss)
            else:
                module, walls, cpu = train_sklot(Xtr, ytr, args, seed, "aol" if name == "sklot-aol" else
                                                 "orthonormal")
            row = {"seed": seed, "epoch_wall_s": statistics.median(walls), "epoch_cpu_s": cpu,
                   **evaluate(module, Xte, yte)}
            res[label].append(row)
            print(f"{label:16s} seed {seed}: acc {row['accuracy']:.4f}  VRA@36/255 {row['vra_36_255']:.4f}  "
                  f"VRA@0.5 {row['vra_0.5']:.4f}  tight bound: VRA@36/255 {row['vra_36_255_tight']:.4f} "
                  f"VRA@0.5 {row['vra_0.5_tight']:.4f}  epoch wall {row['epoch_wall_s']:.2f} s cpu "
                  f"{row['epoch_cpu_s']:.2f} s  L {row['lipschitz_bound']:.4f} "
                  f"tight {row['lipschitz_bound_tight']:.4f}  "
                  f"conv norms "
                  + " ".join(f"{v:.3f}" for v in row["conv_operator_norms"]), flush=True)
    print(f"\n=== {args.epochs} epochs, {len(Xtr)} / {len(Xte)} images, seeds {args.seeds} (mean) ===")
    mean = {}
    for label, rows in res.items():
        keys = ("accuracy", "vra_36_255", "vra_0.5", "vra_36_255_tight", "vra_0.5_tight",
                "epoch_wall_s", "epoch_cpu_s")
        mean[label] = {k: float(np.mean([r[k] for r in rows])) for k in keys}
        m = mean[label]
        print(f"{label:16s} acc {m['accuracy']:.4f}  VRA@36/255 {m['vra_36_255']:.4f}  "
              f"VRA@0.5 {m['vra_0.5']:.4f}  tight bound: VRA@36/255 {m['vra_36_255_tight']:.4f} "
              f"VRA@0.5 {m['vra_0.5_tight']:.4f}  epoch wall {m['epoch_wall_s']:.2f} s  "
              f"cpu {m['epoch_cpu_s']:.2f} s")
    if "deel" in mean:
        d = mean["deel"]
        for label, m in mean.items():
            if label == "deel":
                continue
            print(f"{label} - deel (points): acc {100 * (m['accuracy'] - d['accuracy']):+.2f}  VRA@36/255 "
                  f"{100 * (m['vra_36_255'] - d['vra_36_255']):+.2f}  "
                  f"VRA@0.5 {100 * (m['vra_0.5'] - d['vra_0.5']):+.2f}  (tight bound for {label}, "
                  f"deel's own: VRA@36/255 {100 * (m['vra_36_255_tight'] - d['vra_36_255']):+.2f}, "
                  f"VRA@0.5 {100 * (m['vra_0.5_tight'] - d['vra_0.5']):+.2f})"
                  f"  time per epoch ratio: wall {m['epoch_wall_s'] / d['epoch_wall_s']:.2f}"
                  f"  cpu {m['epoch_cpu_s'] / d['epoch_cpu_s']:.2f}")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "runs": res, "mean": mean}, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
