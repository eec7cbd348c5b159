import numpy as np
import pytest

from sklot.datasets import load_tu_dataset, make_structure_graphs


@pytest.mark.parametrize("name,n_graphs,n_nodes", [("MUTAG", 188, 3371), ("PTC_MR", 344, 4915)])
def test_bundled_tu_datasets_load_without_a_path(name, n_graphs, n_nodes):
    # shipped in sklot/datasets/data/tu/: a fresh clone (nothing beside it) finds them
    graphs, y = load_tu_dataset(name)
    assert len(graphs) == len(y) == n_graphs
    assert sum(g.num_nodes for g in graphs) == n_nodes  # the graph_indicator's line count
    for g in graphs[:50]:
        ei = g.edge_index.numpy()
        assert ei.min() >= 0 and ei.max() < g.num_nodes
        assert set(map(tuple, ei.T)) == set(map(tuple, ei[::-1].T))  # undirected
        assert g.node_label is not None and getattr(g, "x", None) is None


def _write_tu(folder, name):
    """A 3-graph TU dataset with node labels and 2-D attributes (1-based, comma separated)."""
    folder.mkdir(parents=True)
    # graph 1: path 1-2-3 (+ a self-loop on 1, dropped); graph 2: edge 4-5; graph 3: node 6 alone
    (folder / f"{name}_A.txt").write_text("1, 2\n2, 1\n2, 3\n3, 2\n1, 1\n4, 5\n5, 4\n")
    (folder / f"{name}_graph_indicator.txt").write_text("1\n1\n1\n2\n2\n3\n")
    (folder / f"{name}_graph_labels.txt").write_text("1\n-1\n1\n")
    (folder / f"{name}_node_labels.txt").write_text("5\n7\n5\n9\n7\n5\n")
    attributes = np.arange(12, dtype=np.float32).reshape(6, 2) / 4
    (folder / f"{name}_node_attributes.txt").write_text(
        "\n".join(f"{a}, {b}" for a, b in attributes) + "\n"
    )
    return attributes


def test_load_tu_dataset_reads_labels_attributes_and_edges_exactly(tmp_path):
    attributes = _write_tu(tmp_path / "TOY" / "raw", "TOY")  # torch_geometric's layout
    graphs, y = load_tu_dataset("TOY", tmp_path)
    np.testing.assert_array_equal(y, [1, -1, 1])
    assert [g.num_nodes for g in graphs] == [3, 2, 1]
    assert [sorted(map(tuple, g.edge_index.T.tolist())) for g in graphs] == [
        [(0, 1), (1, 0), (1, 2), (2, 1)],
        [(0, 1), (1, 0)],
        [],
    ]
    # labels 5, 7, 9 re-indexed 0, 1, 2 over the dataset
    assert [g.node_label.tolist() for g in graphs] == [[0, 1, 0], [2, 1], [0]]
    np.testing.assert_array_equal(np.concatenate([g.x.numpy() for g in graphs]), attributes)


def test_load_tu_dataset_reads_sklot_data_dir(tmp_path, monkeypatch):
    _write_tu(tmp_path / "tu" / "TOY", "TOY")
    monkeypatch.delenv("SKLOT_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="SKLOT_DATA_DIR"):
        load_tu_dataset("TOY")
    monkeypatch.setenv("SKLOT_DATA_DIR", str(tmp_path))
    graphs, y = load_tu_dataset("TOY")
    assert len(graphs) == 3 and y.tolist() == [1, -1, 1]
    # the shipped copies are used for MUTAG whatever the variable says
    assert len(load_tu_dataset("MUTAG")[0]) == 188


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
