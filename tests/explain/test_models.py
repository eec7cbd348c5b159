"""The metrics accept a fitted sklot classifier, a bare torch module and a fitted skorch wrapper alike."""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from sklot.explain import counterfactual_success, deletion_auc, insertion_auc, max_sensitivity, mu_fidelity
from sklot.lipschitz import LipschitzClassifier


def test_lipschitz_classifier_is_its_exported_module(lipschitz_clf, digits_split):
    _, Xte, _, yte = digits_split
    X, y = Xte[:12], yte[:12]
    clf = lipschitz_clf
    E = clf.explain(X)
    mod = clf.export()  # float64 plain torch copy: same function as decision_function
    idx = np.searchsorted(clf.classes_, y)
    for metric, kw in [(deletion_auc, {"n_steps": 16}), (insertion_auc, {"n_steps": 16}),
                       (mu_fidelity, {"random_state": 0, "n_subsets": 32}),
                       (max_sensitivity, {"random_state": 0, "n_samples": 3})]:
        a = metric(clf, X, E, **kw)
        b = metric(mod, X.astype(np.float64), E, **kw)
        np.testing.assert_allclose(a, b, rtol=1e-9, err_msg=metric.__name__)
        # y given as the classifier's labels is encoded; the predicted class is the default
        pred = clf.predict(X)
        np.testing.assert_allclose(metric(clf, X, E, y=pred, **kw), a, rtol=1e-9, err_msg=metric.__name__)
        np.testing.assert_allclose(metric(clf, X, E, y=y, **kw), metric(mod, X, E, y=idx, **kw), rtol=1e-9)
    with pytest.raises(ValueError, match="unknown to the model"):
        deletion_auc(clf, X, E, y=np.zeros(len(X), int))
    # the saliency of a Lipschitz net deletes the evidence faster than a random ranking
    R = np.random.default_rng(0).normal(size=X.shape)
    assert np.mean(deletion_auc(clf, X, E, n_steps=16)) < np.mean(deletion_auc(clf, X, R, n_steps=16))


def test_unfitted_models_and_regressors_raise():
    X = np.zeros((2, 4))
    with pytest.raises(NotFittedError):
        deletion_auc(LipschitzClassifier(), X, X)
    from sklot.lipschitz import LipschitzRegressor

    rng = np.random.default_rng(0)
    reg = LipschitzRegressor(hidden_layer_sizes=(4,), max_epochs=1, random_state=0, device="cpu")
    reg.fit(rng.normal(size=(20, 4)), rng.normal(size=20))
    with pytest.raises(TypeError, match="classifier"):
        deletion_auc(reg, X, X)
    skorch = pytest.importorskip("skorch")
    net = skorch.NeuralNetClassifier(torch.nn.Linear(4, 2))
    with pytest.raises(NotFittedError):
        deletion_auc(net, X, X)


def test_skorch_wrapper_is_its_module(digits_split):
    skorch = pytest.importorskip("skorch")
    Xtr, Xte, ytr, _ = digits_split
    torch.manual_seed(0)
    net = skorch.NeuralNetClassifier(
        torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10)),
        criterion=torch.nn.CrossEntropyLoss, max_epochs=2, lr=0.1, train_split=None, verbose=0,
    ).fit(Xtr, (ytr - 10).astype(np.int64))
    X = Xte[:10]
    E = np.random.default_rng(1).normal(size=X.shape)
    np.testing.assert_allclose(deletion_auc(net, X, E, n_steps=8), deletion_auc(net.module_, X, E, n_steps=8))
    X_cf = X + 0.5
    np.testing.assert_array_equal(counterfactual_success(net, X, X_cf, target=3),
                                  net.predict(X_cf) == 3)
