"""BUG sentences embedded with all-MiniLM-L6-v2, cached on disk (shared by the concept benchmarks).

Embedding tens of thousands of sentences costs minutes on a CPU, so the
embeddings are computed once and cached in ``$SKLOT_CACHE_DIR`` (default
``~/.cache/sklot``). Sentences are embedded in a fixed random order
(``seed``), in chunks of 500 cached as they come: asking for more sentences
later reuses the chunks already embedded, and an interrupted run resumes.

``python benchmarks/concepts/_bug_data.py N`` embeds (and caches) the first
``N`` sentences of that order.
"""

import hashlib
import os
import pathlib
import sys
import time

import numpy as np

CHUNK = 500


def _cache_dir():
    return pathlib.Path(os.environ.get("SKLOT_CACHE_DIR", pathlib.Path.home() / ".cache" / "sklot"))


def bug_embeddings(n_samples=4000, n_professions=10, max_seq_length=128, seed=0, verbose=True):
    """Return (X, profession, gender) for the first ``n_samples`` sentences of a random order of BUG's top professions.

    ``n_samples=None`` takes every sentence of those professions.
    """
    from sklot.datasets._text import embed_texts, load_bug_sentences

    data = load_bug_sentences(n_professions=n_professions)
    order = np.random.default_rng(seed).permutation(len(data.text))
    if n_samples is not None:
        order = order[: min(int(n_samples), len(order))]
    key = hashlib.sha1(f"order-{n_professions}-{max_seq_length}-{seed}".encode()).hexdigest()[:10]
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    parts = []
    for c, start in enumerate(range(0, len(order), CHUNK)):
        idx = order[start : start + CHUNK]
        path = cache / f"bug_minilm_{key}_chunk{c}.npy"
        # A chunk cached in full may be longer than what is asked for now.
        if path.is_file():
            part = np.load(path)
            if len(part) >= len(idx):
                parts.append(part[: len(idx)])
                continue
        full = np.random.default_rng(seed).permutation(len(data.text))[start : start + CHUNK]
        part = embed_texts(data.text[full], max_seq_length=max_seq_length)
        np.save(path, part)
        parts.append(part[: len(idx)])
        if verbose:
            print(f"  embedded chunk {c} ({start + len(idx)}/{len(order)} sentences, "
                  f"{time.perf_counter() - t0:.0f} s)", flush=True)
    X = np.concatenate(parts) if parts else np.empty((0, 384))
    return X, data.profession[order], data.gender[order]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else None
    X, _, _ = bug_embeddings(n)
    print(X.shape)
