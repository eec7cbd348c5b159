"""The one torch training engine of sklot, built on skorch.

Every estimator that trains a torch module by minibatch gradient descent does
it through :class:`SklotNet` (a :class:`skorch.NeuralNet`), usually built with
:func:`make_net`. What sklot adds to skorch:

* **seeding without side effects**: the module's weights are drawn from a
  :class:`torch.Generator` seeded from ``random_state``
  (:func:`sklot._core.init.build_module`) and so are the minibatches, so the
  same seed gives the same model, bit for bit on the CPU with the same number
  of threads (see :mod:`sklot._core.threads`), two fits in two threads do not
  disturb each other, and the user's global RNG is untouched;
* **a fast array iterator**: when ``X`` (and ``y``) are arrays, batches are
  sliced from device tensors instead of collated sample by sample (skorch's
  default ``Dataset`` + ``DataLoader`` costs about one Python call per sample);
* **unsupervised losses**: ``y=None`` is passed through to ``get_loss``, and
  subclasses override the skorch hooks (``get_loss``, ``train_step_single``,
  ``get_iterator``) rather than copying the loop;
* **pickles that load anywhere**: skorch maps CUDA tensors to the CPU when
  CUDA is absent; sklot loads full modules (``weights_only=False``) because
  its modules carry parametrisations;
* **data-parallel training**: inside a ``torch.distributed`` process group of
  several processes, each rank trains on its slice of every global minibatch
  and the gradients are all-reduced, which gives the model one process gives
  on the same global batches (:mod:`sklot._core.distributed`); outside one,
  nothing changes.

Why skorch: it already gives early stopping, a printed progress table
(``verbose``), a per-epoch/per-batch ``history`` and device-portable pickling,
which are exactly the services an sklot estimator needs from its engine.
"""

import re
import sys

import numpy as np
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, PrintLog
from skorch.dataset import Dataset, ValidSplit

from .averaging import TailAverage, tail_start
from .distributed import (
    all_reduce_gradients,
    all_reduce_sum,
    broadcast_parameters,
    data_parallel_world,
    shard_bounds,
)
from .init import build_module
from .random import torch_generator

