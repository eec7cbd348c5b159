"""Shared machinery of the Lipschitz estimators: input shapes, network, training, export."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.base import TorchEstimatorMixin
from .._core.random import draw_seed
from .._core.training import make_net
from ._architectures import build_network
from ._export import export
from ._lipschitz_bound import lipschitz_bound
from ._net import LipschitzNet
from .._core.validation import check_float32_resolution
from ._validation import check_float32_range, check_layer_sizes


class _LipschitzBase(TorchEstimatorMixin):
    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", None],
        "architecture": [StrOptions({"mlp", "cnn"}), callable],
        "image_shape": ["array-like", None],
        "convolution": [StrOptions({"orthonormal", "aol"})],
        "activation": [StrOptions({"maxmin", "groupsort4", "fullsort"})],
        "lipschitz_constant": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str, object],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _default_hidden = {"mlp": (256, 128), "cnn": (16, 32)}
    _multi_output = False  # y of shape (n, n_targets) accepted
    _numeric_target = False  # y converted to float by validate_data

    # -- inputs ------------------------------------------------------------
    def _validate_X(self, X, y=None, reset=True):
        kw = dict(allow_nd=True, dtype=[np.float32, np.float64], reset=reset)
        if not reset:
            X = validate_data(self, X, **kw)
        else:
            X, y = validate_data(
                self, X, y, multi_output=self._multi_output, y_numeric=self._numeric_target, **kw
            )
        if X.ndim not in (2, 4):
            raise ValueError(f"X must be 2-D (n, n_features) or 4-D images (n, C, H, W); got {X.ndim}-D.")
        if reset:
            self.input_shape_ = tuple(X.shape[1:])
        elif tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has sample shape {tuple(X.shape[1:])}; the model was fitted on {self.input_shape_}."
            )
        # training in float32; inference in float64, so that outputs do not depend
        # on the batch a sample arrives in and certificates lose no precision
        if reset:
            check_float32_range(X, "X")
            check_float32_resolution(X, "X")
        return X.astype(np.float32 if reset else np.float64, copy=False), y

    def _hidden_sizes(self):
        return check_layer_sizes(
            self.hidden_layer_sizes,
            default=self._default_hidden["cnn" if self.architecture == "cnn" else "mlp"],
        )

    def _flat_image_shape(self):
        if self.image_shape is None:
            if self.architecture == "cnn" and len(self.input_shape_) == 1:
                raise ValueError("architecture='cnn' with flat X needs image_shape=(C, H, W) (or (H, W)).")
            return None
        shape = tuple(int(s) for s in self.image_shape)
        if len(shape) == 2:
            shape = (1,) + shape
        if len(shape) != 3:
            raise ValueError(f"image_shape must be (C, H, W) or (H, W); got {self.image_shape!r}.")
        if len(self.input_shape_) != 1 or int(np.prod(shape)) != self.input_shape_[0]:
            raise ValueError(f"image_shape {shape} does not match flat samples of shape {self.input_shape_}.")
        return shape if self.architecture == "cnn" else None

    # -- training ------------------------------------------------------------
    def _fit_network(self, X, y_t, n_outputs, criterion, head="orthonormal"):
        hidden = self._hidden_sizes()
        flat_image_shape = self._flat_image_shape()
        device = self._device()
        seed = draw_seed(self.random_state)
        from .._core.init import build_module

        module = build_module(
            lambda: build_network(
                self.architecture,
                input_shape=self.input_shape_,
                n_outputs=n_outputs,
                hidden_layer_sizes=hidden,
                activation=self.activation,
                head=head,
                lipschitz_constant=self.lipschitz_constant,
                flat_image_shape=flat_image_shape,
                convolution=self.convolution,
            ),
            seed,
        )
        net = make_net(
            module,
            criterion,
            device=device,
            seed=seed,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size if self.batch_size is not None else len(X),
            lr=self.lr,
            validation_fraction=self.validation_fraction,
            early_stopping=self.early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            verbose=self.verbose,
            callbacks=self._lr_callbacks(),
            net_class=LipschitzNet,
        )
        net.fit(X, y_t)
        self.module_ = net.module_.eval()
        self.history_ = [{k: v for k, v in row.items() if k != "batches"} for row in net.history]
        self.exported_module_ = export(self.module_).double()
        self.lipschitz_bound_ = lipschitz_bound(self.exported_module_, input_shape=self.input_shape_)
        self.n_iter_ = len(net.history)

    def _lr_callbacks(self):
        """skorch callbacks implementing ``lr_schedule`` (None for a constant rate).

        "cosine": :math:`\\eta_s = \\eta_0 (1 + \\cos(\\pi s / S)) / 2` at training step
        :math:`s = 0, \\dots, S - 1`, :math:`S` = ``max_epochs`` times the number of
        batches per epoch (:class:`~sklot._core.schedules.CosineAnnealingPerStep`).
        The layers' weights are reprojected onto the orthonormal manifold after
        every step, so unlike a plain re-parametrised network (whose growing raw
        weights shrink the effective step) the step size never decays by itself.
        """
        if self.lr_schedule == "constant":
            return None
        from .._core.schedules import CosineAnnealingPerStep

        return [("lr_scheduler", CosineAnnealingPerStep())]

    # -- inference -------------------------------------------------------------
    def _exported(self):
        import torch

        device = self._device()
        mod = self.exported_module_
        p = next(mod.parameters())
        if p.device != device:
            mod = mod.to(device)
            self.exported_module_ = mod
        return mod, torch

    def _forward(self, X, batch_size=4096):
        mod, torch = self._exported()
        device = self._device()
        outs = []
        with torch.no_grad():
            for start in range(0, len(X), batch_size):
                xb = torch.as_tensor(X[start : start + batch_size], dtype=torch.float64, device=device)
                outs.append(mod(xb).cpu())
        out = torch.cat(outs) if outs else torch.zeros((0, 1))
        return out.numpy().astype(np.float64)

    def _to_tensor(self, X):
        import torch

        return torch.as_tensor(X, dtype=torch.float64, device=self._device())

    def export(self, dtype=None):
        """The fitted network as plain torch layers (a copy, on the CPU, in eval mode).

        Parameters
        ----------
        dtype : torch.dtype or None, default=None
            None keeps float64, in which ``export()(torch.as_tensor(X))``
            equals ``decision_function(X)`` (``predict`` for the regressor),
            up to a final ``ravel`` for single outputs. ``torch.float32`` for
            fast inference.
        """
        import copy

        check_is_fitted(self)
        mod = copy.deepcopy(self.exported_module_).cpu().eval()
        return mod if dtype is None else mod.to(dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags
