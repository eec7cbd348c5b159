import pickle

import numpy as np
import pytest
import torch

from sklot.lipschitz import LipschitzClassifier, LipschitzRegressor, WassersteinKR
from sklot.lipschitz.layers import LipschitzSequential, MaxMin, OrthoLinear


@pytest.mark.slow
def test_digits_accuracy_with_default_parameters(digits_split):
    Xtr, Xte, ytr, yte = digits_split
    clf = LipschitzClassifier(random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) > 0.93


def test_digits_accuracy_small_net(digits_clf, digits_split):
    _, Xte, _, yte = digits_split
    assert digits_clf.score(Xte, yte) > 0.9
    assert abs(digits_clf.lipschitz_bound_ - 1.0) < 1e-3


def test_exported_weights_are_orthonormal_after_training(digits_clf):
    # Every singular value of every exported OrthoLinear weight is 1 (not only the
    # largest): a singular value below 1 would waste certified radius, one above 1
    # would break the certificate.
    from torch import nn

    layers = [m for m in digits_clf.exported_module_.modules() if isinstance(m, nn.Linear)]
    assert len(layers) == 3
    for layer in layers:
        s = torch.linalg.svdvals(layer.weight.detach().double())
        assert s.numel() == min(layer.weight.shape)
        np.testing.assert_allclose(s.numpy(), 1.0, atol=1e-3)


def test_export_equals_decision_function_and_pickle(digits_clf, digits_split):
    _, Xte, _, _ = digits_split
    mod = digits_clf.export()
    with torch.no_grad():
        out = mod(torch.as_tensor(Xte, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(out, digits_clf.decision_function(Xte))
    with torch.no_grad():
        out32 = digits_clf.export(torch.float32)(torch.as_tensor(Xte)).numpy()
    np.testing.assert_allclose(out32, out, atol=1e-5)
    clf2 = pickle.loads(pickle.dumps(digits_clf))
    np.testing.assert_array_equal(clf2.decision_function(Xte), digits_clf.decision_function(Xte))
    # the constrained module inside the unpickled estimator still computes the same function
    with torch.no_grad():
        np.testing.assert_allclose(clf2.module_(torch.as_tensor(Xte)).numpy(), out, atol=1e-5)
    # sample results do not depend on the batch they come in
    np.testing.assert_allclose(
        digits_clf.decision_function(Xte[3:4]), digits_clf.decision_function(Xte)[3:4], rtol=1e-12
    )


def test_cnn_flat_and_image_inputs_agree(digits_split):
    Xtr, Xte, ytr, yte = digits_split
    params = dict(
        architecture="cnn",
        hidden_layer_sizes=(8,),
        max_epochs=2,
        batch_size=100,
        lr=1e-2,
        random_state=0,
        device="cpu",
    )
    flat = LipschitzClassifier(image_shape=(8, 8), **params).fit(Xtr[:200], ytr[:200])
    img = LipschitzClassifier(**params).fit(Xtr[:200].reshape(-1, 1, 8, 8), ytr[:200])
    np.testing.assert_allclose(
        flat.decision_function(Xte[:50]), img.decision_function(Xte[:50].reshape(-1, 1, 8, 8)), atol=1e-5
    )
    assert flat.explain(Xte[:5]).shape == (5, 64)
    assert img.explain(Xte[:5].reshape(-1, 1, 8, 8)).shape == (5, 1, 8, 8)
    with pytest.raises(ValueError, match="features|sample shape"):
        img.predict(Xte[:5])


def test_custom_architecture_and_lipschitz_constant(digits_split):
    Xtr, Xte, ytr, _ = digits_split

    def arch(input_shape, n_outputs):
        return LipschitzSequential(OrthoLinear(input_shape[0], 32), MaxMin(), OrthoLinear(32, n_outputs))

    clf = LipschitzClassifier(
        architecture=arch, lipschitz_constant=3.0, max_epochs=2, random_state=0, device="cpu"
    ).fit(Xtr, ytr)
    assert clf.lipschitz_bound_ == pytest.approx(3.0, rel=1e-3)
    # radius scales as 1 / L
    f = clf.decision_function(Xte[:5])
    s = np.sort(f, axis=1)
    np.testing.assert_allclose(
        clf.certified_radius(Xte[:5]), (s[:, -1] - s[:, -2]) / (np.sqrt(2) * clf.lipschitz_bound_), rtol=1e-6
    )


def test_bad_inputs_raise_clear_errors(digits_split):
    Xtr, _, ytr, _ = digits_split
    with pytest.raises(ValueError, match="image_shape"):
        LipschitzClassifier(architecture="cnn", max_epochs=1).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="divisible"):
        LipschitzClassifier(hidden_layer_sizes=(7,), max_epochs=1).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="image_shape"):
        LipschitzClassifier(architecture="cnn", image_shape=(5, 5), max_epochs=1).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="at least 2 classes"):
        LipschitzClassifier(max_epochs=1).fit(Xtr[:10], np.zeros(10))
    with pytest.raises(ValueError):
        LipschitzClassifier(alpha=2.0).fit(Xtr, ytr)


