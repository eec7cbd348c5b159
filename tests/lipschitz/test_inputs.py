"""Unusual targets and bad inputs: the right answer or a clear error, never a silent wrong one."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from sklot.lipschitz import LipschitzClassifier, LipschitzRegressor, WassersteinKR, verified_robust_accuracy


@pytest.fixture(scope="module")
def regression_split():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 3))
    y = 2.0 * X[:, 0] + np.sin(3 * X[:, 1])
    return train_test_split(X, y, random_state=0)


def _reg(**kw):
    params = dict(
        hidden_layer_sizes=(32,),
        lipschitz_constant=3.0,
        max_epochs=40,
        batch_size=None,
        lr=2e-2,
        random_state=0,
        device="cpu",
    )
    return LipschitzRegressor(**{**params, **kw})


@pytest.mark.parametrize("shift, scale", [(10.0, 1.0), (1000.0, 1.0), (0.0, 1e-6), (0.0, 1e6), (-3e4, 1e3)])
def test_regressor_is_invariant_to_the_targets_location_and_scale(regression_split, shift, scale):
    # the target is standardised in fit: the network sees the same standardised target up to
    # float64 rounding, so held-out R^2 agrees far below the figures a broken fit gives
    # (before: R^2 -2.8 for y + 10, -8e5 for y + 1000)
    Xtr, Xte, ytr, yte = regression_split
    ref = _reg().fit(Xtr, ytr)
    moved = _reg().fit(Xtr, scale * ytr + shift)
    r2 = ref.score(Xte, yte)
    assert r2 > 0.9
    assert moved.score(Xte, scale * yte + shift) == pytest.approx(r2, abs=1e-4)
    np.testing.assert_allclose(
        moved.predict(Xte), scale * ref.predict(Xte) + shift, rtol=1e-4, atol=1e-4 * scale
    )
    # the bound is in the target's units: it scales with the target, not with the shift
    assert moved.lipschitz_bound_ == pytest.approx(scale * ref.lipschitz_bound_, rel=1e-4)
    np.testing.assert_allclose(moved.y_scale_, scale * ref.y_scale_, rtol=1e-9)


def test_regressor_bound_is_in_the_targets_units(regression_split):
    Xtr, _, ytr, _ = regression_split
    reg = _reg(lipschitz_constant=2.0).fit(Xtr, 50.0 * ytr + 7.0)
    assert reg.lipschitz_bound_ == pytest.approx(2.0 * reg.y_scale_[0], rel=1e-3)
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(500, 3)), rng.normal(size=(500, 3))
    ratio = np.abs(reg.predict(A) - reg.predict(B)) / np.linalg.norm(A - B, axis=1)
    assert ratio.max() <= reg.lipschitz_bound_ * (1 + 1e-9)
    # a constant target gets scale 1 (as StandardScaler); the predictions centre on it (a
    # gradient-norm-preserving network cannot be constant, so they spread around it)
    const = _reg().fit(Xtr, np.full(len(Xtr), 5.0))
    assert const.y_mean_[0] == 5.0 and const.y_scale_[0] == 1.0
    assert abs(const.predict(Xtr).mean() - 5.0) < 0.05


def test_divergent_training_is_a_clear_error():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 4)), rng.integers(0, 2, 100)
    with pytest.raises(ValueError, match=r"training diverged.*lr=1e\+30"):
        LipschitzClassifier(hidden_layer_sizes=(8,), max_epochs=3, lr=1e30, random_state=0, device="cpu").fit(
            X, y
        )
    with pytest.raises(ValueError, match=r"training diverged.*learning rate"):
        _reg(max_epochs=3, lr=1e30).fit(X, X[:, 0])


@pytest.mark.parametrize(
    "make",
    [
        lambda X, y: LipschitzClassifier(hidden_layer_sizes=(8,), max_epochs=1, device="cpu").fit(X, y),
        lambda X, y: LipschitzRegressor(hidden_layer_sizes=(8,), max_epochs=1, device="cpu").fit(X, y * 1.0),
        lambda X, y: WassersteinKR(hidden_layer_sizes=(8,), max_epochs=1, device="cpu").fit(X, X + 1.0),
    ],
    ids=["classifier", "regressor", "wasserstein"],
)
def test_values_beyond_float32_are_a_clear_error(make):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, 40)
    X[3, 1] = 1e39  # finite in float64, inf in float32 (the training dtype)
    with pytest.raises(ValueError, match="beyond float32's range"):
        make(X, y)


@pytest.mark.parametrize("sizes", [(8.5,), (8.0,), (8, "4"), (True,), (0,), ()])
def test_hidden_layer_sizes_must_be_positive_integers(sizes):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive integers"):
        LipschitzClassifier(hidden_layer_sizes=sizes, max_epochs=1, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive integers"):
        WassersteinKR(hidden_layer_sizes=sizes, max_epochs=1, device="cpu").fit(X, X + 1.0)


@pytest.mark.parametrize("eps", [np.nan, np.inf, -0.1])
def test_score_certified_rejects_bad_eps(digits_clf, digits_split, eps):
    _, Xte, _, yte = digits_split
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        digits_clf.score_certified(Xte, yte, eps)
    with pytest.raises(ValueError, match="eps must be a finite number >= 0"):
        verified_robust_accuracy([1.0, -1.0], [1, 0], eps)
    # eps = 0 is the clean accuracy of the points with a positive margin
    assert digits_clf.score_certified(Xte, yte, 0.0) <= digits_clf.score(Xte, yte)


def test_labels_are_encoded_as_in_fit(digits_split):
    Xtr, Xte, ytr, yte = digits_split
    names = np.array([f"digit {d}" for d in range(10)])
    clf = LipschitzClassifier(hidden_layer_sizes=(16,), max_epochs=2, random_state=0, device="cpu")
    clf.fit(Xtr[:300], names[ytr[:300]])
    assert list(clf.classes_) == sorted(names)
    ref = LipschitzClassifier(hidden_layer_sizes=(16,), max_epochs=2, random_state=0, device="cpu")
    ref.fit(Xtr[:300], ytr[:300])  # "digit k" sorts as k: the same problem
    assert clf.score_certified(Xte, names[yte], 0.05) == ref.score_certified(Xte, yte, 0.05)
    with pytest.raises(ValueError, match="unseen labels"):
        clf.score_certified(Xte[:2], ["digit 1", "cat"], 0.05)
    with pytest.raises(ValueError, match="unseen labels"):
        clf.counterfactual(Xte[:2], target="cat")


def test_wasserstein_checks_its_inputs():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(50, 2)), rng.normal(size=(40, 2)) + 2.0
    w = WassersteinKR(hidden_layer_sizes=(8,), max_epochs=5, random_state=0, device="cpu").fit(A, B)
    assert w.n_features_in_ == 2
    for method in (w.critic, w.score_samples):
        with pytest.raises(ValueError, match="features"):
            method(rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="features"):
        w.score(A, rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="features"):
        WassersteinKR(max_epochs=1, device="cpu").fit(A, rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="lr"):  # parameters validated by _fit_context
        WassersteinKR(lr=-1.0, device="cpu").fit(A, B)
    assert w.score(A, B) == pytest.approx(
        (w.score_samples(A).mean() - w.score_samples(B).mean()) / w.lipschitz_bound_, rel=1e-12
    )
