import pickle

import networkx as nx
import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.datasets import make_structure_graphs
from sklot.graph import LoukasGraphEmbedder

FAST = dict(depth=2, n_features=8, krylov_order=2, max_epochs=2, batch_size=8, device="cpu")


def small_graphs():
    return [
        nx.cycle_graph(9),
        nx.star_graph(6),
        nx.path_graph(7),
        nx.complete_graph(5),
        nx.grid_2d_graph(3, 3),
    ]


def test_deterministic_under_random_state_and_seed_dependent():
    graphs = small_graphs()
    a = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs).transform(graphs)
    b = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs).transform(graphs)
    c = LoukasGraphEmbedder(random_state=1, **FAST).fit(graphs).transform(graphs)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.shape == (5, 3 * FAST["depth"] * FAST["n_features"])


def test_finite_on_degenerate_graphs():
    degenerate = [
        nx.empty_graph(1),  # a single node
        nx.empty_graph(4),  # no edges
        nx.path_graph(2),
        nx.complete_graph(3),  # fewer nodes than n_eigenvectors
        nx.disjoint_union_all([nx.cycle_graph(5), nx.path_graph(3), nx.empty_graph(2)]),
    ]
    emb = LoukasGraphEmbedder(random_state=0, **FAST).fit(degenerate + small_graphs())
    Z = emb.transform(degenerate)
    assert Z.shape == (5, emb.n_features_out_)
    assert np.all(np.isfinite(Z))
    assert np.all(np.isfinite(emb.history_[:, "train_loss"]))


def test_training_decreases_the_objective():
    graphs, _ = make_structure_graphs(16, kind="sbm", n_nodes=(20, 30), mean_degree=4, random_state=0)
    emb = LoukasGraphEmbedder(
        random_state=0, lr_schedule="constant", **{**FAST, "max_epochs": 8, "n_features": 16, "lr": 1e-2}
    ).fit(graphs)
    loss = emb.history_[:, "train_loss"]
    assert loss[-1] < 0.95 * loss[0]
    assert np.all(np.diff(loss) < 0)


def test_default_schedule_decays_from_1e_3_and_decreases_the_objective():
    # defaults chosen by benchmarks/graph/tune_defaults.py: lr 1e-3 with the reference decay
    # (1e-3 constant made the MUTAG loss noisy; docs/benchmarks/graph.md)
    graphs, _ = make_structure_graphs(32, kind="sbm", n_nodes=(20, 30), mean_degree=4, random_state=0)
    params = {k: v for k, v in FAST.items() if k not in ("lr", "max_epochs")}
    emb = LoukasGraphEmbedder(random_state=0, **{**params, "n_features": 32}).fit(graphs)
    assert (emb.lr, emb.lr_schedule, emb.max_epochs, emb.readout) == (1e-3, "reference", 15, "auto")
    assert emb.readout_ == "max-mean-sum"  # no labels: the default readout (documented rule)
    expected = [1e-3 * 1.1 ** (-50.0 * e / 15) for e in range(15)]
    np.testing.assert_allclose(emb.history_[:, "lr"], expected, rtol=1e-12)
    loss = np.asarray(emb.history_[:, "train_loss"])
    # steady over the first epochs; later steps are ~1e-3 and within mini-batch noise
    assert np.all(np.diff(loss[:7]) < 0)
    assert loss[-1] < 0.98 * loss[0]


def test_reference_lr_schedule_follows_the_reference_decay_and_changes_the_result():
    # lr_e = lr * 1.1 ** (-50 e / max_epochs), the HG2V reference code's schedule
    graphs = small_graphs()
    params = {**FAST, "max_epochs": 4, "lr": 1e-2}
    ref = LoukasGraphEmbedder(random_state=0, lr_schedule="reference", **params).fit(graphs)
    expected = [1e-2 * 1.1 ** (-50.0 * e / 4) for e in range(4)]
    np.testing.assert_allclose(ref.history_[:, "lr"], expected, rtol=1e-12)
    const = LoukasGraphEmbedder(random_state=0, lr_schedule="constant", **params).fit(graphs)
    a, b = ref.transform(graphs), const.transform(graphs)
    assert not np.allclose(a, b)  # the decayed run takes smaller steps after the first epoch
    np.testing.assert_allclose(
        ref.history_[0, "train_loss"], const.history_[0, "train_loss"], rtol=1e-6
    )  # the first epoch runs at the initial rate in both


