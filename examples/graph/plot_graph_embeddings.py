"""
Unsupervised graph embeddings, projected in 2-D
===============================================

:class:`sklot.graph.LoukasGraphEmbedder` is trained without labels on graphs
whose class is global structure only: one cycle versus two disjoint cycles
(2-regular graphs that the Weisfeiler-Lehman test cannot tell apart), and
stochastic block models with two versus three communities of equal expected
degree. Unseen test graphs are then embedded by the trained model (inductive)
and projected on their first two principal components, coloured by class.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklot.datasets import make_structure_graphs
from sklot.graph import LoukasGraphEmbedder

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, kind, title in zip(axes, ["cycles", "sbm"], ["one vs two cycles", "2 vs 3 communities"]):
    train, y_train = make_structure_graphs(120, kind=kind, random_state=0)
    test, y_test = make_structure_graphs(80, kind=kind, random_state=1)
    emb = LoukasGraphEmbedder(depth=3, n_features=32, max_epochs=10, random_state=0, device="cpu").fit(train)
    Z_train, Z_test = emb.transform(train), emb.transform(test)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(Z_train, y_train)
    acc = clf.score(Z_test, y_test)
    proj = make_pipeline(StandardScaler(), PCA(2)).fit(Z_train)
    P = proj.transform(Z_test)
    for c, marker in ((0, "o"), (1, "^")):
        ax.scatter(*P[y_test == c].T, marker=marker, alpha=0.7, label=f"class {c}")
    ax.set_title(f"{title}: unseen graphs, logistic acc={acc:.2f}")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.legend()
    print(f"{kind}: test accuracy of a linear probe on unseen graphs = {acc:.3f}")
fig.tight_layout()
out = os.environ.get("SKLOT_EXAMPLES_OUT", ".")
fig.savefig(os.path.join(out, "graph_embeddings_pca.png"), dpi=110)
