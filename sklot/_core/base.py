"""Behaviour shared by sklot's torch-backed estimators."""

import copy
import inspect

from .device import resolve_device
from .doc_link import DocLinkMixin
from .threads import wrap_public_method

__all__ = ["TorchEstimatorMixin", "TwoSampleMixin"]


class TorchEstimatorMixin(DocLinkMixin):
    """Device handling and device-portable pickling for torch-backed estimators.

    * ``self.device`` (a parameter) is resolved at every call through
      :func:`~sklot._core.device.resolve_device`, never stored as fitted state,
      so a model fitted on a GPU predicts on a CPU-only machine;
    * on pickling, every fitted attribute that is a torch module or tensor is
      copied to the CPU, so nothing CUDA-specific is ever pickled.

    * every public method listed in ``_thread_policy_methods`` that a subclass
      defines runs under sklot's thread policy
      (:func:`~sklot._core.threads.thread_policy`, sized by the method's first
      argument: one thread for small problems, the user's setting otherwise,
      the user's setting restored on return), the way scikit-learn wraps
      ``transform`` for ``set_output``.

    Subclasses set ``_input_kind`` to ``"array"`` (2-D arrays, checked with
    scikit-learn's ``parametrize_with_checks``), ``"bags"`` or ``"graphs"``
    (checked by sklot's in-house contract suite).
    """

    _input_kind = "array"
    _thread_policy_methods = (
        "fit",
        "partial_fit",
        "fit_transform",
        "fit_predict",
        "transform",
        "inverse_transform",
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
        "score",
        "score_samples",
        "sample",
        "sample_latent",
        "export",
        "certified_radius",
        "score_certified",
        "explain",
        "counterfactual",
        "remove_concepts",
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls._thread_policy_methods:
            fn = cls.__dict__.get(name)
            if inspect.isfunction(fn):  # not available_if descriptors, properties, inherited methods
                setattr(cls, name, wrap_public_method(fn))

    def _device(self):
        return resolve_device(self.device)

    def __getstate__(self):
        import torch

        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        for key, value in list(state.items()):
            state[key] = _to_cpu(value, torch)
        return state


def _to_cpu(value, torch):
    if isinstance(value, torch.nn.Module):
        if any(t.device.type != "cpu" for t in _tensors(value)):
            value = copy.deepcopy(value).cpu()
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (torch.Tensor, torch.nn.Module)):
        return type(value)(_to_cpu(v, torch) for v in value)
    if isinstance(value, dict) and value and all(isinstance(v, torch.Tensor) for v in value.values()):
        return {k: v.detach().cpu() for k, v in value.items()}
    return value


def _tensors(module):
    yield from module.parameters()
    yield from module.buffers()


class TwoSampleMixin:
    """Estimators fitted on two samples, ``fit(X, Y)`` with ``Y`` a second sample (not labels).

    The one validation of such pairs (:meth:`_check_two_samples`) and their scikit-learn tags:
    ``Y`` stands where ``y`` stands, so ``Pipeline`` / ``GridSearchCV`` split both row by row.
    sklot's contract suite builds their data from ``_input_kind = "two_samples"``.
    """

    _input_kind = "two_samples"

    def _check_two_samples(self, X, Y, *, reset, names=("X", "Y"), min_samples=1):
        """Both samples as float64 arrays of the same feature count, within float32's range."""
        import numpy as np
        from sklearn.utils.validation import validate_data

        from .validation import check_float32_range

        if Y is None:
            raise ValueError(
                f"{type(self).__name__} needs two samples: fit({names[0]}, {names[1]}) / "
                f"score({names[0]}, {names[1]})."
            )
        kw = dict(dtype=np.float64, ensure_min_samples=min_samples)
        X = validate_data(self, X, reset=reset, **kw)
        # the second sample must live in the same space (validate_data names the mismatch)
        Y = validate_data(self, Y, reset=False, **kw)
        check_float32_range(X, names[0])
        check_float32_range(Y, names[1])
        return X, Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True  # the second sample
        tags.non_deterministic = False
        return tags
