"""TaCo vs LEACE vs mean projection vs no removal, on the same splits.

For each eraser fitted on the training split, fresh probes are trained on the
erased training embeddings and scored on the erased test embeddings:

* attribute accuracy of an MLP probe (128 hidden units) and of a linear
  probe (logistic regression): lower is better, the floor is the majority
  rate (0.5 here: both sets are balanced and the attribute is independent
  of the task on XOR);
* task accuracy of an MLP probe: should stay;
* eraser fit time.

Datasets: ``xor`` (synthetic embeddings, attribute = XOR of two hidden
directions, see sklot.datasets._concept_embeddings), ``bug`` (BUG sentences,
gender vs profession, all-MiniLM-L6-v2 embeddings; needs the ``text`` extra;
several 70/30 splits, TaCo's ``n_components`` and ``n_remove`` chosen on an
inner validation split of the training part only),
``timing`` (TacoTransformer fit on 20,000 x 384 embeddings).

Usage::

    python benchmarks/concepts/bench_taco.py --dataset xor
    python benchmarks/concepts/bench_taco.py --dataset bug [--splits 0 1 2] [--probe-seeds 3]
    python benchmarks/concepts/bench_taco.py --dataset timing

LEACE comes from PyPI ``concept-erasure`` (the ``bench`` extra).
"""

import argparse
import pathlib
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelEncoder

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from sklot.concepts import TacoTransformer  # noqa: E402
from sklot.datasets import make_xor_concept_embeddings  # noqa: E402


PROBE_SEEDS = (0,)  # test-time MLP probes are averaged over these seeds (--probe-seeds)


def mlp_probe(A, t, B, u, seeds=(0,)):
    return float(np.mean([MLPClassifier((128,), max_iter=200, early_stopping=True, random_state=seed)
                          .fit(A, t).score(B, u) for seed in seeds]))


def linear_probe(A, t, B, u):
    return LogisticRegression(max_iter=2000).fit(A, t).score(B, u)


def fit_mean_projection(X, s):
    v = X[s == 1].mean(0) - X[s == 0].mean(0)
    v /= np.linalg.norm(v)
    return lambda A: A - np.outer(A @ v, v)


def fit_leace(X, s):
    import torch
    from concept_erasure import LeaceEraser

    eraser = LeaceEraser.fit(torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(s, dtype=torch.float64))
    return lambda A: eraser(torch.as_tensor(A, dtype=torch.float64)).numpy()


def evaluate(name, erase, fit_seconds, Xtr, ytr, s_tr, Xte, yte, s_te, rows):
    Atr, Ate = erase(Xtr), erase(Xte)
    row = dict(
        method=name,
        attr_mlp=mlp_probe(Atr, s_tr, Ate, s_te, PROBE_SEEDS),
        attr_linear=linear_probe(Atr, s_tr, Ate, s_te),
        task_mlp=mlp_probe(Atr, ytr, Ate, yte, PROBE_SEEDS),
        fit_s=fit_seconds,
    )
    rows.append(row)
    print(f"{row['method']:<22} {row['attr_mlp']:>9.3f} {row['attr_linear']:>11.3f} {row['task_mlp']:>9.3f} "
          f"{row['fit_s']:>8.2f}", flush=True)
    return row


