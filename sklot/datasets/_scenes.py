"""Procedural scenes of coloured shapes with their exact graph-based captions (GBC).

Small RGB images rasterised with numpy (no download), each with the GBC graph that describes it
exactly (Hsieh et al., 2024, "Graph-Based Captioning", arXiv 2407.06723): the image root ``""``,
an entity vertex per object with the bbox of its drawn pixels, a composition vertex per shape
drawn more than once, relation vertices between shape types from spatial templates, and the
short and detailed captions on the root as the format has them.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["make_shape_scenes", "SCENE_COLORS", "SCENE_SHAPES"]

#: RGB in [0, 1] of the colours a scene may use (the background is black)
SCENE_COLORS = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 0.8, 0.0),
    "blue": (0.15, 0.3, 1.0),
    "yellow": (1.0, 0.9, 0.0),
    "purple": (0.65, 0.2, 0.9),
    "white": (1.0, 1.0, 1.0),
}

#: shapes a scene may draw (singular -> plural)
SCENE_SHAPES = {"circle": "circles", "square": "squares", "triangle": "triangles", "diamond": "diamonds"}

_DEFAULT_SHAPES = ("circle", "square", "triangle")
_DEFAULT_COLORS = ("red", "green", "blue", "yellow", "purple")

_NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve"]


def _number(n):
    return _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)


def _shape_mask(shape, side):
    """Boolean ``(side, side)`` mask of a shape drawn in a square box; it touches all four sides."""
    c = np.arange(side) + 0.5 - side / 2.0  # pixel centres relative to the box centre
    yy, xx = np.meshgrid(c, c, indexing="ij")
    if shape == "square":
        return np.ones((side, side), dtype=bool)
    if shape == "circle":
        return xx**2 + yy**2 <= (side / 2.0) ** 2
    if shape == "diamond":
        return np.abs(xx) + np.abs(yy) <= side / 2.0
    # triangle, apex up: row r (centre at r + 0.5) has half-width (r + 0.5) / 2
    rows = np.arange(side)[:, None] + 0.5
    return np.abs(xx) <= rows / 2.0


def _position_words(cx, cy):
    """Where a box centre ``(cx, cy)`` (relative, y down) lies, in thirds of the image."""
    horiz = "left" if cx < 1 / 3 else ("right" if cx > 2 / 3 else "centre")
    vert = "top" if cy < 1 / 3 else ("bottom" if cy > 2 / 3 else "middle")
    if horiz == "centre" and vert == "middle":
        return "in the centre"
    if vert == "middle":
        return f"on the {horiz}"
    if horiz == "centre":
        return f"at the {vert}"
    return f"at the {vert} {horiz}"


def _relation_words(box_a, box_b):
    """Spatial template of ``a`` with respect to ``b`` from their bbox centres (y grows downwards)."""
    ax, ay = (box_a[0] + box_a[2]) / 2, (box_a[1] + box_a[3]) / 2
    bx, by = (box_b[0] + box_b[2]) / 2, (box_b[1] + box_b[3]) / 2
    dx, dy = bx - ax, by - ay
    if abs(dx) >= abs(dy):
        return "left of" if dx > 0 else "right of"
    return "above" if dy > 0 else "below"


def _union(boxes):
    boxes = np.asarray(boxes, dtype=float)
    return (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())


def _place(rng, sides, image_size, max_tries=200):
    """Top-left corners for squares of the given sides, one free pixel between any two boxes."""
    corners = []
    for side in sides:
        for _ in range(max_tries):
            x0, y0 = rng.randint(0, image_size - side + 1, size=2)
            # boxes grown by one pixel must not overlap: no two objects touch, even diagonally
            if all(x0 > x + s or x0 + side < x or y0 > y + s or y0 + side < y for (x, y), s in
                   zip(corners, sides)):
                corners.append((int(x0), int(y0)))
                break
        else:
            return None
    return corners


def _draw_scene(rng, image_size, n_objects, shapes, colors, sizes, background):
    for _ in range(20):
        shape_of = [shapes[i] for i in rng.randint(len(shapes), size=n_objects)]
        color_of = [colors[i] for i in rng.randint(len(colors), size=n_objects)]
        large = rng.rand(n_objects) < 0.5
        sides = [int(rng.randint(*(sizes[1] if big else sizes[0]))) for big in large]
        corners = _place(rng, sides, image_size)
        if corners is not None:
            break
    else:
        raise ValueError(
            f"could not place {n_objects} objects without contact in a {image_size}x{image_size} image "
            "after 20 draws; lower max_objects or raise image_size"
        )
    image = np.empty((3, image_size, image_size), dtype=np.float32)
    image[:] = np.asarray(background, dtype=np.float32)[:, None, None]
    objects = []
    for shape, color, big, side, (x0, y0) in zip(shape_of, color_of, large, sides, corners):
        mask = _shape_mask(shape, side)
        region = image[:, y0:y0 + side, x0:x0 + side]
        region[:, mask] = np.asarray(SCENE_COLORS[color], dtype=np.float32)[:, None]
        rows, cols = np.nonzero(mask)
        # bbox of the drawn pixels: first pixel / size to (last pixel + 1) / size
        box_px = (x0 + cols.min(), y0 + rows.min(), x0 + cols.max() + 1, y0 + rows.max() + 1)
        box = tuple(float(v) / image_size for v in box_px)
        objects.append({
            "shape": shape, "color": color, "size": "large" if big else "small",
            "bbox": box, "bbox_pixels": tuple(int(v) for v in box_px),
            "position": _position_words((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
        })
    return image, objects


def _scene_graph(objects, shapes):
    """The GBC graph (a dict in the official layout) and the two captions of one scene."""
    edges = []  # (source, text, target) in out_edges order
    vertices = {"": {"vertex_id": "", "label": "image",
                     "bbox": {"left": 0.0, "top": 0.0, "right": 1.0, "bottom": 1.0}}}
    groups = []  # (shape, vertex id, objects, reference in relations, box)
    for shape in shapes:
        members = [o for o in objects if o["shape"] == shape]
        if not members:
            continue
        plural = SCENE_SHAPES[shape]
        for o in members:
            o["short"] = f"a {o['size']} {o['color']} {shape}"
            o["detail"] = f"{o['short']} {o['position']}"
        if len(members) == 1:
            o = members[0]
            vid = o["vertex_id"] = shape
            vertices[vid] = {"vertex_id": vid, "label": "entity", "bbox": _bbox(o["bbox"]),
                             "descs": [{"text": o["short"], "label": "short"},
                                       {"text": o["detail"], "label": "detail"}]}
            edges.append(("", shape, vid))
            groups.append((shape, vid, members, f"{o['color']} {shape}", o["bbox"],
                           f"{o['detail'][0].upper()}{o['detail'][1:]}."))
            continue
        vid = plural
        parts = [o["detail"] for o in members]
        listing = ", ".join(parts[:-1]) + " and " + parts[-1]
        text = f"{_number(len(members))} {plural}: {listing}"
        box = _union([o["bbox"] for o in members])
        vertices[vid] = {"vertex_id": vid, "label": "composition", "bbox": _bbox(box),
                         "descs": [{"text": text, "label": "composition"}]}
        edges.append(("", plural, vid))
        for k, o in enumerate(members):
            child = o["vertex_id"] = f"{plural}_{k}"
            vertices[child] = {"vertex_id": child, "label": "entity", "bbox": _bbox(o["bbox"]),
                               "descs": [{"text": o["short"], "label": "short"},
                                         {"text": o["detail"], "label": "detail"}]}
            # "small red circle at the top left": a phrase of the listing, naming this child
            edges.append((vid, o["detail"][2:], child))
        groups.append((shape, vid, members, plural, box, f"{text[0].upper()}{text[1:]}."))

    relations = []
    for i, (_, vid_a, members_a, ref_a, box_a, _) in enumerate(groups):
        for _, vid_b, members_b, ref_b, box_b, _ in groups[i + 1:]:
            verb = "are" if len(members_a) > 1 else "is"
            sentence = f"the {ref_a} {verb} {_relation_words(box_a, box_b)} the {ref_b}"
            rid = f"[{vid_a}|{vid_b}]"
            vertices[rid] = {"vertex_id": rid, "label": "relation", "bbox": _bbox(_union([box_a, box_b])),
                             "descs": [{"text": sentence, "label": "relation"}]}
            edges += [("", sentence, rid), (rid, ref_a, vid_a), (rid, ref_b, vid_b)]
            relations.append(sentence)

    counts = []
    for _, _, members, _, _, _ in groups:
        n = len(members)
        name = members[0]["shape"] if n == 1 else SCENE_SHAPES[members[0]["shape"]]
        counts.append(f"{'a' if n == 1 else _number(n)} {name}")
    short = (", ".join(counts[:-1]) + " and " + counts[-1]) if len(counts) > 1 else counts[0]
    short = f"{short[0].upper()}{short[1:]}."
    sentences = [short] + [g[5] for g in groups] + [f"{r[0].upper()}{r[1:]}." for r in relations]
    detail = " ".join(sentences)
    vertices[""]["descs"] = [{"text": short, "label": "short"}, {"text": detail, "label": "detail"}]

    for v in vertices.values():
        v["in_edges"], v["out_edges"] = [], []
    for source, text, target in edges:
        edge = {"source": source, "text": text, "target": target}
        vertices[source]["out_edges"].append(edge)
        vertices[target]["in_edges"].append(edge)
    graph = {"vertices": list(vertices.values()), "short_caption": short, "detail_caption": detail}
    return graph, short, detail


def _bbox(box):
    return {"left": box[0], "top": box[1], "right": box[2], "bottom": box[3]}


def _names(value, known, default, what):
    if value is None:
        return list(default)
    if isinstance(value, str):
        value = [value]
    value = list(value)
    if not value:
        raise ValueError(f"{what} must name at least one of {sorted(known)}")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; choose among {sorted(known)}")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} {value} holds duplicates")
    return value


@validate_params(
    {
        "n_scenes": [Interval(Integral, 1, None, closed="left")],
        "image_size": [Interval(Integral, 12, None, closed="left")],
        "min_objects": [Interval(Integral, 1, None, closed="left")],
        "max_objects": [Interval(Integral, 1, None, closed="left")],
        "shapes": [list, tuple, str, None],
        "colors": [list, tuple, str, None],
        "random_state": ["random_state"],
        "return_info": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_shape_scenes(n_scenes, *, image_size=32, min_objects=1, max_objects=4, shapes=None, colors=None,
                      random_state=None, return_info=False):
    """Images of coloured shapes with their exact graph-based captions (GBC).

    Each scene draws ``min_objects`` to ``max_objects`` objects (uniform count) on a black
    background; each object has a shape, a colour and a size (``"small"``: side of about 15-22 %
    of the image, ``"large"``: about 28-36 %), and no two objects touch (one free pixel between
    their boxes), so every object is one connected set of pixels of its colour.

    The graph of a scene (Hsieh et al., 2024, the official JSON layout, a valid
    :class:`sklot.gbc.GbcGraph`):

    * the image root ``""`` with a ``"short"`` caption (counts and shapes: "Two circles and a
      square.") and a ``"detail"`` caption (the short one, then one sentence per shape with
      sizes, colours and positions, then the relations);
    * a shape drawn once: an ``"entity"`` vertex with id the shape (``"square"``); a shape drawn
      ``k > 1`` times: a ``"composition"`` vertex with id the plural (``"circles"``, caption "two
      circles: a small red circle at the top left and ...") with ``k`` entity children
      ``"circles_0"``, ... (in drawing order). Entity captions: ``"short"`` "a small red circle",
      ``"detail"`` "a small red circle at the top left";
    * for every pair of drawn shapes, a ``"relation"`` vertex ``"[circles|square]"`` ("the circles
      are left of the red square") with edges to both; the template (``left of``, ``right of``,
      ``above``, ``below``) compares the centres of the two vertices' bboxes along the axis where
      they differ most;
    * bboxes: an entity's is the extent of its drawn pixels in relative coordinates (``left = first
      column / image_size``, ``right = (last column + 1) / image_size``, same for rows);
      compositions and relations take the union of their children's; the root is ``[0, 1]^2``;
    * positions are the thirds of the image holding the bbox centre ("at the top left", "on the
      right", "in the centre", ...); every edge's text is a phrase of its source's caption.

    Parameters
    ----------
    n_scenes : int
        Number of scenes.
    image_size : int, default=32
        Side of the square images, in pixels (at least 12).
    min_objects, max_objects : int, default=1, 4
        Range of the number of objects per scene (inclusive).
    shapes : list of str, default=None
        Shapes to draw, among ``"circle"``, ``"square"``, ``"triangle"``, ``"diamond"``
        (:data:`SCENE_SHAPES`); ``None`` is the first three. Their order is the order of the
        vertices and of the sentences.
    colors : list of str, default=None
        Colours among :data:`SCENE_COLORS`; ``None`` is red, green, blue, yellow and purple.
    random_state : int, RandomState instance or None, default=None
        The same seed gives the same scenes.
    return_info : bool, default=False
        Also return a :class:`~sklearn.utils.Bunch` with the labels a probe needs.

    Returns
    -------
    images : ndarray of shape (n_scenes, 3, image_size, image_size), float32
        RGB in ``[0, 1]``, channels first.
    graphs : list of GbcGraph
        One validated graph per scene; ``graph.short_caption`` and ``graph.detail_caption`` repeat
        the root's two captions.
    info : Bunch, only when ``return_info``
        ``short_captions``, ``detail_captions`` (lists of str); ``n_objects`` (n_scenes,) int;
        ``shape_counts`` (n_scenes, n_shapes) and ``color_counts`` (n_scenes, n_colors) int with
        ``shape_names`` / ``color_names`` naming the columns; ``objects``: per scene the list of
        dicts ``shape``, ``color``, ``size``, ``position``, ``bbox`` (relative ``left, top, right,
        bottom``), ``bbox_pixels`` (``x0, y0, x1, y1``, end excluded), ``vertex_id``, ``short``,
        ``detail``.

    Raises
    ------
    ValueError
        For ``min_objects > max_objects``, unknown or duplicate shapes or colours, or objects that
        do not fit (too many for the image size).

    Examples
    --------
    >>> from sklot.datasets import make_shape_scenes
    >>> images, graphs, info = make_shape_scenes(2, random_state=0, return_info=True)
    >>> images.shape
    (2, 3, 32, 32)
    >>> graphs[0].short_caption == info.short_captions[0], int(info.n_objects[0]) >= 1
    (True, True)
    """
    from sklot.gbc import GbcGraph

    if min_objects > max_objects:
        raise ValueError(f"min_objects={min_objects} > max_objects={max_objects}")
    shapes = _names(shapes, SCENE_SHAPES, _DEFAULT_SHAPES, "shapes")
    colors = _names(colors, SCENE_COLORS, _DEFAULT_COLORS, "colors")
    rng = check_random_state(random_state)
    # side ranges (high end excluded) of small and large objects; at least 3 pixels
    small = (max(3, round(0.15 * image_size)), max(4, round(0.22 * image_size)) + 1)
    large = (max(small[1], round(0.28 * image_size)), max(small[1] + 1, round(0.36 * image_size)) + 1)
    background = (0.0, 0.0, 0.0)

    images = np.empty((n_scenes, 3, image_size, image_size), dtype=np.float32)
    graphs, shorts, details, all_objects = [], [], [], []
    n_objects = rng.randint(min_objects, max_objects + 1, size=n_scenes)
    for i in range(n_scenes):
        images[i], objects = _draw_scene(rng, image_size, int(n_objects[i]), shapes, colors,
                                         (small, large), background)
        graph, short, detail = _scene_graph(objects, shapes)
        graphs.append(GbcGraph.model_validate(graph))
        shorts.append(short)
        details.append(detail)
        all_objects.append(objects)
    if not return_info:
        return images, graphs
    shape_counts = np.array([[sum(o["shape"] == s for o in objs) for s in shapes] for objs in all_objects],
                            dtype=np.int64).reshape(n_scenes, len(shapes))
    color_counts = np.array([[sum(o["color"] == c for o in objs) for c in colors] for objs in all_objects],
                            dtype=np.int64).reshape(n_scenes, len(colors))
    info = Bunch(short_captions=shorts, detail_captions=details, n_objects=n_objects.astype(np.int64),
                 shape_counts=shape_counts, color_counts=color_counts, shape_names=list(shapes),
                 color_names=list(colors), objects=all_objects)
    return images, graphs, info
