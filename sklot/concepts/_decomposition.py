"""Concept decomposition of embeddings: :math:`A \\approx U W + b`.

One small dispatcher over scikit-learn decompositions (PCA, truncated SVD,
FastICA, NMF) that exposes the two things TaCo needs: the concept basis
:math:`W` (r, d) and the coefficients :math:`U` (n, r) of any (also unseen)
embedding, with the offset :math:`b` (the mean for PCA / ICA, zero otherwise).
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["ConceptBasis", "fit_concept_basis", "global_location_scale", "DECOMPOSITIONS"]

DECOMPOSITIONS = ("pca", "svd", "ica", "nmf")
# Decompositions with an offset b (the mean): translating the embeddings translates b only.
CENTRED = ("pca", "ica")


def global_location_scale(X, centre):
    r"""One location :math:`m` (d,) and one positive scale :math:`c` for the whole embedding matrix.

    :math:`m` is the column mean when ``centre`` (else 0) and
    :math:`c = \sqrt{\operatorname{mean}_{ij} (X_{ij} - m_j)^2}`, the root mean square
    of the centred entries (1 when they are all 0). ``(X - m) / c`` has the
    geometry of ``X`` (one factor for every direction, so concepts, angles and
    variances keep their meaning) in units of order 1, whatever the units of
    ``X``: fitting on it makes a method equivariant to
    :math:`X \mapsto \alpha X + t` (:math:`\alpha > 0`; any :math:`t` when
    ``centre``, :math:`t = 0` otherwise).
    """
    location = X.mean(axis=0) if centre else np.zeros(X.shape[1])
    Z = X - location
    peak = np.abs(Z).max() if Z.size else 0.0
    if not np.isfinite(peak) or peak == 0:
        return location, 1.0
    scale = float(peak * np.sqrt(np.mean((Z / peak) ** 2)))  # no overflow for huge entries
    return location, scale


@dataclass
class ConceptBasis:
    """A fitted decomposition :math:`A \\approx U W + b`.

    Attributes
    ----------
    model : sklearn estimator
        The fitted decomposition; its ``transform`` gives :math:`U`.
    components : ndarray of shape (r, d)
        Concept basis :math:`W` (row ``i`` is concept ``i``).
    offset : ndarray of shape (d,)
        :math:`b`.
    """

    model: object
    components: np.ndarray
    offset: np.ndarray

    def coefficients(self, X):
        """Concept coefficients :math:`U` (n, r) of embeddings ``X`` (n, d)."""
        return np.asarray(self.model.transform(X), dtype=np.float64)

    def reconstruct(self, U, keep):
        """:math:`U_{:, keep} W_{keep} + b`: the same index set for U's columns and W's rows."""
        keep = np.asarray(keep, dtype=np.intp)
        return U[:, keep] @ self.components[keep] + self.offset

    def remove(self, X, U, removed):
        """:math:`X - U_{:, R} W_R`: subtract the removed concepts' contribution, keep the residual.

        Equals ``reconstruct(U, keep) + delta`` with the residual
        :math:`\\delta = X - U W - b` and ``keep`` the complement of ``removed``.
        """
        removed = np.asarray(removed, dtype=np.intp)
        return X - U[:, removed] @ self.components[removed]


def fit_concept_basis(X, n_components, method="pca", *, random_state=None):
    """Fit the concept decomposition on training embeddings ``X``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    n_components : int
        Number of concepts :math:`r`; must be below ``min(n, d)`` for SVD and at
        most ``min(n, d)`` otherwise.
    method : {"pca", "svd", "ica", "nmf"}
        PCA (the reference default), truncated SVD (no centring), FastICA
        (``W`` is the mixing matrix) or NMF (needs ``X >= 0``).
    random_state : int or None

    Returns
    -------
    ConceptBasis
    """
    from sklearn.decomposition import NMF, PCA, FastICA, TruncatedSVD

    n, d = X.shape
    limit = min(n, d) - (1 if method == "svd" else 0)
    if n_components > limit:
        raise ValueError(
            f"n_components={n_components} is too large for the data: {method!r} needs "
            f"n_components <= {limit} with n_samples={n}, n_features={d}."
        )
    if method == "pca":
        model = PCA(n_components=n_components, svd_solver="full", random_state=random_state).fit(X)
        return ConceptBasis(model, np.array(model.components_, dtype=np.float64), np.array(model.mean_, dtype=np.float64))
    if method == "svd":
        model = TruncatedSVD(n_components=n_components, algorithm="arpack", random_state=random_state).fit(X)
        return ConceptBasis(model, np.array(model.components_, dtype=np.float64), np.zeros(d))
    if method == "ica":
        model = FastICA(
            n_components=n_components, whiten="unit-variance", max_iter=1000, tol=1e-4, random_state=random_state
        ).fit(X)
        # S = (X - mean) @ components_.T and X = S @ mixing_.T + mean: W is mixing_.T.
        return ConceptBasis(model, np.array(model.mixing_.T, dtype=np.float64), np.array(model.mean_, dtype=np.float64))
    if method == "nmf":
        if np.any(X < 0):
            raise ValueError(
                "decomposition='nmf' needs non-negative embeddings; X has negative values "
                "(use 'pca', 'svd' or 'ica', or shift X)."
            )
        model = NMF(n_components=n_components, init="nndsvda", max_iter=500, random_state=random_state).fit(X)
        return ConceptBasis(model, np.array(model.components_, dtype=np.float64), np.zeros(d))
    raise ValueError(f"decomposition must be one of {DECOMPOSITIONS}; got {method!r}.")
