"""Choosing how many concepts to remove: the cross-validated removal curve.

For ``k = 0 .. r - 1`` removed concepts (in ranking order), fresh MLP probes
(:func:`~sklot.concepts._scorers.train_mlp_scorer`) are trained on the
embeddings with those concepts removed (as the transformer outputs them) on
the training folds and scored on the held-out fold: accuracy on the
protected attribute and on the task. When the output is the rank-reduced
reconstruction :math:`U_{:, K} W_K + b`, the probes are given the kept
coefficients :math:`U_{:, K}` instead: the same information (``W`` has full
row rank) at ``r/d`` of the cost.

The attribute's floor is the accuracy of predicting it from the task label
alone (the paper's floor, 0.627 on Bias in Bios), or from nothing (the
majority class) without a task.
"""

import warnings

import numpy as np
import torch
from sklearn.model_selection import StratifiedKFold

from ._scorers import train_mlp_scorer

__all__ = ["removal_curve", "choose_n_remove"]


def _probe_accuracy(Z_train, t_train, Z_test, t_test, n_classes, device, seed, max_epochs):
    mean, std = Z_train.mean(axis=0), Z_train.std(axis=0) + 1e-12
    module = train_mlp_scorer(
        (Z_train - mean) / std, t_train, n_classes, device=device, seed=seed, max_epochs=max_epochs
    )
    with torch.no_grad():
        logits = module(torch.as_tensor(((Z_test - mean) / std).astype(np.float32), device=device))
    return float((logits.argmax(dim=1).cpu().numpy() == t_test).mean())


def _floor_accuracy(s_train, y_train, s_test, y_test):
    """Accuracy of the best guess of s from y alone (or from nothing when y is None)."""
    majority = np.bincount(s_train).argmax()
    if y_train is None:
        return float((s_test == majority).mean())
    guess = np.full(len(s_test), majority)
    for c in np.unique(y_test):
        in_train = s_train[y_train == c]
        if len(in_train):
            guess[y_test == c] = np.bincount(in_train).argmax()
    return float((guess == s_test).mean())


def removal_curve(
    features, s, y, ranking, *, cv, device, seed, max_epochs=100, tol=None, patience=3, verbose=0
):
    """Cross-validated probe accuracies as concepts are removed in ranking order.

    With ``tol``, the sweep stops at the first ``k`` where the attribute
    accuracy is within ``tol`` of its floor, or the task accuracy more than
    ``tol`` below its value at ``k = 0`` (removing more concepts in ranking
    order only removes more of the task), or after ``patience`` steps that
    did not lower the lowest attribute accuracy so far by more than ``tol``
    (the concepts ranked next matter little for the attribute). The cost is
    then ``2 * cv * (k + 1)`` probes instead of ``2 * cv * r``.

    Parameters
    ----------
    features : callable
        ``features(removed)`` -> ndarray of shape (n, p): what the probes see
        once the concepts ``removed`` (an index array) are removed.
    s : ndarray of shape (n,) of int codes
        Protected attribute.
    y : ndarray of shape (n,) of int codes, or None
        Task label.
    ranking : ndarray of shape (r,)
        Concept indices, most removable first.
    cv : int
    device : torch.device
    seed : int
    tol : float or None
        Stop the sweep early (see above); None sweeps every ``k``.
    patience : int

    Returns
    -------
    dict
        ``n_removed`` (0 .. last k swept), ``sensitive_accuracy``, ``task_accuracy``
        (None without task), ``sensitive_floor`` (float).
    """
    r = len(ranking)
    n_s = int(s.max()) + 1
    n_y = None if y is None else int(y.max()) + 1
    if np.bincount(s).min() < cv:
        raise ValueError(f"n_remove='auto' needs at least cv={cv} samples of each attribute class.")
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(np.zeros((len(s), 1)), s))
    sens = np.zeros((r, cv))
    task = None if y is None else np.zeros((r, cv))
    floor = np.mean(
        [_floor_accuracy(s[tr], None if y is None else y[tr], s[te], None if y is None else y[te]) for tr, te in folds]
    )
    best, since = np.inf, 0
    for k in range(r):
        Z = features(np.asarray(ranking[:k]))
        for f, (tr, te) in enumerate(folds):
            sens[k, f] = _probe_accuracy(Z[tr], s[tr], Z[te], s[te], n_s, device, seed + 7 * f + 1, max_epochs)
            if y is not None:
                task[k, f] = _probe_accuracy(Z[tr], y[tr], Z[te], y[te], n_y, device, seed + 7 * f + 2, max_epochs)
        if verbose:
            msg = f"  removed {k:2d}: attribute probe {sens[k].mean():.3f}"
            if task is not None:
                msg += f", task probe {task[k].mean():.3f}"
            print(msg, flush=True)
        if tol is None:
            continue
        if sens[k].mean() < best - tol:
            best, since = sens[k].mean(), 0
        else:
            since += 1
        if (sens[k].mean() <= floor + tol or (task is not None and task[k].mean() < task[0].mean() - tol)
                or since >= patience):
            break
    n = k + 1
    return {
        "n_removed": np.arange(n),
        "sensitive_accuracy": sens[:n].mean(axis=1),
        "task_accuracy": None if task is None else task[:n].mean(axis=1),
        "sensitive_floor": float(floor),
    }


def choose_n_remove(curve, tol):
    """The fewest removed concepts that reach, within ``tol``, the lowest attribute accuracy the task allows.

    Among the ``k`` whose task accuracy is within ``tol`` of its value at
    ``k = 0`` (all ``k`` without a task), the target is the lowest attribute
    accuracy they reach, or the attribute's floor if that is lower; the
    smallest such ``k`` whose attribute accuracy is within ``tol`` of the
    target is chosen. When the floor is reached this is the smallest ``k``
    at the floor; when it is not (the attribute cannot be removed without
    the task), a warning says so.
    """
    sens = np.asarray(curve["sensitive_accuracy"])
    task = curve["task_accuracy"]
    floor = curve["sensitive_floor"]
    ok_task = np.ones(len(sens), bool) if task is None else np.asarray(task) >= task[0] - tol
    candidates = np.flatnonzero(ok_task)  # k = 0 always qualifies
    target = max(floor, float(sens[candidates].min()))
    best = int(candidates[np.flatnonzero(sens[candidates] <= target + tol)[0]])
    if sens[best] > floor + tol:
        warnings.warn(
            f"n_remove='auto': no number of removed concepts brings the attribute probe within "
            f"tol={tol} of its floor ({floor:.3f}) while keeping the task; chose {best} (attribute accuracy {sens[best]:.3f}, "
            f"the lowest with the task kept: {sens[candidates].min():.3f}).",
            UserWarning,
            stacklevel=3,
        )
    return best
