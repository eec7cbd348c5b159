"""``LoukasGraphEmbedder(readout="auto")``: the readout chosen inside ``fit`` by an inner CV probe."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklot.datasets import make_structure_graphs
from sklot.graph import LoukasGraphEmbedder
from sklot.graph._hg2v import readout_feature_names
from sklot.graph._readout_selection import (
    AUTO_CANDIDATES,
    AUTO_RULE,
    PROBE_C,
    PROBE_FOLDS,
    choose_readout,
    probe_readouts,
    select_readout,
)

FAST = dict(depth=2, n_features=8, krylov_order=2, max_epochs=2, batch_size=8, device="cpu")


def explicit_inner_cv(embeddings, y, seed):
    """The probe written with scikit-learn's own pieces: best inner CV accuracy over ``C`` of
    ``make_pipeline(StandardScaler(), SVC())`` (``gamma="scale"``), the same shuffled folds."""
    k = min(PROBE_FOLDS, np.bincount(y).min())
    cv = StratifiedKFold(k, shuffle=True, random_state=seed)
    scores = {}
    for r, Z in embeddings.items():
        search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), {"svc__C": list(PROBE_C)}, cv=cv)
        scores[r] = search.fit(Z, y).best_score_
    return scores


def labelled_graphs(n=40):
    graphs, y = make_structure_graphs(n, kind="sbm", n_nodes=(12, 20), mean_degree=3, random_state=0)
    return graphs, np.asarray(y)


def test_select_readout_picks_the_readout_that_carries_the_label_as_an_explicit_cv_does():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    noise = lambda: rng.normal(size=(60, 6))  # noqa: E731
    informative = noise()
    informative[:, 0] += 3.0 * y  # words carry the label, contexts do not
    embeddings = {"max-mean-sum": noise(), "max-mean-sum+words": noise(), "words": informative}
    best, scores = select_readout(embeddings, y, random_state=3)
    assert best == "words"
    assert scores["words"] > 0.9 and max(scores["max-mean-sum"], scores["max-mean-sum+words"]) < 0.75
    # precomputed RBF kernels by matrix products == the standardised pipeline, fold by fold
    explicit = explicit_inner_cv(embeddings, y, seed=3)
    assert list(scores) == list(embeddings)
    for r in embeddings:
        assert scores[r] == pytest.approx(explicit[r], abs=1e-12)
    # the label moved to the contexts: the choice follows it
    swapped = {"max-mean-sum": informative, "max-mean-sum+words": noise(), "words": noise()}
    assert select_readout(swapped, y, random_state=3)[0] == "max-mean-sum"
    # ties go to the earlier candidate
    same = {r: informative for r in AUTO_CANDIDATES}
    assert select_readout(same, y, random_state=3)[0] == AUTO_CANDIDATES[0]


def test_probe_fold_accuracies_equal_grid_search_cv_split_scores_at_the_best_C():
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], 25)
    Z = rng.normal(size=(50, 5))
    Z[:, 0] += 1.2 * y  # an overlapping signal: fold accuracies differ between folds and C
    embeddings = {"max-mean-sum": Z, "words": rng.normal(size=(50, 5)) + 0.8 * y[:, None]}
    folds = probe_readouts(embeddings, y, random_state=4)
    cv = StratifiedKFold(PROBE_FOLDS, shuffle=True, random_state=4)
    for r, X in embeddings.items():
        search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), {"svc__C": list(PROBE_C)}, cv=cv).fit(X, y)
        expected = [search.cv_results_[f"split{f}_test_score"][search.best_index_] for f in range(PROBE_FOLDS)]
        np.testing.assert_allclose(folds[r], expected, atol=1e-12)
    # select_readout's scores are the fold means
    _, scores = select_readout(embeddings, y, random_state=4)
    assert scores == pytest.approx({r: a.mean() for r, a in folds.items()}, abs=1e-15)


def test_one_se_rule_keeps_the_default_unless_the_paired_gain_exceeds_one_standard_error():
    base = np.array([0.80, 0.70, 0.90, 0.75, 0.85])
    steady = base + 0.02  # +0.02 on every fold: sd of the differences 0, the gain passes
    # mean gain 0.04 but differences (+0.20, -0.10, +0.10, -0.10, +0.10): sd 0.134, SE 0.060 > 0.04
    noisy = base + np.array([0.20, -0.10, 0.10, -0.10, 0.10])
    assert choose_readout({"max-mean-sum": base, "words": noisy}, "best") == "words"
    assert choose_readout({"max-mean-sum": base, "words": noisy}, "one-se") == "max-mean-sum"
    assert choose_readout({"max-mean-sum": base, "words": steady}, "one-se") == "words"
    # among those that pass, the best score wins, even over a larger gain that does not pass
    three = {"max-mean-sum": base, "max-mean-sum+words": steady, "words": noisy}
    assert choose_readout(three, "best") == "words"
    assert choose_readout(three, "one-se") == "max-mean-sum+words"
    # the threshold is exactly one SE of the paired differences: differences 0.03 + spread
    # (spread of mean 0), scaled so that SE = factor * 0.03; passes for factor < 1 only
    spread = np.array([2.0, -1.0, -1.0, 0.0, 0.0])
    unit = 0.03 / (spread.std(ddof=1) / np.sqrt(5))
    for factor, expected in ((0.9, "words"), (1.1, "max-mean-sum")):
        cand = base + 0.03 + factor * unit * spread
        assert choose_readout({"max-mean-sum": base, "words": cand}, "one-se") == expected
    # no gain: the default, whatever the rule (ties to the earlier readout)
    assert choose_readout({"max-mean-sum": base, "words": base.copy()}, "one-se") == "max-mean-sum"
    assert choose_readout({"max-mean-sum": base, "words": base.copy()}, "best") == "max-mean-sum"
    # equal fold accuracies in another order are a tie (their float means differ in the last bit)
    first, later = np.array([0.3, 0.2, 0.1]), np.array([0.1, 0.2, 0.3])
    assert later.mean() > first.mean()  # 0.6000000000000001 > 0.6
    for rule in ("best", "one-se"):
        assert choose_readout({"max-mean-sum": first, "words": later}, rule) == "max-mean-sum"
    with pytest.raises(ValueError, match="rule must be one of"):
        choose_readout({"max-mean-sum": base}, "median")


def test_fit_chooses_what_an_explicit_inner_cv_on_the_training_graphs_chooses():
    graphs, y = labelled_graphs()
    train = np.arange(0, 40, 2)  # the fit sees these graphs and labels only
    g_train, y_train = [graphs[i] for i in train], y[train]
    emb = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(g_train, y_train)
    assert emb.readout_ in AUTO_CANDIDATES
    # the same training with each readout fixed gives each candidate's embedding of the training graphs
    Zs = {
        r: LoukasGraphEmbedder(readout=r, random_state=0, **FAST).fit(g_train).transform(g_train)
        for r in AUTO_CANDIDATES
    }
    from sklot._core.random import draw_seed

    explicit = explicit_inner_cv(Zs, y_train, seed=draw_seed(0))
    assert set(emb.readout_scores_) == set(AUTO_CANDIDATES)
    for r in AUTO_CANDIDATES:
        assert emb.readout_scores_[r] == pytest.approx(explicit[r], abs=1e-9)
    explicit_folds = probe_readouts(Zs, y_train, random_state=draw_seed(0))
    assert emb.readout_ == choose_readout(explicit_folds, AUTO_RULE)
    # no leakage: the held-out graphs' labels cannot change the fit (only fit's data enter the probe)
    y_other = y.copy()
    y_other[1::2] = 1 - y_other[1::2]
    again = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(g_train, y_other[train])
    assert again.readout_scores_ == emb.readout_scores_
    # ...while the training labels do enter it
    shuffled = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(
        g_train, np.random.default_rng(1).permutation(y_train)
    )
    assert shuffled.readout_scores_ != emb.readout_scores_


def test_auto_is_deterministic_and_transform_and_names_follow_readout_():
    graphs, y = labelled_graphs(30)
    a = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(graphs, y)
    b = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(graphs, y)
    assert (a.readout_, a.readout_scores_) == (b.readout_, b.readout_scores_)
    Za = a.transform(graphs)
    np.testing.assert_array_equal(Za, b.transform(graphs))
    fixed = LoukasGraphEmbedder(readout=a.readout_, random_state=0, **FAST).fit(graphs)
    np.testing.assert_array_equal(Za, fixed.transform(graphs))
    assert Za.shape == (30, a.n_features_out_)
    names = readout_feature_names(a.readout_, FAST["depth"], FAST["n_features"])
    assert list(a.get_feature_names_out()) == names
    # set_params after fit does not change the fitted readout
    a.set_params(readout="max-mean")
    np.testing.assert_array_equal(a.transform(graphs), Za)
    # every candidate is reachable: each one is chosen when its embedding is the informative one
    # (test above); clone keeps "auto", a pickle keeps the fitted choice
    c = clone(b)
    assert c.get_params()["readout"] == "auto" and not hasattr(c, "readout_")
    p = pickle.loads(pickle.dumps(b))
    assert (p.readout_, p.readout_scores_) == (b.readout_, b.readout_scores_)
    np.testing.assert_array_equal(p.transform(graphs), Za)
    assert list(p.get_feature_names_out()) == names


@pytest.mark.parametrize(
    "y",
    [None, "continuous", "one_class", "singleton_class"],
)
def test_auto_without_usable_labels_falls_back_to_max_mean_sum(y, recwarn):
    graphs, labels = labelled_graphs(12)
    y = {
        None: None,
        "continuous": np.linspace(0.0, 1.0, 12) + 0.01,
        "one_class": np.zeros(12, dtype=int),
        "singleton_class": np.r_[np.zeros(11, dtype=int), 1],
    }[y]
    emb = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(graphs, y)
    assert emb.readout_ == "max-mean-sum" and emb.readout_scores_ is None
    ref = LoukasGraphEmbedder(readout="max-mean-sum", random_state=0, **FAST).fit(graphs)
    np.testing.assert_array_equal(emb.transform(graphs), ref.transform(graphs))
    assert not [w for w in recwarn if "readout" in str(w.message)]  # a documented rule, no warning


def test_auto_rejects_labels_of_the_wrong_length_and_explicit_readouts_ignore_y():
    graphs, y = labelled_graphs(12)
    with pytest.raises(ValueError, match="one label per graph"):
        LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(graphs, y[:5])
    emb = LoukasGraphEmbedder(readout="words", random_state=0, **FAST).fit(graphs, y)
    assert emb.readout_ == "words" and emb.readout_scores_ is None


def test_auto_in_a_pipeline_gets_y_from_the_pipeline():
    from sklearn.pipeline import Pipeline

    graphs, y = labelled_graphs(30)
    pipe = Pipeline([("emb", LoukasGraphEmbedder(readout="auto", random_state=0, **FAST)), ("svc", SVC())])
    pipe.fit(graphs, y)
    assert pipe.named_steps["emb"].readout_scores_ is not None
    assert pipe.predict(graphs).shape == (30,)


def test_fit_applies_the_one_se_rule_a_noisy_gain_keeps_the_default(monkeypatch):
    """``fit`` decides with ``AUTO_RULE`` ("one-se"): fold accuracies where "words" has the best
    mean but a gain within one SE of the paired differences keep "max-mean-sum" (the argmax
    rule would take "words"); a steady gain switches."""
    import sklot.graph._readout_selection as sel

    assert AUTO_RULE == "one-se"
    graphs, y = labelled_graphs(20)
    base = np.array([0.80, 0.70, 0.90, 0.75, 0.85])
    third = AUTO_CANDIDATES[2]
    for words, expected in ((base + [0.20, -0.10, 0.10, -0.10, 0.10], "max-mean-sum"), (base + 0.02, third)):
        fake = {"max-mean-sum": base, "max-mean-sum+words": base - 0.05, third: words}
        monkeypatch.setattr(sel, "probe_readouts", lambda embeddings, y, **kw: fake)
        emb = LoukasGraphEmbedder(readout="auto", random_state=0, **FAST).fit(graphs, y)
        assert emb.readout_ == expected
        assert emb.readout_scores_ == pytest.approx({r: a.mean() for r, a in fake.items()})
        assert choose_readout(fake, "best") == third
