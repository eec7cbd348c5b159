"""A GBC graph written by hand in the official release's layout, with the full release's extras."""

import copy


def _edge(source, text, target):
    return {"source": source, "text": text, "target": target}


def _desc(text, label, **extra):
    return {"text": text, "label": label, **extra}


_MASK = {"size": [8, 8], "counts": "0h0;1"}  # an RLE-like extra, kept verbatim


def horse_graph():
    """Image -> horse, trees (composition of trees_0, trees_1), [horse|snow] relation -> horse, snow."""
    e_horse = _edge("", "horse", "horse")
    e_trees = _edge("", "trees", "trees")
    e_snow = _edge("", "snow", "snow")
    e_rel = _edge("", "horse stands in the snow", "[horse|snow]")
    e_t0 = _edge("trees", "tree", "trees_0")
    e_t1 = _edge("trees", "trees", "trees_1")
    e_rh = _edge("[horse|snow]", "horse", "horse")
    e_rs = _edge("[horse|snow]", "snow", "snow")
    scores = {"clip_scores": {"openai/clip-vit-base-patch32": 0.31}, "toxicity_scores": {"toxicity": 0.0004}}
    vertices = [
        {
            "vertex_id": "", "label": "image",
            "bbox": {"left": 0.0, "top": 0.0, "right": 1.0, "bottom": 1.0},
            "descs": [
                _desc("A brown horse stands in the snow before trees.", "short", **scores),
                _desc(
                    "A brown Horse stands in the snow; two trees, one tall tree behind.", "detail", **scores
                ),
            ],
            "in_edges": [], "out_edges": [e_horse, e_trees, e_snow, e_rel],
            "sub_masks": [_MASK], "super_masks": [],
        },
        {
            "vertex_id": "horse", "label": "entity",
            "bbox": {"left": 0.1, "top": 0.3, "right": 0.55, "bottom": 0.9, "confidence": 0.87},
            "descs": [_desc("a brown horse with a white mane", "short", **scores)],
            "in_edges": [e_horse, e_rh], "out_edges": [],
            "sub_masks": [], "super_masks": [_MASK],
        },
        {
            "vertex_id": "trees", "label": "composition",
            "bbox": {"left": 0.5, "top": 0.0, "right": 1.0, "bottom": 0.6},
            "descs": [_desc("a tall tree beside a small one; two trees", "composition")],
            "in_edges": [e_trees], "out_edges": [e_t0, e_t1],
        },
        {
            "vertex_id": "trees_0", "label": "entity",
            "bbox": {"left": 0.5, "top": 0.0, "right": 0.75, "bottom": 0.6, "confidence": 0.5},
            "descs": [_desc("a tall pine", "short")], "in_edges": [e_t0], "out_edges": [],
        },
        {
            "vertex_id": "trees_1", "label": "entity",
            "bbox": {"left": 0.75, "top": 0.2, "right": 1.0, "bottom": 0.6, "confidence": 0.4},
            "descs": [_desc("a small fir", "short")], "in_edges": [e_t1], "out_edges": [],
        },
        {
            "vertex_id": "snow", "label": "entity",
            "bbox": {"left": 0.0, "top": 0.7, "right": 1.0, "bottom": 1.0, "confidence": 0.9},
            "descs": [_desc("white snow", "short")], "in_edges": [e_snow, e_rs], "out_edges": [],
        },
        {
            "vertex_id": "[horse|snow]", "label": "relation",
            "bbox": {"left": 0.0, "top": 0.3, "right": 1.0, "bottom": 1.0},
            "descs": [_desc("the horse stands in the snow", "relation")],
            "in_edges": [e_rel], "out_edges": [e_rh, e_rs],
        },
    ]
    return copy.deepcopy({
        "vertices": vertices,
        "img_url": "https://example.org/horse.jpg",
        "original_caption": "horse in snow",
        "short_caption": "A brown horse stands in the snow before trees.",
        "detail_caption": "A brown horse stands in the snow; two trees, one tall tree behind.",
        "img_size": [640, 480],
        "statistics": {"n_words": 42, "n_captions": 8},
    })
