"""Fast settings of the Lipschitz estimators for the common harness."""

import numpy as np


def _two_samples(seed):
    # WassersteinKR.fit(X_source, X_target): the second sample stands where y stands. Equal sizes, so
    # that GridSearchCV can split the two row by row.
    rng = np.random.default_rng(seed)
    source = rng.normal(size=(60, 3))
    target = rng.normal(size=(60, 3)) + [1.5, 0.0, 0.0]
    return source, target, {}


CONFIGS = {
    "LipschitzClassifier": dict(
        params=dict(hidden_layer_sizes=(16,), max_epochs=15, batch_size=64, lr=3e-2, alpha=0.9),
        grid=dict(margin=[0.2, 0.5]),
        expected_failed_checks={},
    ),
    "LipschitzRegressor": dict(
        params=dict(hidden_layer_sizes=(16,), max_epochs=15, batch_size=64, lr=3e-2, lipschitz_constant=2.0),
        grid=dict(lipschitz_constant=[1.0, 2.0]),
        expected_failed_checks={},
    ),
    "WassersteinKR": dict(
        params=dict(hidden_layer_sizes=(8, 8), max_epochs=10, lr=2e-2),
        grid=dict(lr=[1e-2, 2e-2]),
        data=_two_samples,
    ),
}