def compare(Xtr, ytr, s_tr, Xte, yte, s_te, taco_params, taco_ks):
    print(f"train {Xtr.shape}, test {Xte.shape}; TacoTransformer({taco_params}); "
          f"MLP probes averaged over seeds {list(PROBE_SEEDS)}")
    print(f"{'method':<22} {'attr MLP':>9} {'attr linear':>11} {'task MLP':>9} {'fit (s)':>8}")
    rows = []
    evaluate("no removal", lambda A: A, 0.0, Xtr, ytr, s_tr, Xte, yte, s_te, rows)
    t0 = time.perf_counter()
    mp = fit_mean_projection(Xtr, s_tr)
    evaluate("mean projection", mp, time.perf_counter() - t0, Xtr, ytr, s_tr, Xte, yte, s_te, rows)
    t0 = time.perf_counter()
    leace = fit_leace(Xtr, s_tr)
    leace_row = evaluate("LEACE", leace, time.perf_counter() - t0, Xtr, ytr, s_tr, Xte, yte, s_te, rows)
    t0 = time.perf_counter()
    taco = TacoTransformer(**taco_params).fit(Xtr, ytr, sensitive=s_tr)
    taco_s = time.perf_counter() - t0
    for k in taco_ks:
        evaluate(f"TaCo (remove {k})", lambda A, k=k: taco.remove_concepts(A, k), taco_s,
                 Xtr, ytr, s_tr, Xte, yte, s_te, rows)
    print("ranking (most removable first):", taco.concept_ranking_[:8].tolist())
    print("\nratios TaCo / LEACE (attribute MLP probe: lower is better; task: higher is better)")
    for row in rows[3:]:
        print(f"  {row['method']:<20} attr MLP x{row['attr_mlp'] / leace_row['attr_mlp']:.3f}  "
              f"task x{row['task_mlp'] / leace_row['task_mlp']:.3f}  fit time x{row['fit_s'] / max(leace_row['fit_s'], 1e-9):.0f}")
    return rows, taco


def run_xor():
    X, y, s = make_xor_concept_embeddings(6000, 64, random_state=0)
    params = dict(n_components=20, decomposition="pca", n_remove=2, random_state=0)  # the documented run
    rows, _ = compare(X[:4000], y[:4000], s[:4000], X[4000:], y[4000:], s[4000:], params, [2])
    before, taco = rows[0], rows[-1]
    print(f"\ntargets: attr MLP before {before['attr_mlp']:.3f} (> 0.95), after TaCo {taco['attr_mlp']:.3f} (<= 0.55), "
          f"task kept {taco['task_mlp'] / before['task_mlp']:.3f} (>= 0.98)")


def choose_taco_on_validation(Xtr, ytr, s_tr, decomposition, candidates_r, candidates_k, seed, tol=0.01):
    """Pick (n_components, n_remove) on an inner split of the training data only.

    Rule: among the candidates whose validation task accuracy is within
    ``tol`` of the task accuracy without removal, the lowest validation
    attribute accuracy (MLP probes).
    """
    perm = np.random.default_rng(1000 + seed).permutation(len(Xtr))
    cut = int(0.75 * len(Xtr))
    a, b = perm[:cut], perm[cut:]
    task0 = mlp_probe(Xtr[a], ytr[a], Xtr[b], ytr[b])
    print(f"  inner validation ({len(a)} / {len(b)} training rows): task without removal {task0:.3f}", flush=True)
    table = []
    for r in candidates_r:
        taco = TacoTransformer(n_components=r, decomposition=decomposition, n_remove=1, n_sobol_designs=32,
                               max_samples=2000, random_state=seed).fit(Xtr[a], ytr[a], sensitive=s_tr[a])
        for k in candidates_k:
            Za, Zb = taco.remove_concepts(Xtr[a], k), taco.remove_concepts(Xtr[b], k)
            table.append((r, k, mlp_probe(Za, s_tr[a], Zb, s_tr[b]), mlp_probe(Za, ytr[a], Zb, ytr[b])))
            print(f"    r={r:3d} k={k}: attr {table[-1][2]:.3f} task {table[-1][3]:.3f}", flush=True)
    ok = [row for row in table if row[3] >= task0 - tol] or table
    r, k, _, _ = min(ok, key=lambda row: row[2])
    print(f"  chosen on validation: n_components={r}, n_remove={k}", flush=True)
    return r, k


