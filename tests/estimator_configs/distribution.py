"""Fast settings of the distribution-regression family for the common harness."""

CONFIGS = {
    "SlicedWassersteinEmbedding": dict(
        params=dict(n_projections=8, n_quantiles=8), grid=dict(n_quantiles=[4, 8])
    ),
    "MeanEmbedding": dict(params=dict(n_frequencies=32), grid=dict(n_frequencies=[16, 32])),
    "SinkhornPotentialEmbedding": dict(params=dict(n_references=8, max_iter=200, tol=1e-4), grid=dict(reg=[0.1, 0.5])),
    "KernelDistributionRegressor": dict(params=dict(alpha=0.1), grid=dict(alpha=[0.01, 1.0])),
    "KernelDistributionClassifier": dict(params=dict(alpha=0.1), grid=dict(alpha=[0.01, 1.0])),
}
