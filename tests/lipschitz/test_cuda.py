"""CUDA paths (skipped on machines without a GPU)."""

import pickle
from unittest import mock

import numpy as np
import pytest
import torch

from sklot.lipschitz import LipschitzClassifier, export
from sklot.lipschitz.layers import LipschitzSequential, MaxMin, OrthoConv2d, OrthoLinear, reproject_


@pytest.mark.cuda
def test_layers_train_and_export_on_cuda():
    net = LipschitzSequential(
        OrthoConv2d(1, 4, 3, padding=1), MaxMin(), torch.nn.Flatten(), OrthoLinear(4 * 8 * 8, 10)
    ).cuda()
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    x = torch.randn(16, 1, 8, 8, device="cuda")
    for _ in range(3):
        loss = net(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        reproject_(net)
        opt.step()
    net.eval()
    plain = export(net)
    assert next(plain.parameters()).is_cuda
    with torch.no_grad():
        assert torch.allclose(plain(x), net(x), atol=1e-5)
    assert net.lipschitz_bound() <= 1.0 + 1e-3


@pytest.mark.cuda
def test_classifier_fits_on_cuda_and_unpickles_on_cpu(digits_split):
    Xtr, Xte, ytr, yte = digits_split
    clf = LipschitzClassifier(hidden_layer_sizes=(32,), max_epochs=3, device="cuda", random_state=0).fit(
        Xtr, ytr
    )
    ref = clf.decision_function(Xte)
    radius = clf.certified_radius(Xte)
    blob = pickle.dumps(clf)
    with mock.patch("torch.cuda.is_available", return_value=False):
        clf2 = pickle.loads(blob)
        clf2.set_params(device="cpu")
        np.testing.assert_allclose(clf2.decision_function(Xte), ref, atol=1e-6)
        np.testing.assert_allclose(clf2.certified_radius(Xte), radius, atol=1e-6)
