"""TacoTransformer with its default constructor (``n_remove="auto"``) vs LEACE on BUG + MiniLM.

The setting of issue 19: BUG sentences of the 8 most frequent professions
(balanced version), all-MiniLM-L6-v2 embeddings (cached, see ``_bug_data.py``),
attribute: gender of the pronoun, task: profession. One fixed 70/30 split
(seed 0). ``--stage validation`` fits every method on 75 % of the training
part and probes on the other 25 % (this is where settings are compared);
``--stage test`` fits on the whole training part and probes on the test part
(run once, to confirm). Probes: scikit-learn MLP (128 hidden units, early
stopping), averaged over ``--probe-seeds`` seeds; linear probe: logistic regression.

Usage::

    SKLOT_CACHE_DIR=... python benchmarks/concepts/bench_taco_defaults.py --stage validation \
        [--taco 'n_remove="auto"'] [--probe-seeds 3]

``--taco`` takes keyword arguments added to ``TacoTransformer(random_state=0, ...)``
(default: none, i.e. the default constructor).
"""

import argparse
import pathlib
import sys
import time

import numpy as np
from sklearn.preprocessing import LabelEncoder

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from bench_taco import fit_leace, linear_probe, mlp_probe  # noqa: E402

from sklot.concepts import TacoTransformer  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=["validation", "test"], default="validation")
    parser.add_argument("--taco", default="", help="extra TacoTransformer keyword arguments")
    parser.add_argument("--probe-seeds", type=int, default=1)
    parser.add_argument("--n-professions", type=int, default=8)
    parser.add_argument("--no-baselines", action="store_true")
    args = parser.parse_args()
    from _bug_data import bug_embeddings

    X, profession, gender = bug_embeddings(None, n_professions=args.n_professions)
    X = X.astype(np.float64)
    y = LabelEncoder().fit_transform(profession)
    s = (gender == "female").astype(int)
    perm = np.random.default_rng(0).permutation(len(X))
    tr, te = perm[: int(0.7 * len(X))], perm[int(0.7 * len(X)) :]
    if args.stage == "validation":
        inner = np.random.default_rng(1000).permutation(len(tr))
        cut = int(0.75 * len(tr))
        tr, te = tr[inner[:cut]], tr[inner[cut:]]
    seeds = tuple(range(args.probe_seeds))
    print(time.strftime("%Y-%m-%d %H:%M"), f"BUG {len(X)} sentences, {len(np.unique(y))} professions; "
          f"stage {args.stage}: fit on {len(tr)}, probe on {len(te)}; MLP probes over seeds {list(seeds)}",
          flush=True)
    print(f"{'method':<40} {'attr MLP':>9} {'attr lin':>9} {'task MLP':>9}", flush=True)

    def report(name, erase):
        A, B = erase(X[tr]), erase(X[te])
        attr_mlp, attr_lin = mlp_probe(A, s[tr], B, s[te], seeds), linear_probe(A, s[tr], B, s[te])
        task_mlp = mlp_probe(A, y[tr], B, y[te], seeds)
        print(f"{name:<40} {attr_mlp:>9.3f} {attr_lin:>9.3f} {task_mlp:>9.3f}", flush=True)

    if not args.no_baselines:
        report("no removal", lambda A: A)
        report("LEACE", fit_leace(X[tr], s[tr]))
    params = eval(f"dict({args.taco})")  # noqa: S307 (a benchmark's command line)
    t0 = time.perf_counter()
    taco = TacoTransformer(random_state=0, **params).fit(X[tr], y[tr], sensitive=s[tr])
    print(f"  TacoTransformer({args.taco}) fitted ({time.perf_counter() - t0:.0f} s, loaded machine): "
          f"n_remove_={taco.n_remove_}, removed {taco.removed_concepts_.tolist()}", flush=True)
    if taco.removal_curve_ is not None:
        c = taco.removal_curve_
        print("  removal curve (inner CV): floor", round(c["sensitive_floor"], 3), "attr",
              np.round(c["sensitive_accuracy"], 3).tolist(), "task", np.round(c["task_accuracy"], 3).tolist())
    report(f"TaCo({args.taco})", taco.transform)


if __name__ == "__main__":
    main()
