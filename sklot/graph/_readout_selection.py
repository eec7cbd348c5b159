"""Choice of the graph readout by an inner cross-validation on the training graphs (``readout="auto"``)."""

import numpy as np

__all__ = [
    "AUTO_CANDIDATES",
    "AUTO_FALLBACK",
    "AUTO_RULE",
    "AUTO_RULES",
    "PROBE_C",
    "PROBE_FOLDS",
    "choose_readout",
    "probe_readouts",
    "select_readout",
    "probe_labels",
]

#: Readouts ``readout="auto"`` chooses among (in this order; ties go to the earlier one). The third
#: was ``"words"`` until issue 19's fourth round: ``"words-level0"`` replaced it on validation data
#: (``benchmarks/graph/results/round4/val*.out``, validation seeds 100-102, rule
#: ``tune_defaults.choose_ptc`` applied by ``benchmarks/graph/aggregate_validation.py``).
AUTO_CANDIDATES = ("max-mean-sum", "max-mean-sum+words", "words-level0")
#: Readout used by ``readout="auto"`` when ``fit`` gets no usable class labels.
AUTO_FALLBACK = "max-mean-sum"
#: ``C`` grid of the probe (RBF SVC on standardised embeddings, ``gamma="scale"``).
PROBE_C = (0.1, 1.0, 10.0, 100.0)
#: Number of stratified folds of the probe (fewer when the smallest class is smaller).
PROBE_FOLDS = 5
#: Decision rules of :func:`choose_readout`.
AUTO_RULES = ("best", "one-se")
#: The rule ``LoukasGraphEmbedder(readout="auto")`` uses (chosen on validation data over "best":
#: ``benchmarks/graph/tune_defaults_auto1se_output.txt``).
AUTO_RULE = "one-se"


def probe_labels(y, n_samples):
    """Class labels usable by the probe, or ``None`` (then ``readout="auto"`` falls back).

    Usable: ``y`` given, one label per graph, a binary or multiclass target (the probe is a
    classifier) with at least two classes each holding at least two graphs. A ``y`` of the
    wrong length is a ValueError.
    """
    from sklearn.utils.multiclass import type_of_target

    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_samples:
        raise ValueError(
            f"y must hold one label per graph: got shape {y.shape} for {n_samples} graphs."
        )
    if type_of_target(y) not in ("binary", "multiclass"):
        return None
    _, counts = np.unique(y, return_counts=True)
    if len(counts) < 2 or counts.min() < 2:
        return None
    return y


def _scaled_rbf(A_fit, A_val):
    """``K(A_fit, A_fit)`` and ``K(A_val, A_fit)`` of ``make_pipeline(StandardScaler(), SVC())``:
    standardised with ``A_fit``'s statistics, ``gamma = 1 / (n_features * var)`` (``gamma="scale"``)."""
    mean, std = A_fit.mean(axis=0), A_fit.std(axis=0)
    std[std == 0] = 1.0  # StandardScaler's rule for constant columns
    A, B = (A_fit - mean) / std, (A_val - mean) / std
    var = A.var()
    gamma = 1.0 / (A.shape[1] * var) if var != 0 else 1.0
    sq_a, sq_b = np.einsum("ij,ij->i", A, A), np.einsum("ij,ij->i", B, B)
    K_fit = np.exp(-gamma * np.maximum(sq_a[:, None] + sq_a[None, :] - 2.0 * (A @ A.T), 0.0))
    K_val = np.exp(-gamma * np.maximum(sq_b[:, None] + sq_a[None, :] - 2.0 * (B @ A.T), 0.0))
    return K_fit, K_val


