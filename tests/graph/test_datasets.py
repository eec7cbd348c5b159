import numpy as np
import pytest

from sklot.datasets import load_tu_dataset, make_structure_graphs


@pytest.mark.parametrize(
    "name,n_graphs,labelled,attributes",
    [
        ("MUTAG", 188, True, False),
        ("PTC_MR", 344, True, False),
        ("PROTEINS", 1113, True, True),
        ("ENZYMES", 600, True, True),
    ],
)
def test_load_tu_dataset(shared_dir, name, n_graphs, labelled, attributes):
    graphs, y = load_tu_dataset(name, f"{shared_dir}/data/tu")
    assert len(graphs) == len(y) == n_graphs
    indicator = np.loadtxt(f"{shared_dir}/data/tu/{name}/{name}_graph_indicator.txt", dtype=int)
    assert sum(g.num_nodes for g in graphs) == indicator.size
    for g in graphs[:50]:
        ei = g.edge_index.numpy()
        assert ei.min() >= 0 and ei.max() < g.num_nodes
        assert set(map(tuple, ei.T)) == set(map(tuple, ei[::-1].T))  # undirected
        assert (getattr(g, "node_label", None) is not None) == labelled
        assert (getattr(g, "x", None) is not None) == attributes


def test_load_tu_dataset_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not download"):
        load_tu_dataset("MUTAG", tmp_path)


def test_structure_graphs_hide_the_label_from_local_statistics():
    graphs, y = make_structure_graphs(200, kind="sbm", random_state=0)
    assert np.bincount(y).tolist() == [100, 100]
    mean_degree = np.array([g.edge_index.shape[1] / g.num_nodes for g in graphs])
    # same expected degree in both classes (within sampling noise)
    assert abs(mean_degree[y == 0].mean() - mean_degree[y == 1].mean()) < 0.3
    cyc, yc = make_structure_graphs(10, kind="cycles", random_state=0)
    for g, label in zip(cyc, yc):
        deg = np.bincount(g.edge_index[0].numpy(), minlength=g.num_nodes)
        assert np.all(deg == 2)  # 2-regular: invisible to 1-WL
        import networkx as nx
        from torch_geometric.utils import to_networkx

        assert nx.number_connected_components(to_networkx(g, to_undirected=True)) == 1 + label


def test_structure_graphs_validate():
    with pytest.raises(ValueError, match="kind"):
        make_structure_graphs(kind="grid")
    with pytest.raises(ValueError, match="n_nodes"):
        make_structure_graphs(n_nodes=(3, 5))
