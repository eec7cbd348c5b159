import numpy as np
import pytest
import torch

from sklot.lipschitz.explain import saliency_map
from sklot.explain import deletion_auc, insertion_auc, max_sensitivity, mu_fidelity, sparseness


def _linear(W, b):
    W = np.atleast_2d(W)
    lin = torch.nn.Linear(W.shape[1], W.shape[0]).double()
    with torch.no_grad():
        lin.weight.copy_(torch.as_tensor(W))
        lin.bias.copy_(torch.as_tensor(np.atleast_1d(b)))
    return lin


class _Scaled(torch.nn.Module):
    def __init__(self, module, a):
        super().__init__()
        self.module, self.a = module, a

    def forward(self, x):
        return self.a * self.module(x)


@pytest.fixture
def binary_linear():
    rng = np.random.default_rng(0)
    d = 12
    w, b = rng.normal(size=d), 0.3
    X = rng.normal(size=(20, d))
    return _linear(w, b), w, b, X


def _closed_form_curve(w, b, x, e, insert):
    """Binary linear f = w.x + b, baseline 0: after changing the top-k features the margin is a sum."""
    f = w @ x + b
    order = np.argsort(-e, kind="stable")
    contrib = (w * x)[order]
    d = len(x)
    curve = []
    for k in range(d + 1):
        kept = contrib[:k].sum() if insert else contrib[k:].sum()
        curve.append((b + kept) / f)  # margin of the predicted class over its intact value (sign cancels)
    return np.trapezoid(curve, np.arange(d + 1) / d)


@pytest.mark.parametrize("insert", [False, True])
def test_deletion_insertion_closed_form_linear(binary_linear, insert):
    lin, w, b, X = binary_linear
    rng = np.random.default_rng(1)
    for E in (w * X, rng.normal(size=X.shape)):  # gradient x input, and an arbitrary ranking
        metric = insertion_auc if insert else deletion_auc
        got = metric(lin, X, E)
        want = [_closed_form_curve(w, b, x, e, insert) for x, e in zip(X, E)]
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_deletion_steps_and_kept_score_multiclass():
    rng = np.random.default_rng(2)
    d, K = 8, 3
    W, b = rng.normal(size=(K, d)), rng.normal(size=K)
    X = rng.normal(size=(15, d))
    E = rng.normal(size=X.shape)
    lin = _linear(W, b)
    got = deletion_auc(lin, X, E, score="kept", n_steps=4, baseline=0.5)
    ks = np.round(np.linspace(0, d, 5)).astype(int)
    want = []
    for x, e in zip(X, E):
        c = np.argmax(W @ x + b)
        order = np.argsort(-e, kind="stable")
        curve = []
        for k in ks:
            xp = x.copy()
            xp[order[:k]] = 0.5
            curve.append(float(np.argmax(W @ xp + b) == c))
        want.append(np.trapezoid(curve, ks / d))
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_gradient_x_input_beats_reversed_ranking(binary_linear):
    lin, w, b, X = binary_linear
    s = np.sign(X @ w + b)[:, None]  # explain the predicted class
    good = s * w * X
    assert (deletion_auc(lin, X, good) < deletion_auc(lin, X, -good)).all()
    assert (insertion_auc(lin, X, good) > insertion_auc(lin, X, -good)).all()


def test_mu_fidelity_linear_closed_form():
    rng = np.random.default_rng(3)
    d, K = 10, 4
    W, b = rng.normal(size=(K, d)), rng.normal(size=K)
    X = rng.normal(size=(12, d))
    lin = _linear(W, b)
    y = rng.integers(0, K, len(X))
    # the logit drop when the subset S goes to 0 is exactly sum_{i in S} W_yi x_i: correlation 1 (-1 reversed)
    E = W[y] * X
    np.testing.assert_allclose(mu_fidelity(lin, X, E, y, random_state=0), 1.0, atol=1e-10)
    np.testing.assert_allclose(mu_fidelity(lin, X, -E, y, random_state=0), -1.0, atol=1e-10)
    # the plain gradient W_y is not fully faithful at baseline 0 unless x is constant
    assert (mu_fidelity(lin, X, np.broadcast_to(W[y], X.shape), y, random_state=0) < 0.999).all()
    assert np.isnan(mu_fidelity(lin, X, np.zeros_like(X), y, random_state=0)).all()


def test_mu_fidelity_binary_sign_and_baseline(binary_linear):
    lin, w, b, X = binary_linear
    base = np.linspace(-1, 1, X.shape[1])
    # class 0 of a one-output model has logit -f; its drop is -sum_S w_i (x_i - base_i)
    E = -w * (X - base)
    got = mu_fidelity(lin, X, E, y=np.zeros(len(X), int), baseline=base, subset_size=3, random_state=1)
    np.testing.assert_allclose(got, 1.0, atol=1e-10)


def test_scores_do_not_reward_a_small_output_scale(binary_linear):
    lin, w, b, X = binary_linear
    E = np.random.default_rng(4).normal(size=X.shape)
    small = _Scaled(lin, 1e-3)
    for metric, kw in [(deletion_auc, {}), (insertion_auc, {}), (deletion_auc, {"score": "kept"}),
                       (mu_fidelity, {"random_state": 0})]:
        np.testing.assert_allclose(metric(small, X, E, **kw), metric(lin, X, E, **kw), rtol=1e-8,
                                   err_msg=metric.__name__)
    # max-sensitivity of each model's own gradient (scaled with it) on a non-linear model
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    G = saliency_map(mlp, torch.as_tensor(X)).numpy()
    big = max_sensitivity(mlp, X, G, random_state=0)
    assert (big > 1e-3).all()
    small_ms = max_sensitivity(_Scaled(mlp, 1e-3), X, 1e-3 * G, random_state=0)
    np.testing.assert_allclose(small_ms, big, rtol=1e-8)


