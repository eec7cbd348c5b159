import numpy as np
import pytest
import torch

from sklot.gbc import GbcGraph, hashing_text_encoder, to_networkx, to_pyg, vertex_caption

from ._graphs import horse_graph


@pytest.fixture
def graph():
    return GbcGraph.model_validate(horse_graph())


def _n_edges(graph):
    return sum(len(v.out_edges) for v in graph.vertices)


def test_to_networkx_keeps_vertices_and_edges(graph):
    g = to_networkx(graph)
    assert g.number_of_nodes() == len(graph.vertices) == 7
    assert g.number_of_edges() == _n_edges(graph) == 8
    assert g.nodes["horse"]["bbox"] == (0.1, 0.3, 0.55, 0.9)
    assert g.nodes["trees"]["label"] == "composition"
    assert sorted(t for _, _, t in g.out_edges("[horse|snow]", data="text")) == ["horse", "snow"]
    assert g.in_degree("horse") == 2


def test_to_networkx_keeps_parallel_edges(graph):
    data = graph.model_dump()
    root = data["vertices"][0]
    extra = {"source": "", "text": "brown horse", "target": "horse"}
    root["out_edges"].append(extra)
    data["vertices"][1]["in_edges"].append(extra)
    g = to_networkx(GbcGraph.model_validate(data))
    assert g.number_of_edges("", "horse") == 2


def test_to_pyg_shapes_and_bboxes(graph):
    dim = 32
    data = to_pyg(graph, text_encoder=hashing_text_encoder(dim))
    n, m = len(graph.vertices), _n_edges(graph)
    assert data.num_nodes == n and data.x.shape == (n, dim + 4 + 4)
    assert data.edge_index.shape == (2, m) and data.edge_attr.shape == (m, dim)
    boxes = np.array([[v.bbox.left, v.bbox.top, v.bbox.right, v.bbox.bottom] for v in graph.vertices])
    np.testing.assert_array_equal(data.x[:, dim:dim + 4].numpy(), boxes.astype(np.float32))
    types = data.x[:, dim + 4:].numpy()
    assert types.sum(axis=1).tolist() == [1.0] * n
    assert types[:, 0].tolist() == [1.0] + [0.0] * (n - 1)  # only the root is "image"
    assert types[data.vertex_ids.index("[horse|snow]"), 3] == 1.0
    # edge i goes from its source's row to its target's row
    ids = data.vertex_ids
    pairs = {(ids[s], ids[t]) for s, t in data.edge_index.T.tolist()}
    assert pairs == {(e.source, e.target) for v in graph.vertices for e in v.out_edges}


def test_to_pyg_uses_the_encoder(graph):
    def encoder(texts):  # length of each text, twice: easy to check
        return np.array([[len(t), 2 * len(t)] for t in texts], dtype=float)

    data = to_pyg(graph, text_encoder=encoder)
    assert data.x[:, 0].tolist() == [len(vertex_caption(v)) for v in graph.vertices]
    assert data.edge_attr[:, 0].tolist() == [len(e.text) for v in graph.vertices for e in v.out_edges]
    assert data.x.dtype == torch.float32


def test_default_encoder_embeds_captions(graph):
    data = to_pyg(graph)
    emb = data.x[:, :256]
    norms = emb.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms))  # every vertex has a caption
    # the edge "horse" shares words with the horse's caption, not with the snow's
    horse, snow = data.vertex_ids.index("horse"), data.vertex_ids.index("snow")
    e = data.edge_text.index("horse")
    assert data.edge_attr[e] @ emb[horse] > 0 and data.edge_attr[e] @ emb[snow] == 0


def test_to_pyg_graph_without_edges():
    g = GbcGraph.model_validate({"vertices": [{"vertex_id": "", "label": "image",
                                               "descs": [{"text": "empty", "label": "short"}]}]})
    data = to_pyg(g, text_encoder=hashing_text_encoder(8))
    assert data.edge_index.shape == (2, 0) and data.edge_attr.shape == (0, 8) and data.x.shape == (1, 16)


def test_to_pyg_rejects_bad_encoder(graph):
    with pytest.raises(ValueError, match="text_encoder returned shape"):
        to_pyg(graph, text_encoder=lambda texts: np.zeros(len(texts)))
