"""Common-harness settings for the graph family (graph input: sklot's in-house contract suite)."""

CONFIGS = {
    "LoukasGraphEmbedder": dict(
        params=dict(depth=2, n_features=8, krylov_order=2, max_epochs=2, batch_size=8),
        grid=dict(n_features=[4, 8]),
        expected_failed_checks={},
    ),
}
