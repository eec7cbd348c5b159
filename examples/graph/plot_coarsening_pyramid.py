"""
Loukas coarsening, level by level
=================================

A graph of five dense communities (cliques with 5% of their edges removed,
joined in a ring by single edges) is coarsened by local variation
(:func:`sklot.graph.coarsen`) while preserving its five smoothest Laplacian
eigenvectors. Each panel draws one level of the pyramid: nodes sit at the mean
position of the original nodes they contain and are sized by how many they
contain; the colour of an original node is the final supernode it ends in.
The restricted spectral approximation constant ``epsilon`` of
:func:`sklot.graph.coarsening_quality` is printed in the titles: it stays small
while contraction sets stay inside communities (level 1), and jumps as soon as
a contraction crosses a bridge. Asked for exactly five supernodes, the greedy
(which only looks at one set at a time) merges two communities in the last
level and leaves a bridge endpoint alone: the measured ``epsilon`` says so.
The loop at the end shows ``epsilon`` against the number of supernodes.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import scipy.sparse as sp

from sklot.graph import coarsen, coarsening_quality

rng = np.random.default_rng(0)
g = nx.Graph()
sizes = [12, 9, 14, 10, 11]
start = 0
blocks = []
for s in sizes:
    nodes = list(range(start, start + s))
    blocks.append(nodes)
    g.add_edges_from((u, v) for u in nodes for v in nodes if u < v and rng.random() < 0.95)
    start += s
for b in range(len(blocks)):
    g.add_edge(blocks[b][0], blocks[(b + 1) % len(blocks)][1])
pos = nx.spring_layout(g, seed=1)
P0 = np.array([pos[i] for i in range(g.number_of_nodes())])

levels = coarsen(g, n_eigenvectors=5, reduction=1 - 5 / g.number_of_nodes(), max_levels=6)
final = np.arange(g.number_of_nodes())
for level in levels:
    final = level.assignment[final]

fig, axes = plt.subplots(1, len(levels) + 1, figsize=(4 * (len(levels) + 1), 4))
member = sp.identity(g.number_of_nodes(), format="csr")  # level -> original nodes
W = nx.to_scipy_sparse_array(g, format="csr")
C_total = sp.identity(g.number_of_nodes(), format="csr")
for k, ax in enumerate(axes):
    counts = np.asarray(member.sum(axis=1)).ravel()
    xy = (member @ P0) / counts[:, None]
    colour = np.asarray([final[np.flatnonzero(member[i].toarray())[0]] for i in range(member.shape[0])])
    Wc = sp.coo_matrix(W)
    for i, j in zip(Wc.row, Wc.col):
        if i < j:
            ax.plot(*xy[[i, j]].T, color="0.7", lw=0.6, zorder=1)
    ax.scatter(*xy.T, s=25 * counts, c=colour, cmap="tab10", vmin=0, vmax=9, edgecolor="k", zorder=2)
    eps = coarsening_quality(g, C_total, n_eigenvectors=5)["epsilon"] if k else 0.0
    ax.set_title(f"level {k}: {member.shape[0]} nodes, eps={eps:.2f}")
    ax.axis("off")
    if k < len(levels):
        level = levels[k]
        P = sp.csr_matrix((np.ones(level.n_nodes), (level.assignment, np.arange(level.n_nodes))))
        member = P @ member
        W = level.adjacency
        C_total = level.matrix @ C_total
fig.tight_layout()
out = os.environ.get("SKLOT_EXAMPLES_OUT", ".")
fig.savefig(os.path.join(out, "graph_coarsening_pyramid.png"), dpi=110)

# pushing the reduction past the number of communities makes epsilon grow
for n_coarse in (20, 10, 5, 3, 2):
    lv = coarsen(g, n_eigenvectors=5, reduction=1 - n_coarse / g.number_of_nodes(), max_levels=10)
    q = coarsening_quality(g, lv, n_eigenvectors=5)
    print(f"{q['n_coarse']:3d} supernodes: epsilon = {q['epsilon']:.3f}")
