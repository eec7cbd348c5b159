"""Benchmarks (b) and (c): graph classification with unsupervised embeddings + SVM, and time per epoch.

Methods, all run in this script on the same data:

* **HG2V** -- :class:`sklot.graph.LoukasGraphEmbedder` (unsupervised), then
  standardisation + RBF SVC;
* **InfoGraph-style** -- the same truncated-Krylov GNN (``depth`` stacked
  layers on the input graph, no coarsening) trained through the same sklot
  engine with InfoGraph's local/global Jensen-Shannon objective (Sun et al.,
  ICLR 2020): node representations (concatenated layers) against the sum-pooled
  graph representation, negatives = the other graphs of the batch; then
  standardisation + RBF SVC;
* **WL** -- Weisfeiler-Lehman subtree kernel (GraKeL, ``n_iter=4``, normalised)
  + SVC on the precomputed kernel. Node labels: TU node labels, or degrees
  for unlabelled graphs.

Protocols (``--protocol``):

* ``cv10`` (InfoGraph's): stratified 10-fold CV; in each fold ``C`` is chosen
  in {1e-3, ..., 1e3} by an inner 5-fold grid search on the training part;
  mean test accuracy over the 10 folds;
* ``ref`` (HG2V reference code's): 10 repeats of a stratified 80/20 split, ``C``
  by 5-fold grid search on the 80%, accuracy on the 20%.

HG2V runs with the estimator's defaults unless ``--epochs``/``--features``/``--lr``/
``--readout``/... say otherwise. ``--select`` adds ``HG2V-nested``: HG2V is trained once
per configuration of a small grid and, in each outer split, the configuration *and* ``C``
with the best inner 5-fold CV accuracy are used (selection never sees the test part).
Readouts do not change training: each training configuration is trained once and every
readout is computed from the same trained module. The
protocol of docs/benchmarks/graph.md (2026-12-01; NCI1 with ``--train-on all``)::

    --select "lr+lr_schedule=1e-4+constant,1e-3+reference;readout=max-mean-sum,max-mean-sum+words,words"

Embeddings are learnt without labels on all graphs of a dataset (as in both
papers). To keep CPU use sane on a shared machine, NCI1 is subsampled to
``--max-graphs`` graphs (stratified, fixed seed) for the evaluation (SVM, WL); with
``--train-on all`` the embedders are still trained, without labels, on every graph of the
dataset (as in the papers), otherwise on the subsample. Everything is single-threaded.

    python benchmarks/graph/bench_classification.py --tu $SKLOT_DATA_DIR/tu \\
        MUTAG PTC_MR PROTEINS NCI1 cycles sbm

MUTAG and PTC_MR ship with sklot (no ``--tu`` needed); PROTEINS, NCI1 and ENZYMES are read
from ``--tu`` or ``$SKLOT_DATA_DIR`` (``$SKLOT_DATA_DIR/tu/<NAME>/``).

``--auto`` adds ``HG2V-auto``: the HG2V column's training read out with ``readout="auto"``, the
readout chosen in every outer split by the estimator's own probe on the training part only
(:func:`evaluate_auto`; ``--readout auto`` does the same in the HG2V column). The confirmation of
docs/benchmarks/graph.md (2026-12-01, ``readout="auto"``)::

    python benchmarks/graph/bench_classification.py --tu ../shared/data/tu NCI1 --methods hg2v,wl \
        --max-graphs 100000 --seed S --auto    # S = 0, 1
    python benchmarks/graph/bench_classification.py PTC_MR MUTAG --methods hg2v,wl --seed S --auto \
        --extra-readouts words                 # S = 0, 1, 2

(those runs printed ``HG2V-auto`` for the argmax rule, then the estimator's). Since
``readout="auto"`` is the default, ``--readout`` defaults to ``auto`` (the HG2V column is then
scored by :func:`evaluate_auto`); ``--readout max-mean-sum`` gives the fixed-readout column.
``--auto-rules best,one-se`` scores both decision rules of the probe from one probe per outer
split (columns ``HG2V-auto[best]``, ``HG2V-auto[one-se]``). The confirmation of the one-SE rule
(docs/benchmarks/graph.md, 2026-12-01, latest)::

    python benchmarks/graph/bench_classification.py MUTAG PTC_MR --methods hg2v,wl --seed S \
        --readout max-mean-sum --auto --auto-rules best,one-se                      # S = 0, 1
    python benchmarks/graph/bench_classification.py --tu ../shared/data/tu PROTEINS --methods hg2v,wl \
        --max-graphs 100000 --seed S --readout max-mean-sum --auto --auto-rules best,one-se  # S = 0, 1
    python benchmarks/graph/bench_classification.py --tu ../shared/data/tu NCI1 --methods hg2v,wl \
        --max-graphs 100000 --seed S --readout max-mean-sum --auto --auto-rules best,one-se  # S = 0, 1

The inner-CV screen of docs/benchmarks/graph.md (per configuration, the mean over the outer
``cv10`` folds of the best inner 5-fold accuracy) is printed by ``--select``; e.g. its MUTAG
seed-0 lines::

    python benchmarks/graph/bench_classification.py MUTAG --seed 0 --methods hg2v --select-only \\
        --select "lr+lr_schedule=1e-4+constant,1e-3+reference;readout=max-mean-sum,max-mean-sum+words,words"
"""

