import numpy as np
import pytest
import torch

from sklot.lipschitz import losses

rng = np.random.default_rng(0)


def _binary(n=40):
    f = rng.normal(size=n)
    y = rng.choice([-1.0, 1.0], size=n)
    return f, y


def _multi(n=30, k=4):
    return rng.normal(size=(n, k)), rng.integers(0, k, size=n)


def T(a, dtype=torch.float64):
    return torch.as_tensor(a, dtype=dtype)


def test_kr_binary_formula():
    f, y = _binary()
    expected = f[y > 0].mean() - f[y < 0].mean()
    assert float(losses.kr(T(f), T(y))) == pytest.approx(expected)
    # {0, 1} labels mean the same thing, (n, 1) predictions too
    assert float(losses.kr(T(f)[:, None], T((y > 0).astype(float)))) == pytest.approx(expected)
    assert float(losses.KRLoss()(T(f), T(y))) == pytest.approx(-expected)


def test_kr_multiclass_formula():
    f, y = _multi()
    per_class = [f[y == k, k].mean() - f[y != k, k].mean() for k in range(f.shape[1])]
    assert float(losses.kr(T(f), torch.as_tensor(y))) == pytest.approx(np.mean(per_class))


@pytest.mark.parametrize("m", [0.1, 1.0])
def test_hinge_binary_formula(m):
    f, y = _binary()
    expected = np.mean(np.maximum(0.0, m / 2 - y * f))
    assert float(losses.hinge_margin_loss(T(f), T(y), m)) == pytest.approx(expected)


def test_hinge_multiclass_formula():
    f, y = _multi()
    n, K = f.shape
    total = 0.0
    for i in range(n):
        row = 0.0
        for k in range(K):
            s = 1.0 if y[i] == k else -1.0
            h = max(0.0, 0.5 / 2 - s * f[i, k])
            row += h * (K - 1) if s > 0 else h
        total += row / K
    assert float(losses.hinge_margin_loss(T(f), torch.as_tensor(y), 0.5)) == pytest.approx(total / n)


@pytest.mark.parametrize("alpha", [0.0, 0.9, 1.0])
def test_hkr_is_alpha_hinge_minus_kr(alpha):
    for f, y in (_binary(), _multi()):
        yt = T(y) if f.ndim == 1 else torch.as_tensor(y)
        expected = alpha * float(losses.hinge_margin_loss(T(f), yt, 0.3)) - (1 - alpha) * float(
            losses.kr(T(f), yt)
        )
        assert float(losses.HKRLoss(alpha=alpha, margin=0.3)(T(f), yt)) == pytest.approx(expected)
    with pytest.raises(ValueError, match="alpha"):
        losses.hkr_loss(T(f), yt, alpha=1.5)


def test_multiclass_hinge_formula():
    f, y = _multi()
    expected = np.mean([max(0.0, 0.7 - (f[i, y[i]] - np.delete(f[i], y[i]).max())) for i in range(len(y))])
    assert float(losses.MulticlassHingeLoss(0.7)(T(f), torch.as_tensor(y))) == pytest.approx(expected)


def test_tau_cross_entropy_formula():
    f, y = _multi()
    tau = 4.0
    z = tau * f
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    expected = -np.mean(logp[np.arange(len(y)), y]) / tau
    assert float(losses.TauCrossEntropyLoss(tau)(T(f), torch.as_tensor(y))) == pytest.approx(expected)
    fb, yb = _binary()
    expected_b = np.mean(np.log1p(np.exp(-tau * yb * fb))) / tau
    assert float(losses.tau_cross_entropy_loss(T(fb), T(yb), tau)) == pytest.approx(expected_b)


def test_losses_match_deel_torchlip_when_installed():
    tl = pytest.importorskip("deel.torchlip")
    f, y = _multi(n=64, k=10)
    onehot = torch.nn.functional.one_hot(torch.as_tensor(y), 10).double()
    ours = float(losses.HKRLoss(alpha=0.9, margin=0.4)(T(f), torch.as_tensor(y)))
    theirs = float(tl.HKRMulticlassLoss(alpha=0.9, min_margin=0.4)(T(f), onehot))
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_loss_input_errors():
    with pytest.raises(ValueError, match="entries"):
        losses.hinge_margin_loss(torch.zeros(4), torch.zeros(3))
    with pytest.raises(ValueError, match="multiclass_hinge_loss"):
        losses.multiclass_hinge_loss(torch.zeros(4), torch.zeros(4))
    with pytest.raises(ValueError, match="tau"):
        losses.tau_cross_entropy_loss(torch.zeros(4), torch.zeros(4), tau=0.0)
