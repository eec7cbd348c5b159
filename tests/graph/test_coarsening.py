import networkx as nx
import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

from sklot.graph import coarsen, coarsening_quality
from sklot.graph.coarsening import coarse_weights, coarsening_matrix, local_variation_cost
from sklot.graph.coarsening._local_variation import _edge_costs
from sklot.datasets import make_ring_of_cliques
from sklot.graph.coarsening._spectrum import laplacian, smallest_eigenpairs


ring_of_cliques = make_ring_of_cliques


def total_matrix(levels, n):
    C = sp.identity(n, format="csr")
    for level in levels:
        C = level.matrix @ C
    return C


GRAPHS = {
    "erdos_renyi": nx.gnp_random_graph(60, 0.08, seed=1),
    "grid": nx.grid_2d_graph(7, 8),
    "barbell": nx.barbell_graph(8, 3),
    "ring_of_cliques": ring_of_cliques(5, 6),
}


@pytest.mark.parametrize("method", ["variation_neighborhoods", "variation_edges"])
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_coarsening_matrices_have_orthonormal_rows(name, method):
    g = GRAPHS[name]
    levels = coarsen(g, n_eigenvectors=5, reduction=0.7, method=method)
    assert levels
    for level in levels:
        C = level.matrix.toarray()
        np.testing.assert_allclose(C @ C.T, np.eye(level.n_coarse), atol=1e-12)
        # (C o C) x averages x over each contraction set
        x = np.arange(level.n_nodes, dtype=float)
        means = np.bincount(level.assignment, weights=x) / np.bincount(level.assignment)
        np.testing.assert_allclose(level.matrix.multiply(level.matrix) @ x, means)
    C = total_matrix(levels, g.number_of_nodes()).toarray()
    np.testing.assert_allclose(C @ C.T, np.eye(C.shape[0]), atol=1e-12)


@pytest.mark.parametrize("reduction", [0.3, 0.5, 0.75, 0.9])
@pytest.mark.parametrize("name", ["erdos_renyi_connected", "grid"])
def test_reduction_target_is_met_on_connected_graphs(name, reduction):
    g = nx.connected_watts_strogatz_graph(80, 4, 0.2, seed=3) if name != "grid" else GRAPHS["grid"]
    N = g.number_of_nodes()
    levels = coarsen(g, n_eigenvectors=6, reduction=reduction, max_levels=20)
    n_target = int(np.ceil((1 - reduction) * N))
    # the greedy never removes more than the budget, and multi-level contraction reaches it
    assert levels[-1].n_coarse == n_target


def test_variation_edges_contracts_matchings():
    levels = coarsen(
        GRAPHS["erdos_renyi"], n_eigenvectors=4, reduction=0.3, method="variation_edges", max_levels=1
    )
    sizes = np.bincount(levels[0].assignment)
    assert set(sizes) <= {1, 2}


def test_cliques_joined_by_single_edges_coarsen_clique_by_clique():
    n_cliques, size = 5, 6
    g = ring_of_cliques(n_cliques, size)
    levels = coarsen(g, n_eigenvectors=n_cliques, reduction=1 - n_cliques / (n_cliques * size))
    C = total_matrix(levels, g.number_of_nodes())
    assert C.shape[0] == n_cliques
    members = [set(np.flatnonzero(C[i].toarray().ravel())) for i in range(n_cliques)]
    cliques = [set(range(c * size, (c + 1) * size)) for c in range(n_cliques)]
    assert sorted(map(sorted, members)) == sorted(map(sorted, cliques))


@pytest.mark.parametrize("size", [6, 10, 16])
def test_approximation_constant_small_on_cliques_and_grows_when_pushed(size):
    n_cliques = 5
    g = ring_of_cliques(n_cliques, size)
    N = g.number_of_nodes()
    eps = []
    for n_coarse in (n_cliques, 4, 3, 2):
        levels = coarsen(g, n_eigenvectors=n_cliques, reduction=1 - n_coarse / N, max_levels=20)
        quality = coarsening_quality(g, levels, n_eigenvectors=n_cliques)
        assert quality["n_coarse"] == n_coarse
        eps.append(quality["epsilon"])
    # clique by clique, the K smooth eigenvectors are almost piecewise constant; the leftover
    # variation sits at the two bridge endpoints of each clique and shrinks as cliques grow
    assert eps[0] < 2.0 / np.sqrt(size)
    # merging cliques destroys part of the preserved subspace: epsilon jumps to about 1
    assert min(eps[1:]) > 0.9 and min(eps[1:]) > 1.8 * eps[0]


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_epsilon_matches_generalised_eigenproblem(name):
    # independent computation: eps^2 = max_c c^T U^T (I-Pi) L (I-Pi) U c / c^T Lambda c over the
    # non-null eigenvectors, a generalised symmetric eigenproblem.
    g = GRAPHS[name]
    K = 6
    levels = coarsen(g, n_eigenvectors=K, reduction=0.6)
    W = nx.to_numpy_array(g)
    L = np.diag(W.sum(1)) - W
    lam, U = np.linalg.eigh(L)
    keep = lam[:K] > 1e-9  # the null space (one vector per component) is left out
    lam, U = lam[:K][keep], U[:, :K][:, keep]
    C = total_matrix(levels, len(W)).toarray()
    R = U - C.T @ (C @ U)
    eps2 = sla.eigh(R.T @ L @ R, np.diag(lam), eigvals_only=True).max()
    quality = coarsening_quality(g, levels, n_eigenvectors=K)
    assert quality["epsilon"] == pytest.approx(np.sqrt(eps2), rel=1e-6)
    # Cauchy interlacing: coarse eigenvalues of C L C^T never fall below the original ones
    k = len(quality["coarse_eigenvalues"])
    assert np.all(quality["coarse_eigenvalues"] >= quality["eigenvalues"][:k] - 1e-9)
    assert np.all(quality["eigenvalue_error"] >= -1e-9)