def test_readout_sum_is_mean_times_supernode_count_and_max_mean_is_the_papers():
    from sklot.graph._pyramid import pyramids

    graphs = small_graphs()
    d, f = FAST["depth"], FAST["n_features"]
    full = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    paper = LoukasGraphEmbedder(random_state=0, readout="max-mean", **FAST).fit(graphs)
    Z, P = full.transform(graphs), paper.transform(graphs)
    assert Z.shape == (5, 3 * d * f) and P.shape == (5, 2 * d * f) == (5, paper.n_features_out_)
    # the readout does not touch training: same seed, same network, same max and mean blocks
    for level in range(d):
        max_mean = Z[:, 3 * f * level : 3 * f * level + 2 * f]
        np.testing.assert_allclose(max_mean, P[:, 2 * f * level : 2 * f * (level + 1)])
    # sum over a graph's supernodes = mean x number of supernodes at that level
    from sklot._core.validation import check_graphs

    pyrs = pyramids(check_graphs(graphs), d, full.n_eigenvectors, full.reduction, full.method)
    seen = []
    for level in range(d):
        counts = np.array([int(p[level][0].max()) + 1 for p in pyrs])[:, None]
        seen.append(counts)
        mean = Z[:, 3 * f * level + f : 3 * f * level + 2 * f]
        total = Z[:, 3 * f * level + 2 * f : 3 * f * (level + 1)]
        np.testing.assert_allclose(total, mean * counts, rtol=1e-5, atol=1e-5)
    assert np.any(np.concatenate(seen) > 1)  # the check is not vacuous
    with pytest.raises(ValueError, match="readout"):
        LoukasGraphEmbedder(readout="sum", **FAST).fit(graphs)


def test_words_readout_appends_max_and_mean_of_every_levels_words():
    from sklot._core.validation import check_graphs
    from sklot.graph._embedder import _collate

    graphs = small_graphs()
    d, f = FAST["depth"], FAST["n_features"]
    base = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    words = LoukasGraphEmbedder(random_state=0, readout="max-mean-sum+words", **FAST).fit(graphs)
    Z, W = base.transform(graphs), words.transform(graphs)
    assert W.shape == (5, 5 * d * f) == (5, words.n_features_out_)
    # same training, so the context blocks are the max-mean-sum embedding
    np.testing.assert_allclose(W[:, : 3 * d * f], Z, rtol=1e-6, atol=1e-6)
    # the appended blocks are max and mean over each graph's nodes of V_l, computed here directly
    batch, _ = _collate(words._pyramid_dataset(check_graphs(graphs)).items)
    with torch.no_grad():
        levels = words.module_._levels(batch)
    for level in range(d):
        v = levels[level][0].numpy()
        owner = np.repeat(np.arange(5), batch[f"n_nodes_{level}"].numpy())
        block = W[:, 3 * d * f + 2 * f * level : 3 * d * f + 2 * f * (level + 1)]
        for g in range(5):
            np.testing.assert_allclose(block[g, :f], v[owner == g].max(0), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(block[g, f:], v[owner == g].mean(0), rtol=1e-5, atol=1e-6)
    assert not np.allclose(W[:, 3 * d * f :], 0)


def test_inductive_embedding_separates_structure_only_task():
    # one cycle vs two cycles: 2-regular graphs that 1-WL (and message passing on degree
    # features) cannot tell apart; only global structure, seen through the coarsening, can
    train, y_train = make_structure_graphs(60, kind="cycles", n_nodes=(30, 40), random_state=0)
    test, y_test = make_structure_graphs(40, kind="cycles", n_nodes=(30, 40), random_state=1)
    emb = LoukasGraphEmbedder(random_state=0, **{**FAST, "depth": 3, "n_features": 16, "max_epochs": 3})
    emb.fit(train)  # unsupervised: labels never seen
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(
        emb.transform(train), y_train
    )
    assert clf.score(emb.transform(test), y_test) >= 0.8  # unseen graphs


def test_networkx_and_data_inputs_agree_and_features_follow_the_rules():
    from torch_geometric.utils import from_networkx

    graphs = small_graphs()
    data = []
    for g in graphs:
        g = nx.convert_node_labels_to_integers(g)
        d = from_networkx(g)
        d.num_nodes = g.number_of_nodes()
        data.append(d)
    a = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs).transform(graphs)
    b = LoukasGraphEmbedder(random_state=0, **FAST).fit(data).transform(data)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    emb = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    assert emb.featurizer_.n_features == 7  # one-hot degree 0..6 (the star's centre)


