"""Settings of the diffusion family for the common harness."""

CONFIGS = {
    "SparseRepellency": dict(
        params=dict(radius=1.0),
        grid={"overcompensation": [1.0, 1.6]},
        # no score and no y: any scorer on the corrected points; the mean shift size
        scoring=lambda est, X, y=None: -float(((est.transform(X) - X) ** 2).sum(1).mean()),
        expected_failed_checks={},
    ),
}
