"""Module initialisation from explicit generators (sklot/_core/init.py)."""

import pytest
import torch
from torch import nn

from sklot._core.init import build_module, reset_parameters

LAYERS = {
    "linear": lambda: nn.Linear(5, 3),
    "linear_nobias": lambda: nn.Linear(5, 3, bias=False),
    "conv1d": lambda: nn.Conv1d(2, 4, 3),
    "conv2d": lambda: nn.Conv2d(3, 4, (3, 2), groups=1),
    "conv_transpose2d": lambda: nn.ConvTranspose2d(2, 3, 3),
    "bilinear": lambda: nn.Bilinear(3, 4, 2),
    "embedding": lambda: nn.Embedding(7, 3, padding_idx=2),
    "embedding_bag": lambda: nn.EmbeddingBag(7, 3),
    "lstm": lambda: nn.LSTM(3, 4, num_layers=2),
    "gru": lambda: nn.GRU(3, 4),
    "attention": lambda: nn.MultiheadAttention(4, 2, add_bias_kv=True),
    "attention_kdim": lambda: nn.MultiheadAttention(4, 2, kdim=3, vdim=5),
    "batchnorm": lambda: nn.BatchNorm1d(3),
    "layernorm": lambda: nn.LayerNorm(3),
    "mlp": lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.LayerNorm(8), nn.Linear(8, 2)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_same_values_as_torch_default_initialisation(name):
    # torch's own initialisation after manual_seed(s) is the reference: the same
    # distributions drawn in the same order from Generator().manual_seed(s)
    torch.manual_seed(11)
    reference = LAYERS[name]()
    torch.manual_seed(99)
    layer = LAYERS[name]()
    left = reset_parameters(layer, torch.Generator().manual_seed(11))
    assert left == []
    for (k, a), (_, b) in zip(reference.state_dict().items(), layer.state_dict().items()):
        assert torch.equal(a, b), k


class _ThirdParty(nn.Module):
    """A layer whose reset_parameters takes no generator (sklot cannot redraw it)."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.empty(4))
        self.lin = nn.Linear(2, 2)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.normal_(self.w)


def test_unknown_layer_is_reported_and_build_module_is_reproducible():
    module = _ThirdParty()
    left = reset_parameters(module, torch.Generator().manual_seed(0))
    assert left == [module]
    state = torch.get_rng_state()
    a = build_module(_ThirdParty, 5)
    b = build_module(_ThirdParty, 5)
    c = build_module(_ThirdParty, 6)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a.w, b.w) and torch.equal(a.lin.weight, b.lin.weight)
    assert not torch.equal(a.w, c.w) and not torch.equal(a.lin.weight, c.lin.weight)


def test_ready_made_module_is_redrawn_from_the_seed():
    state = torch.get_rng_state()
    a = build_module(_ThirdParty(), 3)  # constructed from the global generator...
    torch.manual_seed(1234)  # ...whatever it holds
    b = build_module(_ThirdParty(), 3)
    torch.set_rng_state(state)
    assert torch.equal(a.w, b.w) and torch.equal(a.lin.weight, b.lin.weight)


def test_parent_hook_has_the_last_word():
    class Parent(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def reset_parameters(self, generator=None):
            nn.init.zeros_(self.lin.weight)

    module = Parent()
    reset_parameters(module, torch.Generator().manual_seed(0))
    assert torch.count_nonzero(module.lin.weight) == 0
    assert torch.count_nonzero(module.lin.bias) == 3  # the child's default, drawn first


def test_lipschitz_layers_draw_from_the_generator():
    from sklot.lipschitz.layers import OrthoLinear

    a, b = OrthoLinear(6, 4), OrthoLinear(6, 4)
    state = torch.get_rng_state()
    for m in (a, b):
        reset_parameters(m, torch.Generator().manual_seed(2))
    assert torch.equal(torch.get_rng_state(), state)
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), k  # the raw weight and the power-iteration vector
