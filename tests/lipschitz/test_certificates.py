import numpy as np
import pytest
import torch

from sklot.lipschitz import LipschitzClassifier, certified_radius, verified_robust_accuracy
from sklot.lipschitz.explain import margin_function


def test_certified_radius_formulas():
    f = np.array([[3.0, 1.0, 0.5], [0.0, 2.0, 1.5]])
    np.testing.assert_allclose(
        certified_radius(f, lipschitz_constant=2.0), [2.0 / (np.sqrt(2) * 2), 0.5 / (np.sqrt(2) * 2)]
    )
    np.testing.assert_allclose(certified_radius(f, per_class=True), [1.0, 0.25])
    # radius for the true class: negative when misclassified
    np.testing.assert_allclose(certified_radius(f, y=[1, 1]), [-2.0 / np.sqrt(2), 0.5 / np.sqrt(2)])
    np.testing.assert_allclose(certified_radius([0.3, -2.0], lipschitz_constant=0.5), [0.6, 4.0])
    assert verified_robust_accuracy(f, [0, 1], eps=0.3) == 1.0
    assert verified_robust_accuracy(f, [0, 1], eps=0.4) == 0.5
    with pytest.raises(ValueError, match="lipschitz_constant"):
        certified_radius(f, lipschitz_constant=0.0)


def _pgd_l2(module, x, cls, radius, steps=30, restarts=2, seed=0):
    """Strongest L2 PGD we can afford: minimise the margin of ``cls`` inside the ball."""
    gen = torch.Generator().manual_seed(seed)
    r = radius.reshape(-1, *([1] * (x.ndim - 1)))
    best = margin_function(module(x), cls).detach()
    for _ in range(restarts):
        delta = torch.randn(x.shape, generator=gen)
        delta = (
            delta
            / delta.reshape(len(x), -1).norm(dim=1).reshape(r.shape)
            * r
            * torch.rand(r.shape, generator=gen)
        )
        for _ in range(steps):
            delta.requires_grad_(True)
            m = margin_function(module(x + delta), cls)
            (g,) = torch.autograd.grad(m.sum(), delta)
            g = g / g.reshape(len(x), -1).norm(dim=1).clamp_min(1e-12).reshape(r.shape)
            delta = delta.detach() - 2.5 * r / steps * g
            norm = delta.reshape(len(x), -1).norm(dim=1).reshape(r.shape)
            delta = delta * torch.clamp(r / norm.clamp_min(1e-12), max=1.0)
            with torch.no_grad():
                best = torch.minimum(best, margin_function(module(x + delta), cls))
    return best


def test_no_pgd_attack_breaks_a_certificate_multiclass(digits_clf, digits_split):
    _, Xte, _, _ = digits_split
    X = Xte[:60]
    clf = digits_clf
    radius = clf.certified_radius(X)
    assert radius.mean() > 0.05  # non-trivial certificates
    mod = clf.export()
    x = torch.as_tensor(X, dtype=torch.float64)
    cls = torch.as_tensor(clf.decision_function(X).argmax(1))
    worst_margin = _pgd_l2(mod, x, cls, torch.as_tensor(radius * (1 - 1e-4)))
    assert (worst_margin > 0).all(), "an attack found an adversarial example inside a certified radius"
    # and the attack is not toothless: at 3x the radius it succeeds somewhere
    worst_far = _pgd_l2(mod, x, cls, torch.as_tensor(radius * 3.0))
    assert (worst_far < 0).any()


def test_no_pgd_attack_breaks_a_certificate_binary():
    from sklearn.datasets import make_moons

    X, y = make_moons(300, noise=0.15, random_state=0)
    clf = LipschitzClassifier(
        hidden_layer_sizes=(32, 32), max_epochs=20, batch_size=150, lr=2e-2, random_state=0, device="cpu"
    )
    clf.fit(X, y)
    X32 = X.astype(np.float32)
    radius = clf.certified_radius(X32)
    f = clf.decision_function(X32)
    np.testing.assert_allclose(radius, np.abs(f) / clf.certificate_constant_, rtol=1e-6)
    cls = torch.as_tensor((f > 0).astype(np.int64))
    worst = _pgd_l2(
        clf.export(), torch.as_tensor(X32, dtype=torch.float64), cls, torch.as_tensor(radius * (1 - 1e-4))
    )
    assert (worst > 0).all()


def test_per_class_head_certificate_and_attack(digits_split):
    Xtr, Xte, ytr, yte = digits_split
    clf = LipschitzClassifier(
        hidden_layer_sizes=(32,),
        output_layer="per_class",
        max_epochs=3,
        batch_size=128,
        lr=5e-3,
        random_state=0,
        device="cpu",
    ).fit(Xtr, ytr)
    X = Xte[:80]
    f = clf.decision_function(X)
    s = np.sort(f, axis=1)
    np.testing.assert_allclose(
        clf.certified_radius(X), (s[:, -1] - s[:, -2]) / (2 * clf.certificate_constant_), rtol=1e-6
    )
    cls = torch.as_tensor(f.argmax(1))
    worst = _pgd_l2(
        clf.export(),
        torch.as_tensor(X, dtype=torch.float64),
        cls,
        torch.as_tensor(clf.certified_radius(X) * (1 - 1e-4)),
    )
    assert (worst > 0).all()


def test_score_certified_is_vra(digits_clf, digits_split):
    _, Xte, _, yte = digits_split
    clf = digits_clf
    r_true = certified_radius(
        clf.decision_function(Xte),
        lipschitz_constant=clf.certificate_constant_,
        y=np.searchsorted(clf.classes_, yte),
    )
    for eps in (0.0, 0.1, 0.3):
        assert clf.score_certified(Xte, yte, eps) == pytest.approx(np.mean(r_true > eps))
    assert clf.score_certified(Xte, yte, 0.0) == pytest.approx(clf.score(Xte, yte))
    assert clf.score_certified(Xte, yte, 0.3) <= clf.score_certified(Xte, yte, 0.1)


@pytest.mark.parametrize("convolution", ["orthonormal", "aol"])
def test_cnn_certificates_with_the_tight_convolution_bound(convolution, digits_split):
    # the "cnn" certificates use each convolution's bound on its input grid: tighter than the
    # shape-free product of layer bounds (larger radii), and still unbroken by an attack, while
    # the attack succeeds at 3x the radius
    from sklot.lipschitz import lipschitz_bound

    Xtr, Xte, ytr, _ = digits_split
    clf = LipschitzClassifier(
        architecture="cnn", convolution=convolution, hidden_layer_sizes=(8, 16), max_epochs=4,
        batch_size=128, lr=1e-2, random_state=0, device="cpu",
    ).fit(Xtr.reshape(-1, 1, 8, 8), ytr)
    X = Xte[:60].reshape(-1, 1, 8, 8)
    assert clf.lipschitz_bound_ < 0.999 * lipschitz_bound(clf.exported_module_)
    radius = clf.certified_radius(X)
    mod = clf.export()
    x = torch.as_tensor(X, dtype=torch.float64)
    cls = torch.as_tensor(clf.decision_function(X).argmax(1))
    assert (_pgd_l2(mod, x, cls, torch.as_tensor(radius * (1 - 1e-4))) > 0).all()
    assert (_pgd_l2(mod, x, cls, torch.as_tensor(radius * 3.0)) < 0).any()
