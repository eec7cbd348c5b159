"""Input validation shared by every sklot estimator: arrays, bags of points, graphs.

Every bad input raises a :class:`ValueError` (or :class:`TypeError` for a wrong
type) whose message names the problem, never a silent wrong answer.
"""

import numbers
import sys

import numpy as np

__all__ = [
    "check_bags",
    "check_point_weight",
    "check_graphs",
    "check_float32_range",
    "check_float32_resolution",
    "N_JOBS_CONSTRAINT",
]


def _n_jobs_constraint():
    # joblib's convention for n_jobs: -1 all cores, -2 all but one, ...; 0 has no meaning.
    from sklearn.utils._param_validation import Interval

    return [
        Interval(numbers.Integral, None, -1, closed="right"),
        Interval(numbers.Integral, 1, None, closed="left"),
        None,
    ]


#: ``_parameter_constraints`` entry of every ``n_jobs`` parameter in sklot.
N_JOBS_CONSTRAINT = _n_jobs_constraint()

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_float32_range(X, name="X"):
    """Raise a ValueError when finite values of ``X`` would overflow to inf in float32.

    sklot's torch modules compute in float32: a value above about 3.4e38 in magnitude,
    finite in float64, would become infinite and surface later as a
    non-finite weight. ``X`` is assumed finite (``validate_data`` checks it).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot._core.validation import check_float32_range
    >>> check_float32_range(np.array([[1.0, 1e39]]))
    Traceback (most recent call last):
    ...
    ValueError: X has values up to 1e+39 in magnitude, beyond float32's range (3.4e+38), in which \
sklot's torch modules compute; rescale X (e.g. StandardScaler).
    """
    X = np.asarray(X)
    if X.dtype.kind == "f" and X.dtype.itemsize > 4 and X.size:
        peak = float(np.max(np.abs(X)))
        if peak > _FLOAT32_MAX:
            raise ValueError(
                f"{name} has values up to {peak:.3g} in magnitude, beyond float32's range "
                f"({_FLOAT32_MAX:.2g}), in which sklot's torch modules compute; "
                f"rescale {name} (e.g. StandardScaler)."
            )



def check_float32_resolution(X, name="X", *, max_loss=1e-2):
    """Raise a ValueError when casting ``X`` to float32 would erase its variation.

    A large common offset (e.g. ``X + 1e8``) leaves float64 data intact but, in
    float32 (24-bit significand), rounds every value to a grid of spacing
    :math:`|X|_\\infty 2^{-23}`: when that spacing exceeds ``max_loss`` times the
    spread (standard deviation) of ``X``, the data a float32 module sees is no
    longer the user's. ``X`` is assumed finite.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot._core.validation import check_float32_resolution
    >>> check_float32_resolution(np.arange(6.0).reshape(3, 2))
    >>> check_float32_resolution(np.arange(6.0).reshape(3, 2) + 1e8)
    Traceback (most recent call last):
    ...
    ValueError: X varies by 1.71 around values up to 1e+08: float32 precision at that magnitude (12)...
    """
    X = np.asarray(X)
    if X.dtype.kind != "f" or X.dtype.itemsize <= 4 or X.size < 2:
        return
    peak = float(np.max(np.abs(X)))
    spread = float(np.std(X))
    ulp = peak * 2.0**-23
    if spread > 0 and ulp > max_loss * spread:
        raise ValueError(
            f"{name} varies by {spread:.3g} around values up to {peak:.3g}: float32 precision at that "
            f"magnitude ({ulp:.2g}), in which sklot's torch modules compute, would erase that variation; "
            f"centre {name} first (e.g. StandardScaler)."
        )

