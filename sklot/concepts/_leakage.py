"""A model-selection scorer for concept erasers: task accuracy kept minus attribute leakage left.

:func:`make_leakage_scorer` returns a scorer ``scorer(estimator, X, y, sensitive=s)`` for
``GridSearchCV`` / ``cross_validate``: the fitted eraser transforms the held-out
fold, fresh probes are cross-validated *inside* that fold (so the probes never
see the data the eraser was fitted on), and the score is

.. math::

    \\text{score} = \\operatorname{acc}_y - w \\,(\\operatorname{acc}_s - \\operatorname{floor}_s),

the probe's task accuracy minus ``w`` times the attribute accuracy above its
floor (the accuracy of predicting the attribute from the task label alone, the
floor of Jourdan et al. 2023; the majority rate without a task). Higher is
better, as scikit-learn expects. The attribute comes as metadata: with
``sklearn.set_config(enable_metadata_routing=True)``,
``GridSearchCV(...).fit(X, y, sensitive=s)`` routes ``s`` both to the eraser's
``fit`` and to this scorer (it requests ``sensitive`` by default).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils.metadata_routing import MetadataRequest

__all__ = ["make_leakage_scorer", "LeakageScorer"]


def _default_probe():
    from sklearn.neural_network import MLPClassifier

    # The MLP probe of the paper (128 hidden units), early stopping on a tenth.
    return MLPClassifier((128,), max_iter=200, early_stopping=True, random_state=0)


def _floor(s, y, folds):
    """Cross-validated accuracy of the best guess of s from y alone (majority without y)."""
    hits = 0
    for tr, te in folds:
        guess = np.full(len(te), np.bincount(s[tr]).argmax())
        if y is not None:
            for c in np.unique(y[te]):
                seen = s[tr][y[tr] == c]
                if len(seen):
                    guess[y[te] == c] = np.bincount(seen).argmax()
        hits += int((guess == s[te]).sum())
    return hits / len(s)


class LeakageScorer:
    """Scorer of a fitted concept eraser; see :func:`make_leakage_scorer`."""

    def __init__(self, probe, sensitive_weight, cv, return_parts):
        self.probe = probe
        self.sensitive_weight = sensitive_weight
        self.cv = cv
        self.return_parts = return_parts

    def get_metadata_routing(self):
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="sensitive", alias=True)
        return request

    def __repr__(self):
        return (f"make_leakage_scorer(probe={self.probe!r}, sensitive_weight={self.sensitive_weight}, "
                f"cv={self.cv}, return_parts={self.return_parts})")

    def __call__(self, estimator, X, y=None, sensitive=None, **kwargs):
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import LabelEncoder

        if sensitive is None and getattr(estimator, "y_role", None) == "sensitive":
            sensitive, y = y, None  # the attribute is y (y_role="sensitive"): no task
        if sensitive is None:
            raise ValueError(
                "the leakage scorer needs the protected attribute: enable metadata routing "
                "(sklearn.set_config(enable_metadata_routing=True)) and call search.fit(X, y, sensitive=s), "
                "or use an eraser with y_role='sensitive' (then y is the attribute)."
            )
        if hasattr(estimator, "transform"):
            Z = estimator.transform(X)
        elif isinstance(estimator, Pipeline):
            Z = estimator[:-1].transform(X)  # the representation the final step reads
        else:
            raise ValueError(
                f"the leakage scorer needs an estimator with transform; got {type(estimator).__name__}."
            )
        Z = np.asarray(Z, dtype=np.float64)
        s = LabelEncoder().fit_transform(np.asarray(sensitive).ravel())
        t = None if y is None else LabelEncoder().fit_transform(np.asarray(y).ravel())
        if len(s) != len(Z) or (t is not None and len(t) != len(Z)):
            n_t = None if t is None else len(t)
            raise ValueError(f"sensitive / y have {len(s)} / {n_t} entries for {len(Z)} rows.")
        probe = _default_probe() if self.probe is None else self.probe
        folds = list(StratifiedKFold(self.cv, shuffle=True, random_state=0).split(Z, s))
        acc_s = float((cross_val_predict(clone(probe), Z, s, cv=folds) == s).mean())
        floor = _floor(s, t, folds)
        leakage = acc_s - floor
        if t is None:
            acc_y, score = None, -self.sensitive_weight * leakage
        else:
            task_folds = folds
            if np.bincount(t).min() >= self.cv:
                task_folds = list(StratifiedKFold(self.cv, shuffle=True, random_state=0).split(Z, t))
            acc_y = float((cross_val_predict(clone(probe), Z, t, cv=task_folds) == t).mean())
            score = acc_y - self.sensitive_weight * leakage
        if self.return_parts:
            parts = {"score": score, "sensitive_accuracy": acc_s, "sensitive_floor": floor}
            if acc_y is not None:
                parts["task_accuracy"] = acc_y
            return parts
        return float(score)


def make_leakage_scorer(*, probe=None, sensitive_weight=1.0, cv=3, return_parts=False):
    r"""Scorer for tuning a concept eraser: task accuracy kept minus attribute leakage left.

    On the held-out fold of a search, the fitted ``estimator`` transforms
    ``X`` (for a Pipeline ending in a classifier, every step but the last);
    ``probe`` is cross-validated (``cv`` stratified folds) inside that fold to
    predict the task ``y`` and the attribute ``sensitive`` from the output,
    and the score is

    .. math::

        \operatorname{acc}_y - w\,(\operatorname{acc}_s - \operatorname{floor}_s),

    with :math:`\operatorname{floor}_s` the cross-validated accuracy of
    predicting the attribute from the task label alone (the majority rate
    without a task), the floor of Jourdan et al. (2023). Without a task label
    (``y`` None, or an eraser with ``y_role="sensitive"``, whose ``y`` is the
    attribute) the score is :math:`-w\,(\operatorname{acc}_s - \operatorname{floor}_s)`.
    Higher is better.

    Parameters
    ----------
    probe : classifier or None, default=None
        The probe (cloned for every fit). None: scikit-learn's
        ``MLPClassifier((128,), early_stopping=True, random_state=0)``, the
        non-linear probe of the paper, which catches leakage a linear eraser
        leaves.
    sensitive_weight : float, default=1.0
        :math:`w`: accuracy points of the task traded for one point of
        attribute leakage.
    cv : int, default=3
        Folds of the probes' cross-validation inside the scored fold.
    return_parts : bool, default=False
        Return a dict (``score``, ``task_accuracy``, ``sensitive_accuracy``,
        ``sensitive_floor``) instead of the score: a multi-metric scorer for
        ``GridSearchCV(..., refit="score")``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None, sensitive=None)``. It requests
        ``sensitive`` as metadata: with
        ``sklearn.set_config(enable_metadata_routing=True)``,
        ``GridSearchCV(eraser, grid, scoring=scorer).fit(X, y, sensitive=s)``
        routes the held-out fold's ``s`` to it.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklot.concepts import TacoTransformer, make_leakage_scorer
    >>> from sklot.datasets import make_xor_concept_embeddings
    >>> X, y, s = make_xor_concept_embeddings(400, 16, random_state=0)
    >>> taco = TacoTransformer(n_components=3, decomposition="pca", n_sobol_designs=8, max_samples=200,
    ...                        max_epochs=20, device="cpu", random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     search = GridSearchCV(taco, {"n_remove": [0, 2]}, scoring=make_leakage_scorer(), cv=2,
    ...                           refit=False)
    ...     search = search.fit(X, y, sensitive=s)
    >>> search.best_params_
    {'n_remove': 2}
    """
    if probe is not None and not hasattr(probe, "fit"):
        raise TypeError(f"probe must be a classifier with fit/predict or None; got {type(probe).__name__}.")
    if not isinstance(sensitive_weight, Real) or not sensitive_weight >= 0:
        raise ValueError(f"sensitive_weight must be a number >= 0; got {sensitive_weight!r}.")
    if not isinstance(cv, Integral) or cv < 2:
        raise ValueError(f"cv must be an int >= 2; got {cv!r}.")
    return LeakageScorer(probe, float(sensitive_weight), int(cv), bool(return_parts))
