import networkx as nx
import numpy as np
import pytest
import torch

from sklot.graph._hg2v import HG2VLoss
from sklot.graph.coarsening import coarse_weights
from sklot.graph.nn import KrylovConv, loukas_connect, loukas_select, normalized_adjacency, sum_pool


def _dense(index, weight, n):
    M = torch.zeros(n, n)
    M.index_put_((index[0], index[1]), weight, accumulate=True)
    return M


def test_normalized_adjacency_matches_dense_formula():
    g = nx.gnp_random_graph(12, 0.3, seed=0)
    A = torch.tensor(nx.to_numpy_array(g), dtype=torch.float32)
    ei = A.nonzero().T
    index, weight = normalized_adjacency(ei, 12)
    At = A + torch.eye(12)
    d = At.sum(1).pow(-0.5)
    torch.testing.assert_close(_dense(index, weight, 12), d[:, None] * At * d[None, :])


def test_krylov_conv_is_the_krylov_formula_and_permutation_equivariant():
    torch.manual_seed(0)
    g = nx.gnp_random_graph(10, 0.3, seed=1)
    A = torch.tensor(nx.to_numpy_array(g), dtype=torch.float32)
    ei = A.nonzero().T
    x = torch.randn(10, 3)
    conv = KrylovConv(3, 5, order=3)
    At = A + torch.eye(10)
    d = At.sum(1).pow(-0.5)
    Ah = d[:, None] * At * d[None, :]
    expected = torch.tanh(conv.lin(torch.cat([x, Ah @ x, Ah @ Ah @ x], dim=1)))
    torch.testing.assert_close(conv(x, ei), expected)
    perm = torch.randperm(10)
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(10)
    torch.testing.assert_close(conv(x[perm], inv[ei]), conv(x, ei)[perm])


def test_connect_matches_numpy_coarse_weights():
    g = nx.gnp_random_graph(15, 0.3, seed=2)
    W = nx.to_numpy_array(g)
    assignment = np.random.default_rng(0).integers(0, 5, size=15)
    assignment[:5] = np.arange(5)  # every supernode used
    select = loukas_select(assignment, 5)
    ei = torch.as_tensor(np.vstack(np.nonzero(W)))
    ce, cw = loukas_connect(select, ei)
    np.testing.assert_allclose(_dense(ce, cw.float(), 5).numpy(), coarse_weights(W, assignment, 5))
    x = torch.randn(15, 2)
    pooled = sum_pool(x, select)
    for s in range(5):
        torch.testing.assert_close(pooled[s], x[torch.as_tensor(assignment == s)].sum(0))


def test_hg2v_loss_is_weighted_binary_cross_entropy():
    torch.manual_seed(0)
    words, contexts = torch.randn(6, 4), torch.randn(3, 4)
    cluster = torch.tensor([0, 0, 1, 1, 2, 2])
    loss = HG2VLoss()([(words, contexts, cluster)])
    s = words @ contexts.T
    pos = torch.zeros(6, 3)
    pos[torch.arange(6), cluster] = 1
    # pos_weight = #pairs / #positives = 18 / 6 = 3
    manual = -(3 * pos * torch.log(torch.sigmoid(s)) + (1 - pos) * torch.log(1 - torch.sigmoid(s))).mean()
    torch.testing.assert_close(loss, manual)
    # summed over levels
    torch.testing.assert_close(HG2VLoss()([(words, contexts, cluster)] * 2), 2 * manual)


def test_invalid_krylov_order():
    with pytest.raises(ValueError, match="order"):
        KrylovConv(2, 2, order=0)
