"""A word tokenizer whose vocabulary is fitted on the training captions (no download)."""

from __future__ import annotations

import numpy as np

from .._core.text import fit_vocabulary, split_words

__all__ = ["WordTokenizer"]


class WordTokenizer:
    """Lower-cased words and punctuation marks, mapped to ids of a vocabulary fitted on a corpus.

    Ids: ``0`` padding, ``1`` unknown word, then the corpus's tokens by decreasing frequency (ties
    in alphabetical order, so the vocabulary does not depend on the corpus's order).

    Parameters
    ----------
    max_len : int, default=96
        Token sequences are cut to this length.
    min_count : int, default=1
        Tokens seen fewer times in the corpus map to the unknown id.

    Examples
    --------
    >>> from sklot.gbc._tokenizer import WordTokenizer
    >>> tok = WordTokenizer().fit(["a red circle", "two red squares."])
    >>> tok.encode("A red hexagon.").tolist()
    [4, 2, 1, 3]
    """

    PAD, UNK = 0, 1

    def __init__(self, max_len=96, min_count=1):
        self.max_len = int(max_len)
        self.min_count = int(min_count)

    @staticmethod
    def split(text):
        """The tokens of ``text`` (lower-cased words and single punctuation marks)."""
        return split_words(text)

    def fit(self, texts):
        self.vocabulary_ = fit_vocabulary(texts, first_id=2, min_count=self.min_count)
        return self

    @property
    def vocab_size(self):
        return len(self.vocabulary_) + 2

    def encode_tokens(self, tokens):
        if not tokens:  # an empty caption still needs one token to be pooled
            return np.array([self.UNK], dtype=np.int64)
        vocab = self.vocabulary_
        return np.fromiter((vocab.get(t, self.UNK) for t in tokens[: self.max_len]), dtype=np.int64)

    def encode(self, text):
        """Token ids of ``text`` (at most ``max_len``; an empty text is one unknown token), int64."""
        return self.encode_tokens(self.split(text))
