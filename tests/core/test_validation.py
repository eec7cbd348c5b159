import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from sklot._core.validation import check_bags, check_graphs, check_point_weight


def test_bags_list_and_3d_agree():
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(4, 5, 2))
    as_list = check_bags(list(cube))
    as_cube = check_bags(cube)
    for a, b in zip(as_list, as_cube):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "bags, match",
    [
        ([], "at least 1 bag"),
        ([np.zeros((0, 2))], "bag 0 is empty"),
        ([np.zeros((3, 2)), np.zeros((3, 3))], "same dimension"),
        ([np.zeros((3, 2)), np.array([[np.nan, 1.0]])], "bag 1 contains NaN"),
        ([np.zeros(3)], "2-D array"),
        (np.zeros((3, 4)), "3-D"),
    ],
)
def test_bad_bags(bags, match):
    with pytest.raises(ValueError, match=match):
        check_bags(bags)


def test_bags_dimension_fixed_at_predict_time():
    with pytest.raises(ValueError, match="fitted on bags with d=3"):
        check_bags([np.zeros((2, 2))], n_features=3)


def test_point_weight_normalised_and_checked():
    bags = check_bags([np.zeros((2, 1)), np.zeros((3, 1))])
    w = check_point_weight([[1, 3], [1, 1, 2]], bags)
    np.testing.assert_allclose(w[0], [0.25, 0.75])
    np.testing.assert_allclose(w[1], [0.25, 0.25, 0.5])
    with pytest.raises(ValueError, match="shape \\(3,\\)"):
        check_point_weight([[1, 1], [1, 1]], bags)
    with pytest.raises(ValueError, match="negative"):
        check_point_weight([[1, -1], [1, 1, 1]], bags)
    with pytest.raises(ValueError, match="sums to zero"):
        check_point_weight([[0, 0], [1, 1, 1]], bags)
    with pytest.raises(ValueError, match="2 bags"):
        check_point_weight([[1, 1]], bags)


def test_graphs_from_networkx_and_data():
    g = nx.cycle_graph(4)
    out = check_graphs([g, Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=2)])
    assert out[0].num_nodes == 4 and out[0].edge_index.shape == (2, 8)
    assert out[1].num_nodes == 2


def test_bad_graphs():
    with pytest.raises(ValueError, match="graph 0 has 1 node"):
        check_graphs([nx.empty_graph(1)], min_nodes=2)
    with pytest.raises(ValueError, match="refers to node 5"):
        check_graphs([Data(edge_index=torch.tensor([[0], [5]]), num_nodes=3)])
    with pytest.raises(ValueError, match="NaN"):
        check_graphs([Data(x=torch.tensor([[np.nan]]), edge_index=torch.empty(2, 0, dtype=torch.long), num_nodes=1)])
    with pytest.raises(TypeError, match="single graph"):
        check_graphs(nx.path_graph(3))
    with pytest.raises(ValueError, match="at least 1 graph"):
        check_graphs([])
