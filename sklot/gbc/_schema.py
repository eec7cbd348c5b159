"""Pydantic v2 models of the GBC JSON format (Hsieh et al., 2024, "Graph-Based Captioning").

The classes mirror the official release's records field for field; every model keeps unknown
fields (``extra="allow"``) so that the full release's extras (``sub_masks``, ``super_masks``,
``img_size``, ``clip_scores``, ``toxicity_scores``, ...) survive read -> write.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

__all__ = ["Bbox", "Description", "GbcEdge", "GbcGraph", "GbcVertex"]

_KEEP_EXTRAS = ConfigDict(extra="allow")


def _checking(info):
    """False when validated with ``context={"check_rules": False}`` (``read_gbc(validate=False)``)."""
    return not (isinstance(info.context, dict) and info.context.get("check_rules") is False)


def _field(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class _VertexNamedErrors:
    """Re-raise pydantic's field errors as one ``ValueError`` that names the vertex concerned.

    pydantic locates an error by list index (``vertices.3.bbox``); the message says ``vertex 'snow'``
    instead. Done in ``model_validate`` / ``model_validate_json``, on the failure path only: a wrap
    validator or an ``__init__`` override would name the vertex too, but pydantic then builds Python
    objects from the JSON input (or calls ``__init__`` per nested vertex), which made reading 1.5 to
    3 times slower. Direct construction ``GbcGraph(**fields)`` therefore raises pydantic's own
    ``ValidationError`` (a ``ValueError`` too) for field errors, located by index.
    """

    @classmethod
    def _vertex_of(cls, loc, data):
        if cls.__name__ == "GbcVertex":
            return _field(data, "vertex_id"), loc
        if len(loc) >= 2 and loc[0] == "vertices" and isinstance(loc[1], int):
            try:
                return _field(_field(data, "vertices")[loc[1]], "vertex_id"), loc[2:]
            except (TypeError, IndexError, KeyError, AttributeError):
                return None, loc
        return None, loc

    @classmethod
    def _named(cls, exc, data):
        parts = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            vid, loc = cls._vertex_of(err["loc"], data)
            where = ".".join(str(p) for p in loc)
            if vid is not None:
                parts.append(f"vertex {vid!r}: {where + ': ' if where else ''}{msg}")
            else:
                parts.append(f"{where + ': ' if where else ''}{msg}")
        return ValueError(f"invalid {cls.__name__}: " + "; ".join(parts))

    @classmethod
    def model_validate(cls, obj, *args, **kwargs):
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise cls._named(exc, obj) from None

    @classmethod
    def model_validate_json(cls, json_data, *args, **kwargs):
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            try:
                data = json.loads(json_data)
            except ValueError:
                raise exc from None
            raise cls._named(exc, data) from None


class Bbox(BaseModel):
    """Bounding box in relative coordinates: ``0 <= left <= right <= 1``, ``0 <= top <= bottom <= 1``."""

    model_config = _KEEP_EXTRAS

    left: float = 0.0
    top: float = 0.0
    right: float = 1.0
    bottom: float = 1.0
    confidence: float | None = None

    @model_validator(mode="after")
    def _check_box(self, info: ValidationInfo):
        if not _checking(info):
            return self
        for side in ("left", "top", "right", "bottom"):
            value = getattr(self, side)
            # written so that NaN fails too
            if not (0.0 <= value <= 1.0):
                raise ValueError(f"bbox {side}={value!r} outside [0, 1] (rule: bbox in [0, 1])")
        if not self.left <= self.right:
            raise ValueError(f"bbox left={self.left!r} > right={self.right!r} (rule: left <= right)")
        if not self.top <= self.bottom:
            raise ValueError(f"bbox top={self.top!r} > bottom={self.bottom!r} (rule: top <= bottom)")
        return self


class Description(BaseModel):
    """One caption of a vertex, with its kind."""

    model_config = _KEEP_EXTRAS

    text: str
    label: Literal["short", "relation", "composition", "detail", "original", "hardcode", "bagofwords"]


class GbcEdge(BaseModel):
    """Edge ``source -> target``: the target's content is part of the source's; ``text`` names it."""

    model_config = _KEEP_EXTRAS

    source: str
    text: str
    target: str


class GbcVertex(_VertexNamedErrors, BaseModel):
    """A vertex: the image root (``vertex_id == ""``), an entity, a composition or a relation."""

    model_config = _KEEP_EXTRAS

    vertex_id: str
    bbox: Bbox = Field(default_factory=Bbox)
    label: Literal["image", "entity", "composition", "relation"]
    descs: list[Description] = []
    in_edges: list[GbcEdge] = []
    out_edges: list[GbcEdge] = []


class GbcGraph(_VertexNamedErrors, BaseModel):
    """A graph-based caption of one image.

    Build it with :meth:`model_validate` (from a dict) or :meth:`model_validate_json`: each
    violation below is then a :class:`ValueError` naming the vertex and the rule. (``GbcGraph(**d)``
    checks the same rules; its field errors are pydantic's, located by vertex index.)

    * vertex ids are unique;
    * there is a root vertex ``""`` labelled ``"image"``, without in-edges, and every vertex is
      reachable from it along ``out_edges``;
    * the graph is acyclic (a DAG);
    * every edge refers to existing vertices, is listed by the vertex it leaves in ``out_edges``
      and by the vertex it enters in ``in_edges`` (the two lists agree);
    * every edge's text occurs (case-insensitively) in one of its source vertex's captions;
    * every bbox lies in ``[0, 1]`` with ``left <= right`` and ``top <= bottom``.

    Validating with ``context={"check_rules": False}`` skips these rules (fields are still parsed
    and type-checked): that is what :func:`read_gbc` does with ``validate=False``.

    Examples
    --------
    >>> from sklot.gbc import GbcGraph
    >>> edge = {"source": "", "text": "cube", "target": "cube"}
    >>> root = {"vertex_id": "", "label": "image", "out_edges": [edge],
    ...         "descs": [{"text": "a red cube", "label": "short"}]}
    >>> cube = {"vertex_id": "cube", "label": "entity", "in_edges": [edge],
    ...         "bbox": {"left": 0.2, "top": 0.1, "right": 0.6, "bottom": 0.5}}
    >>> graph = GbcGraph.model_validate({"vertices": [root, cube], "img_size": [64, 64]})
    >>> graph.vertices[1].bbox.right, graph.img_size
    (0.6, [64, 64])
    >>> cube["bbox"]["right"] = 0.1
    >>> GbcGraph.model_validate({"vertices": [root, cube]})
    Traceback (most recent call last):
    ...
    ValueError: invalid GbcGraph: vertex 'cube': bbox: bbox left=0.2 > right=0.1 (rule: left <= right)
    """

    model_config = _KEEP_EXTRAS

    vertices: list[GbcVertex]
    img_url: str | None = None
    img_path: str | None = None
    original_caption: str | None = None
    short_caption: str | None = None
    detail_caption: str | None = None

    @model_validator(mode="after")
    def _check_graph(self, info: ValidationInfo):
        if _checking(info):
            check_graph_structure(self.vertices)
        return self


def _edge_key(edge):
    return edge.source, edge.text, edge.target


def check_graph_structure(vertices):
    """Raise ``ValueError`` (naming the vertex and the rule) unless ``vertices`` form a valid GBC DAG."""
    by_id = {}
    for v in vertices:
        if v.vertex_id in by_id:
            raise ValueError(f"vertex {v.vertex_id!r}: duplicate vertex id (rule: unique vertex ids)")
        by_id[v.vertex_id] = v
    root = by_id.get("")
    if root is None:
        raise ValueError("vertex '': missing (rule: the graph is rooted at the image vertex '')")
    if root.label != "image":
        raise ValueError(
            f"vertex '': label {root.label!r}, expected 'image' (rule: the root is the image vertex)"
        )
    if root.in_edges:
        raise ValueError(
            f"vertex '': the root has an in-edge from {root.in_edges[0].source!r} "
            "(rule: the root has no parent)"
        )

    incoming = {vid: {} for vid in by_id}
    for v in vertices:
        for e in v.out_edges:
            if e.source != v.vertex_id:
                raise ValueError(
                    f"vertex {v.vertex_id!r}: out-edge with source {e.source!r} "
                    "(rule: an out-edge leaves its own vertex)"
                )
            if e.target not in by_id:
                raise ValueError(
                    f"vertex {v.vertex_id!r}: edge to unknown vertex {e.target!r} "
                    "(rule: edges refer to existing vertices)"
                )
            key = _edge_key(e)
            incoming[e.target][key] = incoming[e.target].get(key, 0) + 1
        for e in v.in_edges:
            if e.target != v.vertex_id:
                raise ValueError(
                    f"vertex {v.vertex_id!r}: in-edge with target {e.target!r} "
                    "(rule: an in-edge enters its own vertex)"
                )
            if e.source not in by_id:
                raise ValueError(
                    f"vertex {v.vertex_id!r}: edge from unknown vertex {e.source!r} "
                    "(rule: edges refer to existing vertices)"
                )
    for v in vertices:
        listed = {}
        for e in v.in_edges:
            listed[_edge_key(e)] = listed.get(_edge_key(e), 0) + 1
        if listed != incoming[v.vertex_id]:
            diff = set(listed) ^ set(incoming[v.vertex_id]) or set(listed)
            src, text, _ = sorted(diff)[0]
            raise ValueError(
                f"vertex {v.vertex_id!r}: in_edges and the parents' out_edges disagree on the edge "
                f"{src!r} -[{text}]-> {v.vertex_id!r} (rule: in_edges and out_edges agree)"
            )

    for v in vertices:
        captions = [d.text.lower() for d in v.descs]
        for e in v.out_edges:
            if not any(e.text.lower() in c for c in captions):
                raise ValueError(
                    f"vertex {v.vertex_id!r}: edge text {e.text!r} (to {e.target!r}) occurs in none of its "
                    "captions (rule: edge text occurs in a caption of its source vertex)"
                )

    # iterative DFS with colours: a grey vertex met again closes a cycle
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(by_id, white)
    colour[""] = grey
    stack = [("", iter(root.out_edges))]
    while stack:
        vid, edges = stack[-1]
        nxt = next(edges, None)
        if nxt is None:
            colour[vid] = black
            stack.pop()
        elif colour[nxt.target] == grey:
            raise ValueError(
                f"vertex {nxt.target!r}: lies on a cycle through {vid!r} (rule: the graph is a DAG)"
            )
        elif colour[nxt.target] == white:
            colour[nxt.target] = grey
            stack.append((nxt.target, iter(by_id[nxt.target].out_edges)))
    for v in vertices:
        if colour[v.vertex_id] == white:
            raise ValueError(
                f"vertex {v.vertex_id!r}: not reachable from the image root '' "
                "(rule: the graph is rooted at the image vertex '')"
            )
