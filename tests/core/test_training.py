import io
import pickle
import warnings
from contextlib import redirect_stdout
from unittest import mock

import numpy as np
import pytest
import torch
from torch import nn

from sklot._core.training import ArrayBatchIterator, make_net


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(np.int64)
    return X, y


def small_mlp():
    return nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))


def _net(seed=0, module=small_mlp, **kw):
    kw.setdefault("max_epochs", 5)
    return make_net(module, nn.CrossEntropyLoss(), device=torch.device("cpu"), seed=seed, lr=1e-2, batch_size=32, **kw)


def _weights(net):
    return torch.cat([p.detach().flatten() for p in net.module_.parameters()])


def test_same_seed_same_model_bit_for_bit():
    X, y = _data()
    a = _net(seed=3).fit(X, y)
    b = _net(seed=3).fit(X, y)
    c = _net(seed=4).fit(X, y)
    assert torch.equal(_weights(a), _weights(b))
    assert not torch.equal(_weights(a), _weights(c))


def test_instance_module_is_reseeded():
    X, y = _data()
    a = _net(seed=3, module=small_mlp()).fit(X, y)
    b = _net(seed=3, module=small_mlp()).fit(X, y)
    assert torch.equal(_weights(a), _weights(b))


def test_training_learns_and_records_history():
    X, y = _data()
    net = _net(max_epochs=20).fit(X, y)
    losses = net.history[:, "train_loss"]
    assert len(losses) == 20 and losses[-1] < 0.5 * losses[0]
    acc = (net.predict(X).argmax(1) == y).mean()
    assert acc > 0.9


def test_global_rng_untouched():
    X, y = _data()
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    _net().fit(X, y)
    assert torch.equal(torch.rand(2), expected)


def test_early_stopping_stops_and_verbose_prints():
    X, y = _data()
    buf = io.StringIO()
    with redirect_stdout(buf):
        net = _net(max_epochs=500, early_stopping=True, validation_fraction=0.25, n_iter_no_change=3, tol=1e-2, verbose=1)
        net.fit(X, y)
    n_epochs = len(net.history)
    assert n_epochs < 500
    text = buf.getvalue()
    assert "valid_loss" in text and "train_loss" in text and "Stopping since" in text


def test_stratified_validation_split_keeps_classes():
    X, y = _data(n=100)
    net = _net(validation_fraction=0.2, stratified=True, max_epochs=1)
    tr, va = net.initialize().get_split_datasets(X, y)
    assert len(va) == 20 and len(tr) == 80
    assert set(va.y.tolist()) == {0, 1}


def test_unsupervised_loss_receives_only_predictions():
    X, _ = _data()

    class Energy(nn.Module):
        def forward(self, out):
            return (out**2).mean()

    net = make_net(nn.Linear(5, 3), Energy(), device=torch.device("cpu"), seed=0, lr=0.1, max_epochs=30)
    net.fit(X, None)
    assert net.history[-1, "train_loss"] < 1e-2


def test_batch_iterator_covers_every_row_once():
    X = torch.arange(10).float().unsqueeze(1)
    it = ArrayBatchIterator(X, None, 3, shuffle=True, generator=torch.Generator().manual_seed(0))
    seen = torch.cat([xb for xb, _ in it]).squeeze(1)
    assert len(it) == 4
    assert sorted(seen.tolist()) == list(range(10))


def test_pickle_roundtrip_identical_predictions():
    X, y = _data()
    net = _net().fit(X, y)
    net2 = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(net.predict(X), net2.predict(X))


def test_cuda_pickle_loads_on_cpu_only_machine():
    """A net saved with device='cuda' unpickles on a machine without CUDA, mapped to the CPU."""
    X, y = _data()
    net = _net().fit(X, y)
    state = net.__getstate__()
    state["device"] = "cuda"  # what a GPU-trained net carries
    clone = net.__class__.__new__(net.__class__)
    with mock.patch("torch.cuda.is_available", return_value=False), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clone.__setstate__(state)
    assert str(clone.device) == "cpu"
    np.testing.assert_array_equal(clone.predict(X), net.predict(X))


@pytest.mark.cuda
def test_trains_on_cuda_and_unpickles_without_cuda():
    import subprocess
    import sys

    X, y = _data()
    net = make_net(
        nn.Sequential(nn.Linear(5, 2)), nn.CrossEntropyLoss(), device=torch.device("cuda"), seed=0, max_epochs=2
    ).fit(X, y)
    blob = pickle.dumps(net)
    code = (
        "import pickle,sys,numpy as np; net=pickle.loads(sys.stdin.buffer.read()); "
        "print(net.device, np.asarray(net.predict(np.zeros((1,5),dtype=np.float32))).shape)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=blob, capture_output=True, env={"CUDA_VISIBLE_DEVICES": "", "PATH": ""}
    )
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().startswith("cpu")


@pytest.mark.parametrize("fraction", [0.0, 0.25, 1.0])
def test_tail_averaging_callback_loads_the_mean_of_the_last_steps(fraction):
    # Snapshots after every training batch are recorded by an independent callback (added
    # before the averaging one, so it sees the optimiser's iterate, not the average).
    from skorch.callbacks import Callback

    from sklot._core.training import TailAveraging

    class Record(Callback):
        def on_train_begin(self, net, **kwargs):
            self.snaps = []

        def on_batch_end(self, net, training=True, **kwargs):
            if training:
                self.snaps.append([p.detach().clone() for p in net.module_.parameters()])

    X, y = _data()  # 200 rows, batches of 32 -> 7 steps per epoch
    epochs, steps = 3, 3 * 7
    rec = Record()
    net = _net(max_epochs=epochs, callbacks=[("record", rec), ("avg", TailAveraging(fraction, steps))]).fit(X, y)
    assert len(rec.snaps) == steps
    k = max(1, round(fraction * steps))  # fraction 0 keeps the last iterate
    expected = [torch.stack(ps).mean(0) for ps in zip(*rec.snaps[-k:])]
    for p, e in zip(net.module_.parameters(), expected):
        torch.testing.assert_close(p.detach(), e)
    if fraction:
        assert not torch.equal(_weights(net), torch.cat([p.flatten() for p in rec.snaps[-1]]))


def test_tail_average_rejects_fractions_outside_the_unit_interval():
    from sklot._core.averaging import tail_start

    assert tail_start(10, 0.3) == 7
    with pytest.raises(ValueError, match="averaging"):
        tail_start(10, 1.5)


def test_verbose_table_has_no_ansi_codes_when_stdout_is_not_a_terminal(capsys):
    import sys

    import torch

    from sklot._core.training import make_net

    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X.sum(1, keepdims=True).astype(np.float32)
    net = make_net(torch.nn.Linear(3, 1), torch.nn.MSELoss, device="cpu", seed=0, max_epochs=3, verbose=1)
    net.fit(X, y)
    out = capsys.readouterr().out
    assert not sys.stdout.isatty()
    assert "train_loss" in out and out.count("\n") >= 4  # the table was printed
    assert "\x1b[" not in out