def run_bug(decomposition="ica", splits=(0, 1, 2), n_samples=None, candidates_r=(20, 50, 100),
            candidates_k=(1, 2, 3)):
    from _bug_data import bug_embeddings

    X, profession, gender = bug_embeddings(n_samples)
    X = X.astype(np.float64)
    y = LabelEncoder().fit_transform(profession)
    s = (gender == "female").astype(int)
    print(f"BUG: {len(X)} sentences, {len(np.unique(y))} professions, female share {s.mean():.3f}")
    summary = []
    for split in splits:
        perm = np.random.default_rng(split).permutation(len(X))
        tr, te = perm[: int(0.7 * len(X))], perm[int(0.7 * len(X)) :]
        print(f"\n=== split seed {split} ===")
        r, k = choose_taco_on_validation(X[tr], y[tr], s[tr], decomposition, candidates_r, candidates_k, split)
        params = dict(n_components=r, decomposition=decomposition, n_remove=k, n_sobol_designs=32,
                      max_samples=2000, random_state=split)
        rows, taco = compare(X[tr], y[tr], s[tr], X[te], y[te], s[te], params, [k])
        summary.append({row["method"].split(" (")[0]: row for row in rows})
    print(f"\nsummary over split seeds {list(splits)} (test accuracy, MLP probes; attribute lower is better)")
    print(f"{'split':>5} {'method':<16} {'attr MLP':>9} {'attr lin':>9} {'task MLP':>9}")
    for split, rows in zip(splits, summary):
        for name in ("no removal", "mean projection", "LEACE", "TaCo"):
            row = rows[name]
            print(f"{split:>5} {name:<16} {row['attr_mlp']:>9.3f} {row['attr_linear']:>9.3f} {row['task_mlp']:>9.3f}")
    for name in ("no removal", "mean projection", "LEACE", "TaCo"):
        m = {key: np.mean([rows[name][key] for rows in summary]) for key in ("attr_mlp", "attr_linear", "task_mlp")}
        print(f"{'mean':>5} {name:<16} {m['attr_mlp']:>9.3f} {m['attr_linear']:>9.3f} {m['task_mlp']:>9.3f}")
    wins = [rows["TaCo"]["attr_mlp"] < rows["LEACE"]["attr_mlp"] and rows["TaCo"]["task_mlp"] >= rows["LEACE"]["task_mlp"]
            for rows in summary]
    print("\ntarget (TaCo attr MLP < LEACE's and TaCo task >= LEACE's), per split:",
          ", ".join(f"{sp}: {'met' if w else 'NOT met'}" for sp, w in zip(splits, wins)))
    for split, rows in zip(splits, summary):
        t, l = rows["TaCo"], rows["LEACE"]
        print(f"  split {split}: attr MLP TaCo/LEACE x{t['attr_mlp'] / l['attr_mlp']:.3f}, "
              f"task TaCo - LEACE {t['task_mlp'] - l['task_mlp']:+.3f}")


def run_timing():
    X, y, s = make_xor_concept_embeddings(20000, 384, random_state=0)
    X = X.astype(np.float64)
    t0 = time.perf_counter()
    taco = TacoTransformer(n_components=20, decomposition="pca", n_remove=3, random_state=0, verbose=1).fit(
        X, y, sensitive=s
    )  # the documented run (the defaults before n_remove="auto")
    taco_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    fit_leace(X, s)
    leace_s = time.perf_counter() - t0
    print(f"\nTacoTransformer fit on {X.shape}: {taco_s:.1f} s (target < 120 s); LEACE fit {leace_s:.2f} s; "
          f"ratio x{taco_s / leace_s:.0f}; removed {taco.removed_concepts_.tolist()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=["xor", "bug", "timing"], default="xor")
    parser.add_argument("--decomposition", choices=["pca", "svd", "ica"], default="ica", help="TaCo on bug")
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2], help="split seeds (bug)")
    parser.add_argument("--n-samples", type=int, default=None, help="BUG sentences (default: all of the 10 professions)")
    parser.add_argument("--probe-seeds", type=int, default=1, help="test-time MLP probes averaged over this many seeds")
    args = parser.parse_args()
    PROBE_SEEDS = tuple(range(args.probe_seeds))
    print(time.strftime("%Y-%m-%d %H:%M"), "dataset:", args.dataset)
    if args.dataset == "bug":
        run_bug(args.decomposition, tuple(args.splits), args.n_samples)
    else:
        {"xor": run_xor, "timing": run_timing}[args.dataset]()
