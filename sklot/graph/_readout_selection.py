"""Choice of the graph readout by an inner cross-validation on the training graphs (``readout="auto"``)."""

import numpy as np

__all__ = ["AUTO_CANDIDATES", "AUTO_FALLBACK", "PROBE_C", "PROBE_FOLDS", "select_readout", "probe_labels"]

#: Readouts ``readout="auto"`` chooses among (in this order; ties go to the earlier one).
AUTO_CANDIDATES = ("max-mean-sum", "max-mean-sum+words", "words")
#: Readout used by ``readout="auto"`` when ``fit`` gets no usable class labels.
AUTO_FALLBACK = "max-mean-sum"
#: ``C`` grid of the probe (RBF SVC on standardised embeddings, ``gamma="scale"``).
PROBE_C = (0.1, 1.0, 10.0, 100.0)
#: Number of stratified folds of the probe (fewer when the smallest class is smaller).
PROBE_FOLDS = 5


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


def select_readout(embeddings, y, random_state=0, n_splits=PROBE_FOLDS, C_grid=PROBE_C):
    """Readout with the best inner cross-validated accuracy of a standardised RBF SVC.

    For every readout ``r``, the embeddings ``Z_r`` of the training graphs are scored by a
    stratified ``k``-fold split (``k = min(n_splits, smallest class count)``, shuffled with
    ``random_state``; the same folds for every readout): on each fold, ``Z_r`` is standardised
    with the fitting part's statistics, an RBF kernel with ``gamma = 1 / (d \\cdot
    \\mathrm{Var})`` (SVC's ``"scale"``) is computed by matrix products, and ``SVC(C)`` is fitted
    for every ``C`` of ``C_grid``. The score of ``r`` is the best over ``C`` of the mean
    validation accuracy over the folds:

    .. math::

        s(r) = \\max_{C} \\frac1k \\sum_{f=1}^k \\mathrm{acc}\\big(\\mathrm{SVC}_C(Z_r^{(-f)}),
        Z_r^{(f)}\\big), \\qquad \\hat r = \\arg\\max_r s(r),

    ties going to the earlier readout of ``embeddings``. Only the graphs and labels given are
    used (in ``fit``: the training graphs).

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
    best : str
    scores : dict of str -> float
        ``s(r)`` for every readout, in the order of ``embeddings``.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    y = np.asarray(y)
    _, counts = np.unique(y, return_counts=True)
    k = int(min(n_splits, counts.min()))
    folds = list(StratifiedKFold(k, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y))
    scores = {}
    for name, Z in embeddings.items():
        Z = np.asarray(Z, dtype=np.float64)
        acc = np.zeros(len(C_grid))
        for fit_idx, val_idx in folds:
            K_fit, K_val = _scaled_rbf(Z[fit_idx], Z[val_idx])
            for j, C in enumerate(C_grid):
                clf = SVC(kernel="precomputed", C=C).fit(K_fit, y[fit_idx])
                acc[j] += clf.score(K_val, y[val_idx]) / k
        scores[name] = float(acc.max())
    best = max(scores, key=lambda r: (scores[r], -list(scores).index(r)))
    return best, scores
