"""Randomness: ``random_state`` -> numpy and torch generators, the same way everywhere."""

import contextlib
import threading

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["draw_seed", "numpy_generator", "torch_generator", "global_rng_guard"]

_MAX_SEED = 2**31 - 1


def draw_seed(random_state):
    """Draw one integer seed from ``random_state`` (None, int or RandomState).

    Everything random in sklot starts from this seed, so that the same
    ``random_state`` gives the same numbers, bit for bit on the CPU: always for
    small problems (which sklot runs on one thread, see
    :mod:`sklot._core.threads`), with the same number of torch threads for
    larger ones (floating-point sums split over threads add in another order).
    """
    return int(check_random_state(random_state).randint(0, _MAX_SEED))


def numpy_generator(seed):
    """A :class:`numpy.random.Generator` seeded with ``seed`` (an int)."""
    return np.random.default_rng(seed)


def torch_generator(seed, device="cpu"):
    """A :class:`torch.Generator` on ``device`` seeded with ``seed`` (an int).

    Examples
    --------
    >>> import torch
    >>> from sklot._core.random import torch_generator
    >>> a = torch.rand(3, generator=torch_generator(0))
    >>> b = torch.rand(3, generator=torch_generator(0))
    >>> bool(torch.equal(a, b))
    True
    """
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen


# Held by every piece of sklot that must use torch's process-wide generator.
_GLOBAL_RNG_LOCK = threading.RLock()


@contextlib.contextmanager
def global_rng_guard(seed=None, device=None):
    """Use torch's process-wide generator inside the block, then put its state back.

    sklot never draws anything that matters from torch's global generator:
    weights are (re-)drawn from explicit :class:`torch.Generator` objects (see
    :func:`sklot._core.init.build_module`). But constructing a torch layer
    (``nn.Linear(...)``) always draws its default weights from the global
    generator. Such code runs inside this guard, which

    * holds a process-wide lock, so that two sklot calls in two threads never
      save, seed or restore the global state at the same time (concurrent sklot
      fits are then equal to sequential ones);
    * saves the global CPU state (and ``device``'s, when it is a CUDA device)
      and restores it on exit, so the user's global random stream is untouched;
    * with ``seed``, seeds the global generator first, which makes the rare
      values that cannot be drawn from an explicit generator (a third-party
      layer's own ``reset_parameters``) reproducible.

    The guard protects sklot calls from each other; user code that draws from
    torch's global generator *in another thread at the same moment* may see its
    stream disturbed for the duration of a module construction.

    Examples
    --------
    >>> import torch
    >>> from sklot._core.random import global_rng_guard
    >>> state = torch.get_rng_state()
    >>> with global_rng_guard(7):
    ...     _ = torch.nn.Linear(3, 2)
    >>> bool(torch.equal(torch.get_rng_state(), state))
    True
    """
    import torch

    devices = []
    if device is not None and getattr(device, "type", str(device)).startswith("cuda"):
        devices = [device]
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield
