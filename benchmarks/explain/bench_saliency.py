"""Saliency maps and counterfactuals of a 1-Lipschitz network against an unconstrained twin.

The claim checked (Serrurier, Mamalet, Fel, Béthune and Boissin, NeurIPS 2023): the plain input
gradient of a 1-Lipschitz network trained with the hinge-Kantorovich-Rubinstein loss is a more
faithful, less noisy and more stable saliency map than the explanations of an ordinary network,
and gradient steps to the boundary give counterfactuals.

For each configuration (scikit-learn's 8x8 digits and Fashion-MNIST, dense and CNN), on the same
training data and seed:

* ``LipschitzClassifier`` (HKR, its defaults) explained by its plain gradient, the input gradient
  of the predicted class's margin (``LipschitzClassifier.explain``);
* an **unconstrained twin**: the very network ``LipschitzClassifier`` builds
  (``sklot.lipschitz._architectures.build_network``), exported to plain torch layers
  (``nn.Linear`` / ``nn.Conv2d``, the same MaxMin activations and L2-norm pooling) and
  re-initialised with torch's default initialisation, trained with cross-entropy through sklot's
  engine (``make_net``, Adam at ``--lr-ce``, same epochs and batches), explained by captum's
  Saliency (its gradient), SmoothGrad and IntegratedGradients (``sklot.explain``).

All five metrics of ``sklot.explain`` on the same test images (each model explains its own
predicted class): deletion AUC (lower is better) and insertion AUC (higher), with the margin
normalised by its intact value, baseline 0 (black), ``--curve-steps`` steps; mu-fidelity
(higher; subsets of 20% of the pixels set to 0); max-sensitivity (lower; uniform noise in the
L-infinity ball of radius ``--sens-radius``, the explanation method recomputed); sparseness
(Gini index, higher). Explanations are ranked by their signed value (a pixel whose removal
lowers the class score comes first). Time per explanation and time of the metrics are printed.

Counterfactuals of both networks, by the same algorithm
(``sklot.lipschitz.explain.counterfactual``: Newton steps on the margin of the runner-up class,
pixels clipped to [0, 1]): success rate, median L2 distance travelled, median certified radius
(margin / (sqrt(2) L), L = ``lipschitz_bound`` of the network: 1 for the Lipschitz one, the
product of the layer bounds for the twin), the smallest distance / radius ratio over the reached
points (a theorem says >= 1) and realism (median L2 distance to the nearest training image of
the target class).

A figure of saliency maps side by side (the paper's Figure 1 at our scale) is written for each
Fashion-MNIST configuration to ``--figures`` (default ``docs/benchmarks/figures/``).

Needs captum; Fashion-MNIST from Debian's ``dataset-fashion-mnist`` (or ``SKLOT_FASHION_MNIST``).
Full run (the tables of docs/benchmarks/explain.md; about 15 minutes on one idle core; means and
medians over the explained images are printed; `--score kept` scores deletion / insertion by the
bounded fraction of predictions kept instead of the normalised margin):

    OMP_NUM_THREADS=1 python benchmarks/explain/bench_saliency.py --threads 1

Quick run (a few minutes): ``--quick`` (digits and 5,000 Fashion-MNIST training images, 2 epochs,
200 explained images, fewer metric samples). ``--configs fashion-cnn`` runs one configuration.
"""

import argparse
import json
import pathlib
import time

import numpy as np
import torch
from torch import nn

CONFIGS = ("digits-mlp", "digits-cnn", "fashion-mlp", "fashion-cnn")
METHODS = ("lipschitz gradient", "unconstrained gradient", "unconstrained SmoothGrad", "unconstrained IG")
METRICS = {  # name -> (higher is better?)
    "deletion": False,
    "insertion": True,
    "mu_fidelity": True,
    "max_sensitivity": False,
    "sparseness": True,
}


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-train", type=int, default=20000, help="Fashion-MNIST training images")
    p.add_argument("--fashion-epochs", type=int, default=5)
    p.add_argument("--digits-epochs", type=int, default=60)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr-ce", type=float, default=1e-3, help="Adam rate of the unconstrained twin")
    p.add_argument("--n-explain", type=int, default=1000, help="test images explained (Fashion-MNIST)")
    p.add_argument("--curve-steps", type=int, default=28)
    p.add_argument("--score", choices=("margin", "kept"), default="margin",
                   help="deletion / insertion target score: the normalised margin, or the bounded "
                        "fraction of predictions kept")
    p.add_argument("--mu-subsets", type=int, default=64)
    p.add_argument("--sens-samples", type=int, default=8)
    p.add_argument("--sens-radius", type=float, default=0.1)
    p.add_argument("--sg-samples", type=int, default=25)
    p.add_argument("--sg-stdev", type=float, default=0.15)
    p.add_argument("--ig-steps", type=int, default=32)
    p.add_argument("--figures", default="docs/benchmarks/figures")
    p.add_argument("--out", default="benchmarks/results/explain_saliency.json")
    args = p.parse_args()
    if args.quick:
        args.n_train, args.fashion_epochs, args.digits_epochs = 5000, 2, 30
        args.n_explain, args.curve_steps, args.mu_subsets = 200, 14, 32
        args.sens_samples, args.sg_samples, args.ig_steps = 4, 10, 16
    return args


