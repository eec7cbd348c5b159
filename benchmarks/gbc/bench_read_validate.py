"""Reading + validating speed of ``sklot.gbc.read_gbc`` on a generated GBC JSON Lines file, beside
the official reader's pydantic models (apple/ml-gbc) when a checkout of it is given.

The file holds random scene graphs in the official full release's layout (``GbcGraphFull``): an
image root, per object type either an entity or a composition with one entity per instance, and
relation vertices between pairs of types, every edge text a phrase of its source's caption; with
the full release's extras (``img_size``, per-vertex ``sub_masks`` / ``super_masks`` as vertex ids,
per-description ``full_label``, ``statistics``, ``clip_scores`` and ``toxicity_scores``); with
``--plain``, the same graphs without those extras (the plain ``GbcGraph`` layout).

Timed on the same file in the same run, best of ``--repeat`` each:

* ours: ``read_gbc(path, validate=False)`` (parse and type-check) and ``read_gbc(path)`` (parse
  and check every rule of :class:`sklot.gbc.GbcGraph`);
* with ``--ml-gbc PATH`` (a checkout of apple/ml-gbc; its ``src`` is put on ``sys.path``, nothing
  of it is copied): the official ``GbcGraph.model_validate_json`` on each line, and
  ``GbcGraphFull.model_validate_json`` (whose validator also recomputes in/out edges and the
  sub/super masks). Both read the file line by line with Python's cyclic garbage collector paused,
  as ``read_gbc`` does, so that the models are compared and not the collector. Without
  ``--ml-gbc`` that side is skipped with a message.

Prints seconds, graphs/s and the ratios ours/official, and checks that every reader finds the same
number of vertices and edges in every graph. The issue's target: reading + validating 10^5 graphs
in under a minute (the default ``--n``); the script prints whether the best run meets it.

usage: PYTHONPATH=. python benchmarks/gbc/bench_read_validate.py [--n 100000] [--gzip] [--repeat 2]
           [--seed 0] [--plain] [--ml-gbc /path/to/ml-gbc [--no-full]]
       PYTHONPATH=. python benchmarks/gbc/bench_read_validate.py --quick   (10^4 graphs, one run)
full commands of the docs' figures (idle machine; about 5 minutes for the first, 2.5 of them
generating the file and 2 in GbcGraphFull):
       OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=. python benchmarks/gbc/bench_read_validate.py \
           --repeat 1 --ml-gbc /work/ext/ml-gbc
       OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=. python benchmarks/gbc/bench_read_validate.py \
           --repeat 1 --plain --no-full --ml-gbc /work/ext/ml-gbc
"""

import argparse
import gc
import json
import os
import sys
import tempfile
import time

import numpy as np

from sklot.gbc import read_gbc

TYPES = ["horse", "tree", "dog", "car", "house", "bird", "boat", "lamp", "chair", "cloud", "rock", "flower"]
COLOURS = ["red", "brown", "white", "green", "blue", "grey"]
RELATIONS = ["left of", "above", "next to", "behind"]


def _box(rng):
    x0, x1 = np.sort(rng.random(2))
    y0, y1 = np.sort(rng.random(2))
    return {"left": float(x0), "top": float(y0), "right": float(x1), "bottom": float(y1),
            "confidence": float(rng.random())}


def _desc(text, label, vertex_label, rng):
    n_words = len(text.split())
    return {"text": text, "label": label, "full_label": f"{label}-{vertex_label}",
            "statistics": {"n_words": n_words, "n_tokens": n_words + 2},
            "clip_scores": {"scores": {"openai-l-patch14-336": float(rng.random())}, "truncation": False},
            "toxicity_scores": {"toxicity": float(rng.random() * 1e-3)}}


def strip_extras(graph):
    """The same graph in the plain ``GbcGraph`` layout: the full release's extra fields removed."""
    plain = {k: v for k, v in graph.items() if k != "img_size"}
    plain["vertices"] = [
        {**{k: v for k, v in vertex.items() if k not in ("sub_masks", "super_masks")},
         "descs": [{"text": d["text"], "label": d["label"]} for d in vertex["descs"]]}
        for vertex in graph["vertices"]]
    return plain