import argparse
import os
import time

import numpy as np
import torch

C_GRID = {"C": [1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3]}


# --- InfoGraph-style baseline on the same GNN --------------------------------------------


class InfoGraphModule(torch.nn.Module):
    """Stacked Krylov blocks; local = concatenated layer outputs, global = their sum over nodes."""

    def __init__(self, in_features, n_features=128, depth=3, krylov_order=4):
        from sklot.graph.nn import KrylovConv

        super().__init__()
        dims = [in_features] + [n_features] * depth
        self.convs = torch.nn.ModuleList(KrylovConv(dims[i], n_features, krylov_order) for i in range(depth))
        width = n_features * depth
        self.local_proj = torch.nn.Sequential(
            torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width)
        )
        self.global_proj = torch.nn.Sequential(
            torch.nn.Linear(width, width), torch.nn.ReLU(), torch.nn.Linear(width, width)
        )

    def encode(self, batch):
        x, layers = batch.x, []
        for conv in self.convs:
            x = conv(x, batch.edge_index_0, batch.edge_weight_0)
            layers.append(x)
        local = torch.cat(layers, dim=1)
        glob = torch.zeros(int(batch.num_graphs), local.shape[1], device=local.device).index_add_(
            0, batch.batch, local
        )
        return local, glob

    def forward(self, batch):
        local, glob = self.encode(batch)
        return self.local_proj(local), self.global_proj(glob), batch.batch

    def embed(self, batch):
        return self.encode(batch)[1]


class InfoGraphLoss(torch.nn.Module):
    """Jensen-Shannon MI estimator between every node and every graph of the batch."""

    def forward(self, out):
        from torch.nn.functional import softplus

        local, glob, graph_of = out
        scores = local @ glob.T
        pos = torch.zeros_like(scores)
        pos[torch.arange(local.shape[0]), graph_of] = 1.0
        e_pos = ((np.log(2.0) - softplus(-scores)) * pos).sum() / pos.sum()
        neg = 1.0 - pos
        e_neg = ((softplus(-scores) + scores - np.log(2.0)) * neg).sum() / neg.sum().clamp(min=1)
        return e_neg - e_pos


