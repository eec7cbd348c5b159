"""SAHA: plain self-attention without edges; only edge-label tokens attend to children."""

import numpy as np
import pytest
import torch

from sklot.gbc import GbcGraph
from sklot.gbc._saha import SahaBlock, SahaTextEncoder, drop_edges, graph_captions, pack_captions
from sklot.gbc._tokenizer import WordTokenizer
from tests.gbc._graphs import horse_graph

WIDTH, HEADS, FFN = 16, 4, 32


def _block(seed=0):
    torch.manual_seed(seed)
    block = SahaBlock(WIDTH, HEADS, FFN).double()
    # non-trivial norms and biases, so that a wrong parameter mapping shows
    with torch.no_grad():
        for p in block.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return block


def _captions(rng, lengths):
    return [rng.integers(2, 30, size=n) for n in lengths]


def test_block_without_edges_is_torch_pre_norm_transformer_layer():
    block = _block()
    ref = torch.nn.TransformerEncoderLayer(WIDTH, HEADS, FFN, dropout=0.0, activation="gelu",
                                           norm_first=True, batch_first=True).double()
    state = {k: v for k, v in block.state_dict().items() if not k.startswith(("cross_attn", "norm_cross"))}
    ref.load_state_dict(state)  # strict: every parameter of the torch layer is named alike
    ref.train()  # dropout 0; the training path (no fused fast path) is the reference maths
    lengths = [5, 1, 9, 3]
    packed = pack_captions(_captions(np.random.default_rng(0), lengths))
    x = torch.randn(sum(lengths), WIDTH, dtype=torch.float64)
    out = block(x, packed)
    padded = torch.zeros(len(lengths), max(lengths), WIDTH, dtype=torch.float64)
    padded[packed.caption, packed.position] = x
    pad_mask = torch.arange(max(lengths))[None, :] >= torch.tensor(lengths)[:, None]
    expected = ref(padded, src_key_padding_mask=pad_mask)[packed.caption, packed.position]
    torch.testing.assert_close(out, expected, rtol=1e-12, atol=1e-12)


def test_only_edge_label_tokens_see_the_child():
    block = _block(1)
    rng = np.random.default_rng(1)
    parent, child, other = _captions(rng, [7, 4, 5])
    label = [2, 3]  # positions in the parent caption that spell the edge label
    packed = pack_captions([parent, child, other], edges=[(0, 1, label)])
    x = torch.randn(16, WIDTH, dtype=torch.float64)
    y = x.clone()
    y[7:11] += torch.randn(4, WIDTH, dtype=torch.float64)  # another child caption
    a, b = block(x, packed), block(y, packed)
    changed = (a[:7] - b[:7]).abs().amax(dim=1) > 0
    assert changed.tolist() == [j in label for j in range(7)]
    torch.testing.assert_close(a[11:], b[11:], rtol=0, atol=0)  # an unrelated caption
    # and without the edge the parent does not see the child at all
    plain = pack_captions([parent, child, other])
    torch.testing.assert_close(block(x, plain)[:7], block(y, plain)[:7], rtol=0, atol=0)


def test_saca_averages_over_the_children_of_a_token():
    block = _block(2)
    rng = np.random.default_rng(2)
    caps = _captions(rng, [6, 3, 5])
    x = torch.randn(14, WIDTH, dtype=torch.float64)
    both = block.saca(x, pack_captions(caps, edges=[(0, 1, [1, 2]), (0, 2, [2, 3])]))
    one = block.saca(x, pack_captions(caps, edges=[(0, 1, [1, 2])]))
    two = block.saca(x, pack_captions(caps, edges=[(0, 2, [2, 3])]))
    torch.testing.assert_close(both[2], (one[2] + two[2]) / 2)
    torch.testing.assert_close(both[1], one[1])
    torch.testing.assert_close(both[3], two[3])
    assert both[[0, 4, 5]].abs().max() == 0 and both[6:].abs().max() == 0  # no label, no children


def test_graph_captions_find_every_edge_label_in_the_parent_tokens():
    graph = GbcGraph.model_validate(horse_graph())
    tok = WordTokenizer().fit([d.text for v in graph.vertices for d in v.descs])
    captions, root, edges = graph_captions(graph, tok)
    texts = [d.text for v in graph.vertices for d in v.descs]  # one sequence per description
    owner = [v.vertex_id for v in graph.vertices for _ in v.descs]
    assert len(captions) == len(texts) and [len(c) for c in captions] == [len(tok.split(t)) for t in texts]
    assert texts[root] == graph.vertices[0].descs[1].text and graph.vertices[0].descs[1].label == "detail"
    by_id = {v.vertex_id: v for v in graph.vertices}
    for parent, child, positions in edges:
        words = tok.split(texts[parent])
        labels = [e.text for e in by_id[owner[parent]].out_edges if e.target == owner[child]]
        assert labels and {words[j] for j in positions} <= {w for t in labels for w in tok.split(t)}
    # every (edge, parent caption holding its label, child caption) triple is there
    expected = sum(len(by_id[e.target].descs) for v in graph.vertices for e in v.out_edges
                   for d in v.descs if e.text.lower() in d.text.lower())
    assert len(edges) == expected
    short, detail = 0, 1  # the root's two captions; "horse" once in each ("Horse" too)
    to_horse = {p: pos for p, c, pos in edges if p in (short, detail) and owner[c] == "horse"}
    assert to_horse == {p: [j for j, w in enumerate(tok.split(texts[p])) if w == "horse"] for p in (0, 1)}
    assert all(len(v) == 1 for v in to_horse.values())
    # "horse stands in the snow": five tokens, in both root captions ("Horse stands in the snow;")
    assert [(p, len(pos)) for p, c, pos in edges if owner[c] == "[horse|snow]"] == [(short, 5), (detail, 5)]


def test_edge_dropout_keeps_about_half_and_nothing_at_p0():
    edges = [(0, i, [i]) for i in range(1, 2001)]
    rng = np.random.default_rng(0)
    kept = drop_edges(edges, 0.5, rng)
    assert abs(len(kept) - 1000) < 4 * np.sqrt(500)  # binomial(2000, 1/2): sd 22
    assert drop_edges(edges, 0.0, rng) == edges


def test_encoder_pools_per_caption_and_ignores_other_captions_without_edges():
    torch.manual_seed(0)
    enc = SahaTextEncoder(vocab_size=30, embed_dim=8, width=WIDTH, n_layers=2, n_heads=HEADS, ffn_width=FFN)
    rng = np.random.default_rng(3)
    caps = _captions(rng, [4, 6, 2])
    together = enc(pack_captions(caps))
    alone = torch.cat([enc(pack_captions([c])) for c in caps])
    torch.testing.assert_close(together, alone, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(together.norm(dim=1), torch.ones(3))
    with pytest.raises(ValueError, match="at least one token"):
        pack_captions([np.array([2]), np.array([], dtype=np.int64)])
