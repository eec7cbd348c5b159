"""The one cosine-annealing formula (sklot/_core/schedules.py)."""

import numpy as np
import torch

from sklot._core.schedules import CosineAnnealingPerStep, cosine_factor


def test_cosine_factor_matches_torch_cosine_annealing_over_one_cycle():
    # torch's CosineAnnealingLR (recursive form) is the independent reference
    total, lr, final = 40, 0.5, 0.1
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    ref = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total, eta_min=lr * final)
    torch_lrs = []
    for _ in range(total + 1):
        torch_lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    ours = [lr * cosine_factor(s, total, final=final) for s in range(total + 1)]
    np.testing.assert_allclose(ours, torch_lrs, rtol=1e-12, atol=1e-15)
    assert cosine_factor(total + 5, total, final=final) == final  # no restart after the cycle


def test_per_step_callback_uses_the_same_formula():
    from sklot._core.training import make_net

    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X.sum(1, keepdims=True)
    net = make_net(
        torch.nn.Linear(3, 1),
        torch.nn.MSELoss,
        device="cpu",
        seed=0,
        max_epochs=4,
        batch_size=10,
        lr=0.2,
        optimizer=torch.optim.SGD,
        callbacks=[("lr", CosineAnnealingPerStep())],
    ).fit(X, y)
    # 4 batches per epoch, 16 steps: the first step of epoch t is step 4 t
    first = [row["event_lr"] for row in net.history]
    np.testing.assert_allclose(first, [0.2 * cosine_factor(4 * t, 16) for t in range(4)], rtol=1e-12)
    assert net.history[-1]["event_lr_last"] == 0.2 * cosine_factor(15, 16)
