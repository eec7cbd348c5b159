"""TU-format graph classification datasets read from local text files (no download).

MUTAG and PTC_MR (about 300 KB together) ship with sklot in ``sklot/datasets/data/tu/``;
larger TU datasets are read from a folder the user names (``path``, or the
``SKLOT_DATA_DIR`` environment variable).
"""

import os

import numpy as np

__all__ = ["load_tu_dataset", "BUNDLED_TU_DATASETS", "DATA_DIR_VARIABLE"]

#: TU datasets shipped inside the package (``sklot/datasets/data/tu/<NAME>/``).
BUNDLED_TU_DATASETS = ("MUTAG", "PTC_MR")
#: Environment variable naming a folder of datasets (`$SKLOT_DATA_DIR/tu/<NAME>/` or `.../<NAME>/`).
DATA_DIR_VARIABLE = "SKLOT_DATA_DIR"


def _bundled_folder():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "tu")


def _default_paths(name):
    """Folders searched when no ``path`` is given: the bundled copy, then ``$SKLOT_DATA_DIR``."""
    paths = [_bundled_folder()] if name in BUNDLED_TU_DATASETS else []
    root = os.environ.get(DATA_DIR_VARIABLE)
    if root:
        paths += [os.path.join(root, "tu"), root]
    return paths


def _read_numbers(path, dtype):
    with open(path) as fh:
        text = fh.read().replace(",", " ")
    return np.array(text.split(), dtype=dtype)


def _find_folder(name, paths):
    for path in paths:
        candidates = [
            os.path.join(path, name, "raw"),
            os.path.join(path, name),
            os.path.join(path, "raw"),
            path,
        ]
        for folder in candidates:
            if os.path.isfile(os.path.join(folder, f"{name}_A.txt")):
                return folder
    searched = ", ".join(repr(p) for p in paths) or f"nothing: no path given and {DATA_DIR_VARIABLE} unset"
    raise FileNotFoundError(
        f"no TU files for {name!r} (searched {searched}): expected {name}_A.txt, "
        f"{name}_graph_indicator.txt and {name}_graph_labels.txt in <path>/{name}/ or <path>/{name}/raw/. "
        f"sklot ships {', '.join(BUNDLED_TU_DATASETS)} and does not download data; get the files from "
        "the TU collection (https://chrsmrrs.github.io/datasets/) and pass their folder as `path` "
        f"or set the {DATA_DIR_VARIABLE} environment variable to it."
    )


def _tu_folder(name, path=None):
    """The folder holding ``<name>_A.txt`` etc., searched as :func:`load_tu_dataset` does."""
    return _find_folder(name, _default_paths(name) if path is None else [os.fspath(path)])


def load_tu_dataset(name, path=None):
    """Read a TU-format graph classification dataset (Morris et al., 2020) from text files.

    Parameters
    ----------
    name : str
        Dataset name, e.g. ``"MUTAG"``; the files are ``<name>_A.txt``,
        ``<name>_graph_indicator.txt``, ``<name>_graph_labels.txt`` and, when
        present, ``<name>_node_labels.txt`` and ``<name>_node_attributes.txt``.
    path : str, path-like or None, default=None
        A folder holding ``<name>/`` (or ``<name>/raw/``, torch_geometric's
        layout), or the folder of the files itself. ``None``: the copy shipped
        with sklot for ``"MUTAG"`` and ``"PTC_MR"``, otherwise the folder named by
        the ``SKLOT_DATA_DIR`` environment variable (``$SKLOT_DATA_DIR/tu/<name>/``
        or ``$SKLOT_DATA_DIR/<name>/``).

    Returns
    -------
    graphs : list of torch_geometric.data.Data
        Undirected graphs (both directions of each edge in ``edge_index``),
        ``node_label`` (int64, re-indexed ``0..n_labels-1`` over the dataset)
        when node labels exist, ``x`` (float32 node attributes) when
        attributes exist, and ``y``.
    y : ndarray of shape (n_graphs,)
        Graph labels as written in the files.

    Raises
    ------
    FileNotFoundError
        The files are not there (nothing is downloaded).
    ValueError
        Inconsistent files (edges across graphs, wrong line counts).

    Examples
    --------
    >>> from sklot.datasets import load_tu_dataset
    >>> graphs, y = load_tu_dataset("MUTAG")  # shipped with sklot, no path needed
    >>> len(graphs), sorted(set(y.tolist()))
    (188, [-1, 1])
    """
    import torch
    from torch_geometric.data import Data

    folder = _tu_folder(name, path)
    f = lambda suffix: os.path.join(folder, f"{name}_{suffix}.txt")  # noqa: E731
    indicator = _read_numbers(f("graph_indicator"), np.int64) - 1
    edges = _read_numbers(f("A"), np.int64).reshape(-1, 2) - 1
    y = _read_numbers(f("graph_labels"), np.int64)
    n_graphs = y.size
    n_nodes = indicator.size
    if indicator.min() < 0 or indicator.max() != n_graphs - 1:
        raise ValueError(
            f"{name}: graph_indicator names {indicator.max() + 1} graphs but there are {n_graphs} labels."
        )
    if edges.size and (edges.min() < 0 or edges.max() >= n_nodes):
        raise ValueError(f"{name}: an edge refers to a node outside 1..{n_nodes}.")
    if np.any(np.diff(indicator) < 0):
        raise ValueError(f"{name}: graph_indicator must be sorted by graph.")
    node_labels = None
    if os.path.isfile(f("node_labels")):
        raw = _read_numbers(f("node_labels"), np.int64)
        if raw.size != n_nodes:
            raise ValueError(f"{name}: {raw.size} node labels for {n_nodes} nodes.")
        node_labels = np.unique(raw, return_inverse=True)[1].ravel()
    attributes = None
    if os.path.isfile(f("node_attributes")):
        raw = _read_numbers(f("node_attributes"), np.float32)
        if raw.size % n_nodes:
            raise ValueError(f"{name}: node attributes do not divide evenly among {n_nodes} nodes.")
        attributes = raw.reshape(n_nodes, -1)
    starts = np.searchsorted(indicator, np.arange(n_graphs + 1))
    gi, gj = indicator[edges[:, 0]], indicator[edges[:, 1]]
    if np.any(gi != gj):
        raise ValueError(f"{name}: an edge joins two different graphs.")
    order = np.argsort(gi, kind="stable")
    edges, gi = edges[order], gi[order]
    estarts = np.searchsorted(gi, np.arange(n_graphs + 1))
    graphs = []
    for g in range(n_graphs):
        lo, hi = starts[g], starts[g + 1]
        e = edges[estarts[g] : estarts[g + 1]] - lo
        e = e[e[:, 0] != e[:, 1]]
        e = np.unique(np.concatenate([e, e[:, ::-1]]), axis=0)  # undirected, no duplicates
        data = Data(edge_index=torch.as_tensor(e.T.copy(), dtype=torch.long), num_nodes=int(hi - lo))
        if node_labels is not None:
            data.node_label = torch.as_tensor(node_labels[lo:hi], dtype=torch.long)
        if attributes is not None:
            data.x = torch.as_tensor(attributes[lo:hi])
        data.y = torch.as_tensor([y[g]])
        graphs.append(data)
    return graphs, y
