"""TacoTransformer's behaviour: non-linear leakage removed, task kept, concepts paired right."""

import copy

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from sklot.concepts import TacoTransformer
from sklot.datasets import make_xor_concept_embeddings

N_TRAIN = 1500


@pytest.fixture(scope="module")
def xor_data():
    X, y, s = make_xor_concept_embeddings(2500, 32, random_state=0)
    return X[:N_TRAIN], y[:N_TRAIN], s[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:], s[N_TRAIN:]


@pytest.fixture(scope="module")
def fitted(xor_data):
    Xtr, ytr, str_, *_ = xor_data
    return TacoTransformer(
        n_components=20, decomposition="pca", n_remove=2, n_sobol_designs=32, max_epochs=30, device="cpu",
        random_state=0,
    ).fit(
        Xtr, ytr, sensitive=str_
    )


def mlp_probe_accuracy(A_train, t_train, A_test, t_test):
    probe = MLPClassifier((128,), max_iter=400, early_stopping=True, random_state=0)
    return probe.fit(A_train, t_train).score(A_test, t_test)


def mean_projection(X, s):
    """Linear eraser: project out the difference of the class means."""
    v = X[s == 1].mean(0) - X[s == 0].mean(0)
    v /= np.linalg.norm(v)
    return lambda A: A - np.outer(A @ v, v)


def test_xor_attribute_removed_for_an_mlp_probe_and_task_kept(xor_data, fitted):
    Xtr, ytr, str_, Xte, yte, ste = xor_data
    before_s = mlp_probe_accuracy(Xtr, str_, Xte, ste)
    before_y = mlp_probe_accuracy(Xtr, ytr, Xte, yte)
    Ztr, Zte = fitted.transform(Xtr), fitted.transform(Xte)
    after_s = mlp_probe_accuracy(Ztr, str_, Zte, ste)
    after_y = mlp_probe_accuracy(Ztr, ytr, Zte, yte)
    assert before_s > 0.95
    assert after_s <= 0.55
    assert after_y >= 0.98 * before_y
    # A linear eraser on the same data leaves the MLP probe far above chance.
    erase = mean_projection(Xtr, str_)
    assert mlp_probe_accuracy(erase(Xtr), str_, erase(Xte), ste) > 0.9


def test_xor_concepts_rank_first_and_task_concept_last(fitted):
    # The two XOR factors have the largest variances: PCA concepts 0 and 1.
    assert set(fitted.removed_concepts_.tolist()) == {0, 1}
    assert fitted.importance_sensitive_[[0, 1]].min() > 0.3
    assert fitted.importance_task_[2] > 0.5 > fitted.importance_sensitive_[2]
    np.testing.assert_allclose(fitted.angles_, np.arctan2(fitted.importance_task_, fitted.importance_sensitive_))
    assert fitted.angles_[2] == pytest.approx(fitted.angles_.max())
    np.testing.assert_array_equal(fitted.concept_ranking_[:2], fitted.removed_concepts_)
    assert sorted(fitted.kept_concepts_.tolist() + fitted.removed_concepts_.tolist()) == list(range(20))


def test_decomposition_is_fitted_on_training_data_and_transform_is_inductive(xor_data, fitted):
    Xtr, _, _, Xte, _, _ = xor_data
    pca = PCA(20, svd_solver="full").fit(Xtr)
    # same subspace, row by row (up to sign)
    np.testing.assert_allclose(np.abs(np.sum(pca.components_ * fitted.components_, axis=1)), 1.0, atol=1e-8)
    keep, removed = fitted.kept_concepts_, fitted.removed_concepts_
    U = (Xte - pca.mean_) @ pca.components_.T
    # residual="keep" (default): the input minus the removed concepts' contribution
    np.testing.assert_allclose(fitted.transform(Xte), Xte - U[:, removed] @ pca.components_[removed], atol=1e-8)
    # residual="drop": the rank r - k reconstruction from the kept concepts (reference code)
    drop = copy.deepcopy(fitted).set_params(residual="drop")  # same fit, other output
    expected = U[:, keep] @ pca.components_[keep] + pca.mean_
    np.testing.assert_allclose(drop.transform(Xte), expected, atol=1e-8)
    # row-wise: a subset transforms the same alone as with the others
    np.testing.assert_allclose(fitted.transform(Xte[:7]), fitted.transform(Xte)[:7], atol=1e-12)


