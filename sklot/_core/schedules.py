"""Learning-rate schedules of the shared training engine, as skorch callbacks.

Every estimator trained through :func:`sklot._core.training.make_net` takes its
schedule from here (pass ``callbacks=[(name, Schedule(...))]``), so a new
estimator reuses a schedule rather than writing its own:

* :func:`cosine_factor` -- the one cosine-annealing formula of sklot, used by
  :class:`CosineAnnealingPerStep` and, through ``torch.optim.lr_scheduler.LambdaLR``,
  by the hand-written loop of :class:`~sklot.ConjugateMomentSampler`;
* :class:`CosineAnnealingPerStep` -- cosine annealing updated before every
  training step (the Lipschitz estimators' ``lr_schedule="cosine"``);
* :class:`ReferenceLRDecay` -- the exponential per-epoch decay of the HG2V
  reference code (``LoukasGraphEmbedder(lr_schedule="reference")``).
"""

import math

from skorch.callbacks import Callback

__all__ = ["CosineAnnealingPerStep", "ReferenceLRDecay", "cosine_factor"]


def cosine_factor(step, total_steps, final=0.0):
    r"""Cosine annealing factor from 1 at step 0 to ``final`` at step ``total_steps``.

    .. math::

        f_s = f_\infty + (1 - f_\infty)\,\frac{1 + \cos(\pi \min(s, S) / S)}{2}

    (Loshchilov and Hutter 2017, Eq. 5, one cycle without restart), constant at
    ``final`` after step ``S``.

    Examples
    --------
    >>> from sklot._core.schedules import cosine_factor
    >>> [round(cosine_factor(s, 4, final=0.1), 4) for s in range(6)]
    [1.0, 0.8682, 0.55, 0.2318, 0.1, 0.1]
    """
    s = min(max(int(step), 0), int(total_steps))
    return final + (1.0 - final) * (1.0 + math.cos(math.pi * s / max(int(total_steps), 1))) / 2.0


class CosineAnnealingPerStep(Callback):
    r"""Cosine annealing of every parameter group's rate, updated before each training step.

    .. math::

        \eta_s = \eta_0\,\frac{1 + \cos(\pi s / S)}{2},\qquad s = 0, \dots, S - 1,

    with :math:`S` = ``max_epochs`` times the number of training batches per
    epoch (read from the training set at the first epoch, so a validation
    split is accounted for). At the first step of epoch :math:`t` the rate is
    :math:`\eta_0 (1 + \cos(\pi t / T)) / 2` (:math:`T` = ``max_epochs``),
    recorded as ``event_lr`` in the epoch's history row; the rate of the
    epoch's last step is recorded as ``event_lr_last``. Annealing within each
    epoch (rather than once per epoch) lets short trainings end at a small
    rate: with 3 epochs a per-epoch schedule trains the whole last epoch at
    :math:`\eta_0 / 4`.
    """

    def initialize(self):
        self.step_ = 0
        self.total_steps_ = None
        self.base_lrs_ = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.step_ = 0
        self.total_steps_ = None
        self.base_lrs_ = [group["lr"] for group in net.optimizer_.param_groups]

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        if self.total_steps_ is None:
            n = len(dataset_train) if dataset_train is not None else 1
            per_epoch = max(1, math.ceil(n / net.batch_size)) if net.batch_size and net.batch_size > 0 else 1
            self.total_steps_ = per_epoch * net.max_epochs
        self._first_lr = None

    def _factor(self):
        return cosine_factor(min(self.step_, self.total_steps_ - 1), self.total_steps_)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        f = self._factor()
        for group, lr in zip(net.optimizer_.param_groups, self.base_lrs_):
            group["lr"] = lr * f
        if self._first_lr is None:
            self._first_lr = self.base_lrs_[0] * f
        self._last_lr = self.base_lrs_[0] * f

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            self.step_ += 1

    def on_epoch_end(self, net, **kwargs):
        if self._first_lr is not None:
            net.history.record("event_lr", self._first_lr)
            net.history.record("event_lr_last", self._last_lr)


class ReferenceLRDecay(Callback):
    """Exponential decay ``lr_e = lr_0 * 1.1 ** (-50 e / n_epochs)`` at the start of epoch ``e``.

    This is the schedule of the HG2V reference code (Béthune et al., 2020,
    github.com/Algue-Rythme/GAT-Skip-Gram): the rate falls by a factor
    ``1.1 ** 50 ~ 117`` over ``n_epochs`` epochs. The epoch index is read from
    the net's history, so repeated ``partial_fit`` calls continue the schedule.
    The rate of each epoch is recorded in the history as ``"lr"``.

    Parameters
    ----------
    lr0 : float
    n_epochs : int
    """

    def __init__(self, lr0, n_epochs):
        self.lr0 = lr0
        self.n_epochs = n_epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history) - 1  # skorch appends the new epoch's row before this hook
        lr = self.lr0 * 1.1 ** (-50.0 * epoch / max(self.n_epochs, 1))
        for group in net.optimizer_.param_groups:
            group["lr"] = lr
        net.history.record("lr", lr)
