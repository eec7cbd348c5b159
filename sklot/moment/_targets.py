"""The 2-D targets of the moment examples, demo and benchmarks, by name.

The generators are public in :mod:`sklot.datasets`; this dict only names them.
"""

from ..datasets._point_clouds import make_ring_of_gaussians, make_spiral, make_two_moons

__all__ = ["TARGETS"]

TARGETS = {"two_moons": make_two_moons, "ring": make_ring_of_gaussians, "spiral": make_spiral}
