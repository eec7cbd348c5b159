"""Pickling of parametrised layers.

torch refuses to pickle a module carrying parametrisations (only its
``state_dict`` may be saved). sklot's estimators must pickle, so each
constrained layer pickles as ``(constructor arguments, state_dict, mode)``
and is rebuilt on load, which also re-registers its parametrisation.
"""

__all__ = ["ReducibleMixin"]


def _rebuild(cls, kwargs, state, training):
    import torch

    from ..._core.random import global_rng_guard

    # construction draws default weights (overwritten just below) from torch's global
    # generator: the guard restores the user's random state
    with torch.no_grad(), global_rng_guard():
        layer = cls(**kwargs)
    layer.load_state_dict(state)
    layer.train(training)
    return layer


class ReducibleMixin:
    """Constrained layers record their constructor arguments in ``_init_kwargs``."""

    def __reduce_ex__(self, protocol):
        base = next(c for c in type(self).__mro__ if c.__dict__.get("_reducible_base", False))
        state = {k: v.detach().cpu() if v.device.type != "cpu" else v for k, v in self.state_dict().items()}
        return _rebuild, (base, dict(self._init_kwargs), state, self.training)