def test_same_index_order_for_coefficients_and_basis():
    # The attribute lives in the 3rd-largest concept, so ranking order != index order.
    rng = np.random.default_rng(1)
    scales = np.array([6.0, 5.0, 4.0, 3.0, 2.0, 1.0])
    Z = rng.normal(size=(800, 6)) * scales
    s = (Z[:, 2] > 0).astype(int)
    y = (Z[:, 0] > 0).astype(int)
    Q, _ = np.linalg.qr(rng.normal(size=(12, 6)))
    X = Z @ Q.T + 0.01 * rng.normal(size=(800, 12))
    taco = TacoTransformer(decomposition="pca", n_components=5, n_remove=1, n_sobol_designs=32, max_epochs=30,
                           device="cpu", random_state=0)
    out = taco.fit(X, y, sensitive=s).transform(X)
    assert taco.removed_concepts_.tolist() == [2]
    W, mean = taco.components_, X.mean(0)
    U = (X - mean) @ W.T
    coeffs_out = (out - mean) @ W.T
    np.testing.assert_allclose(coeffs_out[:, 2], 0.0, atol=1e-8)
    np.testing.assert_allclose(np.delete(coeffs_out, 2, axis=1), np.delete(U, 2, axis=1), atol=1e-8)
    # The reference code's pairing (W rows sorted by angle, U columns in index order) differs.
    order = np.argsort(taco.angles_)
    wrong = U[:, taco.kept_concepts_] @ W[order[1:]] + mean
    assert np.abs(wrong - out).max() > 1.0


