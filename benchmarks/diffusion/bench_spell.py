"""SPELL benchmark: vanilla vs SPELL static / dynamic vs CADS vs particle guidance (2-D, digits, fashion).

Same seeds for every method. Shield = the training set, radius set so that the vanilla sampler has a
stated in-shield rate (calibrated on other seeds). Metrics against held-out real data: in-shield rate,
precision / recall / coverage (k = 5), Vendi (RBF kernel, bandwidth = the median pairwise distance of
the real features, the same for every method), a Frechet distance (2-D: on the coordinates; digits: on
the hidden features of an MLP classifier of the dataset trained here, "FD-digits" / "FD-fashion"), and
sampling time. Digits and Fashion-MNIST share one code path (``bench_images``).
A large-shield run times SPELL with the approximate (faiss) index against vanilla sampling.

Full run (the figures of docs/benchmarks/diffusion.md)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py

Quick run (a few minutes)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py --quick

Several seeds (docs/benchmarks/diffusion.md, "Spread over seeds": sampling seed 0 picks each method's
strength, seeds 1-2 report mean +- sd and paired differences)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py --only digits --seeds 3 \
        --sweep short --methods spell_dynamic cads particle_guidance --cache /tmp/spell_cache

Fashion-MNIST comparison (docs/benchmarks/diffusion.md, "Fashion-MNIST": a 14-epoch model on 10,000
training images, DDIM 50 steps, 2 batches of 100 per method; sampling seed 0 picks the strengths on the
short sweep, seed 1 reports; ``--quick``: 1 epoch on 2,000 images, a check that it runs)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py --only fashion --seeds 2 \
        --sweep short --cache /tmp/spell_cache --json fashion.json

Fashion-MNIST epoch time (one epoch on 10,000 images, 100 samples; ``--only fashion`` before the
comparison existed)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py --only fashion_epoch

Options: ``--only 2d digits large fashion fashion_epoch``, ``--seeds N``, ``--train-seeds S ...``,
``--sweep full|short``, ``--methods ...``, ``--n-batches N`` (digits, fashion), ``--sampler-2d ddpm|ddim``,
``--cache DIR``, ``--json PATH``, ``--figures DIR``. Timings on a loaded machine are not figures: rerun
on an idle machine for them.
"""

import argparse
import json
import pathlib
import pickle
import time

import numpy as np

from sklot.diffusion import CADS, DiffusionGenerator, ParticleGuidance, SparseRepellency
from sklot.diffusion.metrics import (
    frechet_distance,
    in_shield_rate,
    precision_recall_density_coverage,
    vendi_score,
)

METHODS = ("vanilla", "spell_static", "spell_dynamic", "cads", "particle_guidance")


def nn_distance(S, Z):
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=1).fit(Z).kneighbors(S)[0][:, 0]


def calibrate_radius(gen, shield, y_fn, n, rate, seed=10_000):
    """Radius at which the vanilla sampler (seeds not used in the comparison) has ``rate`` in-shield."""
    S = gen.sample(n, y=y_fn(n), random_state=seed).reshape(n, -1)
    return float(np.quantile(nn_distance(S, shield), rate))


# strengths swept: dynamic SPELL radii (2-D: x the median within-batch nearest-neighbour gap; digits:
# x the static radius), particle-guidance alpha, CADS tau1; "short" is the multi-seed run's subset
SWEEPS = {
    "2d": {"full": ((0.5, 1.0, 2.0), (0.01, 0.03, 0.1), (0.3, 0.6, 0.8)),
           "short": ((0.5, 1.0), (0.01, 0.03), (0.6,))},
    "digits": {"full": ((1.0, 1.25, 1.5), (0.003, 0.01, 0.03), (0.3, 0.6, 0.8)),
               "short": ((1.0, 1.25), (0.01, 0.03), (0.6,)),
               # the strengths picked on validation seed 0 by the short sweep (docs: "Spread over seeds")
               "picked": ((1.0,), (0.03,), (0.6,))},
    # Fashion-MNIST: the digits strengths (dynamic radii as multiples of the static radius)
    "fashion": {"full": ((1.0, 1.25, 1.5), (0.003, 0.01, 0.03), (0.3, 0.6, 0.8)),
                "short": ((1.0, 1.25), (0.01, 0.03), (0.6,))},
}