__all__ = ["SklotNet", "make_net", "ArrayBatchIterator", "TailAveraging", "TerminalPrintLog"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class TerminalPrintLog(PrintLog):
    """skorch's per-epoch table, coloured only when standard output is a terminal.

    skorch colours the best value of each column with ANSI escape codes, which
    show up as ``\x1b[36m`` garbage in a log file, a CI log or a notebook
    captured to text; they are kept only when ``sys.stdout.isatty()``.
    """

    def table(self, row):
        text = super().table(row)
        isatty = getattr(sys.stdout, "isatty", None)
        if self.sink is print and callable(isatty) and isatty():
            return text
        return _ANSI.sub("", text)


class ArrayBatchIterator:
    """Iterate over ``(X_batch, y_batch)`` slices of device tensors.

    Parameters
    ----------
    X : torch.Tensor of shape (n, ...)
    y : torch.Tensor of shape (n, ...) or None
    batch_size : int
    shuffle : bool
    generator : torch.Generator or None
        Draws the permutation of each pass when ``shuffle``.
    shard : tuple (rank, world_size) or None
        Data-parallel training: every rank draws the same global batches and
        yields only its slice (:func:`~sklot._core.distributed.shard_bounds`).

    Attributes
    ----------
    span_ : tuple (lo, hi, n_global)
        Rows of the current global batch that the last yielded batch holds.
    """

    def __init__(self, X, y, batch_size, shuffle=False, generator=None, shard=None):
        self.X = X
        self.y = y
        self.batch_size = len(X) if batch_size in (None, -1) else int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self.shard = shard
        self.span_ = None

    def __len__(self):
        return (len(self.X) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        import torch

        n = len(self.X)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator, device=self.generator.device)
            order = order.to(self.X.device)
        else:
            order = None
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            lo, hi = (0, stop - start) if self.shard is None else shard_bounds(stop - start, *self.shard)
            self.span_ = (lo, hi, stop - start)
            if order is None:
                sl = slice(start + lo, start + hi)
                yield self.X[sl], (None if self.y is None else self.y[sl])
            else:
                idx = order[start + lo : start + hi]
                yield self.X[idx], (None if self.y is None else self.y[idx])


class SklotNet(NeuralNet):
    """skorch ``NeuralNet`` with sklot's seeding, fast array batches and ``y=None`` support.

    Parameters
    ----------
    seed : int, default=0
        Seeds module construction and minibatch order.
    *args, **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, seed=0, **kwargs):
        kwargs.setdefault("torch_load_kwargs", {"weights_only": False})
        super().__init__(*args, **kwargs)
        self.seed = seed

    def get_default_callbacks(self):
        # skorch's PrintLog prints ANSI colours even into a file: colours only on a terminal
        callbacks = super().get_default_callbacks()
        return [(name, TerminalPrintLog() if type(cb) is PrintLog else cb) for name, cb in callbacks]

    # -- seeding ---------------------------------------------------------
    def initialize_module(self):
        # A ready-made instance drew its weights from the global RNG: build_module
        # redraws them from the seed, so that the same seed gives the same model.
        import torch

        kwargs = self.get_params_for("module")
        if isinstance(self.module, torch.nn.Module) and not kwargs:
            self.module_ = build_module(self.module, self.seed)
        else:
            self.module_ = build_module(lambda: self.initialized_instance(self.module, kwargs), self.seed)
        return self

    def initialize(self):
        self.batch_generator_ = torch_generator(self.seed + 1, "cpu")
        return super().initialize()

    # -- data ------------------------------------------------------------
    def _as_tensor(self, a):
        import torch

        if a is None:
            return None
        if isinstance(a, torch.Tensor):
            return a.to(self.device)
        a = np.asarray(a)
        return torch.as_tensor(a, device=self.device)

    def get_dataset(self, X, y=None):
        if _is_plain_array(X) and (y is None or _is_plain_array(y)):
            return _TensorPair(self._as_tensor(X), self._as_tensor(y))
        return super().get_dataset(X, y)

    def get_iterator(self, dataset, training=False):
        if isinstance(dataset, _TensorPair):
            bs = self.batch_size
            rank, world = data_parallel_world()
            iterator = ArrayBatchIterator(
                dataset.X,
                dataset.y,
                bs,
                shuffle=training,
                generator=self.batch_generator_,
                shard=(rank, world) if training and world > 1 else None,
            )
            if training:
                self._train_iterator = iterator
            return iterator
        if training:
            self._train_iterator = None
        iterator = self.iterator_train if training else self.iterator_valid
        if not _accepts_generator(iterator):
            return super().get_iterator(dataset, training=training)
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        # shuffling, and the base seed that iterating any DataLoader draws, come from
        # generators of the net's own, never from torch's global one
        kwargs.setdefault("generator", self.batch_generator_ if training else torch_generator(self.seed + 3))
        return iterator(dataset, **kwargs)

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X, y)
        if not self.train_split:
            return dataset, None
        if isinstance(dataset, _TensorPair):
            return dataset.split(self.train_split, self.seed)
        return super().get_split_datasets(X, y, **fit_params)

    # -- data parallel (sklot._core.distributed) ---------------------------
    def batch_span(self):
        """``(lo, hi, n_global)``: rows of the current global training batch this process holds.

        ``(0, n, n)`` outside data-parallel training; ``None`` when the batches are not
        array slices. A net whose loss draws random numbers per row (a random prefix per
        image) draws them for the ``n_global`` rows and keeps ``[lo, hi)``, so that the
        data-parallel result equals the single-process one.
        """
        iterator = getattr(self, "_train_iterator", None)
        return None if iterator is None else iterator.span_

    def _shard_weight(self):
        rank, world = data_parallel_world()
        if world == 1:
            return None
        span = self.batch_span()
        if span is None:  # batches not sharded: every rank holds the whole batch
            return 1.0 / world
        lo, hi, n = span
        return (hi - lo) / n

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        if data_parallel_world()[1] > 1:
            broadcast_parameters(self.module_)

    def on_grad_computed(self, net, named_parameters, X=None, y=None, training=False, **kwargs):
        weight = self._shard_weight()
        if weight is not None:
            all_reduce_gradients([p for _, p in named_parameters], weight)

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        weight = self._shard_weight()
        if weight is not None:
            step["loss"] = all_reduce_sum(step["loss"] * weight)
        return step

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if training and self._shard_weight() is not None and isinstance(iterator, ArrayBatchIterator):
            # the history records global batch sizes, as one process would (epoch losses
            # are averages weighted by them)
            n, bs = len(iterator.X), iterator.batch_size
            sizes = [min(bs, n - start) for start in range(0, n, bs)]
            batches = self.history[-1, "batches"]
            for row, size in zip(batches[len(batches) - len(sizes) :], sizes):
                row[prefix + "_batch_size"] = size

    # -- losses ----------------------------------------------------------
    def get_loss(self, y_pred, y_true, X=None, training=False):
        if y_true is None:
            return self.criterion_(y_pred)
        return self.criterion_(y_pred, y_true)


class _TensorPair:
    """Minimal dataset of device tensors understood by :class:`SklotNet`."""

    def __init__(self, X, y):
        self.X = X
        self.y = y

    def __len__(self):
        return len(self.X)

    def split(self, train_split, seed):
        import torch

        frac = getattr(train_split, "cv", 0.2)
        stratified = getattr(train_split, "stratified", False)
        n = len(self.X)
        rng = np.random.default_rng(seed + 2)
        if stratified and self.y is not None:
            y = self.y.detach().cpu().numpy()
            valid = []
            for c in np.unique(y):
                idx = np.flatnonzero(y == c)
                k = max(1, int(round(frac * len(idx)))) if len(idx) > 1 else 0
                valid.extend(rng.permutation(idx)[:k])
            valid = np.asarray(sorted(valid), dtype=np.int64)
        else:
            k = max(1, int(round(frac * n)))
            valid = np.sort(rng.permutation(n)[:k])
        mask = np.ones(n, dtype=bool)
        mask[valid] = False
        tr = torch.as_tensor(np.flatnonzero(mask), device=self.X.device)
        va = torch.as_tensor(valid, device=self.X.device)
        sub = lambda t, i: None if t is None else t[i]  # noqa: E731
        return _TensorPair(sub(self.X, tr), sub(self.y, tr)), _TensorPair(sub(self.X, va), sub(self.y, va))


def _is_plain_array(a):
    import torch

    if isinstance(a, torch.Tensor):
        return True
    return isinstance(a, np.ndarray) and a.dtype != object


def _accepts_generator(iterator_cls):
    from torch.utils.data import DataLoader

    return isinstance(iterator_cls, type) and issubclass(iterator_cls, DataLoader)


def make_net(
    module,
    criterion,
    *,
    device,
    seed,
    max_epochs=10,
    batch_size=128,
    lr=1e-3,
    optimizer=None,
    optimizer_kwargs=None,
    validation_fraction=None,
    stratified=False,
    early_stopping=False,
    n_iter_no_change=5,
    tol=1e-4,
    verbose=0,
    callbacks=None,
    net_class=SklotNet,
    **kwargs,
):
    """Build an :class:`SklotNet` from sklot's usual hyper-parameters.

    Parameters
    ----------
    module : torch.nn.Module or class
    criterion : torch.nn.Module or class
        Called as ``criterion(y_pred, y_true)``, or ``criterion(y_pred)`` when
        the net is fitted with ``y=None``.
    device : torch.device
        Already resolved (see :func:`sklot._core.device.resolve_device`).
    seed : int
        From :func:`sklot._core.random.draw_seed`.
    validation_fraction : float or None
        Hold out this fraction of the training data for ``valid_loss``.
    early_stopping : bool
        Stop when the monitored loss (``valid_loss`` if a validation split
        exists, else ``train_loss``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are restored.
    verbose : int
        0 is silent; 1 prints skorch's per-epoch table.

    Returns
    -------
    SklotNet (not yet initialised)
    """
    import torch

    cbs = list(callbacks or [])
    if early_stopping:
        monitor = "valid_loss" if validation_fraction else "train_loss"
        cbs.append(
            (
                "early_stopping",
                EarlyStopping(
                    monitor=monitor,
                    patience=n_iter_no_change,
                    threshold=tol,
                    threshold_mode="abs",
                    load_best=True,
                    sink=print if verbose else _silent,
                ),
            )
        )
    train_split = None
    if validation_fraction:
        train_split = ValidSplit(validation_fraction, stratified=stratified, random_state=seed + 2)
    opt_kwargs = {f"optimizer__{k}": v for k, v in (optimizer_kwargs or {}).items()}
    return net_class(
        module,
        criterion,
        optimizer=optimizer or torch.optim.Adam,
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        train_split=train_split,
        callbacks=cbs,
        verbose=int(verbose),
        device=str(device),
        seed=seed,
        **opt_kwargs,
        **kwargs,
    )


def _silent(*args, **kwargs):
    return None


class TailAveraging(Callback):
    """skorch callback: average the module's parameters over the last ``fraction`` of the
    training steps (optimiser steps = training batches) and load the average at the end.

    Parameters
    ----------
    fraction : float in [0, 1]
    total_steps : int
        Training batches of the whole fit (``max_epochs * batches per epoch``).
    """

    def __init__(self, fraction, total_steps):
        self.fraction = fraction
        self.total_steps = total_steps

    def on_train_begin(self, net, **kwargs):
        self.start_ = tail_start(self.total_steps, self.fraction)
        self.step_ = 0
        self.average_ = TailAverage(net.module_.parameters())

    def on_batch_end(self, net, training=True, **kwargs):
        if not training:
            return
        self.step_ += 1
        if self.step_ > self.start_:
            self.average_.update()

    def on_train_end(self, net, **kwargs):
        self.average_.copy_to_params()
