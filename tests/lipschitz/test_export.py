"""Export of fitted Lipschitz estimators: the exported network is the trained network, or an error."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from sklot.lipschitz import LipschitzClassifier, LipschitzRegressor, export, lipschitz_bound
from sklot.lipschitz.layers import FrobeniusLinear, FullSort, LipschitzSequential, MaxMin, OrthoLinear


@pytest.fixture(scope="module")
def digits_small():
    X, y = load_digits(return_X_y=True)
    return (X[:240] / 16.0).astype(np.float32), y[:240]


def _nested(input_shape, n_outputs):
    inner = LipschitzSequential(OrthoLinear(input_shape[0], 16), MaxMin(), lipschitz_constant=2.0)
    return nn.Sequential(inner, nn.Sequential(OrthoLinear(16, 8), MaxMin()), OrthoLinear(8, n_outputs))


def _frobenius_head(input_shape, n_outputs):
    return LipschitzSequential(OrthoLinear(input_shape[0], 16), MaxMin(), FrobeniusLinear(16, n_outputs))


def _sorted_outputs(input_shape, n_outputs):
    # ends with a parameter-free layer: the constant cannot be folded into a last dense layer
    return LipschitzSequential(OrthoLinear(input_shape[0], n_outputs), FullSort())


FAST = dict(max_epochs=2, batch_size=64, lr=1e-2, random_state=0, device="cpu")
ARCHITECTURES = {
    "mlp_binary": (LipschitzClassifier, dict(hidden_layer_sizes=(8,)), "binary"),
    "mlp_k2.5": (LipschitzClassifier, dict(hidden_layer_sizes=(16,), lipschitz_constant=2.5), "multi"),
    "per_class": (LipschitzClassifier, dict(hidden_layer_sizes=(16,), output_layer="per_class"), "multi"),
    "cnn_flat": (
        LipschitzClassifier,
        dict(architecture="cnn", hidden_layer_sizes=(4,), image_shape=(8, 8)),
        "multi",
    ),
    "cnn_images": (LipschitzClassifier, dict(architecture="cnn", hidden_layer_sizes=(4, 4)), "images"),
    "cnn_aol": (
        LipschitzClassifier,
        dict(architecture="cnn", convolution="aol", hidden_layer_sizes=(4, 4)),
        "images",
    ),
    "callable_nested": (LipschitzClassifier, dict(architecture=_nested, lipschitz_constant=1.5), "multi"),
    "callable_per_class": (
        LipschitzClassifier,
        dict(architecture=_frobenius_head, output_layer="per_class", lipschitz_constant=0.5),
        "multi",
    ),
    "regressor_multi": (
        LipschitzRegressor,
        dict(hidden_layer_sizes=(8,), lipschitz_constant=2.0),
        "regression",
    ),
    "regressor_sorted": (
        LipschitzRegressor,
        dict(architecture=_sorted_outputs, lipschitz_constant=3.0),
        "regression",
    ),
}


def _data(kind, X, y):
    if kind == "binary":
        return X, (y % 2 == 0).astype(int)
    if kind == "images":
        return X.reshape(-1, 1, 8, 8), y
    if kind == "regression":
        return X, np.column_stack([X[:, 20] * 10 + 3, X[:, 30] - X[:, 40] + 100])
    return X, y


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_export_computes_the_trained_network(name, digits_small):
    cls, params, kind = ARCHITECTURES[name]
    X, y = _data(kind, *digits_small)
    est = cls(**params, **FAST).fit(X, y)
    out = est.decision_function(X) if hasattr(est, "decision_function") else est.predict(X)
    plain = est.export()
    assert not any("parametrizations" in n for n, _ in plain.named_modules())
    with torch.no_grad():
        exported = plain(torch.as_tensor(X, dtype=torch.float64)).numpy()
        exported32 = est.export(torch.float32)(torch.as_tensor(X)).numpy()
        trained = est.module_(torch.as_tensor(X)).numpy()  # the constrained network, in float32
    np.testing.assert_array_equal(exported.reshape(out.shape), out)
    if cls is LipschitzRegressor:  # the export includes the de-standardisation of the target
        trained = est.y_mean_ + est.y_scale_ * trained
    tol = 1e-5 * max(1.0, float(np.abs(trained).max()))
    np.testing.assert_allclose(exported32, trained, atol=tol, rtol=0)
    np.testing.assert_allclose(exported, trained, atol=tol, rtol=0)
    bound = lipschitz_bound(plain, input_shape=est.input_shape_)
    assert bound == pytest.approx(est.lipschitz_bound_, rel=1e-12)


class _Skip(nn.Sequential):
    """x + g(x): a residual block, not the chain of its layers."""

    def forward(self, x):
        return x + super().forward(x)


class _BoundedSkip(_Skip):
    def lipschitz_bound(self):
        return 1.0 + lipschitz_bound(nn.Sequential(*self))


def _skip_net(input_shape, n_outputs):
    d = input_shape[0]
    return LipschitzSequential(_Skip(OrthoLinear(d, d), MaxMin()), OrthoLinear(d, n_outputs))


def test_custom_forward_is_refused_not_exported_as_another_network(digits_small):
    X, y = digits_small
    with pytest.raises(ValueError, match="overrides nn.Sequential.forward"):
        LipschitzClassifier(architecture=_skip_net, **FAST).fit(X, y)
    net = _skip_net((64,), 10).eval()
    x = torch.as_tensor(X[:50])
    # the chain of the layers is another function: an export layer by layer would be wrong
    with torch.no_grad():
        assert not torch.allclose(net(x), nn.Sequential(*net[0], net[1])(x), atol=1e-2)
    with pytest.raises(ValueError, match="overrides nn.Sequential.forward"):
        export(net)
    with pytest.raises(ValueError, match="overrides nn.Sequential.forward"):
        lipschitz_bound(net)
    # a block that bounds itself is bounded by its own method, but still cannot be exported exactly
    bounded = LipschitzSequential(_BoundedSkip(OrthoLinear(64, 64), MaxMin()), OrthoLinear(64, 10))
    assert lipschitz_bound(bounded) == pytest.approx(2.0, rel=1e-3)
    with pytest.raises(ValueError, match="overrides nn.Sequential.forward"):
        export(bounded)


def test_per_class_with_two_classes_warns_and_uses_the_orthonormal_head(digits_small):
    X, y = digits_small
    yb = (y % 2 == 0).astype(int)
    params = dict(hidden_layer_sizes=(8,), **FAST)
    with pytest.warns(UserWarning, match="per_class"):
        per_class = LipschitzClassifier(output_layer="per_class", **params).fit(X, yb)
    ortho = LipschitzClassifier(**params).fit(X, yb)
    np.testing.assert_array_equal(per_class.decision_function(X), ortho.decision_function(X))
    np.testing.assert_array_equal(per_class.certified_radius(X), ortho.certified_radius(X))


def test_per_class_with_a_callable_architecture(digits_small):
    X, y = digits_small
    clf = LipschitzClassifier(architecture=_frobenius_head, output_layer="per_class", **FAST).fit(X, y)
    # each logit is L-Lipschitz with L = certificate_constant_: checked on random pairs
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(400, 64)), rng.normal(size=(400, 64))
    dist = np.linalg.norm(A - B, axis=1)[:, None]
    ratio = np.abs(clf.decision_function(A) - clf.decision_function(B)) / dist
    assert ratio.max() <= clf.certificate_constant_ * (1 + 1e-9)
    f = np.sort(clf.decision_function(X), axis=1)
    np.testing.assert_allclose(
        clf.certified_radius(X), (f[:, -1] - f[:, -2]) / (2 * clf.certificate_constant_), rtol=1e-12
    )
    # a network whose last layer is not dense has no per-class certificate: a clear error
    with pytest.raises(ValueError, match="last layer is dense"):
        LipschitzClassifier(architecture=_sorted_outputs, output_layer="per_class", **FAST).fit(X, y)


def test_convolutions_export_cannot_reproduce_are_refused():
    from torch.nn.utils import parametrize

    from sklot.lipschitz.layers import OrthonormalWeight

    for conv in (nn.Conv2d(2, 4, 3, groups=2), nn.Conv2d(2, 4, 3, dilation=2)):
        parametrize.register_parametrization(conv, "weight", OrthonormalWeight(conv.weight.shape))
        with pytest.raises(ValueError, match="grouped, dilated"):
            export(nn.Sequential(conv))
