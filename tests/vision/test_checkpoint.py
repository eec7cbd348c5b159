"""Official AIMv2 encoder checkpoints load into VisionEncoder and give the official outputs.

The reference below is written from apple/ml-aim's ``AIMv2VisionEncoder`` (aim-v2/aim/v2/torch/
models.py with the aim-v1 layers it uses): its parameter names and shapes, and a plain functional
forward (explicit softmax attention, hand-written RMSNorm), independent of sklot's modules. No
weights are downloaded: the state dict is random.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sklot.vision import AutoregressiveImageEncoder, aimv2_config, load_aimv2_encoder


def official_state_dict(D=24, C=3, p=4, grid=3, depth=2, hidden=64, seed=0, device=None):
    g = torch.Generator().manual_seed(seed)

    def rand(*shape):
        if device == "meta":
            return torch.empty(*shape, device="meta")
        return torch.randn(*shape, generator=g) * 0.2

    state = {
        "preprocessor.patchifier.proj.weight": rand(D, C, p, p),
        "preprocessor.patchifier.proj.bias": rand(D),
        "preprocessor.patchifier.norm.weight": 1 + rand(D),
        "preprocessor.pos_embed": rand(1, grid * grid, D),
        "trunk.post_trunk_norm.weight": 1 + rand(D),
    }
    for i in range(depth):
        b = f"trunk.blocks.{i}."
        state.update({
            b + "attn.qkv.weight": rand(3 * D, D),
            b + "attn.proj.weight": rand(D, D),
            b + "norm_1.weight": 1 + rand(D),
            b + "mlp.fc1.weight": rand(hidden, D),
            b + "mlp.fc2.weight": rand(D, hidden),
            b + "mlp.fc3.weight": rand(hidden, D),
            b + "norm_2.weight": 1 + rand(D),
        })
    return state


def reference_forward(state, x, n_heads):
    def rms(t, w):
        return t * torch.rsqrt(t.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    w = state["preprocessor.patchifier.proj.weight"]
    t = F.conv2d(x, w, state["preprocessor.patchifier.proj.bias"], stride=w.shape[-1])
    t = rms(t.flatten(2).transpose(1, 2), state["preprocessor.patchifier.norm.weight"])
    t = t + state["preprocessor.pos_embed"]
    B, N, D = t.shape
    i = 0
    while f"trunk.blocks.{i}.attn.qkv.weight" in state:
        b = f"trunk.blocks.{i}."
        h = rms(t, state[b + "norm_1.weight"])
        q, k, v = (h @ state[b + "attn.qkv.weight"].T).split(D, dim=-1)
        q, k, v = (z.reshape(B, N, n_heads, D // n_heads).transpose(1, 2) for z in (q, k, v))
        a = torch.softmax(q @ k.transpose(-1, -2) / (D // n_heads) ** 0.5, dim=-1)
        t = t + ((a @ v).transpose(1, 2).reshape(B, N, D) @ state[b + "attn.proj.weight"].T)
        h = rms(t, state[b + "norm_2.weight"])
        m = F.silu(h @ state[b + "mlp.fc1.weight"].T) * (h @ state[b + "mlp.fc3.weight"].T)
        t = t + m @ state[b + "mlp.fc2.weight"].T
        i += 1
    return rms(t, state["trunk.post_trunk_norm.weight"])


def test_loader_reproduces_the_official_forward(tmp_path):
    state = official_state_dict()
    path = tmp_path / "aimv2_tiny.pt"
    torch.save(state, path)
    encoder = load_aimv2_encoder(path, n_heads=3)
    assert encoder.image_shape == (3, 12, 12) and len(encoder.trunk.blocks) == 2
    x = torch.randn(4, 3, 12, 12, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(encoder(x), reference_forward(state, x, 3), rtol=1e-4, atol=1e-5)
    # every official parameter landed (no key left at its initial value)
    assert set(encoder.state_dict()) == set(state)


def test_from_pretrained_transform_equals_reference_features(tmp_path):
    state = official_state_dict(seed=2)
    # wrapped as the LiT checkpoints wrap it, with an attention-pool head that is not the trunk's
    wrapped = {"image_encoder." + k: v for k, v in state.items()}
    wrapped["image_encoder.head.k.weight"] = torch.zeros(24, 24)
    path = tmp_path / "lit.pt"
    torch.save({"state_dict": wrapped}, path)
    est = AutoregressiveImageEncoder.from_pretrained(path, n_heads=3, device="cpu")
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(5, 3, 12, 12))
    mean = np.array([0.48145466, 0.4578275, 0.40821073]).reshape(1, 3, 1, 1)
    std = np.array([0.26862954, 0.26130258, 0.27577711]).reshape(1, 3, 1, 1)
    x = torch.as_tensor(((X - mean) / std).astype(np.float32))
    with torch.no_grad():
        expected = reference_forward(state, x, 3).mean(1).numpy()
    np.testing.assert_allclose(est.transform(X), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(est.transform(X.reshape(5, -1)), expected, rtol=1e-4, atol=1e-5)


def test_released_sizes_are_recognised_from_shapes():
    state = official_state_dict(D=1024, C=3, p=14, grid=16, depth=24, hidden=2816, device="meta")
    cfg = aimv2_config(state)
    assert cfg == dict(image_shape=(3, 224, 224), patch_size=14, embed_dim=1024, depth=24, n_heads=8,
                       mlp_dim=2816)


def test_loader_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_aimv2_encoder(tmp_path / "absent.pt")
    with pytest.raises(ValueError, match="not an AIMv2 vision encoder"):
        load_aimv2_encoder({"weight": torch.zeros(2)})
    state = official_state_dict()
    with pytest.raises(ValueError, match="pass n_heads"):
        load_aimv2_encoder(state)
    bad = dict(state)
    bad["trunk.blocks.0.attn.qkv.bias"] = torch.zeros(72)
    with pytest.raises(ValueError, match="unexpected"):
        load_aimv2_encoder(bad, n_heads=3)