def test_max_sensitivity_closed_forms(binary_linear):
    lin, w, b, X = binary_linear
    y = np.ones(len(X), int)
    grad = np.broadcast_to(w, X.shape)
    # the gradient of a linear model does not change with x
    np.testing.assert_allclose(max_sensitivity(lin, X, grad, y, random_state=0), 0.0, atol=1e-12)
    # an explanation constant in x: 0 whatever the model
    const = np.ones_like(X)
    np.testing.assert_array_equal(
        max_sensitivity(lin, X, const, y, explain_func=lambda m, x, yy: np.ones_like(x), random_state=0), 0.0
    )

    # quadratic f(x) = a x_0^2 / 2: gradient (a x_0, 0, ...), so the ratio is |delta_0| / |x_0| <= r / |x_0|
    class Quad(torch.nn.Module):
        def forward(self, x):
            return 1.7 * x[:, :1] ** 2 / 2

    Xq = X.copy()
    Xq[:, 0] = np.linspace(0.5, 3.0, len(X))
    r = 0.2
    g0 = np.zeros_like(Xq)
    g0[:, 0] = 1.7 * Xq[:, 0]
    got = max_sensitivity(Quad(), Xq, g0, y, radius=r, n_samples=300, random_state=0)
    bound = r / Xq[:, 0]
    assert (got <= bound * (1 + 1e-12)).all()
    # 300 uniform draws: P(max |delta_0| < 0.97 r) = 0.97^300 < 1e-3 per sample
    assert (got >= 0.97 * bound).all()


def test_sparseness_gini_known_vectors():
    d = 7
    E = np.vstack([np.full(d, 2.5), np.eye(d)[3], -np.eye(d)[0] * 4, np.r_[np.zeros(d - 2), 1.0, 1.0]])
    got = sparseness(None, np.zeros_like(E), E)
    np.testing.assert_allclose(got, [0.0, (d - 1) / d, (d - 1) / d, (d - 2) / d], atol=1e-12)
    assert np.isnan(sparseness(None, np.zeros((1, 3)), np.zeros((1, 3))))[0]


def test_sparseness_matches_quantus():
    quantus = pytest.importorskip("quantus")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6, 1, 4, 4))
    E = rng.normal(size=X.shape) ** 3
    lin = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3)).double()
    q = quantus.Sparseness(abs=True, normalise=False, disable_warnings=True)(
        model=lin, x_batch=X, y_batch=np.zeros(6, int), a_batch=E, device="cpu"
    )
    np.testing.assert_allclose(sparseness(lin, X, E), q, rtol=1e-6)


def test_max_sensitivity_agrees_with_quantus_on_quadratic():
    quantus = pytest.importorskip("quantus")

    class Quad(torch.nn.Module):
        def forward(self, x):
            z = x.reshape(len(x), -1)
            return torch.stack([-(z[:, 0] ** 2), z[:, 0] ** 2], 1)  # class 1 margin: 2 x_0^2

    rng = np.random.default_rng(6)
    X = rng.uniform(1, 2, size=(5, 1, 2, 2))
    y = np.ones(5, int)
    g0 = np.zeros_like(X)
    g0[:, 0, 0, 0] = 4 * X[:, 0, 0, 0]

    def explain(model, inputs, targets, **kw):
        g = np.zeros_like(np.asarray(inputs, dtype=np.float64))
        g[:, 0, 0, 0] = 4 * np.asarray(inputs)[:, 0, 0, 0]
        return g

    r = 0.1
    q = quantus.MaxSensitivity(nr_samples=200, lower_bound=r, disable_warnings=True)(
        model=Quad(), x_batch=X, y_batch=y, a_batch=g0, explain_func=explain, device="cpu"
    )
    ours = max_sensitivity(Quad(), X, g0, y, radius=r, n_samples=200, random_state=0)
    # both estimate max |delta_0| / x_0 = r / x_0 from 200 draws: within 3% of it and of each other
    bound = r / X[:, 0, 0, 0]
    np.testing.assert_allclose(q, bound, rtol=0.03)
    np.testing.assert_allclose(ours, bound, rtol=0.03)


def test_bad_inputs_raise():
    lin = _linear(np.ones(3), 0.0)
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="shape of X"):
        deletion_auc(lin, X, np.ones((2, 4)))
    with pytest.raises(ValueError, match="score"):
        deletion_auc(lin, X, X, score="prob")
    with pytest.raises(ValueError, match="baseline"):
        insertion_auc(lin, X, X, baseline=np.zeros(5))
    with pytest.raises(ValueError, match="subset_size"):
        mu_fidelity(lin, X, X, subset_size=1.5)
    with pytest.raises(ValueError, match="NaN"):
        sparseness(lin, X, np.full((2, 3), np.nan))
    with pytest.raises(TypeError, match="model must be"):
        deletion_auc(object(), X, X)
