"""Apply ``tune_defaults.choose_ptc`` to validation ratios averaged over several seeds.

Reads the outputs of ``tune_defaults.py`` runs (one validation seed each), keys every line by
(``n_features``, the rest of the configuration, readout) -- the configuration names omit
``features`` when it equals the estimator's default of the run, printed on the run's first
line -- averages each dataset's ratio to WL over the runs that have it, and applies the rule
``choose_ptc`` with the baseline ``--baseline-features`` x ``auto-1se``. The second attempt of
issue 19's fourth round (docs/benchmarks/graph.md)::

    python benchmarks/graph/aggregate_validation.py benchmarks/graph/results/round4/val.out \\
        benchmarks/graph/results/round4/val_s101.out benchmarks/graph/results/round4/val_s102.out \\
        --readouts "auto-1se,auto-1se[words-l0]" --features 64,128

Issue 19's fifth round (NCI1 the target, ``words`` as a fourth candidate)::

    python benchmarks/graph/aggregate_validation.py benchmarks/graph/results/round5/val_s100.out \\
        benchmarks/graph/results/round5/val_s101.out benchmarks/graph/results/round5/val_s102.out \\
        --readouts "auto-1se[words-l0],auto-1se[words-l0|words]" --features 128 \\
        --baseline-readout "auto-1se[words-l0]" --target NCI1 --margin 0.005

No training: it reads text (runs in a second).
"""

import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tune_defaults import choose_ptc  # noqa: E402

LINE = re.compile(r"^(\w+): (lr=\S+?)(,features=(\d+))?\s+(\S+)\s+[\d.]+±[\d.]+\s+/WL=([\d.]+)")


def read(path):
    """``{(config name with features, readout): {dataset: ratio}}`` of one output file."""
    text = open(path).read()
    default = int(re.search(r"fixed: .*?features=(\d+)", text).group(1))  # the run's default
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            name, cfg, _, feat, readout, ratio = m.groups()
            key = (f"{cfg},features={int(feat) if feat else default}", readout)
            out.setdefault(key, {})[name] = float(ratio)
    return out


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("outputs", nargs="+")
    parser.add_argument("--readouts", default="auto-1se,auto-1se[words-l0]")
    parser.add_argument("--features", default="64,128")
    parser.add_argument("--baseline-features", type=int, default=128, help="the default before the round")
    parser.add_argument(
        "--baseline-readout", default="auto-1se", help="the default readout before the round"
    )
    parser.add_argument("--target", default="PTC_MR", help="the dataset the rule maximises")
    parser.add_argument(
        "--margin", type=float, default=0.01, help="least gain on --target over the baseline"
    )
    parser.add_argument("--datasets", default="MUTAG,PTC_MR,PROTEINS,NCI1")
    args = parser.parse_args()
    readouts, datasets = args.readouts.split(","), args.datasets.split(",")
    feats = {int(f) for f in args.features.split(",")}
    runs = [read(p) for p in args.outputs]
    keys = [k for k in runs[0] if k[1] in readouts and int(k[0].rsplit("=", 1)[1]) in feats]
    ratios = {}
    for k in keys:
        per = {}
        for d in datasets:
            vals = [r[k][d] for r in runs if k in r and d in r[k]]
            if len(vals) != len(runs):
                raise SystemExit(f"{k} {d}: {len(vals)} of {len(runs)} runs")
            per[d] = float(np.mean(vals))
            seeds = " ".join(f"{v:.3f}" for v in vals)
            print(f"{k[0]:45s} {k[1]:20s} {d:9s} {seeds}  mean {per[d]:.3f}")
        ratios[k] = per
    print("mean ratios over the runs:")
    for k, per in ratios.items():
        cells = " ".join(f"{d}={per[d]:.3f}" for d in datasets)
        summary = f"min={min(per.values()):.3f} mean={np.mean(list(per.values())):.3f}"
        print(f"  {k[0]:45s} {k[1]:20s} {cells}  {summary}")
    base_key = next(
        k
        for k in ratios
        if k[1] == args.baseline_readout and k[0].endswith(f"features={args.baseline_features}")
    )
    choose_ptc(ratios, None, datasets, target=args.target, margin=args.margin, baseline=base_key)


if __name__ == "__main__":
    main()
