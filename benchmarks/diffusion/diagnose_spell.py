"""Diagnostics behind two targets of issue 14 (docs/benchmarks/diffusion.md, "Diagnostics").

``sparsity-2d``: why static SPELL stays active late in 2-D. Measures, along vanilla DDIM trajectories of
the benchmark's 2-D model, how far the denoised estimate still is from the final sample at the start of
the last fifth of the steps and how far it moves per step, against the shield radius; then runs static
SPELL with shields of 5,000 / 500 / 50 training points (radius calibrated to a 10 % vanilla in-shield
rate for each) with DDIM and DDPM and prints the active fraction in the last fifth.

``dynamic-digits``: dynamic SPELL variants on the digits model (sampling seed 0 = the benchmark's
validation seed): memory on / off, overcompensation 1.6 / 1; coverage per batch, distances of the
samples to the real data, class accuracy.

Commands (the figures of the docs; ``--cache`` reuses bench_spell.py's pickled models)::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/diagnose_spell.py sparsity-2d
    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/diffusion/diagnose_spell.py dynamic-digits

Quick run (a few minutes: smaller models and samples, not the docs' figures): add ``--quick``.
"""

import argparse
import pathlib
import sys

import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from bench_spell import calibrate_radius, digits_classifier, digits_split, fitted, ring_2d  # noqa: E402

from sklot.diffusion import DiffusionGenerator, SparseRepellency  # noqa: E402
from sklot.diffusion._schedule import ddim_step, sampling_timesteps  # noqa: E402
from sklot.diffusion.metrics import in_shield_rate, precision_recall_density_coverage  # noqa: E402


def sparsity_2d(quick, cache):
    X_tr, X_te, y_tr = ring_2d()
    epochs = 40 if quick else 200
    gen, _ = fitted(lambda: DiffusionGenerator(random_state=0, max_epochs=epochs), X_tr, y_tr, cache,
                    f"2d_seed0_epochs{epochs}")
    n_steps = 100 if quick else 250
    gen.set_params(n_sampling_steps=n_steps, guidance_scale=1.0, sampler="ddim")
    y_fn = lambda n: np.arange(n) % 8  # noqa: E731
    # 1. the denoised estimate along vanilla DDIM trajectories, in data units
    n = 400
    x = torch.randn((n, 2), generator=torch.Generator().manual_seed(5))
    ts, step = sampling_timesteps(gen.n_timesteps, n_steps)
    y_idx = torch.as_tensor(y_fn(n))
    traj = []
    for t in ts:
        ab = float(gen.alphas_bar_[t])
        ab_prev = float(gen.alphas_bar_[t - step]) if t - step >= 0 else 1.0
        x0 = gen._denoise_model(x, t, y_idx)
        traj.append(gen._model_to_data(x0).numpy())
        x = ddim_step(x, x0, ab, ab_prev)
    traj = np.array(traj)
    r = calibrate_radius(gen, X_tr, y_fn, 500, 0.10)
    i5 = len(ts) - len(ts) // 5
    move = np.linalg.norm(np.diff(traj, axis=0), axis=2)
    D = np.linalg.norm(X_tr[:500, None] - X_tr[None], axis=2)
    print(f"radius {r:.4f} (shield = 5,000 training points; median nearest-neighbour spacing "
          f"{np.median(np.sort(D, 1)[:, 1]):.4f})")
    print(f"median |x0_hat - final sample| at the start of the last fifth (t = {ts[i5]}): "
          f"{np.median(np.linalg.norm(traj[i5] - traj[-1], axis=1)):.4f}")
    print(f"median motion of x0_hat per step: last fifth {np.median(move[i5:]):.4f}, last 10 steps "
          f"{np.median(move[-10:]):.5f}")
    # would-be activity of vanilla: x0_hat inside a ball of the 5,000-point shield, per step
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=1).fit(X_tr)
    inside = np.array([nn.kneighbors(f)[0][:, 0] < r for f in traj])
    print(f"vanilla x0_hat inside a ball (no correction): {inside.mean():.3f} of the steps, "
          f"{inside[i5:].mean():.3f} in the last fifth; final samples {inside[-1].mean():.3f}", flush=True)
    # 2. shield size vs late activity, each radius calibrated to a 10 % vanilla in-shield rate
    for sampler in ("ddim", "ddpm"):
        gen.set_params(sampler=sampler)
        for m in (5000, 500, 50):
            Z = X_tr[np.random.default_rng(1).choice(len(X_tr), m, replace=False)]
            rr = calibrate_radius(gen, Z, y_fn, 500, 0.10)
            spell = SparseRepellency(radius=rr).fit(Z)
            V = np.concatenate([gen.sample(200, y=y_fn(200), random_state=b) for b in range(3)])
            res = [gen.sample(200, y=y_fn(200), random_state=b, repellency=spell, return_trace=True)
                   for b in range(3)]
            S = np.concatenate([o[0] for o in res])
            A = np.concatenate([o[1]["active"] for o in res], axis=1)
            pv = precision_recall_density_coverage(X_te, V, 5)["precision"]
            ps = precision_recall_density_coverage(X_te, S, 5)["precision"]
            late = A.shape[0] // 5
            ever = A[-late:].any(0)
            print(f"{sampler} shield {m:5d} r={rr:.4f}: in-shield {in_shield_rate(V, Z, rr):.3f} -> "
                  f"{in_shield_rate(S, Z, rr):.4f}, precision {pv:.3f} -> {ps:.3f}, active {A.mean():.3f}, "
                  f"last fifth {A[-late:].mean():.3f} (trajectories active there {ever.mean():.3f}, "
                  f"{A[-late:, ever].sum(0).mean():.1f} of its {late} steps each)", flush=True)