# -- data and models ------------------------------------------------------------------------------
def load(config, args):
    if config.startswith("digits"):
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=args.seed, stratify=y)
        names = [str(c) for c in range(10)]
        return Xtr, ytr, Xte, yte, names, args.digits_epochs
    from sklot.datasets import load_fashion_mnist

    tr = load_fashion_mnist(subset="train", as_images=True, n_samples=args.n_train)
    te = load_fashion_mnist(subset="test", as_images=True, n_samples=args.n_explain)
    return tr.data, tr.target, te.data, te.target, tr.target_names, args.fashion_epochs


def fit_lipschitz(Xtr, ytr, arch, epochs, args):
    from sklot.lipschitz import LipschitzClassifier

    clf = LipschitzClassifier(
        architecture=arch,
        max_epochs=epochs,
        batch_size=args.batch_size,
        device="cpu",
        random_state=args.seed,
    )
    X = Xtr if arch == "cnn" else Xtr.reshape(len(Xtr), -1)
    t = time.perf_counter()
    clf.fit(X, ytr)
    return clf, time.perf_counter() - t


def fit_unconstrained_twin(clf, Xtr, ytr, epochs, args):
    """The network ``clf`` was built from, without its constraints, trained with cross-entropy."""
    from sklot._core.init import build_module
    from sklot._core.training import make_net
    from sklot.lipschitz import export
    from sklot.lipschitz._architectures import build_network

    def factory():
        lip = build_network(
            clf.architecture,
            input_shape=clf.input_shape_,
            n_outputs=len(clf.classes_),
            hidden_layer_sizes=clf._hidden_sizes(),
            activation=clf.activation,
            head="orthonormal",
            lipschitz_constant=1.0,
            flat_image_shape=clf._flat_image_shape(),
        )
        # plain nn.Linear / nn.Conv2d with the same shapes; build_module then redraws their
        # weights with torch's default initialisation
        return export(lip).train()

    module = build_module(factory, args.seed)
    net = make_net(
        module,
        nn.CrossEntropyLoss(),
        device="cpu",
        seed=args.seed,
        max_epochs=epochs,
        batch_size=args.batch_size,
        lr=args.lr_ce,
    )
    X = Xtr.reshape(len(Xtr), *clf.input_shape_).astype(np.float32)
    t = time.perf_counter()
    net.fit(X, np.asarray(ytr, dtype=np.int64))
    return net.module_.eval(), time.perf_counter() - t


# -- explanations -----------------------------------------------------------------------------------
def lipschitz_gradient(model, X, y=None):
    """``LipschitzClassifier.explain``: input gradient of the explained class's margin."""
    from sklot.lipschitz.explain import saliency_map

    x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    cls = None if y is None else torch.as_tensor(np.asarray(y), dtype=torch.long)
    return saliency_map(model, x, cls).numpy().astype(np.float64)


def explainers(args):
    from sklot.explain import integrated_gradients, saliency, smoothgrad

    return {
        "lipschitz gradient": lipschitz_gradient,
        "unconstrained gradient": lambda m, X, y=None: saliency(m, X, y),
        "unconstrained SmoothGrad": lambda m, X, y=None: smoothgrad(
            m, X, y, n_samples=args.sg_samples, stdev=args.sg_stdev, random_state=args.seed
        ),
        "unconstrained IG": lambda m, X, y=None: integrated_gradients(m, X, y, n_steps=args.ig_steps),
    }


def metrics(model, X, E, explain, args):
    from sklot.explain import deletion_auc, insertion_auc, max_sensitivity, mu_fidelity, sparseness

    out = {}
    t = time.perf_counter()
    out["deletion"] = deletion_auc(model, X, E, n_steps=args.curve_steps, score=args.score)
    out["insertion"] = insertion_auc(model, X, E, n_steps=args.curve_steps, score=args.score)
    out["mu_fidelity"] = mu_fidelity(model, X, E, n_subsets=args.mu_subsets, random_state=args.seed)
    t_fid = time.perf_counter() - t
    t = time.perf_counter()
    out["max_sensitivity"] = max_sensitivity(
        model, X, E, explain_func=explain, radius=args.sens_radius, n_samples=args.sens_samples,
        random_state=args.seed,
    )
    t_sens = time.perf_counter() - t
    out["sparseness"] = sparseness(model, X, E)
    return out, t_fid, t_sens


