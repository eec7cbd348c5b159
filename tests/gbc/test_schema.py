import gzip
import json

import pytest

from sklot.gbc import Bbox, GbcGraph, GbcVertex, read_gbc, write_gbc

from ._graphs import horse_graph


def _vertex(graph, vid):
    return next(v for v in graph["vertices"] if v["vertex_id"] == vid)


def _add_edge(graph, source, text, target):
    edge = {"source": source, "text": text, "target": target}
    _vertex(graph, source)["out_edges"].append(edge)
    _vertex(graph, target)["in_edges"].append(dict(edge))


def test_valid_graph_passes_and_keeps_extras():
    g = GbcGraph.model_validate(horse_graph())
    assert [v.vertex_id for v in g.vertices][:2] == ["", "horse"]
    assert g.img_size == [640, 480]
    assert g.vertices[1].super_masks[0]["counts"] == "0h0;1"
    assert g.vertices[0].descs[0].clip_scores == {"openai/clip-vit-base-patch32": 0.31}
    assert g.vertices[1].bbox.confidence == 0.87


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_round_trip_is_lossless(tmp_path, suffix):
    second = horse_graph()
    second["img_path"] = "images/2.jpg"
    del second["img_url"], second["statistics"]
    originals = [horse_graph(), second]
    src = tmp_path / ("official" + suffix)
    opener = gzip.open if suffix.endswith(".gz") else open
    with opener(src, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(o) for o in originals) + "\n")

    graphs = read_gbc(src)
    out = tmp_path / ("written" + suffix)
    write_gbc(graphs, out)
    with opener(out, "rt", encoding="utf-8") as fh:
        written = [json.loads(line) for line in fh]
    # the same JSON objects: extras kept, nothing added (no null for unset optional fields)
    assert written == originals
    assert read_gbc(out) == graphs


def test_write_validates_dicts(tmp_path):
    bad = horse_graph()
    _vertex(bad, "horse")["bbox"]["right"] = 1.5
    with pytest.raises(ValueError, match="bbox"):
        write_gbc([bad], tmp_path / "x.jsonl")


def test_read_reports_line(tmp_path):
    bad = horse_graph()
    _vertex(bad, "snow")["bbox"]["top"] = -0.1
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(horse_graph()) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ValueError, match=r"(?s)bad\.jsonl:2: .*vertex 'snow'"):
        read_gbc(path)


