"""AutoregressiveImageEncoder: training, features, captions as metadata, bad input."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklot.vision import AutoregressiveImageEncoder, CaptionTokenizer

SMALL = dict(patch_size=2, embed_dim=16, depth=1, n_heads=2, decoder_dim=16, decoder_depth=1,
             image_shape=(8, 8), batch_size=64, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.data[:240], d.target[:240], [f"the digit {t}" for t in d.target[:240]]


def test_loss_decreases_with_and_without_captions(digits):
    X, _, captions = digits
    for caps in (None, captions):
        enc = AutoregressiveImageEncoder(max_epochs=8, **SMALL).fit(X, captions=caps)
        losses = [h["train_loss"] for h in enc.history_]
        assert losses[-1] < 0.85 * losses[0], losses
    # with captions the decoder learns the caption: the text loss falls far below log(vocab)
    assert enc.tokenizer_.vocab_size == 3 + 2 + 10


def test_same_seed_same_features_and_other_seed_other_features(digits):
    X, _, captions = digits
    a = AutoregressiveImageEncoder(max_epochs=2, **SMALL).fit(X, captions=captions).transform(X)
    b = AutoregressiveImageEncoder(max_epochs=2, **SMALL).fit(X, captions=captions).transform(X)
    np.testing.assert_array_equal(a, b)
    c = AutoregressiveImageEncoder(max_epochs=2, **{**SMALL, "random_state": 1}).fit(X, captions=captions)
    assert np.abs(c.transform(X) - a).max() > 1e-3


def test_transform_is_the_unmasked_encoder(digits):
    X, _, _ = digits
    enc = AutoregressiveImageEncoder(max_epochs=1, pooling="mean", **SMALL).fit(X)
    images = torch.as_tensor(enc._standardize(X.reshape(-1, 1, 8, 8)))
    with torch.no_grad():
        full = enc.encoder_(images).mean(1).numpy()
        prefixed = enc.encoder_(images, torch.full((len(X),), 3)).mean(1).numpy()
    np.testing.assert_allclose(enc.transform(X), full, rtol=1e-5, atol=1e-6)
    assert np.abs(full - prefixed).max() > 1e-3
    tokens = enc.patch_features(X[:5])
    assert tokens.shape == (5, 16, 16)
    pooled = AutoregressiveImageEncoder(max_epochs=1, pooling="attention", **{k: v for k, v in SMALL.items()})
    out = pooled.fit(X).transform(X[:5])
    assert out.shape == (5, 16) and np.all(np.isfinite(out))
    # (n, C, H, W) and flat input give the same features
    np.testing.assert_array_equal(enc.transform(X[:7].reshape(7, 1, 8, 8)), enc.transform(X[:7]))


def test_captions_route_as_metadata_through_a_pipeline(digits):
    X, y, captions = digits
    direct = AutoregressiveImageEncoder(max_epochs=2, **SMALL).fit(X, captions=captions)
    image_only = AutoregressiveImageEncoder(max_epochs=2, **SMALL).fit(X)
    with sklearn.config_context(enable_metadata_routing=True):
        enc = AutoregressiveImageEncoder(max_epochs=2, **SMALL).set_fit_request(captions=True)
        pipe = make_pipeline(enc, LogisticRegression(max_iter=200))
        pipe.fit(X, y, captions=captions)
    feats = pipe[0].transform(X)
    np.testing.assert_array_equal(feats, direct.transform(X))
    assert np.abs(feats - image_only.transform(X)).max() > 1e-3  # the captions did reach fit


def test_verbose_prints_progress(digits, capsys):
    X, _, _ = digits
    AutoregressiveImageEncoder(max_epochs=2, verbose=1, **SMALL).fit(X)
    out = capsys.readouterr().out
    assert "train_loss" in out and out.count("\n") >= 4


@pytest.mark.parametrize(
    "kwargs, X, captions, match",
    [
        ({}, np.zeros((10, 63)), None, "image_shape"),
        ({"image_shape": None}, np.zeros((10, 64)), None, "need image_shape"),
        ({"patch_size": 3}, np.zeros((10, 64)), None, "not a multiple of patch_size"),
        ({"patch_size": 8}, np.zeros((10, 64)), None, "at least 2"),
        ({}, np.zeros((10, 64)), ["a"] * 9, "9 entries for 10 images"),
        ({}, np.zeros((10, 64)), "one caption", "sequence of strings"),
        ({}, np.zeros((10, 64)), [1] * 10, "must be strings"),
        ({}, np.full((10, 64), np.nan), None, "NaN"),
        ({}, np.zeros((10, 2, 2, 2, 8)), None, "must have shape"),
        ({"n_heads": 3}, np.zeros((10, 64)), None, "must divide"),
        ({"objective": "masked"}, np.zeros((10, 64)), ["a"] * 10, "no captions"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, X, captions, match):
    enc = AutoregressiveImageEncoder(max_epochs=1, **{**SMALL, **kwargs})
    with pytest.raises(ValueError, match=match):
        enc.fit(X, captions=captions)


def test_transform_checks_the_fitted_image_shape(digits):
    X, _, _ = digits
    enc = AutoregressiveImageEncoder(max_epochs=1, **{**SMALL, "image_shape": None}).fit(X.reshape(-1, 8, 8))
    with pytest.raises(ValueError, match="fitted on"):
        enc.transform(np.zeros((3, 1, 4, 4)))


def test_masked_objective_learns(digits):
    X, _, _ = digits
    enc = AutoregressiveImageEncoder(max_epochs=8, objective="masked", **SMALL).fit(X)
    losses = [h["train_loss"] for h in enc.history_]
    assert losses[-1] < 0.9 * losses[0], losses


def test_tokenizer_vocabulary_and_round_trip():
    tok = CaptionTokenizer(max_tokens=5).fit(["two red squares", "one red circle", "red"])
    assert tok.vocabulary_["red"] == 3  # most frequent first
    ids = tok.encode(["two red circles and more words"])
    assert ids.shape == (1, 4) and ids[0, -1] == tok.EOS and tok.UNK in ids[0]
    assert tok.decode(tok.encode(["one red circle"])[0]) == "one red circle"


def test_pooling_options_are_functions_of_the_patch_features(digits):
    X, _, _ = digits
    params = {**SMALL, "max_epochs": 1}
    tokens = AutoregressiveImageEncoder(**params).fit(X).patch_features(X[:4])  # (4, 16 patches, 16)
    assert AutoregressiveImageEncoder(**params).get_params()["pooling"] == "flatten"
    grid = AutoregressiveImageEncoder(**params, pooling="grid").fit(X).transform(X[:4])
    flat = AutoregressiveImageEncoder(**params, pooling="flatten").fit(X).transform(X[:4])
    np.testing.assert_allclose(flat, tokens.reshape(4, -1), rtol=1e-6)
    # quadrant 1 (top right) = patches in rows 0-1, columns 2-3 of the 4x4 grid
    t = tokens.reshape(4, 4, 4, 16)
    np.testing.assert_allclose(grid[:, 16:32], t[:, :2, 2:].mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)
    assert grid.shape == (4, 64)