def test_node_labels_and_attributes():
    from sklot.datasets import load_tu_dataset

    graphs, y = load_tu_dataset("MUTAG")
    emb = LoukasGraphEmbedder(random_state=0, **{**FAST, "max_epochs": 0}).fit(graphs)
    assert emb.featurizer_.use_labels and emb.featurizer_.n_features == 7  # MUTAG's 7 atom types
    unlabelled = [nx.path_graph(5)]
    with pytest.raises(ValueError, match="node_label"):
        emb.transform(unlabelled)
    with pytest.raises(TypeError, match="single graph"):
        emb.transform(graphs[0])


def _snapshot(g):
    """Everything a user could see on a Data object: its attribute dict and its stored tensors."""
    return set(vars(g)), {k: v.clone() if torch.is_tensor(v) else v for k, v in g.to_dict().items()}


def test_fit_and_transform_leave_the_users_data_objects_untouched_and_reuse_pyramids(monkeypatch):
    import sklot.graph._pyramid as pyramid

    graphs, _ = make_structure_graphs(6, kind="cycles", n_nodes=(10, 12), random_state=0)
    graphs[0].edge_index = torch.cat([graphs[0].edge_index, torch.tensor([[0], [0]])], dim=1)  # a self-loop
    before = [_snapshot(g) for g in graphs]
    emb = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    first = emb.transform(graphs)
    for g, (attrs, stored) in zip(graphs, before):
        assert set(vars(g)) == attrs  # no cache attribute written on the user's objects
        assert g.to_dict().keys() == stored.keys()
        for key, value in stored.items():
            if torch.is_tensor(value):
                assert torch.equal(g[key], value)
    assert graphs[0].edge_index.shape[1] == before[0][1]["edge_index"].shape[1]  # self-loop still there

    def fail(*args, **kwargs):
        raise AssertionError("pyramid recomputed")

    # the training pyramids are kept by the estimator, keyed by content: not recomputed for
    # the same objects, nor for equal graphs in new objects
    monkeypatch.setattr(pyramid, "graph_pyramid", fail)
    np.testing.assert_array_equal(emb.transform(graphs), first)
    copies = [g.clone() for g in graphs]
    np.testing.assert_array_equal(emb.transform(copies), first)
    # a graph that was not in fit is coarsened, and is not added to the estimator's cache
    n_cached = len(emb._pyramid_cache)
    monkeypatch.undo()
    emb.transform([nx.star_graph(5)])
    assert len(emb._pyramid_cache) == n_cached
    # the cache is not pickled
    assert "_pyramid_cache" not in pickle.loads(pickle.dumps(emb)).__dict__


def test_self_loops_give_the_same_embedding_through_networkx_and_data():
    from torch_geometric.utils import from_networkx

    graphs = small_graphs()
    looped = [g.copy() for g in graphs]
    for g in looped:
        node = next(iter(g.nodes))
        g.add_edge(node, node)
    data = []
    for g in looped:
        d = from_networkx(nx.convert_node_labels_to_integers(g))
        d.num_nodes = g.number_of_nodes()
        data.append(d)
    assert all(bool((d.edge_index[0] == d.edge_index[1]).any()) for d in data)
    emb = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    plain = emb.transform(graphs)
    np.testing.assert_array_equal(emb.transform(looped), plain)
    np.testing.assert_allclose(emb.transform(data), plain, rtol=1e-5, atol=1e-6)
    # and fitting on the looped Data gives the model fitted on the loop-free graphs
    a = LoukasGraphEmbedder(random_state=0, **FAST).fit(data).transform(data)
    np.testing.assert_allclose(a, plain, rtol=1e-5, atol=1e-6)


def test_node_features_on_some_training_graphs_only_is_an_error():
    graphs, _ = make_structure_graphs(4, kind="cycles", n_nodes=(10, 12), random_state=0)
    graphs = [g.clone() for g in graphs]
    for g in graphs[:2]:
        g.x = torch.randn(g.num_nodes, 3, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="2 of the 4 training graphs have node features 'x'.*graphs 2, 3"):
        LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    for g in graphs[2:]:
        g.node_label = torch.zeros(g.num_nodes, dtype=torch.long)
    for g in graphs[:2]:
        del g.x
    with pytest.raises(ValueError, match="'node_label'"):
        LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)


