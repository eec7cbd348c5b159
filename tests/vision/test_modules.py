"""The AIMv2 building blocks: masks, prefix invariance, the losses' structure."""

import numpy as np
import pytest
import torch

from sklot._core.init import build_module
from sklot._core.random import torch_generator
from sklot.vision import (
    Attention,
    AutoregressivePretrainer,
    MultimodalDecoder,
    VisionEncoder,
    image_loss,
    normalized_patches,
    patchify,
    prefix_causal_mask,
    text_loss,
)


def _encoder(seed=0, shape=(1, 8, 8), patch=2, dim=16):
    return build_module(lambda: VisionEncoder(shape, patch, dim, 2, 2, 32), seed).eval()


def _pretrainer(seed=0, vocab=12, n_text=5, text_weight=0.7):
    def factory():
        enc = VisionEncoder((1, 8, 8), 2, 16, 2, 2, 32)
        dec = MultimodalDecoder(16, 16, 2, 2, 32, enc.n_patches, 4, vocab_size=vocab, max_text_tokens=n_text)
        return AutoregressivePretrainer(enc, dec, text_weight=text_weight)

    return build_module(factory, seed).eval()


def _images(n=3, seed=0):
    return torch.randn(n, 1, 8, 8, generator=torch_generator(seed))


def test_prefix_causal_mask_matches_its_definition():
    M = torch.tensor([1, 3, 6])
    mask = prefix_causal_mask(6, M)
    assert mask.shape == (3, 1, 6, 6) and mask.dtype == torch.bool
    for b, m in enumerate(M.tolist()):
        for i in range(6):
            for j in range(6):
                assert bool(mask[b, 0, i, j]) == (j <= i or j < m), (b, i, j)
    # prefix rows see exactly the prefix; M = N is bidirectional
    assert bool(prefix_causal_mask(6, torch.tensor([6])).all())


def test_attention_mask_blocks_exactly_the_masked_keys():
    attn = build_module(lambda: Attention(8, 2), 0)
    x = torch.randn(2, 5, 8, generator=torch_generator(1))
    mask = prefix_causal_mask(5, torch.tensor([2, 2]))
    out = attn(x, attn_mask=mask)
    # query 2 (first non-prefix) sees keys 0, 1, 2: changing key 3 or 4 leaves it unchanged
    x2 = x.clone()
    x2[:, 3:] += 5.0
    out2 = attn(x2, attn_mask=mask)
    torch.testing.assert_close(out[:, :3], out2[:, :3], rtol=0, atol=1e-6)
    assert (out[:, 3:] - out2[:, 3:]).abs().max() > 1e-2
    # unmasked (bidirectional): every query changes
    assert (attn(x) - attn(x2))[:, :3].abs().max() > 1e-2


def test_prefix_outputs_do_not_depend_on_non_prefix_patches():
    enc = _encoder()
    x = _images(2)
    M = torch.tensor([5, 5])
    x2 = x.clone()
    x2[:, :, 4:, :] = torch.randn(2, 1, 4, 8, generator=torch_generator(3))  # patches 8..15 change
    out, out2 = enc(x, M), enc(x2, M)
    torch.testing.assert_close(out[:, :5], out2[:, :5], rtol=0, atol=1e-6)
    # non-prefix patch 9 (after the changed patch 8) sees the change
    assert (out[:, 9] - out2[:, 9]).abs().max() > 1e-3
    # transform-style (bidirectional) outputs of the prefix change too
    assert (enc(x)[:, :5] - enc(x2)[:, :5]).abs().max() > 1e-3


def test_normalized_patches_and_patchify_order():
    x = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(1, 2, 4, 4)
    p = patchify(x, 2)
    assert p.shape == (1, 4, 8)
    # patch 1 is row 0, column 1: channel 0 pixels (0,2),(0,3),(1,2),(1,3)
    assert p[0, 1, :4].tolist() == [2.0, 3.0, 6.0, 7.0]
    t = normalized_patches(torch.randn(3, 1, 8, 8, generator=torch_generator(0)) * 4 + 2, 2)
    torch.testing.assert_close(t.mean(-1), torch.zeros(3, 16), rtol=0, atol=1e-5)
    torch.testing.assert_close(t.var(-1, unbiased=False), torch.ones(3, 16), rtol=0, atol=1e-4)


