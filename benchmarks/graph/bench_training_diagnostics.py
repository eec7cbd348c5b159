"""Diagnostics of HG2V training: loss per epoch and readout variants, scored by inner CV.

Trains :class:`sklot.graph.HG2VModule` through the same engine as
:class:`sklot.graph.LoukasGraphEmbedder` (unsupervised, all graphs of the
dataset), and at chosen epochs embeds the graphs with several readouts:

* ``ctx``: max and mean of the contexts per level (the paper's, ``readout="max-mean"``);
* ``ctx+sum``: plus their sum (``readout="max-mean-sum"``);
* ``ctx+x0``: plus max and mean of the level-0 input embedding ``ReLU(Linear(X))``;
* ``ctx+words``, ``ctx+words+sum``: plus max and mean of the words of every level;
* ``ctx+size``: plus log of the number of (super)nodes per level;
* ``raw``, ``ctx+raw``: max and mean of the raw input features averaged over each
  contraction set, per level (no learning).

Each variant is scored with standardisation + RBF SVC, ``C`` in {1e-3..1e3} by
an inner 5-fold grid search inside each of 10 stratified outer folds; printed:
``in`` = mean over outer folds of the best inner-CV accuracy (what a selection
may use), ``out`` = mean outer test accuracy (to report, not to select on).

    OMP_NUM_THREADS=1 python benchmarks/graph/bench_training_diagnostics.py MUTAG \\
        --seed 0 --lr 1e-4 --epochs 10,30,60
"""

import argparse
import os

import numpy as np
import torch


def main():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from torch_geometric.utils import scatter

    from sklot._core.training import make_net
    from sklot.datasets import load_tu_dataset
    from sklot.graph import LoukasGraphEmbedder
    from sklot.graph._embedder import PyramidNet, _collate
    from sklot.graph._features import NodeFeaturizer
    from sklot.graph._hg2v import HG2VLoss, HG2VModule
    from sklot._core.schedules import ReferenceLRDecay
    from sklot.graph._pyramid import level_batches

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset")
    parser.add_argument(
        "--tu",
        default=None,
        help="folder of TU datasets (<folder>/<NAME>/<NAME>_A.txt, ...); default: the copies shipped "
        "with sklot (MUTAG, PTC_MR), then $SKLOT_DATA_DIR (see docs/user_guide/graph.rst)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--features", type=int, default=128)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--epochs", default="0,10,30", help="comma-separated epochs at which to evaluate")
    parser.add_argument("--max-graphs", type=int, default=1000)
    parser.add_argument("--krylov-order", type=int, default=4)
    parser.add_argument(
        "--lr-decay",
        type=int,
        default=0,
        help="N > 0: the reference code's decay lr * 1.1**(-50 e / N) at epoch e (N = total epochs)",
    )
    parser.add_argument("--variants", default=None, help="comma-separated subset of the readouts to score")
    args = parser.parse_args()
    torch.set_num_threads(1)

    graphs, y = load_tu_dataset(args.dataset, args.tu)
    if len(graphs) > args.max_graphs:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(graphs)), train_size=args.max_graphs, stratify=y, random_state=0
        )
        keep = np.sort(keep)
        graphs, y = [graphs[i] for i in keep], y[keep]
    depth = args.depth
    helper = LoukasGraphEmbedder(depth=depth)
    helper.featurizer_ = NodeFeaturizer().fit(graphs)
    dataset = helper._pyramid_dataset(graphs)
    net = make_net(
        HG2VModule,
        HG2VLoss,
        device=torch.device("cpu"),
        seed=args.seed,
        max_epochs=1,
        batch_size=8,
        lr=args.lr,
        net_class=PyramidNet,
        module__in_features=helper.featurizer_.n_features,
        module__n_features=args.features,
        module__depth=depth,
        module__krylov_order=args.krylov_order,
        callbacks=[("lr_decay", ReferenceLRDecay(args.lr, args.lr_decay))] if args.lr_decay else None,
    )
    net.initialize()

    def variants(module):
        module.eval()
        out = {}
        with torch.no_grad():
            for b, _ in torch.utils.data.DataLoader(dataset, batch_size=64, collate_fn=_collate):
                levels = module._levels(b)
                g = level_batches(b, depth)
                n = int(b.num_graphs)

                def red(t, idx, how=("max", "mean")):
                    return [scatter(t, idx, 0, dim_size=n, reduce=r) for r in how]

                ctx = sum((red(c, g[l + 1]) for l, (_, c, _) in enumerate(levels)), [])
                sums = sum((red(c, g[l + 1], ("sum",)) for l, (_, c, _) in enumerate(levels)), [])
                words = sum((red(w, g[l]) for l, (w, _, _) in enumerate(levels)), [])
                x0 = red(torch.relu(module.input_lin(b.x)), g[0])
                size = [
                    torch.log(scatter(torch.ones(len(g[l])), g[l], 0, dim_size=n, reduce="sum")).unsqueeze(1)
                    for l in range(depth + 1)
                ]
                raw, x = red(b.x, g[0]), b.x
                for l in range(depth):
                    n_next = int(b[f"n_nodes_{l + 1}"].sum())
                    x = scatter(x, b[f"cluster_{l}"], 0, dim_size=n_next, reduce="mean")
                    raw += red(x, g[l + 1])
                parts = {
                    "ctx": ctx,
                    "ctx+sum": ctx + sums,
                    "ctx+x0": x0 + ctx,
                    "ctx+words": words + ctx,
                    "ctx+words+sum": words + ctx + sums,
                    "ctx+size": ctx + size,
                    "raw": raw,
                    "ctx+raw": raw + ctx,
                }
                if args.variants:
                    parts = {k: parts[k] for k in args.variants.split(",")}
                for k, v in parts.items():
                    out.setdefault(k, []).append(torch.cat(v, 1))
        module.train()
        return {k: torch.cat(v).double().numpy() for k, v in out.items()}

    def score(Z):
        inner, outer = [], []
        for tr, te in StratifiedKFold(10, shuffle=True, random_state=args.seed).split(Z, y):
            grid = {"svc__C": [1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3]}
            search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), grid, cv=5).fit(Z[tr], y[tr])
            inner.append(search.best_score_)
            outer.append(search.score(Z[te], y[te]))
        return np.mean(inner), np.mean(outer)

    done = 0
    for epoch in [int(e) for e in args.epochs.split(",")]:
        if epoch > done:
            net.partial_fit(dataset, None, epochs=epoch - done)
            done = epoch
        loss = net.history[-1, "train_loss"] if done else float("nan")
        scores = {k: score(Z) for k, Z in variants(net.module_).items()}
        print(
            f"{args.dataset} seed={args.seed} lr={args.lr} decay={args.lr_decay} F={args.features} "
            f"depth={depth} K={args.krylov_order} "
            f"epoch {epoch:3d} loss {loss:.4f} "
            + " ".join(f"{k}: in {a:.3f} out {o:.3f}" for k, (a, o) in scores.items()),
            flush=True,
        )


if __name__ == "__main__":
    main()
