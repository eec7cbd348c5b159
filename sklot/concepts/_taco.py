"""TacoTransformer: targeted concept removal in embeddings (Jourdan et al. 2023)."""

import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._core.base import TorchEstimatorMixin
from .._core.random import draw_seed, numpy_generator
from ._decomposition import CENTRED, DECOMPOSITIONS, fit_concept_basis, global_location_scale
from ._importance import concept_total_indices
from ._removal_curve import choose_n_remove, removal_curve
from ._scorers import check_user_scorer, concept_margin_function, train_mlp_scorer
from ._sobol import sobol_design

__all__ = ["TacoTransformer"]

_SCORER = [None, callable, HasMethods(["predict_proba"]), HasMethods(["decision_function"])]


class TacoTransformer(TorchEstimatorMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    r"""Remove the concepts of embeddings that carry a protected attribute (TaCo).

    The embeddings are decomposed into :math:`r` concepts, :math:`A \approx U W + b`
    (fitted on the training data only). Each concept :math:`i` gets a
    total-order Sobol index for a classifier of the protected attribute,
    :math:`S_{T_i}^{s}`, and for a classifier of the main task,
    :math:`S_{T_i}^{y}` (Jansen estimator on a quasi-Monte-Carlo design of
    concept perturbations :math:`(u \odot (1 - m)) W + \delta`; the output is
    the margin between the two largest logits). Concepts are ranked by

    .. math::

        \theta_i = \arctan\left(S_{T_i}^{y} / S_{T_i}^{s}\right),

    small angles being important for the attribute and unimportant for the
    task (without a task label, by :math:`S_{T_i}^{s}` alone), and the
    ``n_remove`` first are dropped. By default (``residual="keep"``) their
    contribution is subtracted and everything else is kept, residual included:

    .. math::

        \operatorname{transform}(a) = a - u_{R} W_{R}
        = u_{K} W_{K} + b + \delta,\qquad \delta = a - u W - b,

    which is exactly the embedding on which the Sobol indices measured the
    effect of masking the concepts :math:`R` (mask 1 on :math:`R`, the
    residual re-injected). ``residual="drop"`` returns the rank
    :math:`r - k` reconstruction of the reference code,
    :math:`u_{K} W_{K} + b`, which also discards whatever the :math:`r`
    concepts do not capture (with :math:`r \ll d`, task information too).
    The same index set :math:`K` (complement :math:`R`) is used for the
    coefficients and the basis rows.

    Units do not matter: ``fit`` works on :math:`(A - m) / c`, with one
    global scale :math:`c` (the root mean square of the centred entries) and
    :math:`m` the mean for ``"pca"`` / ``"ica"`` (0 for ``"svd"`` / ``"nmf"``,
    which are not translation-invariant), and ``transform`` maps back. The
    removed concepts are the same for :math:`\alpha A + t` as for :math:`A`
    (:math:`\alpha > 0`, :math:`t` a translation for PCA / ICA), and the
    output is :math:`\alpha \operatorname{transform}(A) + t`.

    Parameters
    ----------
    n_components : int or None, default=None
        Number of concepts :math:`r`; None: ``min(50, n_samples, n_features)``
        (minus 1 for ``"svd"``). The paper's default is 20 PCA concepts;
        the defaults (50 ICA concepts, ``n_remove="auto"``) are those that
        won on BUG sentences with MiniLM embeddings, chosen on a validation
        split (``benchmarks/concepts/bench_taco_defaults.py``): ICA concepts
        isolate gender in one concept where PCA spreads it over several.
    n_remove : int or "auto", default="auto"
        Number of concepts removed (``0 <= n_remove < n_components``).
        ``"auto"`` runs the paper's sweep inside ``fit``: for
        :math:`k = 0, 1, \dots` top-ranked concepts removed, fresh MLP probes
        (128 hidden units) are cross-validated (``cv`` folds, on the
        ``max_samples`` rows) on the output for the attribute and the task.
        Among the :math:`k` whose task accuracy stays within ``tol`` of its
        value at :math:`k = 0`, the fewest concepts whose attribute accuracy
        is within ``tol`` of the lowest reached (or of the floor, the accuracy
        of predicting the attribute from the task label alone, if lower) are
        removed. The sweep stops at the floor, when the task breaks, or after 3
        steps that lower the attribute accuracy by less than ``tol``; the
        curve is stored in ``removal_curve_``.
    decomposition : {"pca", "svd", "ica", "nmf"}, default="ica"
        Concept decomposition; ``"nmf"`` needs non-negative embeddings.
    residual : {"keep", "drop"}, default="keep"
        ``"keep"``: the output is the input minus the removed concepts'
        contribution, :math:`a - u_R W_R` (the perturbation whose effect the
        Sobol indices measure). ``"drop"``: the output is rebuilt from the kept
        concepts only, :math:`u_K W_K + b` (the reference code's output; it
        also loses the part of the embeddings outside the concepts' span).
    sensitive_estimator : None, fitted classifier or callable, default=None
        Scorer of the protected attribute. None trains an MLP (128 hidden
        units) on the training embeddings through sklot's training engine. A
        fitted classifier (``predict_proba`` or ``decision_function``) or a
        callable returning logits is used as given. Torch modules get float32
        tensors on ``device``; other callables get float64 numpy arrays.
    task_estimator : None, fitted classifier or callable, default=None
        Scorer of the main task, as above; used only when ``y`` is given.
    y_role : {"task", "sensitive"}, default="task"
        ``"task"``: ``y`` is the (optional) main-task label and the protected
        attribute is the ``sensitive`` fit parameter (routed as metadata).
        ``"sensitive"``: ``y`` *is* the protected attribute (the convention of
        linear erasers, ``fit(X, z)``), there is no task label and concepts are
        ranked by :math:`S_T^{s}` alone; useful with tools that only pass
        ``y`` (``cross_val_score``, ``GridSearchCV`` without routing).
    n_sobol_designs : int, default=50
        Number :math:`N` of quasi-Monte-Carlo designs; each sample costs
        :math:`N (r + 2)` scorer evaluations.
    max_samples : int or None, default=10000
        Training rows (drawn at random) on which Sobol indices are averaged
        and, for ``n_remove="auto"``, on which the probes are cross-validated.
        None uses all rows.
    max_epochs : int, default=100
        Epoch budget of the default MLP scorers and of the probes of
        ``n_remove="auto"`` (early stopping on a held-out tenth usually
        stops them sooner).
    cv : int, default=3
        Folds of the cross-validation of ``n_remove="auto"``.
    tol : float, default=0.02
        Accuracy tolerance of ``n_remove="auto"``.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
        Where scorers are trained and Sobol batches run.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        Prints the stages and their timings (and the training tables when >1).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, ``n_features_in_``)
        Concept basis :math:`W` (row ``i`` is concept ``i``) of the
        standardised embeddings :math:`(A - m) / c` (for PCA and SVD, unit
        directions, as on :math:`A`).
    location_ : ndarray of shape (``n_features_in_``,)
        :math:`m`: the training mean for ``"pca"`` / ``"ica"``, else 0.
    scale_ : float
        :math:`c`: root mean square of the entries of :math:`A - m` (1 if all are 0).
    importance_sensitive_ : ndarray of shape (n_components,)
        :math:`S_{T_i}^{s}`.
    importance_task_ : ndarray of shape (n_components,) or None
        :math:`S_{T_i}^{y}`; None without a task label.
    angles_ : ndarray of shape (n_components,) or None
        :math:`\theta_i` in radians; None without a task label.
    concept_ranking_ : ndarray of shape (n_components,)
        Concept indices, most removable first.
    removed_concepts_ : ndarray of shape (``n_remove_``,)
        Removed concept indices, most removable first.
    kept_concepts_ : ndarray
        Kept concept indices, increasing.
    n_components_ : int
        Number of concepts used (``n_components``, or its default).
    n_remove_ : int
        Number of removed concepts (the choice of ``"auto"``).
    removal_curve_ : dict or None
        For ``n_remove="auto"``: ``n_removed``, ``sensitive_accuracy``,
        ``task_accuracy`` (None without task) and ``sensitive_floor``.
    sensitive_classes_, task_classes_ : ndarray
        Labels of the attribute and of the task (None without task).
    sensitive_scorer_, task_scorer_ : torch.nn.Module, classifier or callable
        The scorers whose Sobol indices were measured. A user's scorer is
        given embeddings in the original units; the default MLPs are
        trained on, and read, :math:`(A - m) / c`.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` has string column names.

    References
    ----------
    F. Jourdan, L. Béthune, A. Picard, L. Risser, N. Asher. "TaCo: Targeted
    Concept Removal in Output Embeddings for NLP via Information Theory and
    Explainability", arXiv:2312.06499, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.concepts import TacoTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 8)) * np.arange(8, 0, -1)
    >>> s = (X[:, 0] > 0).astype(int)
    >>> y = (X[:, 1] > 0).astype(int)
    >>> taco = TacoTransformer(n_components=4, n_remove=1, decomposition="pca", n_sobol_designs=16,
    ...                        device="cpu", random_state=0)
    >>> Xt = taco.fit_transform(X, y, sensitive=s)
    >>> Xt.shape
    (300, 8)
    >>> [int(i) for i in taco.removed_concepts_]  # the concept along axis 0
    [0]
    """

    # ``sensitive`` is requested by default, so that Pipeline.fit(X, y, sensitive=s)
    # routes it here when metadata routing is enabled.
    __metadata_request__fit = {"sensitive": True}

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "n_remove": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "decomposition": [StrOptions(set(DECOMPOSITIONS))],
        "residual": [StrOptions({"keep", "drop"})],
        "sensitive_estimator": _SCORER,
        "task_estimator": _SCORER,
        "y_role": [StrOptions({"task", "sensitive"})],
        "n_sobol_designs": [Interval(Integral, 2, None, closed="left")],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "tol": [Interval(Real, 0, 1, closed="both")],
        "device": "no_validation",
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_components=None,
        n_remove="auto",
        decomposition="ica",
        residual="keep",
        sensitive_estimator=None,
        task_estimator=None,
        y_role="task",
        n_sobol_designs=50,
        max_samples=10000,
        max_epochs=100,
        cv=3,
        tol=0.02,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.n_remove = n_remove
        self.decomposition = decomposition
        self.residual = residual
        self.sensitive_estimator = sensitive_estimator
        self.task_estimator = task_estimator
        self.y_role = y_role
        self.n_sobol_designs = n_sobol_designs
        self.max_samples = max_samples
        self.max_epochs = max_epochs
        self.cv = cv
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self.y_role == "sensitive"
        tags.input_tags.positive_only = self.decomposition == "nmf"
        return tags

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, sensitive=None):
        """Fit the concepts, measure their importance and choose those to remove.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training embeddings.
        y : array-like of shape (n_samples,) or None
            Main-task class labels (``y_role="task"``), or the protected
            attribute itself (``y_role="sensitive"``).
        sensitive : array-like of shape (n_samples,)
            Protected attribute (``y_role="task"``). Passed as metadata: with
            ``sklearn.set_config(enable_metadata_routing=True)``,
            ``Pipeline.fit(X, y, sensitive=s)`` routes it here.

        Returns
        -------
        self
        """
        t0 = time.perf_counter()
        sensitive, y = self._split_targets(y, sensitive)
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        n, d = X.shape
        limit = min(n, d) - (1 if self.decomposition == "svd" else 0)
        r = self.n_components_ = max(1, min(50, limit)) if self.n_components is None else self.n_components
        if r > min(n, d) or (self.decomposition == "svd" and r >= min(n, d)):
            raise ValueError(
                f"n_components={r} is too large: the data have n_samples={n}, n_features={d} "
                f"(n_components <= min(n_samples, n_features){', strictly' if self.decomposition == 'svd' else ''})."
            )
        if self.n_remove != "auto" and self.n_remove >= r:
            raise ValueError(
                f"n_remove={self.n_remove} must be smaller than n_components={r}: "
                "at least one concept has to be kept."
            )
        s_codes, self.sensitive_classes_ = _encode_labels(sensitive, n, "sensitive")
        if y is None:
            y_codes, self.task_classes_ = None, None
        else:
            y_codes, self.task_classes_ = _encode_labels(y, n, "y")
        for name in ("sensitive_estimator", "task_estimator"):
            if getattr(self, name) is not None:
                check_user_scorer(getattr(self, name), name)

        device = self._device()
        seed = draw_seed(self.random_state)
        verbose = int(self.verbose)

        # 0. Units: everything below (decomposition, default scorers, Sobol design, probes)
        # sees (X - m) / c, one location and one global scale, so that the choice of
        # concepts does not depend on the units of X (no fixed learning rate, tolerance
        # or float32 cast meets embeddings of size 1e-3 or 1e6 or a large offset).
        self.location_, self.scale_ = global_location_scale(X, self.decomposition in CENTRED)
        X = (X - self.location_) / self.scale_

        # 1. Concepts, on the training data only.
        basis = fit_concept_basis(X, r, self.decomposition, random_state=seed)
        U = basis.coefficients(X)
        residual = X - U @ basis.components  # delta = a - u W (holds the offset b)
        self._log(verbose, f"{self.decomposition} decomposition into {r} concepts", t0)

        # 2. Scorers.
        self.sensitive_scorer_ = self.sensitive_estimator
        if self.sensitive_scorer_ is None:
            self.sensitive_scorer_ = train_mlp_scorer(
                X, s_codes, len(self.sensitive_classes_), device=device, seed=seed + 1,
                max_epochs=self.max_epochs, verbose=max(0, verbose - 1),
            )
            self._log(verbose, "MLP scorer of the attribute trained", t0)
        self.task_scorer_ = None
        if y_codes is not None:
            self.task_scorer_ = self.task_estimator
            if self.task_scorer_ is None:
                self.task_scorer_ = train_mlp_scorer(
                    X, y_codes, len(self.task_classes_), device=device, seed=seed + 2,
                    max_epochs=self.max_epochs, verbose=max(0, verbose - 1),
                )
                self._log(verbose, "MLP scorer of the task trained", t0)

        # 3. Total-order Sobol indices on a random subset of the training rows.
        rng = numpy_generator(seed + 3)
        rows = np.arange(n) if self.max_samples is None or self.max_samples >= n else np.sort(
            rng.choice(n, self.max_samples, replace=False)
        )
        design = sobol_design(r, self.n_sobol_designs, random_state=seed + 4)

        def importance(scorer, what, default):
            # A user's scorer reads the original units: c z + m.
            fn = concept_margin_function(
                scorer, basis.components, device,
                **({} if default else dict(scale=self.scale_, location=self.location_)),
            )
            st = concept_total_indices(
                fn, U[rows], residual[rows], design, self.n_sobol_designs, device=device, verbose=verbose
            )
            if np.isnan(st).any():
                warnings.warn(
                    f"the {what} scorer's output did not vary under any concept perturbation; "
                    "its Sobol indices are set to 0.",
                    UserWarning,
                    stacklevel=3,
                )
                st = np.nan_to_num(st, nan=0.0)
            self._log(verbose, f"Sobol indices of the {what} scorer ({len(rows)} samples)", t0)
            return st

        self.importance_sensitive_ = importance(
            self.sensitive_scorer_, "attribute", self.sensitive_estimator is None
        )
        self.importance_task_ = None if y_codes is None else importance(
            self.task_scorer_, "task", self.task_estimator is None
        )

        # 4. Ranking: small angle = matters for the attribute, not for the task.
        if self.importance_task_ is None:
            self.angles_ = None
            self.concept_ranking_ = np.argsort(-self.importance_sensitive_, kind="stable")
        else:
            self.angles_ = np.arctan2(self.importance_task_, self.importance_sensitive_)
            self.concept_ranking_ = np.argsort(self.angles_, kind="stable")

        # 5. How many to remove.
        self.removal_curve_ = None
        if self.n_remove == "auto":
            # Probes see what transform outputs: with the residual kept, the
            # embeddings minus the removed concepts (d features); without it,
            # the kept coefficients (as informative as u_K W_K + b, at r/d of the cost).
            if self.residual == "keep":
                def features(removed, X_=X[rows], U_=U[rows]):
                    return basis.remove(X_, U_, removed)
            else:
                def features(removed, U_=U[rows]):
                    return np.delete(U_, removed, axis=1)
            self.removal_curve_ = removal_curve(
                features, s_codes[rows], None if y_codes is None else y_codes[rows], self.concept_ranking_,
                cv=self.cv, device=device, seed=seed + 5, max_epochs=self.max_epochs, tol=self.tol,
                verbose=verbose,
            )
            self.n_remove_ = choose_n_remove(self.removal_curve_, self.tol)
            self._log(verbose, f"n_remove='auto' chose {self.n_remove_}", t0)
        else:
            self.n_remove_ = int(self.n_remove)
        self.removed_concepts_ = self.concept_ranking_[: self.n_remove_].copy()
        self.kept_concepts_ = np.sort(self.concept_ranking_[self.n_remove_ :])
        self.components_ = basis.components
        self._basis = basis
        return self

    def transform(self, X):
        """Remove the concepts: :math:`a - u_R W_R` (``residual="keep"``) or :math:`u_K W_K + b` (``"drop"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings, seen in ``fit`` or not.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "kept_concepts_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._remove(X, self.removed_concepts_)

    def remove_concepts(self, X, n_remove):
        """Embeddings with the ``n_remove`` top-ranked concepts removed, without refitting.

        Concepts are removed in the order of ``concept_ranking_``, so that
        ``remove_concepts(X, self.n_remove_)`` equals ``transform(X)``; useful
        to draw the trade-off between attribute leakage and task accuracy
        from a single fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        n_remove : int
            ``0 <= n_remove < n_components``.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "kept_concepts_")
        if not isinstance(n_remove, Integral) or not 0 <= n_remove < self.n_components_:
            raise ValueError(f"n_remove must be an int in [0, {self.n_components_ - 1}]; got {n_remove!r}.")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._remove(X, self.concept_ranking_[: int(n_remove)])

    def _remove(self, X, removed):
        # In the standardised units of fit, then back: X - c u_R W_R, or c (u_K W_K + b) + m.
        Z = (X - self.location_) / self.scale_
        U = self._basis.coefficients(Z)
        if self.residual == "keep":
            removed = np.asarray(removed, dtype=np.intp)
            return X - self.scale_ * (U[:, removed] @ self._basis.components[removed])
        keep = np.setdiff1d(np.arange(self.n_components_), removed)
        return self.scale_ * self._basis.reconstruct(U, keep) + self.location_

    # ------------------------------------------------------------- helpers
    def _split_targets(self, y, sensitive):
        if self.y_role == "sensitive":
            if sensitive is not None:
                raise ValueError(
                    "y_role='sensitive' takes the protected attribute from y; do not pass `sensitive` too "
                    "(use y_role='task' to give a task label in y and the attribute in `sensitive`)."
                )
            if y is None:
                raise ValueError(
                    f"{type(self).__name__} requires y to be passed, but the target y is None "
                    "(with y_role='sensitive', y is the protected attribute)."
                )
            return y, None
        if sensitive is None:
            raise ValueError(
                "TacoTransformer.fit needs the protected attribute: call fit(X, y, sensitive=s); in a Pipeline "
                "use pipe.fit(X, y, sensitive=s) with sklearn.set_config(enable_metadata_routing=True) "
                "(without routing: pipe.fit(X, y, <step name>__sensitive=s), "
                "e.g. tacotransformer__sensitive=s for a make_pipeline step); or set y_role='sensitive' to take it from y."
            )
        return sensitive, y

    def _log(self, verbose, message, t0):
        if verbose:
            print(f"[TacoTransformer] {message} ({time.perf_counter() - t0:.1f} s)", flush=True)


def _encode_labels(labels, n, name):
    """Class labels -> integer codes (scikit-learn's LabelEncoder), with ``name`` in the errors."""
    labels = column_or_1d(labels, warn=True)
    if labels.shape[0] != n:
        raise ValueError(f"{name} has {labels.shape[0]} entries but X has {n} rows.")
    if labels.dtype.kind == "O" and any(v is None or v != v for v in labels):  # None, NaN, pd.NA
        raise ValueError(f"{name} contains missing values (None or NaN).")
    # raises "Input {name} contains NaN." for floats and "Unknown label type" for unknown ones
    kind = type_of_target(labels, input_name=name, raise_unknown=True)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"{name} must hold class labels (binary or multiclass); got target type {kind!r}.")
    encoder = LabelEncoder().fit(labels)
    if len(encoder.classes_) < 2:
        raise ValueError(f"{name} has only one class ({encoder.classes_[0]!r}); at least two are needed.")
    return encoder.transform(labels).astype(np.int64), encoder.classes_
