"""Download-free text tokenisation shared by the estimators that read captions.

One rule for every caption vocabulary in sklot (``sklot.gbc``'s ``WordTokenizer``,
``sklot.vision``'s ``CaptionTokenizer``): tokens are lower-cased runs of letters and
digits and single punctuation marks; a vocabulary is fitted on the training texts,
by decreasing count with ties in alphabetical order, so the ids do not depend on the
order of the corpus. The tokenizers differ only in their special ids and in how they
pack sequences.
"""

import re
from collections import Counter

__all__ = ["split_words", "fit_vocabulary"]

_TOKEN = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def split_words(text):
    """The tokens of ``text``: lower-cased words (letters and digits) and punctuation marks.

    Examples
    --------
    >>> split_words("Two red squares, one Circle.")
    ['two', 'red', 'squares', ',', 'one', 'circle', '.']
    """
    return _TOKEN.findall(str(text).lower())


def fit_vocabulary(texts, first_id, min_count=1, max_size=None):
    """Map each token of ``texts`` to an id from ``first_id`` on, the most frequent first.

    Parameters
    ----------
    texts : iterable of str
    first_id : int
        The id of the most frequent token (the ids below it are the tokenizer's special ones).
    min_count : int, default=1
        Tokens seen fewer times are left out (they map to the tokenizer's unknown id).
    max_size : int or None, default=None
        Keep at most this many tokens (the most frequent).

    Returns
    -------
    dict
        token -> id, ids ``first_id, first_id + 1, ...`` by decreasing count, ties alphabetical.

    Examples
    --------
    >>> fit_vocabulary(["a red circle", "two red squares."], first_id=2)
    {'red': 2, '.': 3, 'a': 4, 'circle': 5, 'squares': 6, 'two': 7}
    """
    counts = Counter(tok for text in texts for tok in split_words(text))
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    if max_size is not None:
        kept = kept[:max_size]
    return {t: first_id + i for i, t in enumerate(kept)}