def test_regressor_respects_its_lipschitz_constant():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 3))
    y = 4.0 * X[:, 0] + np.sin(3 * X[:, 1])
    params = dict(
        hidden_layer_sizes=(32,), max_epochs=60, batch_size=None, lr=2e-2, random_state=0, device="cpu"
    )
    # k is relative to the standardised target: predict is (k * std(y))-Lipschitz in y's units
    small = LipschitzRegressor(lipschitz_constant=0.2, **params).fit(X, y)
    k5 = LipschitzRegressor(lipschitz_constant=5.0, **params).fit(X, y)
    assert small.lipschitz_bound_ == pytest.approx(0.2 * np.std(y), rel=1e-3)
    assert k5.lipschitz_bound_ == pytest.approx(5.0 * np.std(y), rel=1e-3)
    assert k5.score(X, y) > 0.9
    # 0.2 std(y) is about 0.5: such a function cannot follow a slope of 4, along x0 its range is at most 1
    line = np.zeros((50, 3))
    line[:, 0] = np.linspace(-1, 1, 50)
    assert np.ptp(small.predict(line)) <= 2.0 * small.lipschitz_bound_ + 1e-6
    assert small.score(X, y) < 0.6
    # random pairs obey the bound
    A, B = rng.normal(size=(500, 3)), rng.normal(size=(500, 3))
    ratio = np.abs(k5.predict(A) - k5.predict(B)) / np.linalg.norm(A - B, axis=1)
    assert ratio.max() <= k5.lipschitz_bound_ * (1 + 1e-5)


def test_regressor_multi_output_and_custom_loss():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    Y = np.column_stack([X[:, 0], -X[:, 1]])
    reg = LipschitzRegressor(
        hidden_layer_sizes=(16,),
        loss=lambda p, t: ((p - t) ** 4).mean(),
        max_epochs=60,
        batch_size=None,
        lr=2e-2,
        random_state=0,
        device="cpu",
    ).fit(X, Y)
    assert reg.predict(X).shape == (200, 2)
    assert reg.score(X, Y) > 0.8


def test_wasserstein_matches_pot_emd2():
    ot = pytest.importorskip("ot")
    rng = np.random.default_rng(0)
    A = rng.normal(size=(150, 2))
    B = rng.normal(size=(120, 2)) * [0.5, 1.5] + [2.0, 1.0]
    exact = ot.emd2(np.full(150, 1 / 150), np.full(120, 1 / 120), ot.dist(A, B, metric="euclidean"))
    w = WassersteinKR(hidden_layer_sizes=(32, 32), max_epochs=80, lr=2e-2, random_state=0, device="cpu").fit(
        A, B
    )
    # a 1-Lipschitz critic's KR value never exceeds the exact W1 of the empirical measures...
    assert w.distance_ <= exact * (1 + 1e-6)
    # ...and the trained critic gets close to it
    assert w.distance_ >= 0.93 * exact


def test_cosine_lr_schedule_is_followed_step_by_step(digits_split):
    Xtr, _, ytr, _ = digits_split
    lr0, T = 1e-2, 6
    kw = dict(hidden_layer_sizes=(16,), max_epochs=T, batch_size=128, lr=lr0, random_state=0)
    clf = LipschitzClassifier(**kw).fit(Xtr[:300], ytr[:300])  # cosine is the default
    S = T * 3  # 300 samples in batches of 128: 3 steps per epoch
    first = np.array([row["event_lr"] for row in clf.history_])
    last = np.array([row["event_lr_last"] for row in clf.history_])
    np.testing.assert_allclose(first, lr0 * (1 + np.cos(np.pi * 3 * np.arange(T) / S)) / 2, rtol=1e-10)
    expected_last = lr0 * (1 + np.cos(np.pi * (3 * np.arange(1, T + 1) - 1) / S)) / 2
    np.testing.assert_allclose(last, expected_last, rtol=1e-10)
    # a validation split shortens the epoch: 240 training samples, 2 steps per epoch
    val = LipschitzClassifier(validation_fraction=0.2, **kw).fit(Xtr[:300], ytr[:300])
    last = np.array([row["event_lr_last"] for row in val.history_])
    np.testing.assert_allclose(last, lr0 * (1 + np.cos(np.pi * (2 * np.arange(1, T + 1) - 1) / (2 * T))) / 2)
    # "constant" keeps the rate constant, and the annealed fit differs from it
    const = LipschitzClassifier(lr_schedule="constant", **kw).fit(Xtr[:300], ytr[:300])
    assert "event_lr" not in const.history_[-1]
    assert not np.allclose(const.decision_function(Xtr[:20]), clf.decision_function(Xtr[:20]))
    with pytest.raises(ValueError, match="lr_schedule"):
        LipschitzClassifier(lr_schedule="linear").fit(Xtr[:50], ytr[:50])
