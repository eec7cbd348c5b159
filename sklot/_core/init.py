"""Module initialisation from an explicit :class:`torch.Generator`, never from torch's global one.

torch layers draw their initial weights from the process-wide generator, so
seeding "by seeding torch" makes two fits in two threads draw from each other's
streams. sklot instead (re-)draws every weight it can from a generator built
from the estimator's seed:

* the standard torch layers (``Linear``, ``Bilinear``, ``Conv*``/``ConvTranspose*``,
  ``Embedding``/``EmbeddingBag``, ``RNN``/``LSTM``/``GRU``, ``MultiheadAttention``)
  exactly as their default ``reset_parameters`` does (same distributions, same
  order of draws: a layer built after ``torch.manual_seed(s)`` equals the layer
  re-initialised with ``torch.Generator().manual_seed(s)``); the normalisation
  layers and ``PReLU``, whose initialisation is deterministic, by their own
  ``reset_parameters``;
* any module whose ``reset_parameters`` accepts a ``generator`` keyword (sklot's
  own modules: the Lipschitz layers, the ICNN potential) by that hook.

Modules are visited children first, parents last, which is the order of
construction: a parent's hook (which may customise its children's
initialisation, as :class:`~sklot.moment._icnn.ICNNPotential` does) has the last
word. A module this cannot handle (a third-party layer whose ``reset_parameters``
takes no generator) keeps the values drawn at construction, which
:func:`build_module` makes reproducible by constructing under
:func:`~sklot._core.random.global_rng_guard` with the seed (a process-wide lock,
so threaded sklot fits still equal sequential ones).
"""

import functools
import inspect
import math

__all__ = ["build_module", "reset_parameters"]


def build_module(factory, seed):
    """Build a torch module reproducibly, without touching the user's global random state.

    Parameters
    ----------
    factory : callable or torch.nn.Module
        ``factory()`` returns the module; a ready-made module is re-initialised
        (its weights were drawn from whatever the global generator held).
    seed : int

    Returns
    -------
    torch.nn.Module
        Weights drawn from ``torch.Generator().manual_seed(seed)`` (see the module
        docstring for the layers that are not).
    """
    import torch

    from .random import global_rng_guard, torch_generator

    ready = isinstance(factory, torch.nn.Module)
    with global_rng_guard(seed):
        module = factory if ready else factory()
        if ready:
            # the third-party layers' own hooks, under the seeded guard (all we can do)
            for sub in _post_order(module):
                if _initializer(type(sub)) is None and _plain_hook(type(sub)):
                    sub.reset_parameters()
    device = next((t.device for t in module.parameters()), torch.device("cpu"))
    reset_parameters(module, torch_generator(seed, device))
    return module


def reset_parameters(module, generator):
    """Re-initialise ``module``'s layers from ``generator`` (see the module docstring).

    Parameters
    ----------
    module : torch.nn.Module
    generator : torch.Generator
        On the device of the module's parameters.

    Returns
    -------
    list of torch.nn.Module
        The submodules left as they were: their ``reset_parameters`` takes no
        generator and they are not a standard torch layer.

    Examples
    --------
    >>> import torch
    >>> from sklot._core.init import reset_parameters
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> a = torch.nn.Linear(4, 3)
    >>> b = torch.nn.Linear(4, 3)
    >>> _ = reset_parameters(b, torch.Generator().manual_seed(0))
    >>> bool(torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias))
    True
    """
    import torch

    left = []
    with torch.no_grad():
        for sub in _post_order(module):
            init = _initializer(type(sub))
            if init is not None:
                init(sub, generator)
            elif _plain_hook(type(sub)):
                left.append(sub)
    return left


def _post_order(module):
    for child in module.children():
        yield from _post_order(child)
    yield module


@functools.lru_cache(maxsize=None)
def _initializer(cls):
    """``init(module, generator)`` for ``cls``, or None."""
    hook = getattr(cls, "reset_parameters", None)
    if hook is not None and _takes_generator(hook):
        return lambda m, g: m.reset_parameters(generator=g)
    for owner in cls.__mro__:
        if "reset_parameters" in owner.__dict__ or "_reset_parameters" in owner.__dict__:
            return _torch_inits().get(owner)
    return None


@functools.lru_cache(maxsize=None)
def _plain_hook(cls):
    return callable(getattr(cls, "reset_parameters", None))


def _takes_generator(fn):
    try:
        return "generator" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _raw(module, name):
    """The tensor to initialise: a parametrised weight's free parameter."""
    from torch.nn.utils import parametrize

    if parametrize.is_parametrized(module, name):
        return getattr(module.parametrizations, name).original
    return getattr(module, name)


def _fan_in_uniform(module, g):
    # nn.Linear / nn.ConvNd: kaiming_uniform_(a=sqrt(5)), then U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias
    import torch
    from torch.nn import init

    weight = _raw(module, "weight")
    tmp = torch.empty_like(weight, memory_format=torch.contiguous_format)
    init.kaiming_uniform_(tmp, a=math.sqrt(5), generator=g)
    weight.copy_(tmp)
    if getattr(module, "bias", None) is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(module.bias, -bound, bound, generator=g)


def _bilinear(module, g):
    from torch.nn import init

    weight = _raw(module, "weight")
    bound = 1 / math.sqrt(weight.size(1))
    init.uniform_(weight, -bound, bound, generator=g)
    if module.bias is not None:
        init.uniform_(module.bias, -bound, bound, generator=g)


def _embedding(module, g):
    from torch.nn import init

    init.normal_(_raw(module, "weight"), generator=g)
    module._fill_padding_idx_with_zero()


def _rnn(module, g):
    from torch.nn import init

    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters(recurse=False):
        init.uniform_(weight, -stdv, stdv, generator=g)


def _attention(module, g):
    from torch.nn import init

    if module._qkv_same_embed_dim:
        init.xavier_uniform_(module.in_proj_weight, generator=g)
    else:
        for w in (module.q_proj_weight, module.k_proj_weight, module.v_proj_weight):
            init.xavier_uniform_(w, generator=g)
    if module.in_proj_bias is not None:
        init.constant_(module.in_proj_bias, 0.0)
        init.constant_(module.out_proj.bias, 0.0)
    for b in (module.bias_k, module.bias_v):
        if b is not None:
            init.xavier_normal_(b, generator=g)


def _deterministic(module, g):
    module.reset_parameters()  # no random draw (ones, zeros, constants)


@functools.lru_cache(maxsize=None)
def _torch_inits():
    from torch import nn
    from torch.nn.modules.batchnorm import _NormBase
    from torch.nn.modules.conv import _ConvNd

    inits = {
        nn.Linear: _fan_in_uniform,
        _ConvNd: _fan_in_uniform,
        nn.Bilinear: _bilinear,
        nn.Embedding: _embedding,
        nn.EmbeddingBag: _embedding,
        nn.RNNBase: _rnn,
        nn.MultiheadAttention: _attention,
        _NormBase: _deterministic,
        nn.LayerNorm: _deterministic,
        nn.GroupNorm: _deterministic,
        nn.PReLU: _deterministic,
    }
    if hasattr(nn, "RMSNorm"):
        inits[nn.RMSNorm] = _deterministic
    return inits
