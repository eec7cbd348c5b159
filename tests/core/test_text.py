"""sklot._core.text: the one tokenisation rule of the caption tokenizers."""

from sklot._core.text import fit_vocabulary, split_words
from sklot.gbc._tokenizer import WordTokenizer
from sklot.vision import CaptionTokenizer

CORPUS = ["Two red squares.", "a red circle", "A blue circle, two red squares"]


def test_vocabulary_by_decreasing_count_ties_alphabetical_and_order_free():
    vocab = fit_vocabulary(CORPUS, first_id=5)
    # counts: red 3; a 2, circle 2, squares 2, two 2; ',' '.' blue 1 each
    assert list(vocab) == ["red", "a", "circle", "squares", "two", ",", ".", "blue"]
    assert list(vocab.values()) == list(range(5, 13))
    assert fit_vocabulary(CORPUS[::-1], first_id=5) == vocab


def test_min_count_and_max_size():
    assert list(fit_vocabulary(CORPUS, first_id=0, min_count=2)) == ["red", "a", "circle", "squares", "two"]
    assert list(fit_vocabulary(CORPUS, first_id=0, max_size=2)) == ["red", "a"]


def test_both_caption_tokenizers_share_the_rule():
    assert split_words("Two RED squares.") == ["two", "red", "squares", "."]
    gbc = WordTokenizer().fit(CORPUS)
    vis = CaptionTokenizer().fit(CORPUS)
    assert gbc.vocabulary_ == fit_vocabulary(CORPUS, first_id=2)
    assert vis.vocabulary_ == fit_vocabulary(CORPUS, first_id=3)
    assert WordTokenizer(min_count=2).fit(CORPUS).vocabulary_ == fit_vocabulary(CORPUS, 2, min_count=2)
    assert CaptionTokenizer(max_vocabulary=3).fit(CORPUS).vocabulary_ == fit_vocabulary(CORPUS, 3, max_size=3)