def infograph_embeddings(graphs, args, seed=0, unlabelled=None):
    """Train the InfoGraph-style network on ``unlabelled`` (default ``graphs``); embed ``graphs``."""
    from sklot._core.training import make_net
    from sklot.graph import LoukasGraphEmbedder
    from sklot.graph._embedder import PyramidNet, _collate
    from sklot.graph._features import NodeFeaturizer

    # reuse the embedder's featurisation and batching (depth=1 pyramids; clusters unused)
    helper = LoukasGraphEmbedder(depth=1, batch_size=args.batch_size)
    unlabelled = graphs if unlabelled is None else unlabelled
    helper.featurizer_ = NodeFeaturizer().fit(unlabelled)
    train_set = helper._pyramid_dataset(unlabelled)
    dataset = train_set if unlabelled is graphs else helper._pyramid_dataset(graphs)
    net = make_net(
        InfoGraphModule,
        InfoGraphLoss,
        device=torch.device("cpu"),
        seed=seed,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.infograph_lr,
        net_class=PyramidNet,
        module__in_features=helper.featurizer_.n_features,
        module__n_features=args.features,
        module__depth=args.depth,
        module__krylov_order=args.krylov_order,
    )
    t0 = time.perf_counter()
    net.fit(train_set, None)
    fit_time = time.perf_counter() - t0
    module = net.module_.eval()
    with torch.no_grad():
        Z = torch.cat(
            [
                module.embed(b)
                for b, _ in torch.utils.data.DataLoader(dataset, batch_size=64, collate_fn=_collate)
            ]
        )
    return Z.numpy().astype(np.float64), fit_time, float(np.mean(net.history[:, "dur"]))


def hg2v_embeddings(graphs, args, seed=0, readouts=None, unlabelled=None):
    """Train HG2V once (on ``unlabelled``, default ``graphs``); return ``{readout: embedding of
    graphs}`` (one trained module and one forward pass serve every readout,
    ``HG2VModule.embed_readouts``),
    fit time and seconds per epoch."""
    from torch.utils.data import DataLoader

    from sklot.graph import LoukasGraphEmbedder
    from sklot.graph._embedder import _collate

    emb = LoukasGraphEmbedder(
        depth=args.depth,
        n_features=args.features,
        krylov_order=args.krylov_order,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        lr_schedule=args.lr_schedule,
        readout=args.readout,
        random_state=seed,
        device="cpu",
    )
    t0 = time.perf_counter()
    emb.fit(graphs if unlabelled is None else unlabelled)
    fit_time = time.perf_counter() - t0
    from collections import ChainMap

    dataset = emb._pyramid_dataset(graphs, cache=ChainMap({}, emb._pyramid_cache))  # reuse fit's pyramids
    readouts = list(readouts or [args.readout])
    with torch.no_grad():  # one forward pass per batch serves every readout
        parts = [
            emb.module_.embed_readouts(b, readouts)
            for b, _ in DataLoader(dataset, batch_size=64, collate_fn=_collate)
        ]
    Zs = {r: torch.cat([p[r] for p in parts]).double().numpy() for r in readouts}
    return Zs, fit_time, float(np.mean(emb.history_[:, "dur"])) if args.epochs else 0.0


# --- WL baseline ----------------------------------------------------------------------------


def wl_kernel(graphs):
    from grakel import Graph
    from grakel.kernels import VertexHistogram, WeisfeilerLehman

    gk = []
    for g in graphs:
        ei = g.edge_index.numpy()
        n = g.num_nodes
        if getattr(g, "node_label", None) is not None:
            labels = {i: int(v) for i, v in enumerate(g.node_label.tolist())}
        else:
            deg = np.bincount(ei[0], minlength=n)
            labels = {i: int(deg[i]) for i in range(n)}
        edges = {i: [] for i in range(n)}
        for u, v in ei.T.tolist():
            edges[u].append(v)
        gk.append(Graph(edges, node_labels=labels))
    K = WeisfeilerLehman(n_iter=4, base_graph_kernel=VertexHistogram, normalize=True).fit_transform(gk)
    return np.asarray(K, dtype=np.float64)


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(X, y, protocol, precomputed=False, seed=0):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, StratifiedShuffleSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if precomputed:
        model, grid = SVC(kernel="precomputed"), C_GRID
    else:
        model, grid = make_pipeline(StandardScaler(), SVC()), {"svc__C": C_GRID["C"]}
    if protocol == "cv10":
        splits = StratifiedKFold(10, shuffle=True, random_state=seed).split(X, y)
    else:
        splits = StratifiedShuffleSplit(10, test_size=0.2, random_state=seed).split(X, y)
    accs = []
    for tr, te in splits:
        search = GridSearchCV(model, grid, cv=5)
        if precomputed:
            search.fit(X[np.ix_(tr, tr)], y[tr])
            accs.append(search.score(X[np.ix_(te, tr)], y[te]))
        else:
            search.fit(X[tr], y[tr])
            accs.append(search.score(X[te], y[te]))
    return float(np.mean(accs)), float(np.std(accs))


