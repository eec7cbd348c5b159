"""SPELL benchmark: vanilla vs SPELL static / dynamic vs CADS vs particle guidance, on 2-D data and digits.

Same seeds for every method. Shield = the training set, radius set so that the vanilla sampler has a
stated in-shield rate (calibrated on other seeds). Metrics against held-out real data: in-shield rate,
precision / recall / coverage (k = 5), Vendi (RBF kernel, bandwidth = the median pairwise distance of
the real features, the same for every method), a Frechet distance (2-D: on the coordinates; digits: on
the hidden features of an MLP digits classifier trained here, "FD-digits"), and sampling time.
A large-shield run times SPELL with the approximate (faiss) index against vanilla sampling.

Full run (the figures of docs/benchmarks/diffusion.md)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py

Quick run (a few minutes)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/bench_spell.py --quick

Options: ``--only 2d digits large``, ``--json PATH``, ``--figures DIR``. Timings on a loaded machine are
not figures: rerun on an idle machine for them.
"""

import argparse
import json
import pathlib
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


def method_grid(radius, shield, dyn_radii, pg_strengths, cads_tau1):
    """(name, strength, sample kwargs factory) for every method and strength of the sweep."""
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
    return grid


def run_methods(gen, shield, radius, y_fn, n_batches, batch, features, real_features, grid):
    med = np.median(np.linalg.norm(real_features[:, None] - real_features[None], axis=2))
    out = []
    for name, strength, make in grid:
        kw = make()
        samples, active = [], []
        t0 = time.perf_counter()
        for b in range(n_batches):
            res = gen.sample(batch, y=y_fn(batch), random_state=b, return_trace=True, **kw)
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
            f"{k}={v:.4g}" for k, v in row.items() if k not in ("active_per_step", "method")), flush=True)
    return out


def best_at_precision(rows, method, precision):
    """The row of ``method`` with the highest recall among those with precision >= ``precision``."""
    ok = [r for r in rows if r["method"] == method and r["precision"] >= precision]
    return max(ok, key=lambda r: r["recall"]) if ok else None


def bench_2d(quick):
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(0)
    k = 8
    angles = 2 * np.pi * np.arange(k) / k
    centers = 4 * np.stack([np.cos(angles), np.sin(angles)], 1)
    y = rng.integers(0, k, 6000)
    X = centers[y] + 0.5 * rng.normal(size=(6000, 2))
    X_tr, X_te, y_tr, _ = train_test_split(X, y, train_size=5000, random_state=0)
    print("2-D: fitting the default DiffusionGenerator (class-conditional) on 5,000 points", flush=True)
    t0 = time.perf_counter()
    gen = DiffusionGenerator(random_state=0, max_epochs=40 if quick else 200).fit(X_tr, y_tr)
    fit_s = time.perf_counter() - t0
    print(f"  fit: {fit_s:.1f} s (max_epochs={gen.max_epochs})", flush=True)
    gen.set_params(n_sampling_steps=100 if quick else 250, guidance_scale=1.0)
    y_fn = lambda n: np.arange(n) % k  # noqa: E731
    radius = calibrate_radius(gen, X_tr, y_fn, 500, 0.10)
    print(f"  radius {radius:.4g} (vanilla in-shield rate 10 % on calibration seeds)", flush=True)
    # dynamic radii: fractions of the median nearest-neighbour distance within a vanilla batch
    B = gen.sample(200, y=y_fn(200), random_state=10_001)
    gap = float(np.median(np.sort(np.linalg.norm(B[:, None] - B[None], axis=2), axis=1)[:, 1]))
    grid = method_grid(radius, X_tr, (0.5 * gap, gap, 2 * gap), (0.01, 0.03, 0.1), (0.3, 0.6, 0.8))
    res = run_methods(gen, X_tr, radius, y_fn, 2 if quick else 5, 200, lambda S: S, X_te[:1000], grid)
    return {"fit_seconds": fit_s, "radius": radius, "methods": res}


def digits_classifier(X, y, seed=0):
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(128,), max_iter=400, random_state=seed).fit(X, y)

    def features(S):
        return np.maximum(S @ clf.coefs_[0] + clf.intercepts_[0], 0)

    return clf, features