def test_prefix_patches_carry_no_image_loss():
    targets = torch.randn(2, 6, 4, generator=torch_generator(0))
    pred = torch.randn(2, 5, 4, generator=torch_generator(1), requires_grad=True)
    M = torch.tensor([3, 1])
    loss = image_loss(pred, targets, M)
    loss.backward()
    # pred[:, k - 1] predicts patch k: patches k < M have no gradient
    assert pred.grad[0, :2].abs().max() == 0 and pred.grad[0, 2:].abs().min() > 0
    assert pred.grad[1].abs().min() > 0
    per_image = [((pred[0, 2:] - targets[0, 3:]) ** 2).mean(), ((pred[1] - targets[1, 1:]) ** 2).mean()]
    torch.testing.assert_close(loss, (per_image[0] + per_image[1]) / 2)


def test_caption_loss_is_conditioned_on_the_whole_image():
    model = _pretrainer()
    x = _images(2)
    ids = torch.tensor([[3, 4, 5, 2, 0], [6, 2, 0, 0, 0]])
    M = torch.tensor([2, 2])
    feats = model.encoder(x, M)
    _, logits = model.decoder(feats, ids)
    # changing only the last patch changes the logits of the first caption token
    x2 = x.clone()
    x2[:, :, 6:, 6:] += 3.0
    _, logits2 = model.decoder(model.encoder(x2, M), ids)
    assert (logits[:, 0] - logits2[:, 0]).abs().max() > 1e-3
    # but pixel predictions of earlier patches do not see it (causal), nor the caption
    pix, _ = model.decoder(feats, ids)
    pix2, _ = model.decoder(model.encoder(x2, M), ids)
    pix3, _ = model.decoder(feats, torch.tensor([[7, 8, 9, 2, 0], [6, 2, 0, 0, 0]]))
    torch.testing.assert_close(pix[:, :14], pix2[:, :14], rtol=0, atol=1e-6)
    torch.testing.assert_close(pix, pix3, rtol=0, atol=1e-6)


def test_without_text_the_objective_is_the_image_only_one():
    model = _pretrainer(text_weight=0.7)
    x = _images(3)
    ids = torch.tensor([[3, 4, 5, 2, 0], [6, 2, 0, 0, 0], [7, 7, 2, 0, 0]])
    M = torch.tensor([1, 4, 15])
    total, l_img, l_txt = model.losses(x, ids, M)
    only, only_img, none = model.losses(x, None, M)
    assert none is None
    torch.testing.assert_close(only, only_img)
    torch.testing.assert_close(l_img, only_img, rtol=0, atol=1e-6)
    torch.testing.assert_close(total, l_img + 0.7 * l_txt)
    # text loss: plain cross-entropy over the non-padding tokens
    feats = model.encoder(x, M)
    _, logits = model.decoder(feats, ids)
    # text loss: cross-entropy over each caption's non-padding tokens, averaged over captions
    ref = [torch.nn.functional.cross_entropy(logits[b, : int((ids[b] != 0).sum())], ids[b, ids[b] != 0])
           for b in range(3)]
    torch.testing.assert_close(text_loss(logits, ids), torch.stack(ref).mean())


def test_decoder_without_token_head_rejects_text():
    dec = MultimodalDecoder(8, 8, 1, 2, 16, 4, 4)
    with pytest.raises(ValueError, match="token head"):
        dec(torch.zeros(1, 4, 8), torch.zeros(1, 3, dtype=torch.long))


def test_attention_heads_must_divide_width():
    with pytest.raises(ValueError, match="must divide"):
        Attention(10, 3)


def test_same_seed_same_modules():
    a, b = _pretrainer(seed=4), _pretrainer(seed=4)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    c = _pretrainer(seed=5)
    pos_a, pos_c = a.encoder.preprocessor.pos_embed.detach(), c.encoder.preprocessor.pos_embed.detach()
    assert not np.allclose(pos_a, pos_c)
