"""make_shape_scenes: the graphs are valid GBC and describe the drawn pixels exactly."""

import re
from itertools import combinations

import numpy as np
import pytest
from scipy import ndimage

from sklot.datasets import make_shape_scenes
from sklot.datasets._scenes import SCENE_COLORS, SCENE_SHAPES
from sklot.gbc import GbcGraph, read_gbc, write_gbc

_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUM = {n: w for w, n in _WORDS.items() if w != "a"}


@pytest.fixture(scope="module")
def scenes():
    return make_shape_scenes(60, random_state=0, return_info=True, max_objects=5)


def _vertices(graph, label):
    return [v for v in graph.vertices if v.label == label]


def test_graphs_are_valid_gbc_and_survive_a_file_round_trip(scenes, tmp_path):
    images, graphs, info = scenes
    assert images.shape == (60, 3, 32, 32) and images.dtype == np.float32
    assert len(graphs) == 60 and all(isinstance(g, GbcGraph) for g in graphs)
    write_gbc(graphs, tmp_path / "scenes.jsonl.gz")
    again = read_gbc(tmp_path / "scenes.jsonl.gz")  # validates every rule again
    assert [g.model_dump() for g in again] == [g.model_dump() for g in graphs]
    for g, n, counts in zip(graphs, info.n_objects, info.shape_counts):
        drawn = int((counts > 0).sum())
        assert len(_vertices(g, "entity")) == n
        assert len(_vertices(g, "composition")) == int((counts > 1).sum())
        assert len(_vertices(g, "relation")) == drawn * (drawn - 1) // 2
        assert g.vertices[0].vertex_id == "" and [d.label for d in g.vertices[0].descs] == ["short", "detail"]
        assert g.short_caption == g.vertices[0].descs[0].text
        assert g.detail_caption == g.vertices[0].descs[1].text


def test_entity_bboxes_and_colours_are_those_of_the_drawn_pixels(scenes):
    images, graphs, info = scenes
    size = images.shape[-1]
    for image, graph, objects in zip(images, graphs, info.objects):
        # objects found in the pixels alone: 8-connected components of the non-black pixels
        labels, n = ndimage.label(image.max(axis=0) > 0, structure=np.ones((3, 3)))
        found = {}
        for k, sl in enumerate(ndimage.find_objects(labels), start=1):
            rows, cols = sl
            box = (cols.start / size, rows.start / size, cols.stop / size, rows.stop / size)
            pixels = image[:, labels == k]
            assert np.ptp(pixels, axis=1).max() == 0  # one colour per object
            fill = (labels[sl] == k).mean()
            found[box] = (tuple(pixels[:, 0]), fill)
        entities = _vertices(graph, "entity")
        assert n == len(entities) == len(objects)
        for v in entities:
            b = v.bbox
            colour, fill = found[(b.left, b.top, b.right, b.bottom)]
            obj = next(o for o in objects if o["vertex_id"] == v.vertex_id)
            assert v.descs[0].text == f"a {obj['size']} {obj['color']} {obj['shape']}"
            np.testing.assert_array_equal(colour, np.float32(SCENE_COLORS[obj["color"]]))
            # the shape word agrees with the pixels: only squares fill their box
            assert (fill == 1.0) == (obj["shape"] == "square"), (obj["shape"], fill)


def test_counts_positions_and_relations_in_the_captions_match_the_scene(scenes):
    _, graphs, info = scenes
    plural = {p: s for s, p in SCENE_SHAPES.items()}
    for graph, counts, objects in zip(graphs, info.shape_counts, info.objects):
        said = dict.fromkeys(info.shape_names, 0)
        short = graph.short_caption.lower()
        for word, noun in re.findall(r"\b(a|one|two|three|four|five|six)\s+(\w+)", short):
            said[plural.get(noun, noun)] += _WORDS[word]
        assert [said[s] for s in info.shape_names] == counts.tolist()
        by_id = {v.vertex_id: v for v in graph.vertices}
        for comp in _vertices(graph, "composition"):
            n_children = len(comp.out_edges)
            assert comp.descs[0].text.startswith(f"{_NUM[n_children]} {comp.vertex_id}:")
        for o in objects:
            v = by_id[o["vertex_id"]]
            cx, cy = (v.bbox.left + v.bbox.right) / 2, (v.bbox.top + v.bbox.bottom) / 2
            where = v.descs[1].text.split(o["shape"], 1)[1]
            assert ("left" in where) == (cx < 1 / 3) and ("right" in where) == (cx > 2 / 3)
            assert ("top" in where) == (cy < 1 / 3) and ("bottom" in where) == (cy > 2 / 3)
            assert f"{o['size']} {o['color']} {o['shape']}" in graph.detail_caption
        for rel in _vertices(graph, "relation"):
            a, b = (by_id[e.target].bbox for e in rel.out_edges)
            dx = (b.left + b.right - a.left - a.right) / 2
            dy = (b.top + b.bottom - a.top - a.bottom) / 2
            expected = ("left of" if dx > 0 else "right of") if abs(dx) >= abs(dy) else (
                "above" if dy > 0 else "below")
            assert f" {expected} the " in rel.descs[0].text
            assert rel.descs[0].text in graph.detail_caption.lower()


def test_every_relation_pairs_two_different_shapes():
    _, graphs = make_shape_scenes(20, min_objects=4, max_objects=4, random_state=3)
    for g in graphs:
        types = [v.vertex_id for v in g.vertices if v.label in ("entity", "composition")
                 and "_" not in v.vertex_id]
        rel_ids = {v.vertex_id for v in _vertices(g, "relation")}
        assert rel_ids == {f"[{a}|{b}]" for a, b in combinations(types, 2)}


def test_same_seed_same_scenes_other_seed_other_scenes():
    a_images, a_graphs = make_shape_scenes(8, random_state=5)
    b_images, b_graphs = make_shape_scenes(8, random_state=5)
    c_images, c_graphs = make_shape_scenes(8, random_state=6)
    np.testing.assert_array_equal(a_images, b_images)
    assert [g.model_dump_json() for g in a_graphs] == [g.model_dump_json() for g in b_graphs]
    assert not np.array_equal(a_images, c_images)
    assert [g.detail_caption for g in a_graphs] != [g.detail_caption for g in c_graphs]


def test_object_count_range_shapes_colours_and_image_size_are_honoured():
    images, graphs, info = make_shape_scenes(
        15, image_size=48, min_objects=3, max_objects=3, shapes=["diamond", "square"], colors="white",
        random_state=1, return_info=True,
    )
    assert images.shape == (15, 3, 48, 48)
    assert (info.n_objects == 3).all() and info.shape_names == ["diamond", "square"]
    assert (info.color_counts == 3).all()
    assert set(np.unique(images)) <= {0.0, 1.0}
    assert all(o["shape"] in ("diamond", "square") for objs in info.objects for o in objs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_scenes=0), "n_scenes"),
        (dict(n_scenes=2, image_size=8), "image_size"),
        (dict(n_scenes=2, min_objects=3, max_objects=2), "min_objects=3 > max_objects=2"),
        (dict(n_scenes=2, shapes=["circle", "hexagon"]), "unknown shapes \\['hexagon'\\]"),
        (dict(n_scenes=2, colors=["red", "red"]), "duplicates"),
        (dict(n_scenes=2, shapes=[]), "at least one"),
        (dict(n_scenes=2, image_size=12, min_objects=12, max_objects=12), "could not place 12 objects"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_shape_scenes(**kwargs)