def test_residual_keep_preserves_what_the_concepts_do_not_capture():
    # The attribute is the largest concept; the task lives in a low-variance
    # direction that 3 PCA concepts do not capture (it is in the residual).
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(1200, 8)) * np.array([5.0, 4.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    s = (Z[:, 0] > 0).astype(int)
    y = (Z[:, 7] > 0).astype(int)
    Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    X = Z @ Q.T
    taco = TacoTransformer(decomposition="pca", n_components=3, n_remove=1, n_sobol_designs=16, max_epochs=30,
                           device="cpu", random_state=0)
    taco.fit(X[:800], y[:800], sensitive=s[:800])
    assert taco.removed_concepts_.tolist() == [0]
    drop = copy.deepcopy(taco).set_params(residual="drop")

    def accuracy(out, t):
        return LogisticRegression().fit(out[:800], t[:800]).score(out[800:], t[800:])

    kept, dropped = taco.transform(X), drop.transform(X)
    assert accuracy(X, y) > 0.95
    assert accuracy(kept, y) > 0.95  # the residual (and the task in it) is kept
    assert accuracy(dropped, y) < 0.65  # the rank-2 reconstruction lost it
    assert accuracy(kept, s) < 0.6 and accuracy(dropped, s) < 0.6  # the attribute is gone either way
    # with the residual kept, removing nothing is the identity
    np.testing.assert_allclose(taco.remove_concepts(X, 0), X, atol=1e-10)


def test_same_random_state_same_result_bit_for_bit(xor_data):
    Xtr, ytr, str_, Xte, _, _ = xor_data
    params = dict(n_components=5, n_remove=2, n_sobol_designs=16, max_samples=300, max_epochs=10, device="cpu")
    a = TacoTransformer(**params, random_state=3).fit(Xtr[:600], ytr[:600], sensitive=str_[:600])
    b = TacoTransformer(**params, random_state=3).fit(Xtr[:600], ytr[:600], sensitive=str_[:600])
    c = TacoTransformer(**params, random_state=4).fit(Xtr[:600], ytr[:600], sensitive=str_[:600])
    np.testing.assert_array_equal(a.importance_sensitive_, b.importance_sensitive_)
    np.testing.assert_array_equal(a.importance_task_, b.importance_task_)
    np.testing.assert_array_equal(a.transform(Xte), b.transform(Xte))
    assert not np.array_equal(a.importance_sensitive_, c.importance_sensitive_)


def test_without_task_label_rank_by_attribute_importance_alone(xor_data):
    Xtr, _, str_, *_ = xor_data
    taco = TacoTransformer(
        decomposition="pca", n_components=6, n_remove=2, n_sobol_designs=16, max_samples=500, max_epochs=30,
        device="cpu", random_state=0,
    )
    taco.fit(Xtr[:800], sensitive=str_[:800])
    assert taco.importance_task_ is None and taco.angles_ is None and taco.task_classes_ is None
    np.testing.assert_array_equal(taco.concept_ranking_, np.argsort(-taco.importance_sensitive_, kind="stable"))
    assert set(taco.removed_concepts_.tolist()) == {0, 1}


@pytest.mark.slow
def test_auto_n_remove_reaches_the_floor_and_reports_the_curve(xor_data):
    Xtr, ytr, str_, *_ = xor_data
    taco = TacoTransformer(
        decomposition="pca", n_components=4, n_remove="auto", n_sobol_designs=16, max_samples=600, cv=2,
        max_epochs=30,
        device="cpu", random_state=0,
    ).fit(Xtr, ytr, sensitive=str_)
    curve = taco.removal_curve_
    assert curve["n_removed"].tolist() == list(range(taco.n_remove_ + 1))  # the sweep stops at the choice
    assert curve["sensitive_accuracy"][0] > 0.8  # far above the floor before removal
    assert curve["sensitive_floor"] == pytest.approx(0.5, abs=0.08)  # s is independent of y
    k = taco.n_remove_
    assert 1 <= k <= 2  # removing one XOR factor already leaves chance
    assert curve["sensitive_accuracy"][k] <= curve["sensitive_floor"] + taco.tol
    assert curve["task_accuracy"][k] >= curve["task_accuracy"][0] - taco.tol
    assert len(taco.removed_concepts_) == k


def test_choose_n_remove_fewest_concepts_at_the_lowest_leakage_with_the_task_kept():
    from sklot.concepts._removal_curve import choose_n_remove

    curve = {
        "n_removed": np.arange(5),
        "sensitive_accuracy": np.array([0.95, 0.80, 0.61, 0.60, 0.52]),
        "task_accuracy": np.array([0.90, 0.90, 0.89, 0.80, 0.70]),
        "sensitive_floor": 0.60,
    }
    assert choose_n_remove(curve, 0.02) == 2  # k=2 within tol of the floor, task within tol
    curve["task_accuracy"][2] = 0.85  # now k=2 costs the task: no k qualifies
    with pytest.warns(UserWarning, match="no number of removed concepts"):
        assert choose_n_remove(curve, 0.02) == 1  # lowest attribute accuracy with the task kept
    curve["task_accuracy"] = None  # without task: smallest k at the floor
    assert choose_n_remove(curve, 0.02) == 2
    # the floor is out of reach (real text): the fewest concepts within tol of the lowest leakage that
    # keeps the task, k=1, not k=2 or 3, which cost task accuracy for 0.008 of attribute accuracy
    curve = {
        "n_removed": np.arange(5),
        "sensitive_accuracy": np.array([0.922, 0.713, 0.705, 0.705, 0.663]),
        "task_accuracy": np.array([0.836, 0.832, 0.832, 0.829, 0.781]),
        "sensitive_floor": 0.615,
    }
    with pytest.warns(UserWarning, match="the lowest with the task kept: 0.705"):
        assert choose_n_remove(curve, 0.02) == 1


@pytest.mark.parametrize(
    "decomposition, alpha, shift",
    [("pca", 1e-3, 0.0), ("pca", 1e3, 0.0), ("pca", 1.0, 1e6), ("svd", 1e-3, 0.0), ("svd", 1e3, 0.0)],
)
def test_choice_and_output_do_not_depend_on_the_units_of_x(decomposition, alpha, shift):
    # The docstring example: the attribute is axis 0, the task axis 1. PCA concepts
    # (A = U W + mean) are translation-invariant, SVD concepts (no centring) only scale-invariant.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8)) * np.arange(8, 0, -1)
    s = (X[:, 0] > 0).astype(int)
    y = (X[:, 1] > 0).astype(int)
    params = dict(n_components=4, n_remove=1, decomposition=decomposition, n_sobol_designs=16, device="cpu",
                  random_state=0)
    ref = TacoTransformer(**params).fit(X, y, sensitive=s)
    other = TacoTransformer(**params).fit(alpha * X + shift, y, sensitive=s)
    assert ref.removed_concepts_.tolist() == [0]
    np.testing.assert_array_equal(other.concept_ranking_, ref.concept_ranking_)
    # Same standardised problem up to float64 rounding (then float32 in the scorers).
    np.testing.assert_allclose(other.importance_sensitive_, ref.importance_sensitive_, atol=1e-4)
    np.testing.assert_allclose(other.importance_task_, ref.importance_task_, atol=1e-4)
    X_new = rng.normal(size=(50, 8)) * np.arange(8, 0, -1)
    expected = alpha * ref.transform(X_new) + shift
    # float64 rounding of the entries (of size alpha * |X| + shift) bounds the difference.
    np.testing.assert_allclose(other.transform(alpha * X_new + shift), expected, rtol=0,
                               atol=1e-11 * (alpha * np.abs(X_new).max() + shift))


def test_removal_curve_stops_at_the_floor_or_when_the_task_breaks():
    import torch

    from sklot.concepts._removal_curve import removal_curve

    rng = np.random.default_rng(0)
    Z = rng.normal(size=(800, 4))
    s = (Z[:, 0] > 0).astype(int)  # attribute in column 0, task in column 1
    y = (Z[:, 1] > 0).astype(int)

    def features(removed):
        return np.delete(Z, removed, axis=1)

    kw = dict(cv=2, device=torch.device("cpu"), seed=0, max_epochs=20)
    # column 0 first: the attribute reaches its floor at k=1, the sweep stops there
    curve = removal_curve(features, s, y, np.array([0, 2, 3, 1]), tol=0.08, **kw)
    assert curve["n_removed"].tolist() == [0, 1]
    assert curve["sensitive_accuracy"][0] > 0.9 and curve["sensitive_accuracy"][1] < 0.6
    # the task column first: the task breaks at k=1, the sweep stops there too
    curve = removal_curve(features, s, y, np.array([1, 2, 3, 0]), tol=0.08, **kw)
    assert curve["n_removed"].tolist() == [0, 1] and curve["task_accuracy"][1] < 0.6
    # without tol, every k
    assert removal_curve(features, s, y, np.array([1, 2, 3, 0]), **kw)["n_removed"].tolist() == [0, 1, 2, 3]