# -- counterfactuals --------------------------------------------------------------------------------
def counterfactual_stats(module, X, Xtr, ytr, L):
    from sklot.explain import counterfactual_realism
    from sklot.lipschitz import certified_radius
    from sklot.lipschitz.explain import counterfactual

    module = module.double()
    x = torch.as_tensor(np.asarray(X), dtype=torch.float64)
    with torch.no_grad():
        logits = module(x)
    pred = logits.argmax(1)
    target = logits.scatter(1, pred[:, None], float("-inf")).argmax(1)  # runner-up class
    t = time.perf_counter()
    x_cf, dist, reached = counterfactual(module, x, target, clip=(0.0, 1.0))
    t_cf = time.perf_counter() - t
    module.float()
    x_cf, dist, reached = x_cf.numpy(), dist.numpy(), reached.numpy()
    radius = certified_radius(logits.numpy(), lipschitz_constant=L)
    moved = reached & (dist > 0)
    ratio = dist[moved] / radius[moved]
    realism = counterfactual_realism(x_cf[reached], target.numpy()[reached], Xtr, ytr)
    return {
        "success_rate": float(reached.mean()),
        "median_distance": float(np.median(dist[reached])) if reached.any() else float("nan"),
        "median_radius": float(np.median(radius)),
        "min_distance_over_radius": float(ratio.min()) if len(ratio) else float("nan"),
        "median_realism": float(np.median(realism)) if len(realism) else float("nan"),
        "time_per_cf_ms": 1e3 * t_cf / len(X),
    }, x_cf


# -- figure -------------------------------------------------------------------------------------------
def figure(path, X, shape, maps, cfs, names, preds, title, n=6):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = ["input", *maps, *cfs]
    fig, axes = plt.subplots(n, len(cols), figsize=(1.45 * len(cols), 1.5 * n + 0.6), squeeze=False,
                             layout="constrained")
    for i in range(n):
        img = X[i].reshape(shape)
        axes[i, 0].imshow(img, cmap="gray", vmin=0, vmax=1)
        axes[i, 0].set_ylabel(names[preds[i]], fontsize=7)
        for j, name in enumerate(maps, start=1):
            m = maps[name][i].reshape(shape)
            v = float(np.abs(m).max()) or 1.0  # each map on its own symmetric scale
            axes[i, j].imshow(m, cmap="coolwarm", vmin=-v, vmax=v)
        for j, name in enumerate(cfs, start=1 + len(maps)):
            axes[i, j].imshow(cfs[name][i].reshape(shape), cmap="gray", vmin=0, vmax=1)
    for j, c in enumerate(cols):
        axes[0, j].set_title(c.replace("unconstrained ", "unconstr.\n").replace("lipschitz ", "Lipschitz\n"),
                             fontsize=7)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -- one configuration ----------------------------------------------------------------------------------