def check_bags(X, *, dtype=np.float64, n_features=None, min_bags=1):
    """Validate a collection of bags (finite samples of distributions).

    Parameters
    ----------
    X : list of array-like of shape (n_i, d), or array-like of shape (n_bags, n, d)
        Each bag is a finite sample; bag sizes ``n_i`` may differ, the
        dimension ``d`` may not. A 2-D array of shape (n_bags, n) is
        ambiguous and rejected; a single bag of 1-D points is written
        ``X[i].shape == (n_i, 1)``.
    dtype : numpy dtype, default=float64
    n_features : int, default=None
        When given (at predict time), every bag must have this dimension.
    min_bags : int, default=1

    Returns
    -------
    bags : list of ndarray of shape (n_i, d)
        Contiguous, finite arrays of ``dtype``.

    Raises
    ------
    ValueError
        Empty collection, empty bag, bags of different dimension, NaN or
        infinite values, complex values, or a dimension that differs from ``n_features``.
    TypeError
        A scipy sparse matrix or array given as the collection or as a bag
        (bags are dense samples of points; convert with ``.toarray()``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot._core.validation import check_bags
    >>> bags = check_bags([np.zeros((3, 2)), np.ones((5, 2))])
    >>> [b.shape for b in bags]
    [(3, 2), (5, 2)]
    >>> check_bags([np.zeros((3, 2)), np.ones((5, 3))])
    Traceback (most recent call last):
    ...
    ValueError: bags must all have the same dimension d: bag 0 has d=2, bag 1 has d=3.
    """
    if _is_sparse(X):
        raise TypeError(
            f"bags must be dense: got a scipy sparse {type(X).__name__}. A bag is a sample of points; "
            "pass a list of dense (n_i, d) arrays (convert with .toarray())."
        )
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 3:
            raise ValueError(
                "bags given as an array must be 3-D (n_bags, n_points, d); "
                f"got an array of shape {X.shape}. Pass a list of (n_i, d) arrays for ragged bags."
            )
        raw = list(X)
    elif hasattr(X, "__len__") and not isinstance(X, (str, bytes, dict)):
        raw = list(X)
    else:
        raise TypeError(f"bags must be a list of (n_i, d) arrays or a 3-D array; got {type(X).__name__}.")
    if len(raw) < min_bags:
        raise ValueError(f"need at least {min_bags} bag(s); got {len(raw)}.")
    bags = []
    d_ref = n_features
    for i, bag in enumerate(raw):
        if _is_sparse(bag):
            raise TypeError(
                f"bag {i} is a scipy sparse {type(bag).__name__}; bags must be dense (n_i, d) arrays "
                "(convert with .toarray())."
            )
        if np.iscomplexobj(bag):
            # np.asarray(..., dtype=float64) would silently drop the imaginary part
            raise ValueError(f"bag {i} has complex values; bags must be real-valued.")
        try:
            arr = np.asarray(bag, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"bag {i} could not be converted to a numeric array: {exc}") from exc
        if arr.ndim != 2:
            raise ValueError(
                f"bag {i} must be a 2-D array of shape (n_points, d); got shape {arr.shape}. "
                "Reshape 1-D samples with x.reshape(-1, 1)."
            )
        if arr.shape[0] == 0:
            raise ValueError(f"bag {i} is empty: every bag needs at least one point.")
        if arr.shape[1] == 0:
            raise ValueError(f"bag {i} has zero features.")
        if d_ref is None:
            d_ref = arr.shape[1]
        elif arr.shape[1] != d_ref:
            if n_features is not None:
                raise ValueError(
                    f"bag {i} has d={arr.shape[1]} but the estimator was fitted on bags with d={n_features}."
                )
            raise ValueError(
                f"bags must all have the same dimension d: bag 0 has d={d_ref}, bag {i} has d={arr.shape[1]}."
            )
        if not np.all(np.isfinite(arr)):
            bad = "NaN" if np.isnan(arr).any() else "infinite"
            raise ValueError(f"bag {i} contains {bad} values.")
        bags.append(np.ascontiguousarray(arr))
    return bags