def probe_readouts(embeddings, y, random_state=0, n_splits=PROBE_FOLDS, C_grid=PROBE_C):
    """Per-fold validation accuracies of a standardised RBF SVC on every readout's embedding.

    For every readout ``r``, the embeddings ``Z_r`` of the training graphs are scored by a
    stratified ``k``-fold split (``k = min(n_splits, smallest class count)``, shuffled with
    ``random_state``; the same folds for every readout): on each fold, ``Z_r`` is standardised
    with the fitting part's statistics, an RBF kernel with ``gamma = 1 / (d \\cdot
    \\mathrm{Var})`` (SVC's ``"scale"``) is computed by matrix products, and ``SVC(C)`` is fitted
    for every ``C`` of ``C_grid``. ``C_r`` is the ``C`` with the best mean accuracy (the first
    one on ties, as ``GridSearchCV``), and the fold accuracies at ``C_r`` are returned:

    .. math::

        a_{r,f} = \\mathrm{acc}\\big(\\mathrm{SVC}_{C_r}(Z_r^{(-f)}), Z_r^{(f)}\\big), \\qquad
        C_r = \\arg\\max_C \\frac1k \\sum_{f=1}^k \\mathrm{acc}\\big(\\mathrm{SVC}_C(Z_r^{(-f)}),
        Z_r^{(f)}\\big).

    Only the graphs and labels given are used (in ``fit``: the training graphs).

    Parameters
    ----------
    embeddings : dict of str -> ndarray of shape (n_graphs, n_columns)
        One embedding per candidate readout (from one trained module).
    y : array-like of shape (n_graphs,)
        Class labels (see :func:`probe_labels`).
    random_state : int
        Seed of the fold shuffling.
    n_splits : int
    C_grid : sequence of float

    Returns
    -------
    fold_accuracies : dict of str -> ndarray of shape (k,)
        ``a_{r, .}`` for every readout, in the order of ``embeddings``.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    y = np.asarray(y)
    _, counts = np.unique(y, return_counts=True)
    k = int(min(n_splits, counts.min()))
    folds = list(StratifiedKFold(k, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y))
    out = {}
    for name, Z in embeddings.items():
        Z = np.asarray(Z, dtype=np.float64)
        acc = np.zeros((len(C_grid), k))
        for f, (fit_idx, val_idx) in enumerate(folds):
            K_fit, K_val = _scaled_rbf(Z[fit_idx], Z[val_idx])
            for j, C in enumerate(C_grid):
                clf = SVC(kernel="precomputed", C=C).fit(K_fit, y[fit_idx])
                acc[j, f] = clf.score(K_val, y[val_idx])
        out[name] = acc[int(np.argmax(acc.mean(axis=1)))]
    return out


def choose_readout(fold_accuracies, rule="one-se"):
    """The readout a decision rule takes from the probe's fold accuracies.

    With ``s(r) = \\frac1k \\sum_f a_{r,f}`` the probe score (:func:`probe_readouts`) and ``r_0``
    the first readout of ``fold_accuracies`` (the default, ``"max-mean-sum"`` in ``fit``):

    - ``"best"``: :math:`\\hat r = \\arg\\max_r s(r)`, ties to the earlier readout (scores
      compared to 12 decimals: equal accuracies in another fold order are a tie);
    - ``"one-se"``: another readout replaces ``r_0`` only if its gain exceeds one standard
      error of the paired fold differences ``\\delta_f = a_{r,f} - a_{r_0,f}`` (the same folds
      serve every readout):

      .. math::

          \\bar\\delta = s(r) - s(r_0) > \\mathrm{SE} = \\frac{\\mathrm{sd}(\\delta_1, \\dots,
          \\delta_k)}{\\sqrt k} \\quad (\\text{sample sd, } k - 1 \\text{ degrees of freedom});

      among the readouts that pass, the one with the largest ``s(r)`` (ties to the earlier);
      if none passes, ``r_0``. A gain within the folds' noise does not move the choice away
      from the default (the one-standard-error idea of Breiman et al., *Classification and
      Regression Trees*, 1984, and Hastie, Tibshirani, Friedman, *The Elements of Statistical
      Learning*, sec. 7.10, applied to a paired comparison).

    Parameters
    ----------
    fold_accuracies : dict of str -> array-like of shape (k,)
    rule : {"best", "one-se"}

    Returns
    -------
    best : str
    """
    if rule not in AUTO_RULES:
        raise ValueError(f"rule must be one of {AUTO_RULES}; got {rule!r}.")
    names = list(fold_accuracies)
    acc = {r: np.asarray(a, dtype=np.float64) for r, a in fold_accuracies.items()}
    # rounded: equal accuracies summed in another fold order differ in the last bit, and the
    # documented tie rule (the earlier readout) must not depend on it
    score = {r: round(float(a.mean()), 12) for r, a in acc.items()}
    if rule == "best":
        return max(names, key=lambda r: (score[r], -names.index(r)))
    base = names[0]
    passed = []
    for r in names[1:]:
        delta = acc[r] - acc[base]
        se = float(delta.std(ddof=1) / np.sqrt(len(delta))) if len(delta) > 1 else 0.0
        if delta.mean() > se:
            passed.append(r)
    if not passed:
        return base
    return max(passed, key=lambda r: (score[r], -names.index(r)))


def select_readout(embeddings, y, random_state=0, n_splits=PROBE_FOLDS, C_grid=PROBE_C, rule="best"):
    """Readout chosen by the inner cross-validated accuracy of a standardised RBF SVC.

    :func:`probe_readouts` then :func:`choose_readout`. The score of ``r`` is the best over
    ``C`` of the mean validation accuracy over the folds:

    .. math::

        s(r) = \\max_{C} \\frac1k \\sum_{f=1}^k \\mathrm{acc}\\big(\\mathrm{SVC}_C(Z_r^{(-f)}),
        Z_r^{(f)}\\big),

    and ``rule`` turns the scores (and their fold values) into the choice: ``"best"`` is
    :math:`\\arg\\max_r s(r)`, ties going to the earlier readout of ``embeddings``;
    ``"one-se"`` keeps the first readout unless another's gain exceeds one standard error of
    the paired fold differences (:func:`choose_readout`).

    Parameters
    ----------
    embeddings : dict of str -> ndarray of shape (n_graphs, n_columns)
        One embedding per candidate readout (from one trained module).
    y : array-like of shape (n_graphs,)
        Class labels (see :func:`probe_labels`).
    random_state : int
        Seed of the fold shuffling.
    n_splits : int
    C_grid : sequence of float
    rule : {"best", "one-se"}

    Returns
    -------
    best : str
    scores : dict of str -> float
        ``s(r)`` for every readout, in the order of ``embeddings``.
    """
    folds = probe_readouts(embeddings, y, random_state=random_state, n_splits=n_splits, C_grid=C_grid)
    return choose_readout(folds, rule), {r: float(a.mean()) for r, a in folds.items()}
