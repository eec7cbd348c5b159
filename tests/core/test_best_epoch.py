"""BestEpochRestore: the weights of the lowest held-out criterion (the start included) come back."""

import math

import pytest
import torch
from skorch.callbacks import Callback

from sklot._core.best_epoch import BestEpochRestore

from .test_training import _data, _net, _weights


class Snapshots(Callback):
    """Weights before training (entry 0) and after every epoch, recorded independently."""

    def on_train_begin(self, net, **kwargs):
        self.snaps = [_weights(net).clone()]

    def on_epoch_end(self, net, **kwargs):
        self.snaps.append(_weights(net).clone())


class Scripted:
    """A criterion that returns preset values in turn, and records the module's mode when called."""

    def __init__(self, values):
        self.values, self.calls, self.modes = list(values), 0, []

    def __call__(self, net):
        self.modes.append(net.module_.training)
        self.calls += 1
        return self.values[self.calls - 1]


@pytest.mark.parametrize(
    "values, best",
    [
        ([5.0, 4.0, 2.0, 3.0, 2.0, 6.0], 2),  # a tie later does not replace the first minimum
        ([1.0, 2.0, 3.0, 1.0, 4.0, 5.0], 0),  # the start is the best: the starting weights come back
        ([3.0, math.nan, 2.5, 4.0, 3.0, 2.9], 2),  # a NaN is never the best
        ([5.0, 4.0, 3.0, 2.0, 1.5, 1.0], 5),  # improving to the end: the last epoch stays
    ],
)
def test_restores_the_weights_of_the_best_evaluation(values, best):
    X, y = _data()
    snaps, criterion = Snapshots(), Scripted(values)
    restore = BestEpochRestore(criterion, key="crit")
    net = _net(max_epochs=5, callbacks=[("snaps", snaps), ("restore", restore)]).fit(X, y)
    assert criterion.calls == 6 and restore.best_epoch_ == best
    assert restore.curve_ == pytest.approx(values, nan_ok=True)
    # the epochs' weights differ from each other (so that loading the right ones is tested)
    assert len({tuple(s.tolist()) for s in snaps.snaps}) == 6
    assert torch.equal(_weights(net), snaps.snaps[best])
    assert net.history[:, "crit"] == pytest.approx(values[1:], nan_ok=True)
    improved = [v < min([u for u in values[:i] if u == u]) for i, v in enumerate(values) if i > 0]
    assert net.history[:, "crit_best"] == improved
    # evaluated with the module in eval mode
    assert criterion.modes == [False] * 6
