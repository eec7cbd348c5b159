"""One view of a classifier for the metrics: a torch module returning logits, its device and dtype."""

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted


def _first_param(module):
    return next(iter(module.parameters()), None)


class TorchClassifierView:
    """Logits, margins and predictions of a classifier, computed in batches on its device.

    Parameters
    ----------
    model : fitted sklot classifier, torch.nn.Module or fitted skorch-style wrapper
        A sklot Lipschitz classifier gives its exported torch module (the one behind
        ``decision_function``); a wrapper exposing a fitted ``module_`` (skorch) gives that
        module; a ``torch.nn.Module`` is used as is and must return logits of shape
        ``(n,)``, ``(n, 1)`` (binary: class 1 when positive) or ``(n, K)``.
    batch_size : int
        Number of inputs per forward pass.
    """

    def __init__(self, model, batch_size=256):
        self.classes = None
        if isinstance(model, torch.nn.Module):
            module = model
        elif hasattr(type(model), "_exported"):  # sklot Lipschitz classifier
            check_is_fitted(model)
            if not hasattr(model, "classes_"):
                raise TypeError(f"model must be a classifier; {type(model).__name__} has no classes_.")
            module, _ = model._exported()
            self.classes = np.asarray(model.classes_)
        elif hasattr(model, "module"):  # skorch: fitted when module_ exists
            if not getattr(model, "initialized_", False) or not hasattr(model, "module_"):
                raise NotFittedError(f"This {type(model).__name__} instance is not initialized/fitted yet.")
            module = model.module_
            classes = getattr(model, "classes_", None)
            self.classes = None if classes is None else np.asarray(classes)
        else:
            raise TypeError(
                "model must be a fitted sklot classifier, a torch.nn.Module returning logits or a "
                f"fitted skorch-style wrapper with a `module_`; got {type(model).__name__}."
            )
        p = _first_param(module)
        self.module = module
        self.device = p.device if p is not None else torch.device("cpu")
        self.dtype = p.dtype if (p is not None and p.is_floating_point()) else torch.get_default_dtype()
        if not (isinstance(batch_size, (int, np.integer)) and batch_size >= 1):
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
        self.batch_size = int(batch_size)

    # -- conversions --------------------------------------------------------------------------
    def tensor(self, X):
        return torch.as_tensor(np.asarray(X), dtype=self.dtype, device=self.device)

    def encode(self, y, n):
        """Class indices (long tensor of shape (n,)) from labels ``y`` (model's ``classes_`` if any)."""
        y = np.asarray(y).ravel()
        if len(y) != n:
            raise ValueError(f"y has {len(y)} entries; X has {n} samples.")
        if self.classes is not None:
            idx = np.searchsorted(self.classes, y)
            idx = np.clip(idx, 0, len(self.classes) - 1)
            if not np.array_equal(self.classes[idx], y):
                bad = y[self.classes[idx] != y][:3]
                raise ValueError(f"y holds labels unknown to the model, e.g. {bad.tolist()}; classes: "
                                 f"{self.classes.tolist()}.")
            y = idx
        elif not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold class indices for a bare torch module; got dtype {y.dtype}.")
        return torch.as_tensor(y, dtype=torch.long, device=self.device)

    # -- forward passes -------------------------------------------------------------------------
    def logits(self, x):
        """Logits of a tensor ``x`` in batches, without gradients; binary outputs flattened to (n,)."""
        outs = []
        with torch.no_grad():
            for s in range(0, len(x), self.batch_size):
                outs.append(self.module(x[s : s + self.batch_size]))
        out = torch.cat(outs) if outs else torch.zeros((0,), dtype=self.dtype, device=self.device)
        return out.reshape(-1) if (out.ndim == 1 or out.shape[1] == 1) else out

    @staticmethod
    def predict_index(logits):
        return (logits > 0).long() if logits.ndim == 1 else logits.argmax(1)

    @staticmethod
    def class_logit(logits, cls):
        """The logit of class ``cls`` (binary one-output model: ``+f`` for class 1, ``-f`` for 0)."""
        if logits.ndim == 1:
            return torch.where(cls > 0, logits, -logits)
        return logits.gather(1, cls[:, None])[:, 0]

    @staticmethod
    def margin(logits, cls):
        r"""Margin :math:`f_c - \max_{j \ne c} f_j` (binary: :math:`\pm f`)."""
        if logits.ndim == 1:
            return torch.where(cls > 0, logits, -logits)
        other = logits.scatter(1, cls[:, None], float("-inf")).max(1).values
        return logits.gather(1, cls[:, None])[:, 0] - other

    def target(self, x, y):
        """Target class indices: ``y`` encoded, or the prediction on ``x`` when ``y`` is None."""
        if y is None:
            return self.predict_index(self.logits(x))
        return self.encode(y, len(x))


def check_X_explanations(X, explanations):
    X = np.asarray(X)
    E = np.array(explanations, dtype=np.float64)  # a writable copy (broadcast views are read-only)
    if X.ndim < 2:
        raise ValueError(f"X must have shape (n_samples, ...); got shape {X.shape}.")
    if E.shape != X.shape:
        raise ValueError(f"explanations must have the shape of X {X.shape}; got {E.shape}.")
    if not np.isfinite(E).all():
        raise ValueError("explanations hold NaN or infinite values.")
    return X, E
