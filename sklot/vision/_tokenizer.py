"""A caption tokenizer that needs no download: a word vocabulary fitted on the training captions."""

import numpy as np

from .._core.text import fit_vocabulary, split_words
from ._losses import PAD_ID

__all__ = ["CaptionTokenizer"]


class CaptionTokenizer:
    """Lower-cased words and punctuation marks, a vocabulary of the fitted captions' tokens.

    Ids: 0 padding, 1 unknown word, 2 end of caption, then the vocabulary by decreasing count
    (ties alphabetical), so the same captions give the same ids.

    Parameters
    ----------
    max_tokens : int, default=32
        Captions are cut to ``max_tokens - 1`` words before the end token.
    max_vocabulary : int or None, default=None
        Keep only the most frequent words; the others map to the unknown id.

    Examples
    --------
    >>> from sklot.vision import CaptionTokenizer
    >>> tok = CaptionTokenizer(max_tokens=6).fit(["a red square", "two blue circles."])
    >>> tok.encode(["a blue square"]).tolist()
    [[4, 5, 8, 2, 0]]
    """

    PAD, UNK, EOS = PAD_ID, 1, 2

    def __init__(self, max_tokens=32, max_vocabulary=None):
        self.max_tokens = max_tokens
        self.max_vocabulary = max_vocabulary

    @staticmethod
    def split(caption):
        """The tokens of one caption (lower-cased words and punctuation marks)."""
        return split_words(caption)

    def fit(self, captions):
        self.vocabulary_ = fit_vocabulary(captions, first_id=3, max_size=self.max_vocabulary)
        longest = max((len(self.split(c)) for c in captions), default=0)
        self.n_tokens_ = int(min(self.max_tokens, longest + 1))
        return self

    @property
    def vocab_size(self):
        return len(self.vocabulary_) + 3

    def encode(self, captions):
        """Token ids of shape (n, n_tokens_): words, the end token, then padding."""
        out = np.full((len(captions), self.n_tokens_), self.PAD, dtype=np.int64)
        for i, c in enumerate(captions):
            ids = [self.vocabulary_.get(t, self.UNK) for t in self.split(c)][: self.n_tokens_ - 1]
            ids.append(self.EOS)
            out[i, : len(ids)] = ids
        return out

    def decode(self, ids):
        """Words of one id sequence, up to the end token."""
        inverse = {i: w for w, i in self.vocabulary_.items()}
        words = []
        for i in ids:
            if int(i) in (self.EOS, self.PAD):
                break
            words.append(inverse.get(int(i), "<unk>"))
        return " ".join(words)
