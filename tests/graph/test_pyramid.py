"""Coarsening pyramids: one W_c per level, one edge-index check, empty graphs, no mutation of input."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from torch_geometric.data import Data

from sklot._core.validation import check_edge_index, check_graphs
from sklot.datasets import load_tu_dataset, make_structure_graphs
from sklot.graph import coarsen
from sklot.graph._pyramid import graph_pyramid
from sklot.graph.nn.pool import loukas_connect, loukas_select


def _pyramid_by_connect(edge_index, num_nodes, depth, n_eigenvectors, reduction, method):
    """The pyramid as computed before 2026-12-01: the coarse edges re-derived per level by the torch
    connect step (a second computation of W_c = P W P^T), kept here as the reference."""
    ei = np.asarray(edge_index, dtype=np.int64).reshape(2, -1)
    W = sp.csr_matrix((np.ones(ei.shape[1]), (ei[0], ei[1])), shape=(num_nodes, num_nodes))
    W.data[:] = 1.0
    W = ((W + W.T) > 0).astype(np.float64)
    levels = coarsen(W, n_eigenvectors=n_eigenvectors, reduction=reduction, method=method, max_levels=depth)
    out = []
    e = torch.as_tensor(np.vstack(W.nonzero()), dtype=torch.long)
    w = torch.ones(e.shape[1])
    n = num_nodes
    for level in range(depth):
        if level < len(levels):
            select = loukas_select(levels[level].assignment, levels[level].n_coarse)
            e, w = loukas_connect(select, e, w)
            assignment = levels[level].assignment
            n = levels[level].n_coarse
        else:
            assignment = np.arange(n)
        out.append((np.asarray(assignment, dtype=np.int64), e.numpy().copy(), w.numpy().copy()))
    return out


def _pyramid_graphs():
    mutag, _ = load_tu_dataset("MUTAG")
    sbm, _ = make_structure_graphs(6, kind="sbm", n_nodes=(20, 40), mean_degree=4, random_state=0)
    return mutag[:40] + sbm + [check_graphs([nx.empty_graph(3)])[0]]


@pytest.mark.parametrize("method", ["variation_neighborhoods", "variation_edges"])
def test_pyramid_equals_the_connect_step_reference_exactly(method):
    # W_c is now computed once (by `coarsen`) and read by the pyramid: same output, bit for bit
    n_coarsened = 0
    for g in _pyramid_graphs():
        args = (g.edge_index.numpy(), int(g.num_nodes), 3, 6, 0.99, method)
        ours, ref = graph_pyramid(*args), _pyramid_by_connect(*args)
        assert len(ours) == len(ref) == 3
        for (a1, e1, w1), (a2, e2, w2) in zip(ours, ref):
            np.testing.assert_array_equal(a1, a2)
            np.testing.assert_array_equal(e1, e2)
            np.testing.assert_array_equal(w1, w2)
            assert e1.dtype == e2.dtype and w1.dtype == w2.dtype
        n_coarsened += int(ours[0][0].max() + 1 < g.num_nodes)
    assert n_coarsened >= 40  # the comparison covers real coarsenings, not only identity levels


def test_pyramid_computes_coarse_weights_once_per_level(monkeypatch):
    import sklot.graph._pyramid as pyramid
    import sklot.graph.coarsening._coarsen as coarsening

    calls = []
    original = coarsening.coarse_weights

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("W_c recomputed by the connect step")

    monkeypatch.setattr(coarsening, "coarse_weights", counted)
    import sklot.graph.nn.pool as pool

    monkeypatch.setattr(pool, "loukas_connect", forbidden)
    assert not hasattr(pyramid, "loukas_connect")  # the pyramid no longer imports the connect step
    g = load_tu_dataset("MUTAG")[0][0]
    levels = coarsen(g, n_eigenvectors=6, reduction=0.99, max_levels=3)
    n_levels = len(levels)
    calls.clear()
    out = graph_pyramid(g.edge_index.numpy(), g.num_nodes, 3, 6, 0.99, "variation_neighborhoods")
    assert n_levels >= 2 and len(calls) == n_levels
    assert len(out) == 3


@pytest.mark.parametrize(
    "graph",
    [
        nx.empty_graph(0),
        np.zeros((0, 0)),
        sp.csr_matrix((0, 0)),
        Data(edge_index=torch.empty(2, 0, dtype=torch.long), num_nodes=0),
    ],
    ids=["networkx", "dense", "sparse", "Data"],
)
def test_coarsen_of_an_empty_graph_is_a_clear_value_error(graph):
    with pytest.raises(ValueError, match="no nodes"):
        coarsen(graph)


def test_one_edge_index_check_for_coarsen_and_check_graphs():
    bad = [
        (torch.tensor([[0], [5]]), "refers to node 5"),
        (torch.tensor([[0], [-1]]), "refers to node -1"),
        (torch.tensor([[0.0], [1.0]]), "integer"),
        (torch.tensor([0, 1]), "shape \\(2, n_edges\\)"),
    ]
    for ei, message in bad:
        with pytest.raises(ValueError, match=message):
            check_edge_index(ei, 3)
        with pytest.raises(ValueError, match=message):
            check_graphs([Data(edge_index=ei, num_nodes=3)])
        with pytest.raises(ValueError, match=message):
            coarsen(Data(edge_index=ei, num_nodes=3))
    check_edge_index(np.array([[0, 2], [2, 0]]), 3)  # valid: no error


def test_check_graphs_drops_self_loops_on_a_copy_for_both_input_types():
    g = nx.cycle_graph(5)
    g.add_edge(2, 2)
    ei = torch.tensor([[0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 2], [1, 0, 2, 1, 3, 2, 4, 3, 0, 4, 2]])
    data = Data(edge_index=ei, num_nodes=5, edge_weight=torch.arange(11.0))
    from_nx, from_data = check_graphs([g, data])
    assert from_data is not data and data.edge_index.shape == (2, 11)  # the user's object is untouched
    edges = lambda d: sorted(map(tuple, d.edge_index.T.tolist()))  # noqa: E731
    assert edges(from_nx) == edges(from_data) == edges(check_graphs([nx.cycle_graph(5)])[0])
    np.testing.assert_array_equal(from_data.edge_weight.numpy(), np.arange(10.0))  # edge attributes follow
    clean = Data(edge_index=ei[:, :10], num_nodes=5)
    assert check_graphs([clean])[0] is clean  # nothing to change: no copy


def test_networkx_x_on_some_nodes_only_is_an_error():
    g = nx.path_graph(3)
    g.nodes[0]["x"] = [1.0]
    with pytest.raises(ValueError, match="1 of its 3 nodes have the node attribute 'x'"):
        check_graphs([g])