def dynamic_digits(quick, cache):
    X_tr, X_te, y_tr, _ = digits_split()
    clf, feat = digits_classifier(X_tr, y_tr)
    epochs = 30 if quick else 150
    make = lambda: DiffusionGenerator(  # noqa: E731
        image_shape=(8, 8), max_epochs=epochs, batch_size=128, random_state=0, sampler="ddim",
        n_sampling_steps=50 if quick else 100, guidance_scale=2.0)
    gen, _ = fitted(make, X_tr, y_tr, cache, f"digits_seed0_epochs{epochs}")
    y_fn = lambda n: np.arange(n) % 10  # noqa: E731
    r0 = calibrate_radius(gen, X_tr, y_fn, 300, 0.10)
    R = feat(X_te)
    n_batches = 2 if quick else 5
    variants = {"vanilla": None, "dynamic (r, lambda 1.6, memory)": (1.6, True),
                "dynamic, no memory": (1.6, False), "dynamic, lambda 1": (1.0, True)}
    yb = y_fn(100)
    for name, v in variants.items():
        kw = {}
        if v is not None:
            kw["repellency"] = SparseRepellency(radius=r0, overcompensation=v[0], mode="dynamic",
                                                memory=v[1]).fit()
        S = np.concatenate([gen.sample(100, y=yb, random_state=b, **kw) for b in range(n_batches)])
        F = feat(S)
        m = precision_recall_density_coverage(R, F, 5)
        per_batch = [precision_recall_density_coverage(R, F[100 * b:100 * (b + 1)], 5)["coverage"]
                     for b in range(n_batches)]
        d_real = np.min(np.linalg.norm(F[:, None] - R[None], axis=2), axis=1)
        acc = float(np.mean(clf.predict(np.clip(S, 0, 1)) == np.tile(yb, n_batches)))
        print(f"{name:32s} precision {m['precision']:.3f} recall {m['recall']:.3f} "
              f"coverage {m['coverage']:.3f} "
              f"density {m['density']:.3f}; coverage per batch " + " ".join(f"{c:.3f}" for c in per_batch)
              + f"; mean feature distance to the nearest real {d_real.mean():.3f}; class accuracy {acc:.3f}",
              flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["sparsity-2d", "dynamic-digits"])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--cache", default=None, help="folder of bench_spell.py's pickled generators")
    a = p.parse_args(argv)
    (sparsity_2d if a.what == "sparsity-2d" else dynamic_digits)(a.quick, a.cache)


if __name__ == "__main__":
    main()