def test_n_jobs_zero_is_rejected_by_fit():
    from sklearn.utils._param_validation import InvalidParameterError

    graphs, _ = make_structure_graphs(6, kind="cycles", n_nodes=(10, 12), random_state=0)
    emb = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    # a refit on graphs whose pyramids were once cached used to pass with n_jobs=0 (joblib never
    # ran), and the error came at transform time on new graphs: the parameter is checked in fit
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        emb.set_params(n_jobs=0).fit(graphs)
    LoukasGraphEmbedder(random_state=0, n_jobs=-1, **FAST)._validate_params()
    LoukasGraphEmbedder(random_state=0, n_jobs=1, **FAST)._validate_params()


@pytest.mark.parametrize(
    "readout", ["max-mean-sum", "max-mean", "max-mean-sum+words", "words", "words-level0"]
)
def test_feature_names_and_pandas_output_follow_the_embedding_layout(readout):
    import pandas as pd

    from sklot.graph._pyramid import pyramids
    from sklot._core.validation import check_graphs

    graphs = small_graphs()
    d, f = FAST["depth"], FAST["n_features"]
    emb = LoukasGraphEmbedder(random_state=0, readout=readout, **FAST).fit(graphs)
    names = emb.get_feature_names_out()
    assert names.shape == (emb.n_features_out_,) and len(set(names)) == names.size
    Z = emb.transform(graphs)
    df = emb.set_output(transform="pandas").transform(graphs)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(names)
    np.testing.assert_array_equal(df.to_numpy(), Z)
    # the names say what each column is: sums are means x (super)node counts, max >= mean
    pyrs = pyramids(check_graphs(graphs), d, emb.n_eigenvectors, emb.reduction, emb.method)
    sizes = [np.array([g.num_nodes for g in check_graphs(graphs)])]
    sizes += [np.array([int(p[level][0].max()) + 1 for p in pyrs]) for level in range(d)]
    checked = 0
    for kind, levels in (("contexts", range(1, d + 1)), ("words", range(d))):
        for level in levels:
            cols = lambda r: df[[f"level{level}_{kind}_{r}_{j}" for j in range(f)]].to_numpy()  # noqa: E731
            if f"level{level}_{kind}_mean_0" not in df:
                continue
            assert np.all(cols("max") >= cols("mean") - 1e-6)
            if f"level{level}_{kind}_sum_0" in df:
                np.testing.assert_allclose(cols("sum"), cols("mean") * sizes[level][:, None], rtol=1e-5, atol=1e-5)
            checked += 1
    expected = {"max-mean-sum": d, "max-mean": d, "max-mean-sum+words": 2 * d, "words": d}
    assert checked == expected.get(readout, 1)  # "words-level0": one level


@pytest.mark.slow  # starting joblib workers takes tens of seconds on a loaded machine
def test_parallel_pyramids_match_sequential():
    graphs, _ = make_structure_graphs(6, kind="sbm", n_nodes=(20, 24), mean_degree=4, random_state=0)
    graphs2, _ = make_structure_graphs(6, kind="sbm", n_nodes=(20, 24), mean_degree=4, random_state=0)
    a = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs).transform(graphs)
    b = LoukasGraphEmbedder(random_state=0, n_jobs=2, **FAST).fit(graphs2).transform(graphs2)
    np.testing.assert_array_equal(a, b)


def test_tu_loader_agrees_with_torch_geometric(tmp_path):
    import shutil

    from torch_geometric.datasets import TUDataset

    from sklot.datasets import load_tu_dataset
    from sklot.datasets._tu import _bundled_folder

    raw = tmp_path / "MUTAG" / "raw"
    shutil.copytree(f"{_bundled_folder()}/MUTAG", raw)
    reference = TUDataset(str(tmp_path), "MUTAG")  # reads the local files, no download
    graphs, y = load_tu_dataset("MUTAG")
    assert len(graphs) == len(reference) == 188
    for ours, theirs in zip(graphs[:40], reference[:40]):
        assert ours.num_nodes == theirs.num_nodes
        e1 = set(map(tuple, ours.edge_index.T.tolist()))
        e2 = set(map(tuple, theirs.edge_index.T.tolist()))
        assert e1 == e2
        np.testing.assert_array_equal(ours.node_label.numpy(), theirs.x.argmax(1).numpy())
    np.testing.assert_array_equal((y == 1).astype(int), reference.y.numpy())
    # a torch_geometric dataset is accepted as input
    Z = LoukasGraphEmbedder(random_state=0, **FAST).fit(reference[:12]).transform(reference[:12])
    assert Z.shape == (12, 48) and np.all(np.isfinite(Z))


