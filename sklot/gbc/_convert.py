"""GBC graphs as networkx and torch_geometric graphs."""

from __future__ import annotations

import numpy as np

__all__ = ["VERTEX_LABELS", "hashing_text_encoder", "to_networkx", "to_pyg", "vertex_caption"]

#: order of the one-hot node-type columns of :func:`to_pyg`
VERTEX_LABELS = ("image", "entity", "composition", "relation")


def vertex_caption(vertex):
    """The captions of a vertex joined by spaces (the text its node features embed)."""
    return " ".join(d.text for d in vertex.descs)


def to_networkx(graph):
    """Convert a :class:`~sklot.gbc.GbcGraph` to a :class:`networkx.MultiDiGraph`.

    Nodes are the vertex ids with attributes ``label``, ``bbox`` (``(left, top, right, bottom)``),
    ``confidence`` and ``descs`` (list of ``(text, label)``); one edge ``source -> target`` per
    entry of the vertices' ``out_edges``, with attribute ``text``. A multigraph, because two
    phrases of a caption may point at the same child.
    """
    import networkx as nx

    g = nx.MultiDiGraph()
    for v in graph.vertices:
        b = v.bbox
        g.add_node(
            v.vertex_id,
            label=v.label,
            bbox=(b.left, b.top, b.right, b.bottom),
            confidence=b.confidence,
            descs=[(d.text, d.label) for d in v.descs],
        )
    for v in graph.vertices:
        for e in v.out_edges:
            g.add_edge(e.source, e.target, text=e.text)
    return g


def hashing_text_encoder(n_features=256):
    """A text encoder that needs no download: scikit-learn's hashing vectorizer.

    Word uni- and bigrams hashed to ``n_features`` non-negative counts, each row L2-normalised.

    Parameters
    ----------
    n_features : int, default=256
        Embedding dimension.

    Returns
    -------
    encode : callable
        ``encode(list_of_str) -> ndarray of shape (n_texts, n_features)``, float32.
    """
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(n_features=n_features, ngram_range=(1, 2), alternate_sign=False, norm="l2")

    def encode(texts):
        return vectorizer.transform(list(texts)).toarray().astype(np.float32)

    return encode


def _encode(text_encoder, texts, what):
    emb = np.asarray(text_encoder(texts), dtype=np.float32)
    if emb.ndim != 2 or emb.shape[0] != len(texts):
        raise ValueError(
            f"text_encoder returned shape {emb.shape} for {len(texts)} {what} texts; "
            f"expected ({len(texts)}, dim)"
        )
    return emb


def to_pyg(graph, text_encoder=None):
    """Convert a :class:`~sklot.gbc.GbcGraph` to a :class:`torch_geometric.data.Data`.

    Node ``i`` is ``graph.vertices[i]``; its features are

    .. math::

        x_i = [\\,\\mathrm{enc}(c_i) \\;|\\; \\ell_i, t_i, r_i, b_i
               \\;|\\; \\mathrm{onehot}(\\mathrm{label}_i)\\,]

    with :math:`c_i` the vertex's captions joined by spaces (:func:`vertex_caption`), the bbox
    and the node type in the order of :data:`VERTEX_LABELS`. Edges are the vertices' ``out_edges``
    (in order), edge features the encoded edge texts.

    Parameters
    ----------
    graph : GbcGraph
    text_encoder : callable, default=None
        ``list[str] -> array of shape (n_texts, dim)``. ``None`` uses
        ``hashing_text_encoder(256)`` (scikit-learn's hashing vectorizer; no download).

    Returns
    -------
    data : torch_geometric.data.Data
        ``x`` (n_vertices, dim + 4 + 4) float32; ``edge_index`` (2, n_edges) long;
        ``edge_attr`` (n_edges, dim) float32; ``bbox`` (n_vertices, 4); ``node_type``
        (n_vertices,) long (index in :data:`VERTEX_LABELS`); ``vertex_ids`` (list of str);
        ``edge_text`` (list of str). Feature blocks of ``x``: columns ``[0, dim)`` caption
        embedding, ``[dim, dim + 4)`` bbox, ``[dim + 4, dim + 8)`` node type.
    """
    import torch
    from torch_geometric.data import Data

    if text_encoder is None:
        text_encoder = hashing_text_encoder()
    vertices = graph.vertices
    index = {v.vertex_id: i for i, v in enumerate(vertices)}
    node_text = [vertex_caption(v) for v in vertices]
    emb = _encode(text_encoder, node_text, "node")
    bbox = np.array([[v.bbox.left, v.bbox.top, v.bbox.right, v.bbox.bottom] for v in vertices], np.float32)
    node_type = np.array([VERTEX_LABELS.index(v.label) for v in vertices], dtype=np.int64)
    onehot = np.eye(len(VERTEX_LABELS), dtype=np.float32)[node_type]

    edges = [e for v in vertices for e in v.out_edges]
    edge_text = [e.text for e in edges]
    if edges:
        edge_attr = _encode(text_encoder, edge_text, "edge")
        if edge_attr.shape[1] != emb.shape[1]:
            raise ValueError(
                f"text_encoder gave {emb.shape[1]} columns for nodes but {edge_attr.shape[1]} for edges"
            )
    else:
        edge_attr = np.zeros((0, emb.shape[1]), np.float32)
    edge_index = np.array([[index[e.source] for e in edges], [index[e.target] for e in edges]], np.int64)
    return Data(
        x=torch.from_numpy(np.concatenate([emb, bbox, onehot], axis=1)),
        edge_index=torch.from_numpy(edge_index.reshape(2, len(edges))),
        edge_attr=torch.from_numpy(edge_attr),
        bbox=torch.from_numpy(bbox),
        node_type=torch.from_numpy(node_type),
        vertex_ids=[v.vertex_id for v in vertices],
        edge_text=edge_text,
    )
