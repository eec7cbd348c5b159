"""make_leakage_scorer: tunes TacoTransformer in GridSearchCV with the attribute routed as metadata."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from sklot.concepts import TacoTransformer, make_leakage_scorer
from sklot.datasets import make_xor_concept_embeddings

FAST = dict(n_components=3, decomposition="pca", n_sobol_designs=8, max_samples=200, max_epochs=15,
            device="cpu", random_state=0)


@pytest.fixture(scope="module")
def xor():
    return make_xor_concept_embeddings(600, 16, random_state=0)


def test_grid_search_picks_the_n_remove_that_removes_the_planted_concept(xor):
    X, y, s = xor
    scorer = make_leakage_scorer(return_parts=True)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(TacoTransformer(**FAST), {"n_remove": [0, 1, 2]}, scoring=scorer, refit="score",
                              cv=2, error_score="raise").fit(X, y, sensitive=s)
    res = search.cv_results_
    # Concepts 0 and 1 are the two XOR factors (largest variances), concept 2 the task.
    assert search.best_params_["n_remove"] in (1, 2)  # one XOR factor removed already leaves chance
    assert set(search.best_estimator_.removed_concepts_.tolist()) <= {0, 1}
    # Without removal an MLP probe finds the attribute; after, it is near the floor (0.5), task kept.
    assert res["mean_test_sensitive_accuracy"][0] > 0.8
    best = search.best_index_
    assert res["mean_test_sensitive_accuracy"][best] < 0.62
    assert res["mean_test_sensitive_floor"][best] == pytest.approx(0.5, abs=0.08)
    assert res["mean_test_task_accuracy"][best] > 0.9
    assert res["mean_test_score"][best] > res["mean_test_score"][0] + 0.25


def test_score_penalises_removing_the_task_and_matches_its_parts(xor):
    X, y, s = xor
    taco = TacoTransformer(**FAST, n_remove=2).fit(X[:400], y[:400], sensitive=s[:400])

    class RemoveTask:  # removes the task concept (2) instead: attribute kept, task lost
        def transform(self, A):
            U = taco._basis.coefficients((A - taco.location_) / taco.scale_)
            return A - taco.scale_ * (U[:, [2]] @ taco.components_[[2]])

    scorer = make_leakage_scorer(probe=None, return_parts=True)
    good = scorer(taco, X[400:], y[400:], sensitive=s[400:])
    bad = scorer(RemoveTask(), X[400:], y[400:], sensitive=s[400:])
    for parts in (good, bad):
        expected = parts["task_accuracy"] - (parts["sensitive_accuracy"] - parts["sensitive_floor"])
        assert parts["score"] == pytest.approx(expected, abs=1e-12)
    assert bad["task_accuracy"] < 0.7 < good["task_accuracy"]
    assert good["score"] > bad["score"] + 0.3
    # the scalar scorer returns the same score; a weight scales the leakage term
    assert make_leakage_scorer()(taco, X[400:], y[400:], sensitive=s[400:]) == pytest.approx(good["score"])
    weighted = make_leakage_scorer(sensitive_weight=2.0, return_parts=True)
    w2 = weighted(taco, X[400:], y[400:], sensitive=s[400:])
    leak = good["sensitive_accuracy"] - good["sensitive_floor"]
    assert w2["score"] == pytest.approx(good["task_accuracy"] - 2 * leak)


def test_without_routing_a_clear_error_and_y_role_sensitive_works(xor):
    X, y, s = xor
    taco = TacoTransformer(**FAST, n_remove=1).fit(X[:400], y[:400], sensitive=s[:400])
    with pytest.raises(ValueError, match="needs the protected attribute"):
        make_leakage_scorer()(taco, X[400:], y[400:])
    eraser = TacoTransformer(**FAST, n_remove=1, y_role="sensitive").fit(X[:400], s[:400])
    parts = make_leakage_scorer(probe=LogisticRegression(), return_parts=True)(eraser, X[400:], s[400:])
    assert "task_accuracy" not in parts
    assert parts["score"] == pytest.approx(-(parts["sensitive_accuracy"] - parts["sensitive_floor"]))
    with pytest.raises(ValueError, match="sensitive_weight"):
        make_leakage_scorer(sensitive_weight=-1)
    with pytest.raises(TypeError, match="probe"):
        make_leakage_scorer(probe="mlp")
