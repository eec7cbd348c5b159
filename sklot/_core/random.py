"""Randomness: ``random_state`` -> numpy and torch generators, the same way everywhere."""

import contextlib

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["draw_seed", "numpy_generator", "torch_generator", "torch_seed_context"]

_MAX_SEED = 2**31 - 1


def draw_seed(random_state):
    """Draw one integer seed from ``random_state`` (None, int or RandomState).

    Everything random in sklot starts from this seed, so that the same
    ``random_state`` gives the same numbers, bit for bit on the CPU.
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


@contextlib.contextmanager
def torch_seed_context(seed, device=None):
    """Seed torch's global generators inside the block and restore them after.

    torch modules draw their initial weights from the global generator; this
    makes module construction reproducible without leaking the seed into the
    user's global random state.
    """
    import torch

    devices = []
    if device is not None and getattr(device, "type", str(device)).startswith("cuda"):
        devices = [device]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(int(seed))
        yield