def _is_sparse(obj):
    """True for scipy sparse matrices and arrays (without importing scipy when it is not loaded)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(obj)


def check_point_weight(point_weight, bags, *, dtype=np.float64):
    """Validate per-point weights: one non-negative 1-D array per bag, not all zero.

    Returns ``None`` when ``point_weight`` is None, else a list of arrays that
    sum to one within each bag.
    """
    if point_weight is None:
        return None
    if isinstance(point_weight, np.ndarray) and point_weight.dtype != object and point_weight.ndim == 2:
        point_weight = list(point_weight)
    point_weight = list(point_weight)
    if len(point_weight) != len(bags):
        raise ValueError(f"point_weight has {len(point_weight)} entries but there are {len(bags)} bags.")
    out = []
    for i, (w, bag) in enumerate(zip(point_weight, bags)):
        w = np.asarray(w, dtype=dtype)
        if w.shape != (bag.shape[0],):
            raise ValueError(
                f"point_weight[{i}] must have shape ({bag.shape[0]},) to match bag {i}; got {w.shape}."
            )
        if not np.all(np.isfinite(w)):
            raise ValueError(f"point_weight[{i}] contains NaN or infinite values.")
        if np.any(w < 0):
            raise ValueError(f"point_weight[{i}] has negative weights.")
        total = w.sum()
        if total <= 0:
            raise ValueError(f"point_weight[{i}] sums to zero: every bag needs positive total weight.")
        out.append(w / total)
    return out


def check_graphs(graphs, *, min_nodes=1, min_graphs=1):
    """Validate graphs and return them as a list of ``torch_geometric.data.Data``.

    Parameters
    ----------
    graphs : list of torch_geometric Data, a torch_geometric Dataset, or list of networkx graphs
        Node features are read from ``x`` (Data) or from the ``"x"`` node
        attribute (networkx) when present; integer node labels from
        ``node_label`` (Data) or the ``"label"`` node attribute (networkx).
    min_nodes : int, default=1
        Graphs with fewer nodes raise a ValueError naming the graph.
    min_graphs : int, default=1

    Returns
    -------
    graphs : list of torch_geometric.data.Data
        The user's ``Data`` objects themselves when they need no change, never
        modified in place. Self-loops are removed, whatever the input type (a
        networkx self-loop and a ``Data`` self-loop give the same graph): the
        Laplacian ``L = D - W`` ignores them, and so do sklot's graph models. A
        ``Data`` with self-loops is returned as a shallow copy without them.

    Raises
    ------
    ValueError
        Too few graphs, a graph with too few nodes, an invalid ``edge_index``
        (see :func:`check_edge_index`), non-finite node features, or the
        networkx ``"x"`` attribute on some nodes of a graph but not all.
    """
    import copy

    import torch
    from torch_geometric.data import Data

    if isinstance(graphs, Data) or _is_networkx(graphs):
        raise TypeError("expected a collection of graphs (a list or dataset), got a single graph; wrap it in a list.")
    try:
        items = [graphs[i] for i in range(len(graphs))]
    except TypeError as exc:
        raise TypeError(f"graphs must be a list or dataset of graphs; got {type(graphs).__name__}.") from exc
    if len(items) < min_graphs:
        raise ValueError(f"need at least {min_graphs} graph(s); got {len(items)}.")
    out = []
    for i, g in enumerate(items):
        if _is_networkx(g):
            g = _from_networkx(g, i)
        elif not isinstance(g, Data):
            raise TypeError(f"graph {i} is a {type(g).__name__}; expected torch_geometric Data or a networkx graph.")
        n = g.num_nodes
        if n is None or n < min_nodes:
            raise ValueError(f"graph {i} has {n or 0} node(s); at least {min_nodes} required.")
        ei = g.edge_index
        if ei is None:
            g = copy.copy(g)
            g.edge_index = torch.empty((2, 0), dtype=torch.long)
        else:
            check_edge_index(ei, n, name=f"graph {i}: edge_index")
            loops = ei[0] == ei[1]
            if bool(loops.any()):
                g = _without_edges(g, loops)
        x = getattr(g, "x", None)
        if x is not None:
            if x.shape[0] != n:
                raise ValueError(f"graph {i}: x has {x.shape[0]} rows but the graph has {n} nodes.")
            if x.is_complex():
                raise ValueError(f"graph {i}: node features x are complex; they must be real-valued.")
            if x.is_floating_point() and not torch.isfinite(x).all():
                raise ValueError(f"graph {i}: node features x contain NaN or infinite values.")
            if x.is_floating_point():
                check_float32_range(x.detach().cpu().numpy(), name=f"graph {i}: node features x")
        out.append(g)
    return out


def check_edge_index(edge_index, num_nodes, *, name="edge_index"):
    """Check an edge list of shape ``(2, n_edges)`` of integer node indices in ``[0, num_nodes)``.

    The one edge-index check of sklot (used by :func:`check_graphs` and by
    :func:`sklot.graph.coarsen`'s input conversion).

    Parameters
    ----------
    edge_index : torch.Tensor or ndarray of shape (2, n_edges)
    num_nodes : int
    name : str, default="edge_index"
        How the error messages name the array.

    Raises
    ------
    ValueError
        Wrong shape, a non-integer dtype, or an index outside ``[0, num_nodes)``.
    """
    arr = edge_index.detach().cpu().numpy() if hasattr(edge_index, "detach") else np.asarray(edge_index)
    if arr.ndim != 2 or arr.shape[0] != 2:
        raise ValueError(f"{name} must have shape (2, n_edges); got {tuple(arr.shape)}.")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer node indices; got dtype {arr.dtype}.")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0:
            raise ValueError(f"{name} refers to node {lo}; node indices must be non-negative.")
        if hi >= num_nodes:
            raise ValueError(f"{name} refers to node {hi} but the graph has {num_nodes} nodes.")


def _without_edges(g, drop):
    """Shallow copy of ``g`` without the edges where ``drop`` is true (``edge_*`` attributes follow)."""
    import copy

    n_edges = g.edge_index.shape[1]
    keep = ~drop
    out = copy.copy(g)
    for key in list(out.keys()):
        value = out[key]
        if key == "edge_index":
            out[key] = value[:, keep]
        elif key.startswith("edge_") and getattr(value, "ndim", 0) >= 1 and value.shape[0] == n_edges:
            out[key] = value[keep]  # edge_weight, edge_attr, ...
    return out


def _is_networkx(g):
    mod = type(g).__module__ or ""
    return mod.startswith("networkx")


def _from_networkx(g, index=0):
    import torch
    from torch_geometric.data import Data

    nodes = list(g.nodes())
    index = {v: k for k, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in g.edges() if u != v]
    if edges:
        ei = torch.tensor(edges, dtype=torch.long).t()
        if not g.is_directed():
            ei = torch.cat([ei, ei.flip(0)], dim=1)
    else:
        ei = torch.empty((2, 0), dtype=torch.long)
    data = Data(edge_index=ei, num_nodes=len(nodes))
    feats = [g.nodes[v].get("x") for v in nodes]
    missing = sum(f is None for f in feats)
    if 0 < missing < len(nodes):
        raise ValueError(
            f"graph {index}: {len(nodes) - missing} of its {len(nodes)} nodes have the node attribute 'x' "
            "and the others do not; give 'x' to every node or to none."
        )
    if nodes and not missing:
        data.x = torch.as_tensor(np.asarray([np.atleast_1d(f) for f in feats], dtype=np.float32))
    labels = [g.nodes[v].get("label") for v in nodes]
    if nodes and all(isinstance(lab, numbers.Integral) for lab in labels):
        data.node_label = torch.as_tensor(labels, dtype=torch.long)
    return data
