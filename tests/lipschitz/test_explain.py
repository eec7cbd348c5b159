import numpy as np

from sklot.lipschitz import LipschitzClassifier


def test_saliency_is_margin_gradient(digits_clf, digits_split):
    _, Xte, _, _ = digits_split
    X = Xte[:10]
    s = digits_clf.explain(X)
    assert s.shape == X.shape
    # finite-difference check of the margin along the saliency direction
    f = digits_clf.decision_function(X)
    c = f.argmax(1)
    h = 1e-4  # the network is piecewise linear: a small step stays on one linear piece
    d = s / np.linalg.norm(s, axis=1, keepdims=True)
    f2 = digits_clf.decision_function(X + h * d)

    def margin(F):
        top = F[np.arange(len(F)), c]
        other = np.where(np.eye(F.shape[1])[c] > 0, -np.inf, F).max(1)
        return top - other

    slope = (margin(f2) - margin(f)) / h
    np.testing.assert_allclose(slope, np.linalg.norm(s, axis=1), rtol=0.05, atol=1e-2)
    # the margin of a 1-Lipschitz network has gradient norm <= sqrt(2)
    assert (np.linalg.norm(s, axis=1) <= np.sqrt(2) * digits_clf.lipschitz_bound_ + 1e-4).all()


def test_counterfactual_reaches_target_and_respects_certificate(digits_clf, digits_split):
    _, Xte, _, _ = digits_split
    X = Xte[:30]
    clf = digits_clf
    x_cf, dist, reached = clf.counterfactual(X)
    # the flag is the runner-up target reached, and the runner-up differs from the prediction
    np.testing.assert_array_equal(reached, clf.predict(x_cf) != clf.predict(X))
    assert reached.mean() > 0.9
    np.testing.assert_allclose(dist, np.linalg.norm(x_cf - X, axis=1), rtol=1e-5)
    # a counterfactual is an adversarial example: never inside the certified radius
    assert (dist[reached] >= clf.certified_radius(X)[reached] * (1 - 1e-4)).all()
    x_t, _, reached_t = clf.counterfactual(X, target=clf.classes_[3])
    np.testing.assert_array_equal(reached_t, clf.predict(x_t) == clf.classes_[3])
    assert reached_t.mean() > 0.9


def test_binary_counterfactual_single_step_for_hkr():
    # HKR network on two separated blobs: |grad f| ~ 1 and f is affine along most steps, so ONE step
    # x' = x - (f(x) / |grad f|^2 + overshoot / |grad f|) grad f lands just past the boundary
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-2, 0.5, (100, 2)), rng.normal(2, 0.5, (100, 2))]).astype(np.float32)
    y = np.repeat([0, 1], 100)
    clf = LipschitzClassifier(
        hidden_layer_sizes=(16,),
        alpha=0.5,
        max_epochs=40,
        batch_size=None,
        lr=2e-2,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    f = clf.decision_function(X)
    g = np.linalg.norm(clf.explain(X), axis=1)
    assert np.median(g) > 0.9  # gradient norm preserved
    x_cf, dist, reached = clf.counterfactual(X, max_iter=1)
    overshoot = 1e-3  # explain.counterfactual's default
    # one step: the distance travelled is the closed form |f| / |grad f| + overshoot
    np.testing.assert_allclose(dist, np.abs(f) / g + overshoot, rtol=1e-6)
    # where f is affine along the step, x' sits exactly `overshoot` past the boundary: f(x') = -sign(f) o |g|
    landed = np.isclose(clf.decision_function(x_cf), -np.sign(f) * overshoot * g, rtol=1e-4, atol=1e-9)
    assert landed.mean() > 0.8
    flipped = clf.predict(x_cf) != clf.predict(X)
    np.testing.assert_array_equal(reached, flipped)
    assert flipped.mean() > 0.9 and flipped[landed].all()
    # a counterfactual never lies inside the certificate
    np.testing.assert_array_less(clf.certified_radius(X)[flipped] * (1 - 1e-4), dist[flipped])
    # the few points that crossed a kink are finished by further steps
    x_cf50, _, reached50 = clf.counterfactual(X, max_iter=50)
    assert reached50.all() and (clf.predict(x_cf50) != clf.predict(X)).all()