def test_read_restores_the_garbage_collector_state(tmp_path):
    # read_gbc pauses the cyclic collector while parsing; the caller's setting must come back,
    # also when a line is invalid
    import gc

    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    good.write_text(json.dumps(horse_graph()) + "\n")
    bad.write_text("{not json}\n")
    assert gc.isenabled()
    assert len(read_gbc(good)) == 1 and gc.isenabled()
    with pytest.raises(ValueError, match="bad.jsonl:1"):
        read_gbc(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        read_gbc(good)
        assert not gc.isenabled()  # a caller who turned it off keeps it off
    finally:
        gc.enable()


def _rejects(graph, vertex, rule):
    with pytest.raises(ValueError) as info:
        GbcGraph.model_validate(graph)
    msg = str(info.value)
    assert f"vertex {vertex!r}" in msg and rule in msg, msg


def test_rejects_cycle():
    g = horse_graph()
    _vertex(g, "trees_0")["descs"][0]["text"] += " among trees"
    _add_edge(g, "trees_0", "trees", "trees")
    _rejects(g, "trees", "rule: the graph is a DAG")


def test_rejects_missing_root():
    g = horse_graph()
    g["vertices"] = g["vertices"][1:]
    for v in g["vertices"]:
        v["in_edges"] = [e for e in v["in_edges"] if e["source"] != ""]
    _rejects(g, "", "rule: the graph is rooted at the image vertex ''")


def test_rejects_root_not_image():
    g = horse_graph()
    g["vertices"][0]["label"] = "entity"
    _rejects(g, "", "rule: the root is the image vertex")


def test_rejects_edge_into_root():
    g = horse_graph()
    _add_edge(g, "horse", "horse", "")
    _rejects(g, "", "rule: the root has no parent")


def test_rejects_unreachable_vertex():
    g = horse_graph()
    cloud = {"vertex_id": "cloud", "label": "entity", "descs": [{"text": "a cloud", "label": "short"}]}
    g["vertices"].append({**cloud, "in_edges": [], "out_edges": []})
    _rejects(g, "cloud", "rule: the graph is rooted at the image vertex ''")


def test_rejects_edge_text_not_in_source_captions():
    g = horse_graph()
    _add_edge(g, "horse", "saddle", "snow")
    _rejects(g, "horse", "rule: edge text occurs in a caption of its source vertex")


def test_edge_text_match_ignores_case():
    g = horse_graph()  # the root's detail caption spells "Horse"; the edge "horse" matches it
    _vertex(g, "")["descs"] = [d for d in _vertex(g, "")["descs"] if d["label"] == "detail"]
    GbcGraph.model_validate(g)


def test_rejects_edge_to_unknown_vertex():
    g = horse_graph()
    _vertex(g, "trees")["out_edges"].append({"source": "trees", "text": "tree", "target": "trees_7"})
    _rejects(g, "trees", "rule: edges refer to existing vertices")


def test_rejects_in_edge_from_unknown_vertex():
    g = horse_graph()
    _vertex(g, "snow")["in_edges"].append({"source": "sky", "text": "snow", "target": "snow"})
    _rejects(g, "snow", "rule: edges refer to existing vertices")


def test_rejects_in_and_out_edges_disagreeing():
    g = horse_graph()
    _vertex(g, "snow")["in_edges"].pop()
    _rejects(g, "snow", "rule: in_edges and out_edges agree")


def test_rejects_out_edge_with_other_source():
    g = horse_graph()
    _vertex(g, "trees_0")["out_edges"].append({"source": "horse", "text": "pine", "target": "trees_1"})
    _rejects(g, "trees_0", "rule: an out-edge leaves its own vertex")


def test_rejects_duplicate_vertex_id():
    g = horse_graph()
    g["vertices"].append(dict(_vertex(g, "snow")))
    _rejects(g, "snow", "rule: unique vertex ids")


@pytest.mark.parametrize(
    ("side", "value", "rule"),
    [("left", -0.01, "rule: bbox in [0, 1]"), ("bottom", 1.2, "rule: bbox in [0, 1]"),
     ("top", float("nan"), "rule: bbox in [0, 1]"), ("right", 0.05, "rule: left <= right"),
     ("top", 0.95, "rule: top <= bottom")],
)
def test_rejects_bad_bbox(side, value, rule):
    g = horse_graph()
    _vertex(g, "horse")["bbox"][side] = value
    _rejects(g, "horse", rule)


def test_vertex_alone_names_itself():
    with pytest.raises(ValueError, match=r"vertex 'cat': bbox: .*rule: left <= right"):
        GbcVertex.model_validate({"vertex_id": "cat", "label": "entity", "bbox": {"left": 0.5, "right": 0.1}})


def test_json_errors_name_the_vertex():
    g = horse_graph()
    _vertex(g, "trees_0")["bbox"]["bottom"] = 2.0
    with pytest.raises(ValueError, match=r"vertex 'trees_0': bbox: .*rule: bbox in \[0, 1\]"):
        GbcGraph.model_validate_json(json.dumps(g))
    with pytest.raises(ValueError, match="Invalid JSON"):
        GbcGraph.model_validate_json("{not json")


def test_bbox_alone_is_checked():
    assert Bbox(left=0.2, right=0.2).right == 0.2
    with pytest.raises(ValueError, match="left <= right"):
        Bbox(left=0.3, right=0.2)


def test_rejects_unknown_vertex_label():
    g = horse_graph()
    _vertex(g, "trees_1")["label"] = "object"
    _rejects(g, "trees_1", "label")


def test_read_without_validation_skips_the_rules_but_not_the_types(tmp_path):
    cyclic = horse_graph()
    _vertex(cyclic, "trees_0")["descs"][0]["text"] += " among trees"
    _add_edge(cyclic, "trees_0", "trees", "trees")
    _vertex(cyclic, "snow")["bbox"]["top"] = -0.1
    path = tmp_path / "rules.jsonl"
    path.write_text(json.dumps(horse_graph()) + "\n" + json.dumps(cyclic) + "\n")
    with pytest.raises(ValueError, match="rules.jsonl:2"):
        read_gbc(path)
    good, loaded = read_gbc(path, validate=False)
    assert good == GbcGraph.model_validate(horse_graph())
    assert _vertex(loaded.model_dump(), "snow")["bbox"]["top"] == -0.1
    wrong_type = horse_graph()
    _vertex(wrong_type, "horse")["label"] = "animal"
    path.write_text(json.dumps(wrong_type) + "\n")
    with pytest.raises(ValueError, match=r"rules.jsonl:1: .*vertex 'horse': label"):
        read_gbc(path, validate=False)
    # the rules apply again afterwards (the context is per call, not a global switch)
    path.write_text(json.dumps(cyclic) + "\n")
    with pytest.raises(ValueError, match="rule: the graph is a DAG|rule: bbox in"):
        read_gbc(path)
    with pytest.raises(TypeError, match="validate must be a bool"):
        read_gbc(path, validate="no")
