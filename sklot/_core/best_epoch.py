"""Best-epoch restore: score the model on held-out data after every epoch, end at the best one.

The retrospective form of early stopping (Prechelt 1998, "Early stopping -- but when?"): the
fit runs all its epochs, a held-out criterion is evaluated before the first epoch and after each
one, and the module's weights at the best evaluation are loaded at the end. Unlike skorch's
``EarlyStopping`` (patience, then the best *epoch* restored), the starting point counts as a
candidate: the fitted model is never worse on the criterion than the one training started from,
which matters when that start is already a good estimator (a warm start) and the training curve
is not monotone (a minimax game), so that "no improvement for k epochs" is no sign that none
will come.
"""

import copy
import math

from skorch.callbacks import Callback

__all__ = ["BestEpochRestore"]


class BestEpochRestore(Callback):
    """skorch callback: keep the module's weights at the lowest held-out criterion, load them at the end.

    Parameters
    ----------
    criterion : callable ``net -> float``
        Lower is better; evaluated (under ``torch.no_grad``, the module in eval mode) before the
        first epoch and after each epoch.
    key : str, default="valid_criterion"
        History key of the per-epoch value; ``key + "_best"`` records whether the epoch improved
        on every earlier evaluation (the start included).

    Attributes
    ----------
    curve_ : list of float
        The criterion before training (entry 0) and after each epoch.
    best_epoch_ : int
        Index into ``curve_`` of the restored weights (0: the starting weights).
    """

    def __init__(self, criterion, key="valid_criterion"):
        self.criterion = criterion
        self.key = key

    def _evaluate(self, net):
        import torch

        module = net.module_
        was_training = module.training
        module.eval()
        with torch.no_grad():
            value = float(self.criterion(net))
        module.train(was_training)
        return value  # a NaN never compares as better: the earlier best stays

    def _keep(self, net, value):
        self.best_value_ = value
        self.best_epoch_ = len(self.curve_) - 1
        self.best_state_ = copy.deepcopy(net.module_.state_dict())

    def on_train_begin(self, net, **kwargs):
        value = self._evaluate(net)
        self.curve_ = [value]
        self.best_value_ = math.inf
        self._keep(net, value)

    def on_epoch_end(self, net, **kwargs):
        value = self._evaluate(net)
        self.curve_.append(value)
        better = value < self.best_value_
        if better:
            self._keep(net, value)
        net.history.record(self.key, value)
        net.history.record(self.key + "_best", bool(better))

    def on_train_end(self, net, **kwargs):
        net.module_.load_state_dict(self.best_state_)