def _scaled_rbf(X_fit, *others):
    """The kernels ``Pipeline(StandardScaler(), SVC())`` computes: standardise with ``X_fit``'s
    statistics, ``gamma = 1 / (n_features * var)`` of the standardised ``X_fit`` (SVC's
    ``gamma="scale"``); returns ``K(X_fit, X_fit)`` and ``K(O, X_fit)`` for every ``O``."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_fit)
    A = scaler.transform(X_fit)
    var = A.var()
    gamma = 1.0 / (A.shape[1] * var) if var != 0 else 1.0
    sq = np.einsum("ij,ij->i", A, A)

    def kernel(B, sq_b):
        d2 = sq_b[:, None] + sq[None, :] - 2.0 * (B @ A.T)
        return np.exp(-gamma * np.maximum(d2, 0.0))

    out = [kernel(A, sq)]
    for O in others:
        B = scaler.transform(O)
        out.append(kernel(B, np.einsum("ij,ij->i", B, B)))
    return out


def _splits(n_or_X, y, protocol, seed):
    from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

    X = np.zeros(len(y))
    if protocol == "cv10":
        return list(StratifiedKFold(10, shuffle=True, random_state=seed).split(X, y))
    return list(StratifiedShuffleSplit(10, test_size=0.2, random_state=seed).split(X, y))


def _fast_split_accuracy(Xtr, ytr, Xte, yte):
    """One outer split of :func:`evaluate_fast`: ``C`` by inner 5-fold grid search (first best),
    test accuracy of the refit."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    scores = np.zeros(len(C_GRID["C"]))
    for itr, iva in StratifiedKFold(5).split(Xtr, ytr):  # GridSearchCV(cv=5)'s folds
        K_fit, K_va = _scaled_rbf(Xtr[itr], Xtr[iva])
        for j, C in enumerate(C_GRID["C"]):
            clf = SVC(kernel="precomputed", C=C).fit(K_fit, ytr[itr])
            scores[j] += clf.score(K_va, ytr[iva]) / 5
    best = C_GRID["C"][int(np.argmax(scores))]  # first maximum, as GridSearchCV's rank
    K_fit, K_te = _scaled_rbf(Xtr, Xte)
    return SVC(kernel="precomputed", C=best).fit(K_fit, ytr).score(K_te, yte)


def evaluate_fast(X, y, protocol, seed=0):
    """:func:`evaluate` of ``make_pipeline(StandardScaler(), SVC())`` (same splits, same inner
    5-fold grid over ``C``, same tie rule: the first best ``C``), with the RBF kernels computed
    once per split by matrix products and given to ``SVC(kernel="precomputed")``: the same
    model up to rounding, much faster on thousands of graphs (equal accuracies to :func:`evaluate`
    on MUTAG and PTC_MR, seeds 0 and 1, checked on 2026-12-01)."""
    accs = [_fast_split_accuracy(X[tr], y[tr], X[te], y[te]) for tr, te in _splits(X, y, protocol, seed)]
    return float(np.mean(accs)), float(np.std(accs))