def method_grid(radius, shield, dyn_radii, pg_strengths, cads_tau1, methods=METHODS):
    """(name, strength, sample kwargs factory) for every method (of ``methods``) and strength of the sweep."""
    grid = [("vanilla", 0.0, lambda: {})]
    grid.append(("spell_static", radius, lambda: {"repellency": SparseRepellency(radius=radius).fit(shield)}))
    for r in dyn_radii:
        grid.append(("spell_dynamic", r, lambda r=r: {
            "repellency": SparseRepellency(radius=r, mode="dynamic", memory=True).fit()}))
    # CADS: the paper's s = 0.25, psi = 1 (with psi = 1 the rescaling cancels s when gamma = 0);
    # its strength is how early the annealing stops, tau1 (tau2 = 0.9)
    for t1 in cads_tau1:
        grid.append(("cads", t1, lambda t1=t1: {"guidance": CADS(tau1=t1, tau2=0.9)}))
    for a in pg_strengths:
        grid.append(("particle_guidance", a, lambda a=a: {"guidance": ParticleGuidance(a)}))
    return [g for g in grid if g[0] in methods or g[0] == "vanilla"]


def run_methods(gen, shield, radius, y_fn, n_batches, batch, features, real_features, grid, seed=0):
    """Every method of ``grid`` on the same batches: batch ``b`` of sampling seed ``seed`` uses
    ``random_state = 1000 * seed + b`` (the calibration seeds are 10,000 and up)."""
    med = np.median(np.linalg.norm(real_features[:, None] - real_features[None], axis=2))
    out = []
    for level, (name, strength, make) in enumerate(grid):
        kw = make()
        samples, active = [], []
        t0 = time.perf_counter()
        for b in range(n_batches):
            res = gen.sample(batch, y=y_fn(batch), random_state=1000 * seed + b, return_trace=True, **kw)
            samples.append(res[0].reshape(batch, -1))
            active.append(res[1]["active"])
        elapsed = time.perf_counter() - t0
        S = np.concatenate(samples)
        F = features(S)
        prdc = precision_recall_density_coverage(real_features, F, n_neighbors=5)
        act = np.concatenate(active, axis=1) if "repellency" in kw else None
        n_steps = act.shape[0] if act is not None else 1
        row = {
            "method": name,
            "level": level,
            "strength": strength,
            "in_shield_rate": in_shield_rate(S, shield, radius),
            "precision": prdc["precision"],
            "recall": prdc["recall"],
            "coverage": prdc["coverage"],
            "vendi": vendi_score(F, bandwidth=med),
            "frechet": frechet_distance(F, real_features),
            "seconds_per_sample": elapsed / len(S),
            "active_step_fraction": float(act.mean()) if act is not None else 0.0,
            "active_last_fifth": float(act[-n_steps // 5 :].mean()) if act is not None else 0.0,
            "active_per_step": act.mean(1).tolist() if act is not None else [],
        }
        out.append(row)
        print(f"  {name:18s} " + " ".join(
            f"{k}={v:.4g}" for k, v in row.items() if k not in ("active_per_step", "method", "level")),
            flush=True)
    return out


METRICS = ("in_shield_rate", "precision", "recall", "coverage", "vendi", "frechet", "seconds_per_sample",
           "active_step_fraction", "active_last_fifth")


def aggregate(runs):
    """Mean and standard deviation over ``runs`` of every metric of every (method, strength level)."""
    rows = []
    for i, first in enumerate(runs[0]["methods"]):
        vals = [r["methods"][i] for r in runs]
        row = {"method": first["method"], "level": i, "n_runs": len(vals),
               "strength": float(np.mean([v["strength"] for v in vals]))}
        for m in METRICS:
            x = np.array([v[m] for v in vals], dtype=float)
            row[m] = float(x.mean())
            row[m + "_sd"] = float(x.std(ddof=1)) if len(x) > 1 else 0.0
        per_step = [v["active_per_step"] for v in vals if v["active_per_step"]]
        row["active_per_step"] = np.mean(per_step, axis=0).tolist() if per_step else []
        rows.append(row)
    return rows


def split_runs(part):
    """(validation runs, report runs): the runs of ``part["validation_seeds"]`` pick the strengths, the
    others report. Without validation runs (or without others) both are the same runs."""
    val_seeds = part.get("validation_seeds", part["sample_seeds"][:1])
    val = [r for r in part["runs"] if r["sample_seed"] in val_seeds]
    rep = [r for r in part["runs"] if r["sample_seed"] not in val_seeds]
    return (val or rep), (rep or val)


def merge_runs(part, path, name):
    """Add the report runs of an earlier ``--json`` (part ``name``) to ``part``: rows matched by method
    and strength (those of the current grid only), runs of seeds already present skipped."""
    old = json.loads(pathlib.Path(path).read_text())[name]
    old_val = old.get("validation_seeds", old["sample_seeds"][:1])
    have = {(r["train_seed"], r["sample_seed"]) for r in part["runs"]}
    keys = [(m["method"], round(m["strength"], 6)) for m in part["runs"][0]["methods"]]
    for run in old["runs"]:
        if run["sample_seed"] in old_val or (run["train_seed"], run["sample_seed"]) in have:
            continue
        rows = {(m["method"], round(m["strength"], 6)): m for m in run["methods"]}
        if not all(k in rows for k in keys):
            continue
        part["runs"].append({**run, "methods": [dict(rows[k], level=i) for i, k in enumerate(keys)]})
        part["merged_from"] = part.get("merged_from", []) + [str(path)]
    return part


def best_at_precision(rows, method, precision):
    """The row of ``method`` with the highest recall among those with precision >= ``precision``."""
    ok = [r for r in rows if r["method"] == method and r["precision"] >= precision]
    return max(ok, key=lambda r: r["recall"]) if ok else None


def picks(part):
    """Per method, the strength level chosen on the validation runs: the highest recall at precision
    >= vanilla's - 0.02 (vanilla itself: level 0)."""
    val, _ = split_runs(part)
    rows = aggregate(val)
    v = next(r for r in rows if r["method"] == "vanilla")
    out = {"vanilla": v["level"]}
    for m in ("spell_dynamic", "cads", "particle_guidance"):
        r = best_at_precision(rows, m, v["precision"] - 0.02)
        if r is not None:
            out[m] = r["level"]
    return out


def paired_differences(runs, level_a, level_b, keys=("precision", "recall", "coverage", "vendi")):
    """Per-run differences a - b (same training and sampling seeds): mean, sd, and runs with a > b."""
    out = {}
    for k in keys:
        d = np.array([r["methods"][level_a][k] - r["methods"][level_b][k] for r in runs])
        out[k] = {"mean": float(d.mean()), "sd": float(d.std(ddof=1)) if len(d) > 1 else 0.0,
                  "wins": int((d > 0).sum()), "ties": int((d == 0).sum()), "n": len(d)}
    return out


def markdown_table(rows):
    """The rows (aggregated) as the markdown table of docs/benchmarks/diffusion.md (mean +- sd)."""
    cols = [("in_shield_rate", 3), ("precision", 3), ("recall", 3), ("coverage", 3), ("vendi", 2),
            ("frechet", 3), ("active_step_fraction", 3), ("active_last_fifth", 3)]
    lines = ["| method | strength | in-shield | precision | recall | coverage | Vendi | FD | active steps "
             "| active, last fifth |", "|" + "---|" * 10]
    for r in rows:
        cells = [r["method"], f"{r['strength']:.3g}"]
        for k, nd in cols:
            with_sd = r["n_runs"] > 1 and k not in ("active_step_fraction", "active_last_fifth")
            sd = f" ± {r[k + '_sd']:.{nd}f}" if with_sd else ""
            cells.append(f"{r[k]:.{nd}f}{sd}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fitted(make, X, y, cache, name):
    """``make().fit(X, y)``, or the generator pickled under ``cache`` by an earlier run (same name)."""
    path = pathlib.Path(cache) / f"{name}.pkl" if cache else None
    if path is not None and path.exists():
        print(f"  (fitted model read from {path})", flush=True)
        return pickle.loads(path.read_bytes()), float("nan")
    t0 = time.perf_counter()
    gen = make().fit(X, y)
    fit_s = time.perf_counter() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(gen))
    return gen, fit_s


def ring_2d():
    """The 2-D data: a ring of 8 Gaussians (radius 4, std 0.5); 5,000 training points, 1,000 held out."""
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(0)
    k = 8
    angles = 2 * np.pi * np.arange(k) / k
    centers = 4 * np.stack([np.cos(angles), np.sin(angles)], 1)
    y = rng.integers(0, k, 6000)
    X = centers[y] + 0.5 * rng.normal(size=(6000, 2))
    X_tr, X_te, y_tr, _ = train_test_split(X, y, train_size=5000, random_state=0)
    return X_tr, X_te, y_tr


def digits_split():
    """Digits (pixels / 16): 1,400 training images, 397 held out (stratified)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    return train_test_split(d.data / 16.0, d.target, train_size=1400, random_state=0, stratify=d.target)


def bench_2d(quick, sample_seeds=(0,), train_seeds=(0,), sampler="ddpm", cache=None, sweep="full",
             methods=METHODS):
    X_tr, X_te, y_tr = ring_2d()
    k = 8
    y_fn = lambda n: np.arange(n) % k  # noqa: E731
    out = {"sampler": sampler, "train_seeds": list(train_seeds), "sample_seeds": list(sample_seeds),
           "fit_seconds": [], "radius": [], "runs": []}
    for ts in train_seeds:
        print(f"2-D: the default DiffusionGenerator (class-conditional) on 5,000 points, seed {ts}",
              flush=True)
        epochs = 40 if quick else 200
        gen, fit_s = fitted(lambda: DiffusionGenerator(random_state=ts, max_epochs=epochs), X_tr, y_tr,
                            cache, f"2d_seed{ts}_epochs{epochs}")
        print(f"  fit: {fit_s:.1f} s (max_epochs={gen.max_epochs})", flush=True)
        gen.set_params(n_sampling_steps=100 if quick else 250, guidance_scale=1.0, sampler=sampler)
        radius = calibrate_radius(gen, X_tr, y_fn, 500, 0.10)
        print(f"  radius {radius:.4g} (vanilla in-shield rate 10 % on calibration seeds)", flush=True)
        # dynamic radii: fractions of the median nearest-neighbour distance within a vanilla batch
        B = gen.sample(200, y=y_fn(200), random_state=10_001)
        gap = float(np.median(np.sort(np.linalg.norm(B[:, None] - B[None], axis=2), axis=1)[:, 1]))
        dyn, pg, cads = SWEEPS["2d"][sweep]
        grid = method_grid(radius, X_tr, tuple(f * gap for f in dyn), pg, cads, methods)
        out["fit_seconds"].append(fit_s)
        out["radius"].append(radius)
        for ss in sample_seeds:
            print(f"  train seed {ts}, sampling seed {ss}", flush=True)
            res = run_methods(gen, X_tr, radius, y_fn, 2 if quick else 5, 200, lambda S: S, X_te[:1000], grid,
                              seed=ss)
            out["runs"].append({"train_seed": ts, "sample_seed": ss, "methods": res})
    return out


def fashion_split(quick=False):
    """Fashion-MNIST (pixels in [0, 1], flat 784): the first 10,000 training images (2,000 with --quick)
    train the model and the classifier; the first 1,000 test images (300) are the held-out real data."""
    from sklot.datasets import load_fashion_mnist

    X_tr, y_tr = load_fashion_mnist(n_samples=2_000 if quick else 10_000, return_X_y=True)
    X_te, y_te = load_fashion_mnist(subset="test", n_samples=300 if quick else 1_000, return_X_y=True)
    return X_tr.astype(np.float64), X_te.astype(np.float64), y_tr, y_te


def mlp_classifier(X, y, seed=0, max_iter=400):
    """An MLP classifier (one hidden layer of 128) trained here; its hidden ReLU features are the feature
    space of precision / recall / coverage / Vendi / FD (never Inception)."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(128,), max_iter=max_iter, random_state=seed).fit(X, y)

    def features(S):
        return np.maximum(S @ clf.coefs_[0] + clf.intercepts_[0], 0)

    return clf, features


def digits_classifier(X, y, seed=0):
    return mlp_classifier(X, y, seed)


def image_config(dataset, quick):
    """The per-dataset settings of :func:`bench_images`: data split, model, sampling and run sizes."""
    if dataset == "digits":
        return {"split": lambda: digits_split(), "classifier": digits_classifier, "image_shape": (8, 8),
                "epochs": 30 if quick else 150, "n_sampling_steps": 50 if quick else 100,
                "n_batches": 2 if quick else 5, "batch": 100, "n_calibration": 300, "n_check": 200}
    if dataset == "fashion":
        # a model of ~17 min on one core (72.6 s an epoch on 10,000 images, idle core); DDIM 50 steps
        # (half the 0.52 s a sample of 100 steps); the classifier's 100 epochs of Adam suffice
        return {"split": lambda: fashion_split(quick),
                "classifier": lambda X, y: mlp_classifier(X, y, max_iter=100),
                "image_shape": (28, 28), "epochs": 1 if quick else 14,
                "n_sampling_steps": 20 if quick else 50, "n_batches": 1 if quick else 2,
                "batch": 20 if quick else 100, "n_calibration": 40 if quick else 200,
                "n_check": 20 if quick else 100}
    raise ValueError(f"unknown image dataset {dataset!r}")


def bench_images(dataset, quick, sample_seeds=(0,), train_seeds=(0,), n_batches=None, cache=None,
                 sweep="full", methods=METHODS, guidance_scale=2.0):
    """The image comparison (``dataset`` "digits" or "fashion"): a class-conditional UNet
    DiffusionGenerator (DDIM, classifier-free guidance ``guidance_scale``, 2 by default) trained here,
    shield = its training images (radius: vanilla in-shield rate 10 % on calibration seeds, at that
    guidance scale), features of an MLP classifier trained here, ``n_batches`` batches per method and
    sampling seed. The guidance scale is a sampling setting: one trained model (and cache entry) serves
    every scale."""
    cfg = image_config(dataset, quick)
    X_tr, X_te, y_tr, y_te = cfg["split"]()
    t0 = time.perf_counter()
    clf, features = cfg["classifier"](X_tr, y_tr)
    print(f"{dataset}: {len(X_tr)} training / {len(X_te)} held-out images; classifier test accuracy "
          f"{clf.score(X_te, y_te):.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
    y_fn = lambda n: np.arange(n) % 10  # noqa: E731
    n_batches = n_batches or cfg["n_batches"]
    batch, epochs = cfg["batch"], cfg["epochs"]
    out = {"train_seeds": list(train_seeds), "sample_seeds": list(sample_seeds), "n_batches": n_batches,
           "guidance_scale": guidance_scale,
           "batch_size": batch, "n_train": len(X_tr), "n_heldout": len(X_te), "max_epochs": epochs,
           "n_sampling_steps": cfg["n_sampling_steps"], "classifier_accuracy": float(clf.score(X_te, y_te)),
           "fit_seconds": [], "radius": [], "sample_class_accuracy": [], "runs": []}
    for ts in train_seeds:
        make = lambda: DiffusionGenerator(  # noqa: E731
            image_shape=cfg["image_shape"], max_epochs=epochs, batch_size=128, random_state=ts,
            sampler="ddim", n_sampling_steps=cfg["n_sampling_steps"], guidance_scale=2.0)
        name = f"{dataset}_seed{ts}_epochs{epochs}" + (f"_n{len(X_tr)}" if dataset != "digits" else "")
        gen, fit_s = fitted(make, X_tr, y_tr, cache, name)
        gen.set_params(guidance_scale=guidance_scale)
        m = cfg["n_check"]
        S = gen.sample(m, y=np.arange(m) % 10, random_state=999).reshape(m, -1)
        acc = float(np.mean(clf.predict(np.clip(S, 0, 1)) == np.arange(m) % 10))
        print(f"  seed {ts}: fit {fit_s:.1f} s; class accuracy of the samples (classifier) {acc:.3f}",
              flush=True)
        radius = calibrate_radius(gen, X_tr, y_fn, cfg["n_calibration"], 0.10)
        print(f"  radius {radius:.4g} (vanilla in-shield rate 10 % on calibration seeds)", flush=True)
        dyn, pg, cads = SWEEPS[dataset][sweep]
        grid = method_grid(radius, X_tr, tuple(f * radius for f in dyn), pg, cads, methods)
        out["fit_seconds"].append(fit_s)
        out["radius"].append(radius)
        out["sample_class_accuracy"].append(acc)
        for ss in sample_seeds:
            print(f"  train seed {ts}, sampling seed {ss} ({n_batches} batches of {batch})", flush=True)
            res = run_methods(gen, X_tr, radius, y_fn, n_batches, batch, features, features(X_te), grid,
                              seed=ss)
            out["runs"].append({"train_seed": ts, "sample_seed": ss, "methods": res})
        if ts == train_seeds[0]:
            out["_gen"], out["_X_tr"] = gen, X_tr
    return out


def bench_digits(quick, sample_seeds=(0,), train_seeds=(0,), n_batches=None, cache=None, sweep="full",
                 methods=METHODS, guidance_scale=2.0):
    return bench_images("digits", quick, sample_seeds, train_seeds, n_batches, cache, sweep, methods,
                        guidance_scale)


def bench_large(quick, gen, X_tr, radius):
    """Shield of 10^5 (quick) or 10^6 jittered copies of the training digits, faiss index."""
    n_ref = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(1)
    idx = rng.integers(0, len(X_tr), n_ref)
    Z = (X_tr[idx] + 0.05 * rng.normal(size=(n_ref, X_tr.shape[1]))).astype(np.float64)
    t0 = time.perf_counter()
    spell = SparseRepellency(radius=radius, algorithm="faiss", n_neighbors=10).fit(Z)
    index_s = time.perf_counter() - t0
    n = 100
    y = np.arange(n) % 10
    gen.sample(n, y=y, random_state=0)  # warm-up
    t0 = time.perf_counter()
    gen.sample(n, y=y, random_state=0)
    vanilla = time.perf_counter() - t0
    t0 = time.perf_counter()
    S, tr = gen.sample(n, y=y, random_state=0, repellency=spell, return_trace=True)
    shielded = time.perf_counter() - t0
    out = {"n_references": n_ref, "index_seconds": index_s, "vanilla_seconds_per_sample": vanilla / n,
           "spell_seconds_per_sample": shielded / n, "ratio": shielded / vanilla,
           "active_step_fraction": float(tr["active"].mean())}
    print("large shield: " + " ".join(f"{k}={v:.4g}" for k, v in out.items()), flush=True)
    return out


def bench_fashion_epoch(quick):
    """Fashion-MNIST (28x28): time one training epoch of the image DiffusionGenerator (default UNet) on
    10,000 images (2,000 with --quick) and the sampling of 100 (10) images (DDIM, 100 steps, CFG), to decide
    whether a Fashion-MNIST comparison fits the 2-core machine."""
    from sklot.datasets import load_fashion_mnist

    n = 2_000 if quick else 10_000
    X, y = load_fashion_mnist(n_samples=n, return_X_y=True, as_images=True)
    gen = DiffusionGenerator(max_epochs=1, batch_size=128, random_state=0, sampler="ddim",
                             n_sampling_steps=100,
                             guidance_scale=2.0)
    t0 = time.perf_counter()
    gen.fit(X.astype(np.float64), y)
    epoch_s = time.perf_counter() - t0
    m = 10 if quick else 100
    t0 = time.perf_counter()
    gen.sample(m, y=np.arange(m) % 10, random_state=0)
    sample_s = time.perf_counter() - t0
    out = {"n_images": n, "epoch_seconds": epoch_s, "seconds_per_sample": sample_s / m,
           "epochs_per_hour": 3600 / epoch_s}
    print("fashion-mnist: " + " ".join(f"{k}={v:.4g}" for k, v in out.items()), flush=True)
    return out


def figures(results, outdir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    colors = {"vanilla": "k", "spell_static": "tab:red", "spell_dynamic": "tab:blue",
              "cads": "tab:green", "particle_guidance": "tab:orange"}
    for part in ("2d", "digits", "fashion"):
        if part not in results:
            continue
        rows = results[part]["methods"]  # aggregated over the report runs
        fig, axes = plt.subplots(1, 4, figsize=(18, 3.8))
        for ax, key in zip(axes[:3], ("recall", "coverage", "vendi")):
            for m in METHODS:
                rs = [r for r in rows if r["method"] == m]
                ax.plot([r["precision"] for r in rs], [r[key] for r in rs], "o-", color=colors[m], label=m)
            ax.set_xlabel("precision")
            ax.set_ylabel(key)
        axes[0].legend(fontsize=7)
        static = next((r for r in rows if r["method"] == "spell_static"), None)
        dyn = [r for r in rows if r["method"] == "spell_dynamic"]
        if static is not None:
            axes[3].plot(static["active_per_step"], color="tab:red", label="static")
        if dyn:
            dyn = dyn[min(1, len(dyn) - 1)]
            axes[3].plot(dyn["active_per_step"], color="tab:blue", label=f"dynamic (r={dyn['strength']:.3g})")
        axes[3].set_xlabel("reverse step (noise -> data)")
        axes[3].set_ylabel("active fraction")
        axes[3].legend(fontsize=7)
        v = next(r for r in rows if r["method"] == "vanilla")
        title = f"SPELL benchmark, {part}: in-shield rate vanilla {v['in_shield_rate']:.3f}"
        if static is not None:
            title += f", SPELL static {static['in_shield_rate']:.4f}"
        fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(outdir / f"diffusion_bench_{part}.png", dpi=90)
        plt.close(fig)


def summary(results):
    for part in ("2d", "digits", "fashion"):
        if part not in results:
            continue
        P = results[part]
        rows = P["methods"]
        n_rep = rows[0]["n_runs"]
        val, rep = split_runs(P)
        how = (f"strengths picked on sampling seeds {sorted({r['sample_seed'] for r in val})}"
               if P.get("validation_seeds", True) else "strengths fixed beforehand")
        print(f"[{part}] means over {n_rep} report run(s) (train seeds {P['train_seeds']}, sampling seeds "
              f"{sorted({r['sample_seed'] for r in rep})}; {how})")
        print(markdown_table(rows))
        v = next(r for r in rows if r["method"] == "vanilla")
        s = next((r for r in rows if r["method"] == "spell_static"), None)
        if s is not None:
            ratio = v["in_shield_rate"] / s["in_shield_rate"] if s["in_shield_rate"] > 0 else float("inf")
            print(f"[{part}] static: in-shield {v['in_shield_rate']:.4f} -> {s['in_shield_rate']:.4f} "
                  f"({ratio:.1f}x lower), precision {v['precision']:.3f} -> {s['precision']:.3f}; active on "
                  f"{s['active_step_fraction']:.3f} of trajectory steps, "
                  f"{s['active_last_fifth']:.3f} in the last fifth")
        pk = P["picks"]
        print(f"[{part}] strengths compared (validation: highest recall at precision >= vanilla - 0.02): "
              + ", ".join(f"{m} {rows[lv]['strength']:.3g}" for m, lv in pk.items()))
        if "spell_dynamic" not in pk:
            continue
        _, rep = split_runs(P)
        for m in ("vanilla", "cads", "particle_guidance"):
            if m not in pk:
                continue
            d = P["paired"][m]
            print(f"    spell_dynamic - {m:18s} " + "  ".join(
                f"{k} {x['mean']:+.4f} ± {x['sd']:.4f} ({x['wins']}/{x['n']} higher)" for k, x in d.items()))
    if "large" in results:
        L = results["large"]
        print(f"[large] {L['n_references']:.0f} references (faiss): {L['ratio']:.2f}x the vanilla time "
              f"per sample (active on {L['active_step_fraction']:.3f} of trajectory steps)")


def finish(part):
    """Aggregate a part's runs, pick the strengths on the validation runs, pair SPELL with the others."""
    val, rep = split_runs(part)
    part["methods"] = aggregate(rep)
    if part.get("validation_seeds", True):
        part["picks"] = pk = picks(part)
    else:  # no validation seed: the strengths are fixed beforehand (e.g. --sweep picked), first of each
        pk = {}
        for row in part["methods"]:
            pk.setdefault(row["method"], row["level"])
        part["picks"] = pk
    part["paired"] = {}
    if "spell_dynamic" in pk:
        for m in ("vanilla", "cads", "particle_guidance"):
            if m in pk:
                part["paired"][m] = paired_differences(rep, pk["spell_dynamic"], pk[m])
    return part


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", nargs="*", default=["2d", "digits", "large"],
                   choices=["2d", "digits", "large", "fashion", "fashion_epoch"])
    p.add_argument("--seeds", type=int, default=1,
                   help="sampling seeds 0..SEEDS-1; with more than one, seed 0 picks the strengths "
                        "(validation) and the others report")
    p.add_argument("--seed-offset", type=int, default=0, help="sampling seeds OFFSET..OFFSET+SEEDS-1")
    p.add_argument("--validation-seeds", type=int, default=1,
                   help="how many of the first sampling seeds pick the strengths (0: none, all report)")
    p.add_argument("--merge", nargs="*", default=[],
                   help="earlier --json files whose report runs join this run's (same method and strength)")
    p.add_argument("--train-seeds", type=int, nargs="*", default=[0], help="model training seeds")
    p.add_argument("--n-batches", type=int, default=None,
                   help="digits / fashion: batches of 100 per run (digits 5, fashion 2)")
    p.add_argument("--sampler-2d", default="ddpm", choices=["ddim", "ddpm"])
    p.add_argument("--guidance-scale", type=float, default=2.0,
                   help="digits / fashion: classifier-free guidance scale of every method's sampling (the "
                        "radius is calibrated at it); default 2")
    p.add_argument("--sweep", default="full", choices=["full", "short", "picked"],
                   help="strengths per method (short: the multi-seed subset, see SWEEPS)")
    p.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    p.add_argument("--cache", default=None, help="folder to pickle / reuse the fitted generators")
    p.add_argument("--json", default=None)
    p.add_argument("--figures", default=None)
    a = p.parse_args(argv)
    seeds = tuple(range(a.seed_offset, a.seed_offset + a.seeds))
    for part in ("2d", "digits", "fashion"):
        if part in a.only and a.sweep not in SWEEPS[part]:
            p.error(f"--sweep {a.sweep} is not defined for {part}: {sorted(SWEEPS[part])}")
    results = {}
    if "2d" in a.only:
        res2d = bench_2d(a.quick, seeds, a.train_seeds, a.sampler_2d, a.cache, a.sweep, a.methods)
        res2d["validation_seeds"] = list(seeds[: a.validation_seeds])
        for path in a.merge:
            merge_runs(res2d, path, "2d")
        results["2d"] = finish(res2d)
    if "digits" in a.only or "large" in a.only:
        dig = bench_digits(a.quick, seeds, a.train_seeds, a.n_batches, a.cache, a.sweep, a.methods,
                           a.guidance_scale)
        gen, X_tr = dig.pop("_gen"), dig.pop("_X_tr")
        dig["validation_seeds"] = list(seeds[: a.validation_seeds])
        for path in a.merge:
            merge_runs(dig, path, "digits")
        results["digits"] = finish(dig)
        if "large" in a.only:
            results["large"] = bench_large(a.quick, gen, X_tr, dig["radius"][0])
    if "fashion" in a.only:
        fa = bench_images("fashion", a.quick, seeds, a.train_seeds, a.n_batches, a.cache, a.sweep, a.methods,
                          a.guidance_scale)
        fa.pop("_gen"), fa.pop("_X_tr")
        fa["validation_seeds"] = list(seeds[: a.validation_seeds])
        for path in a.merge:
            merge_runs(fa, path, "fashion")
        results["fashion"] = finish(fa)
    if "fashion_epoch" in a.only:
        results["fashion_epoch"] = bench_fashion_epoch(a.quick)
    summary(results)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(results, indent=1))
    if a.figures:
        figures(results, a.figures)
    return results


if __name__ == "__main__":
    main()
