"""Fast settings of the Lipschitz estimators for the common harness."""

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
}
