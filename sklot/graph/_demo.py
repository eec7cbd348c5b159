"""Demo of the graph family: Loukas coarsening and HG2V embeddings on synthetic graphs only."""

import pathlib


def run(output_dir: pathlib.Path) -> dict:
    """Coarsen a ring of cliques and embed unseen structure-only graphs; save two plots."""
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklot.datasets import make_ring_of_cliques

    from sklot.datasets import make_structure_graphs
    from sklot.graph import LoukasGraphEmbedder, coarsen, coarsening_quality

    output_dir = pathlib.Path(output_dir)
    scores = {}
    # 1. coarsening: epsilon against the number of supernodes on 6 cliques of 8 nodes
    g = make_ring_of_cliques(6, 8)
    n_coarse = [24, 12, 6, 4, 3, 2]
    eps = []
    for n in n_coarse:
        levels = coarsen(g, n_eigenvectors=6, reduction=1 - n / g.number_of_nodes(), max_levels=10)
        eps.append(coarsening_quality(g, levels, n_eigenvectors=6)["epsilon"])
    scores["epsilon_clique_by_clique"] = float(eps[n_coarse.index(6)])
    scores["epsilon_3_supernodes"] = float(eps[n_coarse.index(3)])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(n_coarse, eps, "o-")
    ax.axvline(6, ls="--", color="0.5", label="number of cliques")
    ax.set_xlabel("supernodes")
    ax.set_ylabel("restricted spectral approximation eps")
    ax.set_title("Loukas coarsening of 6 cliques in a ring (K=6)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(output_dir / "graph_coarsening_epsilon.png", dpi=100)
    plt.close(fig)

    # 2. inductive embeddings of one vs two cycles (invisible to the WL test)
    train, y_train = make_structure_graphs(60, kind="cycles", n_nodes=(30, 50), random_state=0)
    test, y_test = make_structure_graphs(40, kind="cycles", n_nodes=(30, 50), random_state=1)
    emb = LoukasGraphEmbedder(
        depth=3, n_features=16, krylov_order=3, max_epochs=5, random_state=0, device="cpu"
    )
    emb.fit(train)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(
        emb.transform(train), y_train
    )
    Z_test = emb.transform(test)
    scores["cycles_unseen_accuracy"] = float(clf.score(Z_test, y_test))
    decision = clf.decision_function(Z_test)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    bins = np.histogram_bin_edges(decision, bins=15)  # shared bins: the two classes' bars line up
    for c in (0, 1):
        ax.hist(decision[y_test == c], bins=bins, alpha=0.6, label=["one cycle", "two cycles"][c])
    # LogisticRegression predicts "two cycles" where decision_function > 0
    ax.axvline(0.0, color="k", ls="--", lw=1, label="decision threshold (score 0)")
    ax.set_xlabel("linear probe score on HG2V embeddings")
    ax.set_ylabel("unseen graphs (count)")
    ax.set_title(f"unseen graphs: accuracy {scores['cycles_unseen_accuracy']:.2f}")
    # below the axes, so that it covers no bar
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    fig.tight_layout()
    fig.savefig(output_dir / "graph_embeddings_probe.png", dpi=100)
    plt.close(fig)
    scores["final_train_loss"] = float(np.asarray(emb.history_[:, "train_loss"])[-1])
    return scores