def evaluate_auto(Zs, y, protocol, seed=0, rules=None, candidate_sets=None):
    """``readout="auto"`` inside the outer CV: in every outer split the readout is chosen by
    the probe ``LoukasGraphEmbedder.fit`` runs (``sklot.graph._readout_selection``:
    ``probe_readouts`` then ``choose_readout``) on the *training part only* (its embeddings and
    labels, ``random_state=seed``), then scored like :func:`evaluate_fast`. One probe per split
    serves every decision rule of ``rules`` (default: the estimator's, ``AUTO_RULE``) and every
    candidate list of ``candidate_sets`` (``{name: [readouts]}``, each a sub-list of ``Zs`` whose
    first readout is the one-SE rule's default; default: all of ``Zs`` in order, name ``""``):
    the probe's folds do not depend on the readouts, so one probe of all of them gives each list
    the fold accuracies a probe of that list alone would. Returns ``{rule: (mean, std of the
    outer accuracy, how often each readout was chosen)}``, or with ``candidate_sets``
    ``{(name, rule): ...}``."""
    from sklot.graph._readout_selection import AUTO_RULE, choose_readout, probe_readouts

    rules = tuple(rules or (AUTO_RULE,))
    sets = candidate_sets or {"": list(Zs)}
    keys = [(n, rule) for n in sets for rule in rules]
    accs = {k: [] for k in keys}
    picks = {(n, rule): {r: 0 for r in sets[n]} for n, rule in keys}
    for tr, te in _splits(y, y, protocol, seed):
        folds = probe_readouts({r: Z[tr] for r, Z in Zs.items()}, y[tr], random_state=seed)
        scored = {}  # readout -> outer accuracy (rules and lists that agree share it)
        for n, rule in keys:
            best = choose_readout({r: folds[r] for r in sets[n]}, rule)
            picks[(n, rule)][best] += 1
            if best not in scored:
                scored[best] = _fast_split_accuracy(Zs[best][tr], y[tr], Zs[best][te], y[te])
            accs[(n, rule)].append(scored[best])
    out = {k: (float(np.mean(accs[k])), float(np.std(accs[k])), picks[k]) for k in keys}
    return out if candidate_sets else {rule: v for (_, rule), v in out.items()}


