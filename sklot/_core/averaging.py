"""Polyak-Ruppert tail averaging of network parameters.

A stochastic iteration (minibatch gradients, Langevin noise, a fixed point chased by a
few optimiser steps) ends in a noisy neighbourhood of its limit; the arithmetic mean of
the last iterates lies closer to it than any single one (Polyak & Juditsky, 1992). The
average is taken over the *raw* parameters, so constraints built into a parametrisation
(e.g. softplus-non-negative weights of an input-convex network) still hold.

:class:`TailAverage` serves hand-written loops (the conjugate moment fixed point);
:class:`sklot._core.training.TailAveraging` is the same average as a skorch callback for
nets trained by :func:`sklot._core.training.make_net` (kept there so that this module
does not import skorch).
"""

import torch

__all__ = ["TailAverage", "tail_start"]


def tail_start(n_steps, fraction):
    """Index of the first averaged step when the last ``fraction`` of ``n_steps`` are averaged."""
    fraction = float(fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"averaging must be in [0, 1]; got {fraction!r}.")
    return int(n_steps) - int(round(fraction * int(n_steps)))


class TailAverage:
    """Running arithmetic mean of the current values of ``params``.

    Parameters
    ----------
    params : iterable of torch.Tensor
        Kept by reference; :meth:`update` reads their current values.
    """

    def __init__(self, params):
        self.params = list(params)
        self.mean, self.count = None, 0

    @torch.no_grad()
    def update(self):
        """Fold the parameters' current values into the mean."""
        self.count += 1
        if self.mean is None:
            self.mean = [p.detach().clone() for p in self.params]
        else:
            for m, p in zip(self.mean, self.params):
                m.add_(p.detach() - m, alpha=1.0 / self.count)

    @torch.no_grad()
    def copy_to_params(self):
        """Overwrite the parameters with the mean (no-op before the first update)."""
        if self.mean is not None:
            for m, p in zip(self.mean, self.params):
                p.copy_(m)
