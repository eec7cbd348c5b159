"""A second heavy process for the busy-machine measurements: numpy matmuls on every core, until killed."""
import numpy as np
a = np.random.default_rng(0).normal(size=(1500, 1500))
while True:
    a = a @ a
    a /= np.abs(a).max()
