"""Run Loukas's reference coarsening (loukasa/graph-coarsening) on TU graphs; used by bench_coarsening.py.

Executed in a separate interpreter that has the reference's own dependencies
(old numpy / scipy / pygsp); it imports the reference from the path given on
the command line and never ships any of its code. Writes, per graph, the
coarsening matrix or the error it raised, and the time spent in ``coarsen``.

usage: python _reference_runner.py REFERENCE_PATH TU_FOLDER NAME OUT.npz K R
"""

import sys
import time
import traceback

import numpy as np
import scipy.sparse as sp


def read_tu(folder, name):
    def read(suffix):
        return np.loadtxt(f"{folder}/{name}/{name}_{suffix}.txt", delimiter=",", dtype=np.int64, ndmin=1)

    ind = read("graph_indicator") - 1
    edges = read("A").reshape(-1, 2) - 1
    starts = np.searchsorted(ind, np.arange(ind.max() + 2))
    graphs = []
    for g in range(ind.max() + 1):
        lo, hi = starts[g], starts[g + 1]
        e = edges[(edges[:, 0] >= lo) & (edges[:, 0] < hi)] - lo
        W = sp.csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(hi - lo, hi - lo))
        W = ((W + W.T) > 0).astype(float)
        W.setdiag(0)
        W.eliminate_zeros()
        graphs.append(W)
    return graphs


def main():
    ref_path, folder, name, out, K, r = sys.argv[1:7]
    sys.path.insert(0, ref_path)
    import pygsp
    from graph_coarsening.coarsening_utils import coarsen

    graphs = read_tu(folder, name)
    pyg = [pygsp.graphs.Graph(W) for W in graphs]
    total, mats, errors = 0.0, {}, {}
    for i, G in enumerate(pyg):
        t0 = time.perf_counter()
        try:
            C, Gc, Call, Gall = coarsen(G, K=int(K), r=float(r), method="variation_neighborhoods")
            total += time.perf_counter() - t0
            mats[i] = sp.csr_matrix(C)
        except Exception as exc:  # the reference crashes on small graphs: record and go on
            total += time.perf_counter() - t0
            errors[i] = f"{type(exc).__name__}: {exc}"
    payload = {"time": total, "n_graphs": len(graphs), "failed": np.array(sorted(errors), dtype=np.int64)}
    payload["error_examples"] = np.array(list(errors.values())[:3], dtype=object)
    for i, C in mats.items():
        C = C.tocoo()
        payload[f"C{i}"] = np.vstack([C.row, C.col, C.data])
        payload[f"S{i}"] = np.array(C.shape)
    np.savez(out, **payload)
    print(f"reference {name}: {len(graphs)} graphs, {len(errors)} failed, {total:.2f} s", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
        sys.exit(1)
