"""GraphCaptionCLIP: training signal per text input, determinism, retrieval, bad input."""

import numpy as np
import pytest

from sklot.datasets import make_shape_scenes
from sklot.gbc import GraphCaptionCLIP, recall_at_k
from sklot.gbc._clip import CaptionBatches, all_captions, detail_caption
from sklot.gbc._tokenizer import WordTokenizer

SMALL = dict(embed_dim=16, text_width=16, text_layers=1, batch_size=16, device="cpu")


@pytest.fixture(scope="module")
def scenes():
    return make_shape_scenes(48, image_size=16, max_objects=3, random_state=0)


def test_same_seed_same_model_other_seed_other_model(scenes):
    images, graphs = scenes
    texts = [detail_caption(g) for g in graphs[:5]]
    a = GraphCaptionCLIP(max_epochs=2, random_state=3, **SMALL).fit(images, graphs)
    b = GraphCaptionCLIP(max_epochs=2, random_state=3, **SMALL).fit(images, graphs)
    c = GraphCaptionCLIP(max_epochs=2, random_state=4, **SMALL).fit(images, graphs)
    np.testing.assert_array_equal(a.encode_images(images), b.encode_images(images))
    np.testing.assert_array_equal(a.encode_texts(texts), b.encode_texts(texts))
    np.testing.assert_array_equal(a.encode_graphs(graphs[:5]), b.encode_graphs(graphs[:5]))
    assert not np.allclose(a.encode_images(images), c.encode_images(images))


def test_training_retrieves_the_training_scenes_far_above_chance(scenes):
    images, graphs = scenes
    model = GraphCaptionCLIP(text_input="detail", max_epochs=30, lr=3e-3, random_state=0, **SMALL)
    model.fit(images, graphs)
    loss = model.history_[:, "train_loss"]
    assert loss[-1] < 0.5 * loss[0]
    # chance: R@1 = 1/48, R@5 = 5/48
    assert model.score(images, graphs) > 0.25
    assert recall_at_k(model.encode_images(images), model.encode_graphs(graphs), k=5) > 0.5


def test_encode_graphs_reads_the_graph_the_way_the_model_was_trained(scenes):
    images, graphs = scenes
    detail = GraphCaptionCLIP(text_input="detail", max_epochs=1, random_state=0, **SMALL).fit(images, graphs)
    np.testing.assert_array_equal(detail.encode_graphs(graphs[:4]),
                                  detail.encode_texts([detail_caption(g) for g in graphs[:4]]))
    graph = GraphCaptionCLIP(text_input="graph", max_epochs=1, random_state=0, **SMALL).fit(images, graphs)
    # SAHA: the root's edge-label tokens read the children, so the graph is not its root caption alone
    root_only = graph.encode_texts([detail_caption(g) for g in graphs[:4]])
    assert np.abs(graph.encode_graphs(graphs[:4]) - root_only).max() > 1e-3
    np.testing.assert_allclose(np.linalg.norm(graph.encode_graphs(graphs[:4]), axis=1), 1.0, rtol=1e-5)


def test_caption_batches_per_text_input(scenes):
    _, graphs = scenes
    tok = WordTokenizer().fit([t for g in graphs for t in all_captions(g)])
    rng = np.random.default_rng(0)
    idx = [0, 5, 7]
    caps = CaptionBatches(graphs, tok, "captions", captions_per_image=3)
    packed, owner = caps.batch(idx, True, rng, "cpu")
    expected = [min(3, len(all_captions(graphs[i]))) for i in idx]
    assert np.bincount(owner, minlength=3).tolist() == expected
    _, owner_all = caps.batch(idx, False, rng, "cpu")
    assert np.bincount(owner_all).tolist() == [len(all_captions(graphs[i])) for i in idx]
    gb = CaptionBatches(graphs, tok, "graph")
    full, t2i = gb.batch(idx, False, rng, "cpu")
    assert t2i.tolist() == [0, 1, 2]
    assert full.lengths.numel() == sum(len(v.descs) for i in idx for v in graphs[i].vertices)
    # the output rows are the roots, and edge dropout (p = 0.5) removes SACA pairs in training only
    dropped = [gb.batch(idx, True, rng, "cpu")[0].n_pairs for _ in range(20)]
    assert max(dropped) < full.n_pairs and np.mean(dropped) < 0.8 * full.n_pairs


def test_recall_at_k_matches_a_brute_force_ranking():
    rng = np.random.default_rng(0)
    q, g = rng.normal(size=(30, 4)), rng.normal(size=(30, 4))
    sims = q @ g.T
    ranks = [int(np.sum(sims[i] > sims[i, i])) for i in range(30)]
    for k in (1, 3, 10):
        assert recall_at_k(q, g, k=k) == np.mean(np.array(ranks) < k)
    unit = q / np.linalg.norm(q, axis=1, keepdims=True)
    assert recall_at_k(unit, 2 * unit, k=1) == 1.0  # cosine: each unit vector is its own nearest
    with pytest.raises(ValueError, match="same shape"):
        recall_at_k(q, g[:5])


@pytest.mark.parametrize(
    "images, graphs, match",
    [
        (np.zeros((4, 16, 16)), None, "4-D array"),
        ("images", None, "4-D|numeric"),
        (np.zeros((0, 3, 16, 16)), [], "got 0 images"),
        (np.full((2, 3, 16, 16), np.nan), None, "finite"),
        (np.zeros((2, 3, 16, 16)) + 1j, None, "complex"),
    ],
)
def test_bad_images_are_clear_errors(scenes, images, graphs, match):
    _, g = scenes
    graphs = g[: len(images)] if graphs is None and not isinstance(images, str) else graphs
    with pytest.raises(ValueError, match=match):
        GraphCaptionCLIP(max_epochs=1, **SMALL).fit(images, graphs)


def test_bad_graphs_and_mismatches_are_clear_errors(scenes):
    images, graphs = scenes
    with pytest.raises(ValueError, match="needs the images' GBC graphs"):
        GraphCaptionCLIP(max_epochs=1, **SMALL).fit(images, None)
    with pytest.raises(ValueError, match="48 images but 47 graphs"):
        GraphCaptionCLIP(max_epochs=1, **SMALL).fit(images, graphs[:-1])
    bad = graphs[0].model_dump()
    bad["vertices"][0]["label"] = "entity"
    with pytest.raises(ValueError, match="vertex ''"):
        GraphCaptionCLIP(max_epochs=1, **SMALL).fit(images[:2], [bad, graphs[1]])
    model = GraphCaptionCLIP(max_epochs=1, **SMALL).fit(images, graphs)
    with pytest.raises(ValueError, match="4 channels"):
        model.encode_images(np.zeros((2, 4, 16, 16)))
    with pytest.raises(TypeError, match="list of str"):
        model.encode_texts("a red circle")
    with pytest.raises(TypeError, match="list of GbcGraph"):
        model.encode_graphs(graphs[0])
    np.testing.assert_array_equal(model.encode_graphs(iter(graphs[:2])), model.encode_graphs(graphs[:2]))
    with pytest.raises(ValueError, match="text_input"):
        GraphCaptionCLIP(text_input="tokens").fit(images, graphs)
