"""Fast settings of the transport map estimators for the common harness."""

import numpy as np


def _two_samples(seed):
    # LipschitzTransportMap.fit(X, Y): the target sample stands where y stands. Equal sizes, so that
    # GridSearchCV can split the two row by row.
    rng = np.random.default_rng(seed)
    source = rng.normal(size=(60, 3))
    target = rng.normal(size=(60, 3)) * [2.0, 1.0, 0.5] + [1.5, 0.0, 0.0]
    return source, target, {}


CONFIGS = {
    "LipschitzTransportMap": dict(
        params=dict(hidden_layer_sizes=(8, 8), max_epochs=4, batch_size=32, n_critic=2),
        grid=dict(cost_weight=[0.05, 0.1]),
        data=_two_samples,
    ),
}
