"""Common-harness settings for the GBC family (input kind "image_graphs": fit(images, graphs))."""

CONFIGS = {
    "GraphCaptionCLIP": dict(
        params=dict(embed_dim=8, text_width=16, text_layers=1, max_len=48, max_epochs=2, batch_size=8),
        grid=dict(temperature=[0.1, 0.2]),
        expected_failed_checks={},
    ),
}