def test_random_signals_never_exceed_epsilon():
    g = GRAPHS["erdos_renyi"]
    K = 6
    levels = coarsen(g, n_eigenvectors=K, reduction=0.5)
    eps = coarsening_quality(g, levels, n_eigenvectors=K)["epsilon"]
    W = nx.to_numpy_array(g)
    L = np.diag(W.sum(1)) - W
    U = np.linalg.eigh(L)[1][:, :K]
    C = total_matrix(levels, len(W)).toarray()
    X = U @ np.random.default_rng(0).normal(size=(K, 500))
    R = X - C.T @ (C @ X)
    ratio = np.sqrt(np.einsum("ij,ij->j", R, L @ R) / np.einsum("ij,ij->j", X, L @ X))
    assert ratio.max() <= eps + 1e-9
    assert ratio.max() > 0.5 * eps  # and the bound is not vacuous


def test_coarse_graph_is_P_W_Pt_and_laplacians_agree():
    g = GRAPHS["barbell"]
    levels = coarsen(g, n_eigenvectors=4, reduction=0.5, max_levels=1)
    W = nx.to_numpy_array(g)
    a = levels[0].assignment
    P = np.zeros((levels[0].n_coarse, len(W)))
    P[a, np.arange(len(W))] = 1
    Wc = P @ W @ P.T
    np.fill_diagonal(Wc, 0)
    np.testing.assert_allclose(levels[0].adjacency.toarray(), Wc)
    # L(W_c) = P L P^T: contraction never changes cut weights
    L = np.diag(W.sum(1)) - W
    np.testing.assert_allclose(laplacian(Wc), P @ L @ P.T, atol=1e-12)
    np.testing.assert_allclose(coarse_weights(sp.csr_matrix(W), a, P.shape[0]).toarray(), Wc)


def test_edge_cost_closed_form_matches_general_cost():
    g = GRAPHS["erdos_renyi"]
    W = nx.to_numpy_array(g)
    A = np.random.default_rng(0).normal(size=(len(W), 4))
    d = W.sum(1)
    edges = [np.array(e) for e in zip(*np.nonzero(np.triu(W)))]
    fast = _edge_costs(edges, A, d)
    slow = [local_variation_cost(e, A, W[np.ix_(e, e)], d) for e in edges]
    np.testing.assert_allclose(fast, slow, rtol=1e-10)


def test_sparse_eigensolver_matches_dense():
    g = nx.connected_watts_strogatz_graph(600, 6, 0.1, seed=0)  # above the dense threshold
    W = sp.csr_matrix(nx.to_scipy_sparse_array(g, dtype=float))
    lam, _ = smallest_eigenpairs(W, 6)
    dense = np.linalg.eigvalsh(laplacian(W).toarray())[:6]
    np.testing.assert_allclose(lam, np.maximum(dense, 0), atol=1e-8)
    assert lam[0] == 0.0


def test_degenerate_graphs():
    assert coarsen(nx.empty_graph(1)) == []  # a single node
    assert coarsen(nx.empty_graph(5)) == []  # no edges: nothing to contract
    tri = coarsen(nx.complete_graph(3), n_eigenvectors=6, reduction=0.5)  # fewer nodes than K
    assert tri[-1].n_coarse == 2
    # two components and two isolated nodes: nothing merges across components
    g = nx.disjoint_union_all([nx.cycle_graph(10), nx.path_graph(7), nx.empty_graph(2)])
    levels = coarsen(g, n_eigenvectors=6, reduction=0.9)
    C = total_matrix(levels, g.number_of_nodes())
    comp = np.zeros(g.number_of_nodes(), dtype=int)
    for k, nodes in enumerate(nx.connected_components(g)):
        comp[list(nodes)] = k
    for row in C:
        assert len(set(comp[row.indices])) == 1
    assert C.shape[0] >= 4  # at least one supernode per component
    quality = coarsening_quality(g, levels, n_eigenvectors=6)
    assert np.isfinite(quality["epsilon"])


def test_invalid_input_raises_clear_errors():
    with pytest.raises(ValueError, match="method"):
        coarsen(nx.path_graph(5), method="heavy_edge")
    with pytest.raises(ValueError, match="reduction"):
        coarsen(nx.path_graph(5), reduction=1.0)
    with pytest.raises(ValueError, match="non-negative"):
        coarsen(np.array([[0.0, -1.0], [-1.0, 0.0]]))
    with pytest.raises(ValueError, match="square"):
        coarsen(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="columns"):
        coarsening_quality(nx.path_graph(5), np.eye(3))


def test_coarsening_matrix_from_assignment():
    C = coarsening_matrix(np.array([0, 1, 0, 2, 1, 0])).toarray()
    np.testing.assert_allclose(C[0], [1 / np.sqrt(3), 0, 1 / np.sqrt(3), 0, 0, 1 / np.sqrt(3)])
    np.testing.assert_allclose(C @ C.T, np.eye(3), atol=1e-15)


def test_tu_graphs_never_fail():
    from sklot.datasets import load_tu_dataset

    graphs, _ = load_tu_dataset("MUTAG")
    for g in graphs:
        levels = coarsen(g, n_eigenvectors=6, reduction=0.99)
        C = total_matrix(levels, g.num_nodes)
        np.testing.assert_allclose((C @ C.T).toarray(), np.eye(C.shape[0]), atol=1e-12)
