"""Data-parallel training on the engine: 2 gloo processes == 1 process on the same global batches."""

import numpy as np
import pytest
import torch

from sklot._core.distributed import data_parallel_world, run_data_parallel, shard_bounds


def _mlp_fit():
    from sklot._core.training import make_net

    rng = np.random.default_rng(0)
    X = rng.normal(size=(101, 5)).astype(np.float32)  # 101 rows, batches of 32: last batch 5 = 2 + 3
    y = (X @ np.arange(1, 6) + np.sin(X[:, 0])).astype(np.float32)[:, None]
    module = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    net = make_net(module, torch.nn.MSELoss(), device="cpu", seed=3, max_epochs=4, batch_size=32, lr=1e-2)
    net.fit(X, y)
    state = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
    return state, list(net.history[:, "train_loss"])


def _aim_fit():
    from sklearn.datasets import load_digits

    from sklot.vision import AutoregressiveImageEncoder

    digits = load_digits()
    X, captions = digits.data[:90], [f"digit {d}" for d in digits.target[:90]]
    enc = AutoregressiveImageEncoder(
        patch_size=4, embed_dim=8, depth=1, n_heads=2, decoder_dim=8, decoder_depth=1,
        image_shape=(8, 8), max_epochs=2, batch_size=32, device="cpu", random_state=0,
    ).fit(X, captions=captions)
    return enc.transform(X[:10]), [h["train_loss"] for h in enc.history_]


def _both():
    rank, world = data_parallel_world()
    return world, _mlp_fit(), _aim_fit()


def test_shard_bounds_cover_the_batch():
    for n in (1, 5, 32):
        for world in (1, 2, 3):
            spans = [shard_bounds(n, r, world) for r in range(world)]
            assert spans[0][0] == 0 and spans[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
            assert max(h - lo for lo, h in spans) - min(h - lo for lo, h in spans) <= 1


def test_sharded_iterator_yields_the_slices_of_the_global_batches():
    from sklot._core.random import torch_generator
    from sklot._core.training import ArrayBatchIterator

    X = torch.arange(11.0)[:, None]
    full = list(ArrayBatchIterator(X, None, 4, shuffle=True, generator=torch_generator(0)))
    parts = [list(ArrayBatchIterator(X, None, 4, shuffle=True, generator=torch_generator(0), shard=(r, 2)))
             for r in range(2)]
    assert len(parts[0]) == len(parts[1]) == len(full) == 3
    for b, (xb, _) in enumerate(full):
        torch.testing.assert_close(torch.cat([parts[0][b][0], parts[1][b][0]]), xb)
    it = ArrayBatchIterator(X, None, 4, shard=(1, 2))
    spans = [it.span_ for _ in it]
    assert spans == [(2, 4, 4), (2, 4, 4), (1, 3, 3)]


@pytest.mark.slow  # two spawned processes import torch and sklot: about a minute on a busy machine
def test_two_gloo_processes_equal_one_process():
    world, (state_2, losses_2), (feats_2, aim_losses_2) = run_data_parallel(_both, n_processes=2)
    assert world == 2
    state_1, losses_1 = _mlp_fit()
    feats_1, aim_losses_1 = _aim_fit()
    # the same model up to float32 summation order (a sum of two half-batch gradients)
    for k in state_1:
        torch.testing.assert_close(state_2[k], state_1[k], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(losses_2, losses_1, rtol=1e-4)
    np.testing.assert_allclose(feats_2, feats_1, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(aim_losses_2, aim_losses_1, rtol=1e-4)
    # the losses are those of one process to float32 rounding; training did move them
    assert losses_1[-1] < losses_1[0]


@pytest.mark.slow
def test_run_data_parallel_reports_worker_errors():
    with pytest.raises(RuntimeError, match="rank"):
        run_data_parallel(_raise, n_processes=2, timeout=120)
    with pytest.raises(ValueError, match="n_processes"):
        run_data_parallel(_both, n_processes=0)


def _raise():
    raise ValueError("boom")
