"""The demonstration behind ``python -m sklot demo``.

Each estimator family that has landed contributes ``sklot.<family>._demo.run(output_dir)``,
which fits its estimator(s) on embedded data (generators with known answers,
scikit-learn's bundled datasets, ../shared-free), prints scores and writes
plots into ``output_dir``, returning a dict of named scores.
"""

import importlib
import importlib.util
import pathlib
import time

import matplotlib

# family name -> module with ``run(output_dir) -> dict``
FAMILIES = {
    "distribution": "sklot.distribution._demo",
    "lipschitz": "sklot.lipschitz._demo",
    "moment": "sklot.moment._demo",
    "concepts": "sklot.concepts._demo",
    "graph": "sklot.graph._demo",
    "transport": "sklot.transport._demo",
    "diffusion": "sklot.diffusion._demo",
    "vision": "sklot.vision._demo",
    "gbc": "sklot.gbc._demo",
}


def run_demo(output="sklot-demo", only=None):
    """Run every available family's demo; return a process exit code."""
    matplotlib.use("Agg")
    out = pathlib.Path(output)
    out.mkdir(parents=True, exist_ok=True)
    ran, failed = [], []
    for family, module in FAMILIES.items():
        if only and family not in only:
            continue
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            print(f"[{family}] not available in this version of sklot")
            continue
        print(f"== {family} ==", flush=True)
        t0 = time.perf_counter()
        try:
            scores = importlib.import_module(module).run(out)
        except Exception as exc:  # report and go on with the other families
            print(f"[{family}] FAILED: {type(exc).__name__}: {exc}")
            failed.append(family)
            continue
        for key, value in scores.items():
            print(f"  {key}: {value:.4g}" if isinstance(value, float) else f"  {key}: {value}")
        print(f"  ({time.perf_counter() - t0:.1f} s)", flush=True)
        ran.append(family)
    plots = sorted(p.name for p in out.glob("*.png"))
    print(f"\nran {len(ran)} famil{'y' if len(ran) == 1 else 'ies'}; plots in {out.resolve()}: {', '.join(plots) or 'none'}")
    return 1 if failed else 0
