"""Fast settings of the vision encoders for the common harness."""

import numpy as np


def _captioned_images(seed):
    # 40 one-channel 8x8 images of two classes (a bright square top-left or bottom-right, as the
    # "images" kind of tests/test_common.py), each with a caption routed to fit as metadata
    rng = np.random.default_rng(seed)
    y = np.arange(40) % 2
    X = rng.normal(0.0, 0.3, size=(40, 1, 8, 8))
    for i, c in enumerate(y):
        X[i, 0, 4 * c : 4 * c + 4, 4 * c : 4 * c + 4] += 2.0
    captions = ["a square at the top left" if c == 0 else "a square at the bottom right" for c in y]
    return X, y, {"captions": captions}


CONFIGS = {
    "AutoregressiveImageEncoder": dict(
        params=dict(patch_size=4, embed_dim=8, depth=1, n_heads=2, decoder_dim=8, decoder_depth=1,
                    max_epochs=2, batch_size=16),
        grid=dict(text_weight=[0.5, 1.0]),
        data=_captioned_images,
    ),
}