def test_pickle_round_trip_keeps_embeddings():
    graphs = small_graphs()
    emb = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(emb)).transform(graphs), emb.transform(graphs))


@pytest.mark.cuda
def test_cuda_fit_and_cpu_unpickle(monkeypatch):
    graphs = small_graphs()
    emb = LoukasGraphEmbedder(random_state=0, **{**FAST, "device": "cuda"}).fit(graphs)
    Z = emb.transform(graphs)
    cpu = LoukasGraphEmbedder(random_state=0, **FAST).fit(graphs).transform(graphs)
    np.testing.assert_allclose(Z, cpu, rtol=1e-3, atol=1e-4)
    blob = pickle.dumps(emb)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(blob)
    loaded.set_params(device="cpu")
    np.testing.assert_allclose(loaded.transform(graphs), Z, rtol=1e-3, atol=1e-4)


def test_words_only_readout_is_max_mean_sum_of_every_levels_words():
    from sklot._core.validation import check_graphs
    from sklot.graph._embedder import _collate

    graphs = small_graphs()
    d, f = FAST["depth"], FAST["n_features"]
    both = LoukasGraphEmbedder(random_state=0, readout="max-mean-sum+words", **FAST).fit(graphs)
    words = LoukasGraphEmbedder(random_state=0, readout="words", **FAST).fit(graphs)
    W, B = words.transform(graphs), both.transform(graphs)
    assert W.shape == (5, 3 * d * f) == (5, words.n_features_out_)
    batch, _ = _collate(words._pyramid_dataset(check_graphs(graphs)).items)
    with torch.no_grad():
        levels = words.module_._levels(batch)
        # one trained module serves every readout: embed(readout=...) equals a fit with that readout
        np.testing.assert_allclose(
            both.module_.embed(batch, readout="words").numpy(), W, rtol=1e-6, atol=1e-6
        )
        # several readouts from one forward pass equal the readouts taken one at a time
        many = both.module_.embed_readouts(batch, ("words", "max-mean-sum"))
        np.testing.assert_allclose(many["words"].numpy(), W, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(many["max-mean-sum"].numpy(), B[:, : 3 * d * f], rtol=1e-6, atol=1e-6)
    for level in range(d):
        v = levels[level][0].numpy()
        owner = np.repeat(np.arange(5), batch[f"n_nodes_{level}"].numpy())
        block = W[:, 3 * f * level : 3 * f * (level + 1)]
        # same training: max and mean blocks equal those appended by "max-mean-sum+words"
        appended = B[:, 3 * d * f + 2 * f * level : 3 * d * f + 2 * f * (level + 1)]
        np.testing.assert_allclose(block[:, : 2 * f], appended, rtol=1e-6, atol=1e-6)
        for g in range(5):
            np.testing.assert_allclose(block[g, 2 * f :], v[owner == g].sum(0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="readout"):
        words.module_.embed(batch, readout="sum")


def test_words_level0_readout_is_the_level0_block_of_words():
    from sklot._core.validation import check_graphs
    from sklot.graph._embedder import _collate

    graphs = small_graphs()
    d, f = FAST["depth"], FAST["n_features"]
    assert d >= 2  # otherwise "words-level0" and "words" coincide
    words = LoukasGraphEmbedder(random_state=0, readout="words", **FAST).fit(graphs)
    level0 = LoukasGraphEmbedder(random_state=0, readout="words-level0", **FAST).fit(graphs)
    W, W0 = words.transform(graphs), level0.transform(graphs)
    assert W0.shape == (5, 3 * f) == (5, level0.n_features_out_)
    # same training (the readout does not change it): the first level's block of "words"
    np.testing.assert_allclose(W0, W[:, : 3 * f], rtol=1e-6, atol=1e-6)
    assert not np.allclose(W0, W[:, 3 * f : 6 * f])  # and not a coarse level's
    batch, _ = _collate(level0._pyramid_dataset(check_graphs(graphs)).items)
    with torch.no_grad():
        v = level0.module_._levels(batch)[0][0].numpy()
    owner = np.repeat(np.arange(5), batch["n_nodes_0"].numpy())
    for g in range(5):  # max, mean and sum over the input graph's nodes
        vg = v[owner == g]
        expected = np.concatenate([vg.max(0), vg.mean(0), vg.sum(0)])
        np.testing.assert_allclose(W0[g], expected, rtol=1e-5, atol=1e-5)
    names = level0.get_feature_names_out()
    assert names[0] == "level0_words_max_0" and names[-1] == f"level0_words_sum_{f - 1}"
