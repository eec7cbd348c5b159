"""Settings of the diffusion family for the common harness."""

CONFIGS = {
    "DiffusionGenerator": dict(
        params=dict(hidden_layer_sizes=(16,), n_timesteps=20, max_epochs=3, batch_size=32),
        grid={"lr": [1e-3, 2e-3]},
        # no score: GridSearchCV ranks by the reconstruction error of the DDIM encoding
        scoring=lambda est, X, y=None: -float(((est.inverse_transform(est.transform(X)) - X) ** 2).mean()),
        expected_failed_checks={},
    ),
    "SparseRepellency": dict(
        params=dict(radius=1.0),
        grid={"overcompensation": [1.0, 1.6]},
        # no score and no y: any scorer on the corrected points; the mean shift size
        scoring=lambda est, X, y=None: -float(((est.transform(X) - X) ** 2).sum(1).mean()),
        expected_failed_checks={},
    ),
}
