"""Reading + validating speed of ``sklot.gbc.read_gbc`` on a generated GBC JSON Lines file.

The file holds random scene graphs in the official layout, with the full release's extras
(``sub_masks``, ``super_masks``, ``img_size``, per-description ``clip_scores`` and
``toxicity_scores``): an image root, per object type either an entity or a composition with one
entity per instance, and relation vertices between pairs of types, every edge text a phrase of
its source's caption. Prints the file size, the mean vertices / edges per graph and the time
``read_gbc`` takes (parse and validate every graph), best of ``--repeat``.

The issue's target: reading + validating 10^5 graphs in under a minute (the default ``--n``); the
script prints whether the best run meets it. Not run beside the official reader (apple/ml-gbc's
pydantic models): that repository could not be fetched in this session, and its code is not copied.

usage: PYTHONPATH=. python benchmarks/gbc/bench_read_validate.py [--n 100000] [--gzip] [--repeat 2] [--seed 0]
       PYTHONPATH=. python benchmarks/gbc/bench_read_validate.py --quick   (10^4 graphs, one run)
"""

import argparse
import json
import os
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


def _desc(text, label, rng):
    return {"text": text, "label": label, "clip_scores": {"clip-vit-b32": float(rng.random())},
            "toxicity_scores": {"toxicity": float(rng.random() * 1e-3)}}


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
                           "descs": [_desc(f"a {colour} {t} seen from the side", "short", rng)],
                           "in_edges": [], "out_edges": [], "sub_masks": [], "super_masks": [[0, 1, 2]]}
            phrases.append(f"a {colour} {t}")
            edges.append(("", t, t))
        else:
            vertices[t] = {"vertex_id": t, "label": "composition", "bbox": _box(rng),
                           "descs": [_desc(f"{count} {t}s, the first {t} larger", "composition", rng)],
                           "in_edges": [], "out_edges": []}
            phrases.append(f"{count} {t}s")
            edges.append(("", f"{t}s", t))
            for k in range(count):
                child = f"{t}_{k}"
                vertices[child] = {"vertex_id": child, "label": "entity", "bbox": _box(rng),
                                   "descs": [_desc(f"a {colour} {t} number {k}", "short", rng)],
                                   "in_edges": [], "out_edges": []}
                edges.append((t, t, child))
    for a, b in zip(types[:-1], types[1:]):
        rel = RELATIONS[rng.integers(len(RELATIONS))]
        vid = f"[{a}|{b}]"
        vertices[vid] = {"vertex_id": vid, "label": "relation", "bbox": _box(rng),
                         "descs": [_desc(f"the {a} is {rel} the {b}", "relation", rng)],
                         "in_edges": [], "out_edges": []}
        phrases.append(f"the {a} {rel} the {b}")
        edges += [("", f"{a} {rel}", vid), (vid, a, a), (vid, b, b)]
    detail = "In this picture: " + "; ".join(phrases) + "."
    vertices[""]["descs"] = [_desc(phrases[0], "short", rng), _desc(detail, "detail", rng)]
    for source, text, target in edges:
        edge = {"source": source, "text": text, "target": target}
        vertices[source]["out_edges"].append(edge)
        vertices[target]["in_edges"].append(edge)
    url = f"https://example.org/{rng.integers(1 << 30)}.jpg"
    return {"vertices": list(vertices.values()), "img_url": url,
            "short_caption": phrases[0], "detail_caption": detail, "img_size": [640, 480]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="10^4 graphs, one run")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeat = 10_000, 1

    rng = np.random.default_rng(args.seed)
    graphs = [make_graph(rng) for _ in range(args.n)]
    n_vertices = np.mean([len(g["vertices"]) for g in graphs])
    n_edges = np.mean([sum(len(v["out_edges"]) for v in g["vertices"]) for g in graphs])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "graphs.jsonl" + (".gz" if args.gzip else ""))
        lines = "".join(json.dumps(g) + "\n" for g in graphs)
        if args.gzip:
            import gzip

            with gzip.open(path, "wt", encoding="utf-8") as fh:
                fh.write(lines)
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(lines)
        size = os.path.getsize(path)
        times, cpu = [], []
        for _ in range(args.repeat):
            start, cpu_start = time.perf_counter(), time.process_time()
            loaded = read_gbc(path)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
        assert len(loaded) == args.n
    best = min(times)
    print(f"{args.n} graphs, {n_vertices:.2f} vertices and {n_edges:.2f} edges per graph, "
          f"file {size / 1e6:.1f} MB{' (gzip)' if args.gzip else ''}")
    print(f"read_gbc (parse + validate): best of {args.repeat} {best:.2f} s "
          f"({args.n / best:.0f} graphs/s); all runs: {', '.join(f'{t:.2f}' for t in times)} s")
    print(f"CPU time of the process for the same runs: {', '.join(f'{t:.2f}' for t in cpu)} s "
          "(close to an idle machine's wall-clock time: read_gbc runs on one thread)")
    per_1e5 = best * 1e5 / args.n
    verdict = "met" if per_1e5 < 60 else "NOT met"
    print(f"10^5 graphs at this rate: {per_1e5:.1f} s (target < 60 s: {verdict})")


if __name__ == "__main__":
    main()