def evaluate_selected(Zs, y, protocol, seed=0):
    """Nested selection: in every outer split, the embedding configuration *and* ``C`` with the
    best inner 5-fold CV accuracy on the training part are used on the test part.

    Returns mean and std of the outer accuracy, how often each configuration was picked, and
    per configuration the mean over the outer splits of its best inner 5-fold CV accuracy (the
    selection score; ``--select`` prints it as the inner-CV screen).
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, StratifiedShuffleSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    names = list(Zs)
    X0 = Zs[names[0]]
    if protocol == "cv10":
        splits = StratifiedKFold(10, shuffle=True, random_state=seed).split(X0, y)
    else:
        splits = StratifiedShuffleSplit(10, test_size=0.2, random_state=seed).split(X0, y)
    accs, picks, inner = [], {n: 0 for n in names}, {n: [] for n in names}
    for tr, te in splits:
        best = None
        for n in names:
            search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), {"svc__C": C_GRID["C"]}, cv=5)
            search.fit(Zs[n][tr], y[tr])
            inner[n].append(search.best_score_)
            if best is None or search.best_score_ > best[0]:
                best = (search.best_score_, n, search)
        picks[best[1]] += 1
        accs.append(best[2].score(Zs[best[1]][te], y[te]))
    return float(np.mean(accs)), float(np.std(accs)), picks, {n: float(np.mean(v)) for n, v in inner.items()}


SELECT_CASTS = {
    "lr": float,
    "lr_schedule": str,
    "readout": str,
    "epochs": int,
    "features": int,
    "depth": int,
    "krylov_order": int,
}


def parse_select(text):
    """``"lr=1e-4,1e-3;readout=max-mean-sum,max-mean"`` -> list of dicts (the product of the axes).

    Keys joined by ``+`` vary together: ``"lr+lr_schedule=1e-4+constant,1e-3+reference"`` gives
    two configurations, not four.
    """
    import itertools

    if not text:
        return []
    axes = []
    for part in text.split(";"):
        keys, values = part.split("=")
        keys = keys.split("+")
        unknown = [k for k in keys if k not in SELECT_CASTS]
        if unknown:
            raise ValueError(f"--select: unknown key(s) {unknown}; known: {sorted(SELECT_CASTS)}")
        axis = []
        for value in values.split(","):
            parts = value.split("+") if len(keys) > 1 else [value]
            if len(parts) != len(keys):
                raise ValueError(f"--select: {value!r} has {len(parts)} values for keys {keys}")
            axis.append(tuple((k, SELECT_CASTS[k](v)) for k, v in zip(keys, parts)))
        axes.append(axis)
    return [dict(kv for group in combo for kv in group) for combo in itertools.product(*axes)]


def load(name, args):
    """``(graphs, y, unlabelled)``: the labelled graphs of the evaluation (a stratified subsample of
    ``--max-graphs`` graphs for large sets) and the graphs the embedders are trained on without
    labels (the same graphs, or every graph of the dataset with ``--train-on all``)."""
    from sklot.datasets import load_tu_dataset, make_structure_graphs

    if name in ("cycles", "sbm"):
        graphs, y = make_structure_graphs(200, kind=name, random_state=0)
        return graphs, y, graphs
    graphs, y = load_tu_dataset(name, args.tu)
    everything = graphs
    if len(graphs) > args.max_graphs:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(graphs)), train_size=args.max_graphs, stratify=y, random_state=0
        )
        keep = np.sort(keep)
        graphs, y = [graphs[i] for i in keep], y[keep]
    return graphs, y, (everything if args.train_on == "all" else graphs)


def main():
    from sklot.graph import LoukasGraphEmbedder

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "datasets", nargs="*", default=["MUTAG", "PTC_MR", "PROTEINS", "NCI1", "cycles", "sbm"]
    )
    parser.add_argument(
        "--tu",
        default=None,
        help="folder of TU datasets (<folder>/<NAME>/<NAME>_A.txt, ...); default: the copies shipped "
        "with sklot (MUTAG, PTC_MR), then $SKLOT_DATA_DIR (see docs/user_guide/graph.rst)",
    )
    parser.add_argument("--protocol", choices=["cv10", "ref"], default="cv10")
    # defaults: the estimator's defaults (LoukasGraphEmbedder())
    defaults = LoukasGraphEmbedder().get_params()
    parser.add_argument("--epochs", type=int, default=defaults["max_epochs"])
    parser.add_argument("--features", type=int, default=defaults["n_features"])
    parser.add_argument("--depth", type=int, default=defaults["depth"])
    parser.add_argument("--krylov-order", type=int, default=defaults["krylov_order"])
    parser.add_argument("--batch-size", type=int, default=defaults["batch_size"])
    parser.add_argument("--lr", type=float, default=defaults["lr"])
    parser.add_argument(
        "--lr-schedule", choices=["constant", "reference"], default=defaults["lr_schedule"]
    )
    parser.add_argument(
        "--readout",
        choices=["auto", "max-mean-sum", "max-mean", "max-mean-sum+words", "words", "words-level0"],
        default=defaults["readout"],
        help="'auto': in every outer split the readout is chosen on the training part only by the "
        "probe of LoukasGraphEmbedder(readout='auto').fit (evaluate_auto)",
    )
    parser.add_argument(
        "--auto",
        action="store_true",
        help="also score a 'HG2V-auto' column: the HG2V column's training, readout='auto' (evaluate_auto)",
    )
    parser.add_argument(
        "--infograph-lr", type=float, default=1e-3, help="Adam learning rate of the InfoGraph-style baseline"
    )
    parser.add_argument("--max-graphs", type=int, default=1000)
    parser.add_argument(
        "--train-on",
        choices=["subsample", "all"],
        default="subsample",
        help="graphs HG2V and InfoGraph-style are trained on, without labels: the evaluated subsample "
        "(default) or every graph of the dataset (the SVM still sees only the subsample's labels)",
    )
    parser.add_argument(
        "--auto-rules",
        default="best",
        help="comma-separated decision rules of the --auto probe (sklot.graph._readout_selection."
        "choose_readout: best, one-se); one probe per outer split serves them all, one column "
        "'HG2V-auto[rule]' each (a single 'best' keeps the column name 'HG2V-auto')",
    )
    parser.add_argument(
        "--auto-plus",
        default="",
        help="with --auto: comma-separated readouts appended to the probe's candidates (after "
        "sklot.graph._readout_selection.AUTO_CANDIDATES, in this order) for a second set of columns "
        "'HG2V-auto+<readouts>[rule]' from the same training and the same probe folds (a paired "
        "comparison of a candidate list with the default's)",
    )
    parser.add_argument(
        "--extra-readouts",
        default="",
        help="comma-separated readouts also scored from the HG2V column's training (one column "
        "'HG2V[readout]' each; no extra training)",
    )
    parser.add_argument("--methods", default="hg2v,infograph,wl")
    parser.add_argument(
        "--select",
        default="",
        help="HG2V grid chosen inside the CV (nested), e.g. 'lr=1e-4,1e-3;readout=max-mean-sum,max-mean'; "
        "keys: lr, lr_schedule, readout, epochs, features, depth, krylov_order; keys joined by '+' vary "
        "together ('lr+lr_schedule=1e-4+constant,1e-3+reference'). Adds a 'HG2V-nested' column.",
    )
    parser.add_argument(
        "--select-only",
        action="store_true",
        help="with --select: skip the HG2V-defaults column (its configuration is trained only if the "
        "grid holds it); the inner-CV screen of docs/benchmarks/graph.md",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random_state of the embedders and of the CV splits"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)  # the machine is shared; small graphs gain nothing from intra-op threads
    methods = args.methods.split(",")
    print(
        f"protocol={args.protocol} epochs={args.epochs} features={args.features} depth={args.depth} "
        f"krylov_order={args.krylov_order} batch={args.batch_size} lr={args.lr} "
        f"lr_schedule={args.lr_schedule} readout={args.readout} "
        f"infograph_lr={args.infograph_lr} train_on={args.train_on} seed={args.seed}"
    )
    rows = []
    for name in args.datasets:
        graphs, y, unlabelled = load(name, args)
        res = {}
        grid = parse_select(args.select)
        trained = {}  # training configuration -> ({readout: embedding}, fit time, s/epoch)
        extra = [r for r in args.extra_readouts.split(",") if r]
        plus = [r for r in args.auto_plus.split(",") if r]
        if plus and not args.auto:
            parser.error("--auto-plus needs --auto")
        readouts = sorted(
            {args.readout, *extra, *plus} | {cfg.get("readout", args.readout) for cfg in grid}
        )
        if args.auto or "auto" in readouts:
            from sklot.graph._readout_selection import AUTO_CANDIDATES

            readouts = sorted((set(readouts) - {"auto"}) | set(AUTO_CANDIDATES))

        def embed(cfg):
            """HG2V embedding for a configuration; trained once per training configuration (the
            readout does not change training, tests/graph/test_embedder.py checks this)."""
            sub = argparse.Namespace(**{**vars(args), **cfg})
            key = tuple(
                getattr(sub, k) for k in ("lr", "lr_schedule", "epochs", "features", "depth", "krylov_order")
            )
            if key not in trained:
                trained[key] = hg2v_embeddings(
                    graphs, sub, seed=args.seed, readouts=readouts, unlabelled=unlabelled
                )
            Zs, t, ep = trained[key]
            if sub.readout == "auto":
                return {r: Zs[r] for r in AUTO_CANDIDATES}, t, ep
            return Zs[sub.readout], t, ep

        if args.select_only and not grid:
            parser.error("--select-only needs --select")

        if "hg2v" in methods and not args.select_only:
            Z, t, ep = embed({})
            if args.readout == "auto":
                ((acc, std, picks),) = evaluate_auto(Z, y, args.protocol, seed=args.seed).values()
                res["HG2V"] = (acc, std, t, ep)
                print(f"{name}: readout='auto' picks (outer splits per readout): {picks}", flush=True)
            else:
                res["HG2V"] = (*evaluate_fast(Z, y, args.protocol, seed=args.seed), t, ep)
            if args.auto and args.readout != "auto":
                Za = embed({"readout": "auto"})[0]
                rules = args.auto_rules.split(",")
                sets = {"": list(Za)}
                if plus:  # one probe of the union serves both candidate lists (same folds)
                    Za = {**Za, **{r: embed({"readout": r})[0] for r in plus if r not in Za}}
                    sets["+" + "+".join(plus)] = list(Za)
                scores = evaluate_auto(Za, y, args.protocol, args.seed, rules, candidate_sets=sets)
                for (setname, rule), (acc, std, picks) in scores.items():
                    col = f"HG2V-auto{setname}[{rule}]"
                    if rules == ["best"] and not setname:
                        col = "HG2V-auto"
                    res[col] = (acc, std, t, ep)
                    print(f"{name}: {col} picks (outer splits per readout): {picks}", flush=True)
            for r in extra:
                Zr = embed({"readout": r})[0]
                res[f"HG2V[{r}]"] = (*evaluate_fast(Zr, y, args.protocol, seed=args.seed), t, ep)
        if grid:
            Zs = {",".join(f"{k}={v}" for k, v in cfg.items()): embed(cfg)[0] for cfg in grid}
            t = sum(v[1] for v in trained.values())
            acc, std, picks, inner = evaluate_selected(Zs, y, args.protocol, seed=args.seed)
            res["HG2V-nested"] = (acc, std, t, float("nan"))
            print(f"{name}: nested picks (outer splits per configuration): {picks}", flush=True)
            print(
                f"{name}: inner-CV screen (mean over the outer {args.protocol} splits of the best inner "
                "5-fold accuracy; the selection score):",
                flush=True,
            )
            for cfg, score in inner.items():
                print(f"  {score:.3f}  {cfg}", flush=True)
        if "infograph" in methods:
            Z, t, ep = infograph_embeddings(graphs, args, seed=args.seed, unlabelled=unlabelled)
            res["InfoGraph"] = (*evaluate_fast(Z, y, args.protocol, seed=args.seed), t, ep)
        if "wl" in methods:
            t0 = time.perf_counter()
            K = wl_kernel(graphs)
            res["WL"] = (
                *evaluate(K, y, args.protocol, precomputed=True, seed=args.seed),
                time.perf_counter() - t0,
                float("nan"),
            )
        line = f"{name:9s} n={len(graphs):5d} " + "  ".join(
            f"{m}: {a:.3f}±{s:.3f} (fit {t:.1f}s, {ep:.2f}s/epoch)" for m, (a, s, t, ep) in res.items()
        )
        if "HG2V" in res and "WL" in res:
            line += f"  HG2V/WL={res['HG2V'][0] / res['WL'][0]:.3f}"
        for r in extra:
            if f"HG2V[{r}]" in res and "WL" in res:
                line += f"  HG2V[{r}]/WL={res[f'HG2V[{r}]'][0] / res['WL'][0]:.3f}"
        for col in [c for c in res if c.startswith("HG2V-auto")]:
            if "WL" in res:
                line += f"  {col}/WL={res[col][0] / res['WL'][0]:.3f}"
        if "HG2V-nested" in res and "WL" in res:
            line += f"  HG2V-nested/WL={res['HG2V-nested'][0] / res['WL'][0]:.3f}"
        if "HG2V" in res and "InfoGraph" in res:
            line += f"  HG2V/InfoGraph={res['HG2V'][0] / res['InfoGraph'][0]:.3f}"
        print(line, flush=True)
        rows.append((name, res))


if __name__ == "__main__":
    main()
