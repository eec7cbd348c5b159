import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sklot.gbc import multi_positive_clip_loss


def _features(n_images, n_texts, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    img = F.normalize(torch.randn(n_images, dim, generator=g, dtype=torch.float64), dim=1)
    txt = F.normalize(torch.randn(n_texts, dim, generator=g, dtype=torch.float64), dim=1)
    return img, txt


def test_equals_clip_with_one_caption_per_image():
    img, txt = _features(6, 6)
    tau = 0.07
    logits = img @ txt.T / tau
    labels = torch.arange(6)
    clip = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    loss = multi_positive_clip_loss(img, txt, labels, tau)
    torch.testing.assert_close(loss, clip, rtol=1e-12, atol=1e-12)


def test_matches_the_formula_by_loops():
    img, txt = _features(3, 7, seed=1)
    t2i = [0, 1, 1, 2, 2, 2, 0]
    tau = 0.5
    s = (img @ txt.T / tau).numpy()
    i2t = -np.mean([
        np.mean([s[i, j] - np.log(np.exp(s[i]).sum()) for j in range(7) if t2i[j] == i]) for i in range(3)
    ])
    t2i_loss = -np.mean([s[t2i[j], j] - np.log(np.exp(s[:, j]).sum()) for j in range(7)])
    loss = multi_positive_clip_loss(img, txt, torch.tensor(t2i), tau)
    assert abs(loss.item() - (i2t + t2i_loss) / 2) < 1e-12


def test_invariant_to_the_order_of_captions():
    img, txt = _features(4, 10, seed=2)
    t2i = torch.tensor([0, 3, 1, 1, 2, 0, 3, 3, 2, 0])
    perm = torch.randperm(10, generator=torch.Generator().manual_seed(3))
    a = multi_positive_clip_loss(img, txt, t2i, 0.1)
    b = multi_positive_clip_loss(img, txt[perm], t2i[perm], 0.1)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    # and not invariant to re-assigning captions to other images (the test can fail)
    c = multi_positive_clip_loss(img, txt, t2i.roll(1), 0.1)
    assert abs((a - c).item()) > 1e-3


def test_gradient_is_finite():
    img, txt = _features(5, 9, seed=4)
    img.requires_grad_(True)
    txt.requires_grad_(True)
    log_scale = torch.tensor(np.log(1 / 0.07), requires_grad=True)
    t2i = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2, 3])
    loss = multi_positive_clip_loss(img * 1e3, txt, t2i, torch.exp(-log_scale))  # large logits
    loss.backward()
    for grad in (img.grad, txt.grad, log_scale.grad):
        assert grad is not None and torch.isfinite(grad).all()
    assert torch.isfinite(loss)


@pytest.mark.parametrize(
    ("img_shape", "txt_shape", "t2i", "tau", "match"),
    [
        ((4, 8), (4, 6), [0, 1, 2, 3], 0.1, "feature dimensions differ"),
        ((4,), (4, 8), [0, 1, 2, 3], 0.1, "must be 2-d"),
        ((4, 8), (4, 8), [0, 1, 2], 0.1, r"must have shape \(4,\)"),
        ((4, 8), (4, 8), [0, 1, 2, 4], 0.1, r"must lie in \[0, 4\)"),
        ((4, 8), (4, 8), [0, 1, 1, 3], 0.1, "image 2 has no caption"),
        ((4, 8), (4, 8), [0.0, 1.0, 2.0, 3.0], 0.1, "integer indices"),
        ((4, 8), (4, 8), [0, 1, 2, 3], 0.0, "temperature must be > 0"),
    ],
)
def test_bad_input_is_a_clear_error(img_shape, txt_shape, t2i, tau, match):
    with pytest.raises(ValueError, match=match):
        multi_positive_clip_loss(torch.zeros(img_shape), torch.zeros(txt_shape), torch.tensor(t2i), tau)
