"""The metrics run on the model's device and give the CPU's answers (skipped without CUDA)."""

import copy

import numpy as np
import pytest
import torch

from sklot.explain import deletion_auc, insertion_auc, max_sensitivity, mu_fidelity

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def test_metrics_on_cuda_match_cpu():
    torch.manual_seed(0)
    cpu = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4)).double()
    gpu = copy.deepcopy(cpu).cuda()
    rng = np.random.default_rng(0)
    X, E = rng.normal(size=(30, 20)), rng.normal(size=(30, 20))
    for metric, kw in [(deletion_auc, {}), (insertion_auc, {"score": "kept"}),
                       (mu_fidelity, {"random_state": 0}), (max_sensitivity, {"random_state": 0})]:
        np.testing.assert_allclose(metric(gpu, X, E, **kw), metric(cpu, X, E, **kw), rtol=1e-9, atol=1e-12)
