"""Behaviour shared by sklot's torch-backed estimators."""

import copy
import inspect

from .device import resolve_device
from .doc_link import DocLinkMixin
from .threads import wrap_public_method

__all__ = ["TorchEstimatorMixin"]


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