def make_graph(rng):
    types = list(rng.choice(TYPES, size=rng.integers(2, 6), replace=False))
    full = {"left": 0, "top": 0, "right": 1, "bottom": 1}
    vertices = {"": {"vertex_id": "", "label": "image", "bbox": full, "descs": [], "in_edges": [],
                     "out_edges": [], "sub_masks": [], "super_masks": []}}
    edges = []
    phrases = []
    for t in types:
        count = int(rng.integers(1, 4))
        colour = COLOURS[rng.integers(len(COLOURS))]
        if count == 1:
            vertices[t] = {"vertex_id": t, "label": "entity", "bbox": _box(rng),
                           "descs": [_desc(f"a {colour} {t} seen from the side", "short", "entity", rng)],
                           "in_edges": [], "out_edges": [], "sub_masks": [], "super_masks": [""]}
            phrases.append(f"a {colour} {t}")
            edges.append(("", t, t))
        else:
            vertices[t] = {"vertex_id": t, "label": "composition", "bbox": _box(rng),
                           "descs": [_desc(f"{count} {t}s, the first {t} larger", "composition",
                                           "composition", rng)],
                           "in_edges": [], "out_edges": []}
            phrases.append(f"{count} {t}s")
            edges.append(("", f"{t}s", t))
            for k in range(count):
                child = f"{t}_{k}"
                vertices[child] = {"vertex_id": child, "label": "entity", "bbox": _box(rng),
                                   "descs": [_desc(f"a {colour} {t} number {k}", "short", "entity", rng)],
                                   "in_edges": [], "out_edges": []}
                edges.append((t, t, child))
    for a, b in zip(types[:-1], types[1:]):
        rel = RELATIONS[rng.integers(len(RELATIONS))]
        vid = f"[{a}|{b}]"
        vertices[vid] = {"vertex_id": vid, "label": "relation", "bbox": _box(rng),
                         "descs": [_desc(f"the {a} is {rel} the {b}", "relation", "relation", rng)],
                         "in_edges": [], "out_edges": []}
        phrases.append(f"the {a} {rel} the {b}")
        edges += [("", f"{a} {rel}", vid), (vid, a, a), (vid, b, b)]
    detail = "In this picture: " + "; ".join(phrases) + "."
    vertices[""]["descs"] = [_desc(phrases[0], "short", "image", rng), _desc(detail, "detail", "image", rng)]
    for source, text, target in edges:
        edge = {"source": source, "text": text, "target": target}
        vertices[source]["out_edges"].append(edge)
        vertices[target]["in_edges"].append(edge)
    url = f"https://example.org/{rng.integers(1 << 30)}.jpg"
    return {"vertices": list(vertices.values()), "img_url": url,
            "short_caption": phrases[0], "detail_caption": detail, "img_size": [640, 480]}


def _open_text(path):
    if path.endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def official_models(ml_gbc):
    """The official ``GbcGraph`` and ``GbcGraphFull`` classes, imported from a checkout's ``src``."""
    src = os.path.join(os.path.abspath(ml_gbc), "src")
    if not os.path.isdir(os.path.join(src, "gbc")):
        raise SystemExit(f"--ml-gbc {ml_gbc}: no src/gbc there (expected a checkout of apple/ml-gbc)")
    if src not in sys.path:
        sys.path.insert(0, src)
    from gbc.data.graph.gbc_graph import GbcGraph as OfficialGraph
    from gbc.data.graph.gbc_graph_full import GbcGraphFull as OfficialGraphFull

    return OfficialGraph, OfficialGraphFull


def read_official(model, path):
    """Parse every line of ``path`` with ``model.model_validate_json`` (collector paused, as read_gbc)."""
    graphs = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with _open_text(path) as fh:
            for line in fh:
                if line.strip():
                    graphs.append(model.model_validate_json(line))
    finally:
        if was_enabled:
            gc.enable()
    return graphs