def run_config(config, args):
    from sklot.lipschitz import lipschitz_bound

    arch = config.split("-")[1]
    Xtr, ytr, Xte, yte, names, epochs = load(config, args)
    print(f"\n### {config}: {len(Xtr)} train / {len(Xte)} explained test images, {epochs} epochs", flush=True)
    clf, t_lip = fit_lipschitz(Xtr, ytr, arch, epochs, args)
    plain, t_plain = fit_unconstrained_twin(clf, Xtr, ytr, epochs, args)
    lip = clf.export(torch.float32)  # the function of decision_function, in float32 like the twin
    Xe = Xte.reshape(len(Xte), *clf.input_shape_).astype(np.float32)
    with torch.no_grad():
        acc_lip = float((lip(torch.as_tensor(Xe)).argmax(1).numpy() == yte).mean())
        acc_plain = float((plain(torch.as_tensor(Xe)).argmax(1).numpy() == yte).mean())
    L_plain = lipschitz_bound(plain)
    res = {
        "accuracy": {"lipschitz": acc_lip, "unconstrained": acc_plain},
        "fit_s": {"lipschitz": t_lip, "unconstrained": t_plain},
        "lipschitz_bound": {"lipschitz": clf.lipschitz_bound_, "unconstrained": L_plain},
        "vra_36_255": clf.score_certified(Xte.reshape(len(Xte), -1) if arch == "mlp" else Xte, yte, 36 / 255),
        "methods": {},
    }
    print(f"test accuracy: Lipschitz {acc_lip:.4f}, unconstrained {acc_plain:.4f}; Lipschitz bounds "
          f"{clf.lipschitz_bound_:.3f} / {L_plain:.3g}; fit {t_lip:.1f} s / {t_plain:.1f} s (loaded machine)")
    maps = {}
    for name, explain in explainers(args).items():
        model = lip if name.startswith("lipschitz") else plain
        t = time.perf_counter()
        E = explain(model, Xe)
        t_exp = time.perf_counter() - t
        scores, t_fid, t_sens = metrics(model, Xe, E, explain, args)
        maps[name] = E
        res["methods"][name] = {
            **{k: float(np.nanmean(v)) for k, v in scores.items()},
            "median": {k: float(np.nanmedian(v)) for k, v in scores.items()},
            "nan": {k: int(np.isnan(v).sum()) for k, v in scores.items()},
            "ms_per_explanation": 1e3 * t_exp / len(Xe),
            "metrics_s_fidelity_sparseness": t_fid,
            "metrics_s_max_sensitivity": t_sens,
        }
        print(f"  {name:26s} " + "  ".join(f"{k} {res['methods'][name][k]:.4f}" for k in METRICS)
              + f"  | {1e3 * t_exp / len(Xe):.2f} ms/expl, metrics {t_fid:.1f} s"
              + f" + sensitivity {t_sens:.1f} s",
              flush=True)
    Xref = Xtr.reshape(len(Xtr), *Xe.shape[1:])  # realism: nearest training image of the target class
    cf_lip, xcf_lip = counterfactual_stats(lip, Xe, Xref, ytr, clf.lipschitz_bound_)
    cf_plain, xcf_plain = counterfactual_stats(plain, Xe, Xref, ytr, L_plain)
    res["counterfactuals"] = {"lipschitz": cf_lip, "unconstrained": cf_plain}
    if config.startswith("fashion"):
        with torch.no_grad():
            preds = lip(torch.as_tensor(Xe)).argmax(1).numpy()
        idx = np.array([int(np.flatnonzero(yte == c)[0]) for c in range(6)])
        path = pathlib.Path(args.figures) / f"explain_saliency_{config.replace('-', '_')}.png"
        figure(path, Xe[idx], Xte.shape[-2:], {k: v[idx] for k, v in maps.items()},
               {"Lipschitz\ncounterfactual": xcf_lip[idx], "unconstr.\ncounterfactual": xcf_plain[idx]},
               names, preds[idx],
               f"{config}: saliency maps (red +, blue -; each map on its own scale), counterfactuals to "
               f"the runner-up class; rows labelled by the Lipschitz prediction")
        res["figure"] = str(path)
        print(f"  figure: {path}")
    return res


def print_tables(results):
    for config, res in results.items():
        for stat in ("mean", "median"):
            _print_table(config, res, stat)
        print(f"{'counterfactuals':26s}{'success':>10s}{'med dist':>10s}{'med radius':>12s}"
              f"{'min d/r':>10s}{'realism':>10s}{'ms/cf':>8s}")
        for name, c in res["counterfactuals"].items():
            print(f"{name:26s}{c['success_rate']:10.3f}{c['median_distance']:10.3f}{c['median_radius']:12.4f}"
                  f"{c['min_distance_over_radius']:10.3f}{c['median_realism']:10.3f}"
                  f"{c['time_per_cf_ms']:8.2f}")


def _print_table(config, res, stat):
    """One table of the explained images' ``stat`` ("mean" or "median") of every metric."""

    def value(m, k):
        return m[k] if stat == "mean" else m["median"][k]

    print(f"\n=== {config} ({stat}s over the explained images): accuracy Lipschitz "
          f"{res['accuracy']['lipschitz']:.4f} / unconstrained {res['accuracy']['unconstrained']:.4f} ===")
    head = f"{'method':26s}" + "".join(f"{k:>16s}" for k in METRICS) + f"{'ms/expl':>10s}"
    print(head)
    for name, m in res["methods"].items():
        row = "".join(f"{value(m, k):16.4f}" for k in METRICS)
        print(f"{name:26s}{row}{m['ms_per_explanation']:10.2f}")
    winners = []
    for k, higher in METRICS.items():
        vals = {n: value(m, k) for n, m in res["methods"].items()}
        winners.append(max(vals, key=vals.get) if higher else min(vals, key=vals.get))
    print(f"{'winner':26s}" + "".join(f"{w.replace('unconstrained', 'unc.'):>17s}" for w in winners))
    lip = res["methods"]["lipschitz gradient"]
    for other in ("unconstrained gradient", "unconstrained SmoothGrad", "unconstrained IG"):
        o = res["methods"][other]
        wins = [k for k, higher in METRICS.items()
                if (value(lip, k) > value(o, k) if higher else value(lip, k) < value(o, k))]
        print(f"Lipschitz gradient beats {other} on {len(wins)}/5 ({stat}s): {', '.join(wins) or '-'}")


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    print(f"bench_saliency: {vars(args)}")
    results = {}
    for config in args.configs:
        results[config] = run_config(config, args)
    print_tables(results)
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
