"""Benchmark (a): Loukas coarsening, sklot vs the reference implementation (loukasa/graph-coarsening).

Both coarsen every graph of a TU dataset with K=6 eigenvectors, reduction 0.99,
closed neighbourhoods, at most 10 levels, stopping when a level removes at most
2 nodes (the reference's rule: ``min_removed=3`` here). Time covers the
``coarsen`` calls only (graph construction excluded on both sides). The
restricted spectral approximation constant of *both* results is measured by the
same function, :func:`sklot.graph.coarsening_quality`, from each coarsening
matrix, on the graphs where the reference did not fail.

The reference is not part of sklot: fetch it yourself and install its old
dependencies in a separate environment, e.g. numpy 1.23.5, scipy 1.9.3,
pygsp 0.5.1, sortedcontainers (it fails on current numpy/scipy). Then::

    python benchmarks/graph/bench_coarsening.py --reference /path/to/graph-coarsening \\
        --reference-python /path/to/old-env/bin/python --tu /path/to/tu MUTAG PROTEINS

Without ``--reference`` (or if the path is absent) only sklot is run and the
script says so. BLAS is limited to one thread on both sides.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

def _tu_root(name, path):
    """Folder holding ``<name>/`` (the reference runner's layout), found as sklot's loader finds it."""
    from sklot.datasets._tu import _tu_folder

    folder = _tu_folder(name, path)
    if os.path.basename(folder) == name:
        return os.path.dirname(folder)
    return os.path.dirname(os.path.dirname(folder))  # <root>/<name>/raw/


RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_reference_runner.py")


def run_ours(graphs, K, r):
    from sklot.graph import coarsen

    Ws = []
    for g in graphs:
        ei = g.edge_index.numpy()
        Ws.append(sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=(g.num_nodes, g.num_nodes)))
    coarsen(Ws[0], n_eigenvectors=K, reduction=r)  # warm up imports
    out, failed = [], []
    t0 = time.perf_counter()
    for i, W in enumerate(Ws):
        try:
            out.append(coarsen(W, n_eigenvectors=K, reduction=r, max_levels=10, min_removed=3))
        except Exception as exc:  # counted, never hidden
            out.append(None)
            failed.append((i, repr(exc)))
    return time.perf_counter() - t0, out, failed


def run_reference(args, name, K, r):
    if not args.reference or not os.path.isdir(os.path.join(args.reference, "graph_coarsening")):
        print(
            f"  reference: not found at {args.reference!r} "
            "(pass --reference PATH to loukasa/graph-coarsening)"
        )
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ref.npz")
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cmd = [
            args.reference_python,
            "-W",
            "ignore",
            RUNNER,
            args.reference,
            _tu_root(name, args.tu),
            name,
            out,
            str(K),
            str(r),
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(
                "  reference: failed to run "
                f"({proc.stderr.strip().splitlines()[-1] if proc.stderr else proc.returncode})"
            )
            return None
        data = np.load(out, allow_pickle=True)
        mats = {}
        for key in data.files:
            if key.startswith("C"):
                i = int(key[1:])
                r_, c_, v_ = data[key]
                mats[i] = sp.csr_matrix((v_, (r_.astype(int), c_.astype(int))), shape=tuple(data[f"S{i}"]))
        return float(data["time"]), mats, data["failed"].tolist(), list(data["error_examples"])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="*", default=["MUTAG", "PROTEINS"])
    parser.add_argument(
        "--tu",
        default=None,
        help="folder of TU datasets (<folder>/<NAME>/<NAME>_A.txt, ...); default: the copies shipped "
        "with sklot (MUTAG, PTC_MR), then $SKLOT_DATA_DIR (see docs/user_guide/graph.rst)",
    )
    parser.add_argument("--reference", default=None, help="path to a checkout of loukasa/graph-coarsening")
    parser.add_argument(
        "--reference-python", default=sys.executable, help="interpreter with the reference's deps"
    )
    parser.add_argument("-K", type=int, default=6)
    parser.add_argument("-r", type=float, default=0.99)
    args = parser.parse_args()

    from threadpoolctl import threadpool_limits

    from sklot.datasets import load_tu_dataset
    from sklot.graph import coarsening_quality

    for name in args.datasets:
        graphs, _ = load_tu_dataset(name, args.tu)
        print(f"== {name}: {len(graphs)} graphs, K={args.K}, r={args.r}")
        with threadpool_limits(1):
            t_ours, ours, failed_ours = run_ours(graphs, args.K, args.r)
        print(f"  sklot:     {t_ours:7.2f} s, {len(failed_ours)} failed")
        ref = run_reference(args, name, args.K, args.r)
        q_ours = [
            coarsening_quality(g, lv, args.K) if lv is not None else None for g, lv in zip(graphs, ours)
        ]
        if ref is None:
            eps = np.array([q["epsilon"] for q in q_ours if q is not None])
            red = np.array([q["reduction"] for q in q_ours if q is not None])
            print(
                f"  sklot: epsilon mean {eps.mean():.3f} median {np.median(eps):.3f}, "
                f"reduction {red.mean():.3f}"
            )
            continue
        t_ref, mats, failed_ref, examples = ref
        print(
            f"  reference: {t_ref:7.2f} s, {len(failed_ref)} failed (e.g. {examples[0] if examples else '-'})"
        )
        print(f"  speed-up (reference / sklot): {t_ref / t_ours:.1f}x")
        both = [i for i in range(len(graphs)) if i in mats and q_ours[i] is not None]
        eo = np.array([q_ours[i]["epsilon"] for i in both])
        er = np.array([coarsening_quality(graphs[i], mats[i], args.K)["epsilon"] for i in both])
        ro = np.array([q_ours[i]["reduction"] for i in both])
        rr = np.array([1 - mats[i].shape[0] / graphs[i].num_nodes for i in both])
        print(f"  on the {len(both)} graphs both coarsened:")
        print(
            f"    epsilon   sklot mean {eo.mean():.3f} median {np.median(eo):.3f} | "
            f"reference mean {er.mean():.3f} median {np.median(er):.3f}"
        )
        print(
            f"    epsilon ratio (sklot / reference) of means: {eo.mean() / er.mean():.3f}; "
            f"sklot <= reference on {np.mean(eo <= er + 1e-9):.1%} of graphs"
        )
        print(f"    reduction sklot {ro.mean():.3f} | reference {rr.mean():.3f}")


if __name__ == "__main__":
    main()
