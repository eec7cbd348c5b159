"""Check ``sklot.gbc`` on the official GBC sample data of apple/ml-gbc (read from a checkout, never copied).

For each of the release's two sample files, ``data/gbc/wiki/wiki_gbc_graphs.jsonl`` and
``data/gbc/wiki_with_clip_scores/wiki_gbc_graphs_with_clip.jsonl`` (the full release's extra
fields), the script checks and prints:

1. which of our validation rules the official graphs break: every graph is read with
   ``read_gbc(path, validate=False)`` and validated with :class:`sklot.gbc.GbcGraph`; a graph that
   fails is counted under the rule its error names (the first one it breaks). Every rule of
   ``sklot/gbc/_schema.py`` is listed, with 0 when no graph breaks it. Also counted: edge texts
   that occur in their source's captions only when case is ignored (our rule ignores case);
2. ``read_gbc -> write_gbc -> read_gbc`` is lossless: the JSON objects we write equal the
   official lines' objects (extras included, nothing added) and the graphs read back are equal;
3. the official models accept what we wrote: ``GbcGraph.model_validate_json`` and
   ``GbcGraphFull.model_validate_json`` of apple/ml-gbc parse each line we wrote into the same
   model (``model_dump``) as the official line, with the same vertex / edge counts as ours.

Exits with status 1 if a check fails. The data's licence is Apple's sample code licence: the files
are read in place, nothing of them (or of the code) enters this repository.

usage: PYTHONPATH=. python benchmarks/gbc/check_official_data.py --ml-gbc /path/to/ml-gbc
"""

import argparse
import collections
import inspect
import json
import os
import re
import sys
import tempfile

from sklot.gbc import GbcGraph, read_gbc, write_gbc
from sklot.gbc import _schema

FILES = ["data/gbc/wiki/wiki_gbc_graphs.jsonl",
         "data/gbc/wiki_with_clip_scores/wiki_gbc_graphs_with_clip.jsonl"]
_RULE = re.compile(r"\(rule: ([^)]*)\)")


def our_rules():
    """The rule names our validation messages use, in the order of ``sklot/gbc/_schema.py``."""
    return list(dict.fromkeys(_RULE.findall(inspect.getsource(_schema))))


def counts(graph):
    return len(graph.vertices), sum(len(v.out_edges) for v in graph.vertices)


def rule_report(graphs):
    """Per rule, the number of graphs whose validation fails on it; edge texts matched only ignoring case."""
    broken = collections.Counter()
    for graph in graphs:
        try:
            GbcGraph.model_validate(graph.model_dump(exclude_unset=True))
        except ValueError as exc:
            found = _RULE.findall(str(exc))
            broken[found[0] if found else f"field error: {str(exc)[:80]}"] += 1
    n_edges = case_only = graphs_case_only = 0
    for graph in graphs:
        before = case_only
        for v in graph.vertices:
            captions = [d.text for d in v.descs]
            for e in v.out_edges:
                n_edges += 1
                exact = any(e.text in c for c in captions)
                case_only += (not exact) and any(e.text.lower() in c.lower() for c in captions)
        graphs_case_only += case_only > before
    return broken, n_edges, case_only, graphs_case_only


def check_file(path, official, tmp):
    ok = True
    with open(path, encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip()]
    originals = [json.loads(line) for line in lines]
    graphs = read_gbc(path, validate=False)
    print(f"{os.path.relpath(path, official['root'])}: {len(graphs)} graphs, "
          f"{sum(counts(g)[0] for g in graphs)} vertices, {sum(counts(g)[1] for g in graphs)} edges")

    broken, n_edges, case_only, graphs_case_only = rule_report(graphs)
    for rule in our_rules():
        print(f"  rule {rule!r}: broken by {broken.pop(rule, 0)} graph(s)")
    for other, n in broken.items():
        print(f"  {other}: {n} graph(s)")
    print(f"  edge texts found in their source's captions only when case is ignored: "
          f"{case_only} of {n_edges}, in {graphs_case_only} of {len(graphs)} graphs")
    n_invalid = sum(broken.values())
    try:
        validated = read_gbc(path)
    except ValueError as exc:
        print(f"  read_gbc (validating) rejects the file: {exc}")
        return False

    out = os.path.join(tmp, os.path.basename(path))
    write_gbc(validated, out)
    with open(out, encoding="utf-8") as fh:
        written_lines = fh.read().splitlines()
    written = [json.loads(line) for line in written_lines]
    same_json = written == originals
    same_graphs = read_gbc(out) == validated
    n_diff = sum(a != b for a, b in zip(written, originals)) + abs(len(written) - len(originals))
    print(f"  read_gbc -> write_gbc -> read_gbc: same JSON objects as the official lines: {same_json}"
          f"{'' if same_json else f' ({n_diff} differ)'}; same graphs read back: {same_graphs}")
    ok &= same_json and same_graphs and n_invalid == 0

    for name in ("GbcGraph", "GbcGraphFull"):
        model = official[name]
        accepted = same_model = same_counts = 0
        errors = []
        for ours_line, their_line, graph in zip(written_lines, lines, validated):
            try:
                theirs_of_ours = model.model_validate_json(ours_line)
            except ValueError as exc:
                errors.append(str(exc).splitlines()[0])
                continue
            accepted += 1
            same_model += theirs_of_ours.model_dump() == model.model_validate_json(their_line).model_dump()
            same_counts += counts(theirs_of_ours) == counts(graph)
        n = len(written_lines)
        print(f"  official {name} on the lines we wrote: accepts {accepted} of {n}, same model as from the "
              f"official line {same_model} of {n}, same vertex/edge counts as ours {same_counts} of {n}")
        for err in errors[:3]:
            print(f"    rejected: {err}")
        ok &= accepted == same_model == same_counts == n
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ml-gbc", required=True, metavar="PATH", help="a checkout of apple/ml-gbc")
    args = parser.parse_args()
    root = os.path.abspath(args.ml_gbc)
    src = os.path.join(root, "src")
    if not os.path.isdir(os.path.join(src, "gbc")):
        raise SystemExit(f"--ml-gbc {args.ml_gbc}: no src/gbc there (expected a checkout of apple/ml-gbc)")
    sys.path.insert(0, src)
    from gbc.data.graph.gbc_graph import GbcGraph as OfficialGraph
    from gbc.data.graph.gbc_graph_full import GbcGraphFull as OfficialGraphFull

    official = {"root": root, "GbcGraph": OfficialGraph, "GbcGraphFull": OfficialGraphFull}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for rel in FILES:
            path = os.path.join(root, rel)
            if not os.path.exists(path):
                print(f"{rel}: missing in {root}")
                ok = False
                continue
            ok &= check_file(path, official, tmp)
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
