"""BUG sentences embedded with all-MiniLM-L6-v2, cached on disk (shared by the concept benchmarks).

Embedding tens of thousands of sentences costs minutes on a CPU, so the
embeddings are computed once and cached in ``$SKLOT_CACHE_DIR`` (default
``~/.cache/sklot``).
"""

import hashlib
import os
import pathlib
import time

import numpy as np


def bug_embeddings(n_samples=4000, n_professions=10, max_seq_length=128, seed=0, verbose=True):
    """Return (X, profession, gender) for a gender-balanced random subset of BUG's top professions."""
    from sklot.datasets._text import embed_texts, load_bug_sentences

    data = load_bug_sentences(n_professions=n_professions)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.permutation(len(data.text))[: min(n_samples, len(data.text))])
    key = hashlib.sha1(f"{n_samples}-{n_professions}-{max_seq_length}-{seed}".encode()).hexdigest()[:10]
    cache = pathlib.Path(os.environ.get("SKLOT_CACHE_DIR", pathlib.Path.home() / ".cache" / "sklot"))
    path = cache / f"bug_minilm_{key}.npz"
    if path.is_file():
        X = np.load(path)["X"]
    else:
        # Chunks are cached as they come, so an interrupted run resumes.
        cache.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        parts = []
        for c, start in enumerate(range(0, len(idx), 500)):
            part_path = cache / f"bug_minilm_{key}_part{c}.npy"
            if part_path.is_file():
                parts.append(np.load(part_path))
                continue
            parts.append(embed_texts(data.text[idx[start : start + 500]], max_seq_length=max_seq_length))
            np.save(part_path, parts[-1])
            if verbose:
                print(f"  embedded {start + len(parts[-1])}/{len(idx)} sentences "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
        X = np.concatenate(parts)
        np.savez(path, X=X)
        for part_path in cache.glob(f"bug_minilm_{key}_part*.npy"):
            part_path.unlink()
    return X, data.profession[idx], data.gender[idx]