def counts(graphs):
    """(vertices, edges) per graph, edges counted along ``out_edges``; dicts or models."""
    def get(obj, name):
        return obj[name] if isinstance(obj, dict) else getattr(obj, name)

    return np.array([(len(get(g, "vertices")), sum(len(get(v, "out_edges")) for v in get(g, "vertices")))
                     for g in graphs])


def timed(name, read, repeat, expected):
    """Best wall-clock time of ``repeat`` calls of ``read()``; checks the counts against ``expected``."""
    times, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        start, cpu_start = time.perf_counter(), time.process_time()
        loaded = read()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        found = counts(loaded)
        del loaded
        agree = found.shape == expected.shape and bool((found == expected).all())
    best = min(times)
    print(f"{name:<44} best {best:7.2f} s ({len(expected) / best:7.0f} graphs/s); runs "
          f"{', '.join(f'{t:.2f}' for t in times)} s wall, {', '.join(f'{t:.2f}' for t in cpu)} s CPU; "
          f"vertex/edge counts {'agree' if agree else 'DISAGREE'}")
    return best, agree, min(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ml-gbc", default=None, metavar="PATH",
                        help="a checkout of apple/ml-gbc: time its pydantic models on the same file")
    parser.add_argument("--no-full", action="store_true",
                        help="with --ml-gbc, skip GbcGraphFull (about 10x the time of the others)")
    parser.add_argument("--plain", action="store_true",
                        help="write the plain GbcGraph layout (no extra fields of the full release)")
    parser.add_argument("--quick", action="store_true", help="10^4 graphs, one run")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeat = 10_000, 1
    official = official_models(args.ml_gbc) if args.ml_gbc else None

    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "graphs.jsonl" + (".gz" if args.gzip else ""))
        if args.gzip:
            import gzip

            out = gzip.open(path, "wt", encoding="utf-8")
        else:
            out = open(path, "w", encoding="utf-8")
        expected = []
        with out:  # written as generated: only one graph's dict is held at a time
            for _ in range(args.n):
                graph = make_graph(rng)
                if args.plain:
                    graph = strip_extras(graph)
                expected.append(counts([graph])[0])
                out.write(json.dumps(graph) + "\n")
        expected = np.array(expected)
        size = os.path.getsize(path)
        print(f"{args.n} graphs, {expected[:, 0].mean():.2f} vertices and {expected[:, 1].mean():.2f} edges "
              f"per graph, file {size / 1e6:.1f} MB{' (gzip)' if args.gzip else ''}"
              f"{', plain GbcGraph layout' if args.plain else ', full release layout'}; "
              f"best of {args.repeat}")
        results = {
            "ours_parse": timed("ours: read_gbc(path, validate=False)",
                                lambda: read_gbc(path, validate=False), args.repeat, expected),
            "ours": timed("ours: read_gbc(path) (parse + validate)", lambda: read_gbc(path), args.repeat,
                          expected),
        }
        if official is None:
            print("official models skipped: pass --ml-gbc PATH (a checkout of apple/ml-gbc) to time them")
        else:
            graph_cls, full_cls = official
            results["official"] = timed("official: GbcGraph.model_validate_json",
                                        lambda: read_official(graph_cls, path), args.repeat, expected)
            if args.no_full:
                print("official GbcGraphFull skipped (--no-full)")
            else:
                results["official_full"] = timed("official: GbcGraphFull.model_validate_json",
                                                 lambda: read_official(full_cls, path), args.repeat, expected)
    if official is not None:
        for ours, theirs in [("ours_parse", "official"), ("ours", "official"), ("ours", "official_full")]:
            if theirs in results:
                print(f"ratio {ours} / {theirs}: {results[ours][0] / results[theirs][0]:.2f} wall-clock, "
                      f"{results[ours][2] / results[theirs][2]:.2f} CPU")
    best = results["ours"][0]
    per_1e5 = best * 1e5 / args.n
    verdict = "met" if per_1e5 < 60 else "NOT met"
    print(f"ours, parse + validate, 10^5 graphs at this rate: {per_1e5:.1f} s (target < 60 s: {verdict})")
    if not all(result[1] for result in results.values()):
        raise SystemExit("the readers disagree on vertex / edge counts")


if __name__ == "__main__":
    main()
