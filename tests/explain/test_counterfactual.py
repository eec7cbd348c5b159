import numpy as np
import pytest

from sklot.explain import counterfactual_radius_ratio, counterfactual_realism, counterfactual_success


def test_reached_counterfactuals_travel_at_least_the_certified_radius(lipschitz_clf, digits_split):
    # A theorem: no input within the certified radius r(x) has another class, so every reached
    # counterfactual is at least r(x) away. It fails if the certificate is too large or if the
    # counterfactual (or its `reached` flag) is wrong.
    _, Xte, _, _ = digits_split
    clf = lipschitz_clf
    X = Xte[:60]
    radius = clf.certified_radius(X)
    X_cf, dist, reached = clf.counterfactual(X)  # runner-up target: every point must move
    np.testing.assert_array_equal(reached, counterfactual_success(clf, X, X_cf))
    assert reached.mean() > 0.9
    ratio = counterfactual_radius_ratio(X, X_cf, radius)
    np.testing.assert_allclose(ratio * radius, dist, rtol=1e-6)  # float32 inputs, float64 distances
    assert (ratio[reached] >= 1 - 1e-6).all()
    # the test has power: a radius twice too large is caught (the certificate is not that loose here)
    assert (counterfactual_radius_ratio(X, X_cf, 2 * radius)[reached] < 1).any()

    # explicit target: points already of that class are reached at distance 0, the others obey the bound
    target = clf.classes_[3]
    X_t, dist_t, reached_t = clf.counterfactual(X, target=target)
    np.testing.assert_array_equal(reached_t, counterfactual_success(clf, X, X_t, target=target))
    moved = reached_t & (clf.predict(X) != target)
    assert moved.sum() > 40
    assert (counterfactual_radius_ratio(X, X_t, radius)[moved] >= 1 - 1e-6).all()
    np.testing.assert_array_equal(dist_t[clf.predict(X) == target], 0.0)


def test_counterfactual_realism_is_the_nearest_neighbour_distance(digits_split):
    Xtr, Xte, ytr, _ = digits_split
    rng = np.random.default_rng(0)
    C = Xte[:25] + rng.normal(scale=0.1, size=Xte[:25].shape)
    t = rng.choice(np.unique(ytr), size=len(C))
    got = counterfactual_realism(C, t, Xtr, ytr)
    D = np.linalg.norm(C[:, None, :].astype(np.float64) - Xtr[None, :, :], axis=2)
    want = np.where(t[:, None] == ytr[None, :], D, np.inf).min(1)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    # real examples of their own class are at distance 0
    np.testing.assert_allclose(counterfactual_realism(Xtr[:10], ytr[:10], Xtr, ytr), 0.0, atol=1e-6)
    with pytest.raises(ValueError, match="no example of target class"):
        counterfactual_realism(C, 99, Xtr, ytr)


def test_counterfactual_metric_inputs():
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match="same shape"):
        counterfactual_radius_ratio(X, np.zeros((3, 3)), np.ones(3))
    with pytest.raises(ValueError, match="radius"):
        counterfactual_radius_ratio(X, X, -np.ones(3))
    ratio = counterfactual_radius_ratio(X, X + [3.0, 4.0], [1.0, 5.0, 2.5])  # moved by 5
    np.testing.assert_array_equal(ratio, [5.0, 1.0, 2.0])