def bench_digits(quick):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    X, y = d.data / 16.0, d.target
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=1400, random_state=0, stratify=y)
    clf, features = digits_classifier(X_tr, y_tr)
    print(f"digits: classifier test accuracy {clf.score(X_te, y_te):.3f}", flush=True)
    t0 = time.perf_counter()
    gen = DiffusionGenerator(image_shape=(8, 8), max_epochs=30 if quick else 150, batch_size=128,
                             random_state=0, sampler="ddim", n_sampling_steps=50 if quick else 100,
                             guidance_scale=2.0).fit(X_tr, y_tr)
    fit_s = time.perf_counter() - t0
    S = gen.sample(200, y=np.arange(200) % 10, random_state=999)
    acc = float(np.mean(clf.predict(np.clip(S, 0, 1)) == np.arange(200) % 10))
    print(f"  fit: {fit_s:.1f} s; class accuracy of the samples (classifier) {acc:.3f}", flush=True)
    y_fn = lambda n: np.arange(n) % 10  # noqa: E731
    radius = calibrate_radius(gen, X_tr, y_fn, 300, 0.10)
    print(f"  radius {radius:.4g} (vanilla in-shield rate 10 % on calibration seeds)", flush=True)
    dyn = (radius, 1.25 * radius, 1.5 * radius)
    grid = method_grid(radius, X_tr, dyn, (0.003, 0.01, 0.03), (0.3, 0.6, 0.8))
    res = run_methods(gen, X_tr, radius, y_fn, 2 if quick else 5, 100, features, features(X_te), grid)
    return {"fit_seconds": fit_s, "radius": radius, "sample_class_accuracy": acc, "methods": res,
            "_gen": gen, "_X_tr": X_tr}


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


def figures(results, outdir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    colors = {"vanilla": "k", "spell_static": "tab:red", "spell_dynamic": "tab:blue",
              "cads": "tab:green", "particle_guidance": "tab:orange"}
    for part in ("2d", "digits"):
        if part not in results:
            continue
        rows = results[part]["methods"]
        fig, axes = plt.subplots(1, 4, figsize=(18, 3.8))
        for ax, key in zip(axes[:3], ("recall", "coverage", "vendi")):
            for m in METHODS:
                rs = [r for r in rows if r["method"] == m]
                ax.plot([r["precision"] for r in rs], [r[key] for r in rs], "o-", color=colors[m], label=m)
            ax.set_xlabel("precision")
            ax.set_ylabel(key)
        axes[0].legend(fontsize=7)
        static = next(r for r in rows if r["method"] == "spell_static")
        dyn = [r for r in rows if r["method"] == "spell_dynamic"][1]
        axes[3].plot(static["active_per_step"], color="tab:red", label="static")
        axes[3].plot(dyn["active_per_step"], color="tab:blue", label=f"dynamic (r={dyn['strength']:.3g})")
        axes[3].set_xlabel("reverse step (noise -> data)")
        axes[3].set_ylabel("active fraction")
        axes[3].legend(fontsize=7)
        v = next(r for r in rows if r["method"] == "vanilla")
        fig.suptitle(f"SPELL benchmark, {part}: in-shield rate vanilla {v['in_shield_rate']:.3f}, "
                     f"SPELL static {static['in_shield_rate']:.4f}")
        fig.tight_layout()
        fig.savefig(outdir / f"diffusion_bench_{part}.png", dpi=90)
        plt.close(fig)


def summary(results):
    for part in ("2d", "digits"):
        if part not in results:
            continue
        rows = results[part]["methods"]
        v = next(r for r in rows if r["method"] == "vanilla")
        s = next(r for r in rows if r["method"] == "spell_static")
        ratio = v["in_shield_rate"] / s["in_shield_rate"] if s["in_shield_rate"] > 0 else float("inf")
        print(f"[{part}] static: in-shield {v['in_shield_rate']:.4f} -> {s['in_shield_rate']:.4f} "
              f"({ratio:.1f}x lower), precision {v['precision']:.3f} -> {s['precision']:.3f}; active on "
              f"{s['active_step_fraction']:.3f} of trajectory steps, "
              f"{s['active_last_fifth']:.3f} in the last fifth")
        print(f"[{part}] best recall at precision >= vanilla - 0.02 ({v['precision'] - 0.02:.3f}):")
        for m in ("vanilla", "spell_dynamic", "cads", "particle_guidance"):
            r = best_at_precision(rows, m, v["precision"] - 0.02)
            if r is None:
                print(f"    {m:18s} none of its strengths keeps the precision")
            else:
                print(f"    {m:18s} strength {r['strength']:.3g}: precision {r['precision']:.3f} "
                      f"recall {r['recall']:.3f} coverage {r['coverage']:.3f} vendi {r['vendi']:.2f} "
                      f"FD {r['frechet']:.3f}")
    if "large" in results:
        L = results["large"]
        print(f"[large] {L['n_references']:.0f} references (faiss): {L['ratio']:.2f}x the vanilla time "
              f"per sample (active on {L['active_step_fraction']:.3f} of trajectory steps)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", nargs="*", default=["2d", "digits", "large"])
    p.add_argument("--json", default=None)
    p.add_argument("--figures", default=None)
    a = p.parse_args(argv)
    results = {}
    if "2d" in a.only:
        results["2d"] = bench_2d(a.quick)
    if "digits" in a.only or "large" in a.only:
        dig = bench_digits(a.quick)
        gen, X_tr = dig.pop("_gen"), dig.pop("_X_tr")
        results["digits"] = dig
        if "large" in a.only:
            results["large"] = bench_large(a.quick, gen, X_tr, dig["radius"])
    summary(results)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(results, indent=1))
    if a.figures:
        figures(results, a.figures)
    return results


if __name__ == "__main__":
    main()
