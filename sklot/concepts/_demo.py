"""Demo of the concepts family: remove an XOR-encoded attribute that a linear eraser misses."""

import pathlib
import time

import numpy as np


def _mlp_probe(A_train, t_train, A_test, t_test):
    from sklearn.neural_network import MLPClassifier

    probe = MLPClassifier((128,), max_iter=300, early_stopping=True, random_state=0)
    return float(probe.fit(A_train, t_train).score(A_test, t_test))


def run(output_dir: pathlib.Path) -> dict:
    """Fit TacoTransformer on synthetic XOR embeddings; plot concept importance and probe accuracies."""
    import matplotlib.pyplot as plt

    from sklot.concepts import TacoTransformer
    from sklot.datasets import make_xor_concept_embeddings

    output_dir = pathlib.Path(output_dir)
    X, y, s = make_xor_concept_embeddings(3000, 32, random_state=0)
    Xtr, Xte, ytr, yte, s_tr, s_te = X[:2000], X[2000:], y[:2000], y[2000:], s[:2000], s[2000:]
    t0 = time.perf_counter()
    taco = TacoTransformer(n_components=20, decomposition="pca", n_remove=2, n_sobol_designs=32, max_epochs=30, random_state=0).fit(Xtr, ytr, sensitive=s_tr)
    fit_s = time.perf_counter() - t0
    Ztr, Zte = taco.transform(Xtr), taco.transform(Xte)
    # linear eraser for comparison: project out the difference of class means
    v = Xtr[s_tr == 1].mean(0) - Xtr[s_tr == 0].mean(0)
    v /= np.linalg.norm(v)
    Ltr, Lte = Xtr - np.outer(Xtr @ v, v), Xte - np.outer(Xte @ v, v)
    scores = {
        "attribute_mlp_probe_before": _mlp_probe(Xtr, s_tr, Xte, s_te),
        "attribute_mlp_probe_mean_projection": _mlp_probe(Ltr, s_tr, Lte, s_te),
        "attribute_mlp_probe_taco": _mlp_probe(Ztr, s_tr, Zte, s_te),
        "task_mlp_probe_before": _mlp_probe(Xtr, ytr, Xte, yte),
        "task_mlp_probe_mean_projection": _mlp_probe(Ltr, ytr, Lte, yte),
        "task_mlp_probe_taco": _mlp_probe(Ztr, ytr, Zte, yte),
        "taco_fit_seconds": fit_s,
    }

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    removed = np.isin(np.arange(taco.n_components), taco.removed_concepts_)
    ax = axes[0]
    ax.scatter(taco.importance_sensitive_[~removed], taco.importance_task_[~removed], label="kept", c="tab:blue")
    ax.scatter(taco.importance_sensitive_[removed], taco.importance_task_[removed], label="removed", c="tab:red")
    for i in np.flatnonzero(taco.importance_sensitive_ + taco.importance_task_ > 0.05):
        ax.annotate(str(i), (taco.importance_sensitive_[i], taco.importance_task_[i]), fontsize=8)
    ax.set_xlabel("total Sobol index, attribute scorer")
    ax.set_ylabel("total Sobol index, task scorer")
    ax.set_title("Concept importance (XOR attribute)")
    ax.legend()
    ax = axes[1]
    names = ["before", "mean projection", "TaCo"]
    attr = [scores["attribute_mlp_probe_before"], scores["attribute_mlp_probe_mean_projection"],
            scores["attribute_mlp_probe_taco"]]
    task = [scores["task_mlp_probe_before"], scores["task_mlp_probe_mean_projection"], scores["task_mlp_probe_taco"]]
    ax.bar(np.arange(3) - 0.2, attr, width=0.4, label="attribute (MLP probe): lower is better")
    ax.bar(np.arange(3) + 0.2, task, width=0.4, label="task (MLP probe): higher is better")
    ax.axhline(0.5, ls="--", c="gray", lw=1, label="chance (attribute)")
    ax.set_xticks(np.arange(3), names)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Fresh probes after erasure", pad=48)
    # above the axes, so that it covers no bar
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=1, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(output_dir / "concepts_xor_taco.png", dpi=100)
    plt.close(fig)
    return scores
