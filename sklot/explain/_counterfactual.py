r"""Metrics of counterfactual explanations: validity, distance against the certificate, realism.

A counterfactual :math:`x'` of :math:`x` for a target class :math:`t` is an input near :math:`x`
that the model classifies as :math:`t` (Wachter, Mittelstadt and Russell 2017). For a classifier
with a certified L2 radius :math:`r(x)` (sklot's Lipschitz classifiers), any :math:`x'` with a
different prediction satisfies :math:`\|x' - x\|_2 \ge r(x)`: :func:`counterfactual_radius_ratio`
is then at least 1 on every successful counterfactual.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._model import TorchClassifierView

__all__ = ["counterfactual_success", "counterfactual_radius_ratio", "counterfactual_realism"]


def _check_pair(X, X_cf):
    X = np.asarray(X, dtype=np.float64)
    X_cf = np.asarray(X_cf, dtype=np.float64)
    if X.shape != X_cf.shape or X.ndim < 2:
        raise ValueError(
            f"X and X_cf must have the same shape (n_samples, ...); got {X.shape} and {X_cf.shape}."
        )
    return X.reshape(len(X), -1), X_cf.reshape(len(X_cf), -1)


def counterfactual_success(model, X, X_cf, target=None, *, batch_size=256):
    """Whether each counterfactual is classified as its target, from the model's own predictions.

    Parameters
    ----------
    model : fitted sklot classifier, torch.nn.Module returning logits, or fitted skorch wrapper
    X, X_cf : array-like of the same shape (n_samples, ...)
    target : label, array-like of labels or None
        None: success means the prediction on ``X_cf`` differs from that on ``X``.
    batch_size : int, default=256

    Returns
    -------
    ndarray of bool, shape (n_samples,)
        Its mean is the success rate.
    """
    Xf, _ = _check_pair(X, X_cf)
    view = TorchClassifierView(model, batch_size)
    x, xc = view.tensor(np.asarray(X)), view.tensor(np.asarray(X_cf))
    pred_cf = view.predict_index(view.logits(xc))
    if target is None:
        ref = view.predict_index(view.logits(x))
        return (pred_cf != ref).cpu().numpy()
    t = np.broadcast_to(np.asarray(target), (len(Xf),))
    return (pred_cf == view.encode(t, len(Xf))).cpu().numpy()


def counterfactual_radius_ratio(X, X_cf, radius):
    r"""L2 distance travelled over the certified radius, :math:`\|x' - x\|_2 / r(x)`.

    At least 1 wherever the counterfactual changed the prediction, if ``radius`` is a valid
    certificate (a theorem: no input closer than :math:`r(x)` has another class).
    (``LipschitzClassifier.counterfactual`` flags points already of the target class as reached,
    at distance 0: exclude them.)

    Parameters
    ----------
    X, X_cf : array-like of the same shape (n_samples, ...)
    radius : array-like of shape (n_samples,)
        Certified radius at ``X``, e.g. ``LipschitzClassifier.certified_radius(X)``.

    Returns
    -------
    ndarray of shape (n_samples,)
        ``inf`` where the radius is 0 and the point moved, NaN where neither.
    """
    Xf, Cf = _check_pair(X, X_cf)
    r = np.asarray(radius, dtype=np.float64).ravel()
    if r.shape != (len(Xf),) or (r < 0).any() or not np.isfinite(r).all():
        raise ValueError(f"radius must hold {len(Xf)} finite non-negative values; got shape {r.shape}.")
    dist = np.linalg.norm(Cf - Xf, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return dist / r


def counterfactual_realism(X_cf, target, X_ref, y_ref):
    """L2 distance from each counterfactual to the nearest real example of its target class.

    Lower is more realistic (the counterfactual lies near the data of the class it claims).

    Parameters
    ----------
    X_cf : array-like of shape (n_samples, ...)
    target : label or array-like of shape (n_samples,)
        Target class of each counterfactual.
    X_ref : array-like of shape (n_ref, ...)
        Real examples (e.g. the training set), with labels ``y_ref``.
    y_ref : array-like of shape (n_ref,)

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    C = np.asarray(X_cf, dtype=np.float64)
    R = np.asarray(X_ref, dtype=np.float64)
    if C.ndim < 2 or R.ndim < 2 or C.shape[1:] != R.shape[1:]:
        raise ValueError(f"X_cf and X_ref must share the sample shape; got {C.shape} and {R.shape}.")
    C, R = C.reshape(len(C), -1), R.reshape(len(R), -1)
    y_ref = np.asarray(y_ref).ravel()
    if len(y_ref) != len(R):
        raise ValueError(f"y_ref has {len(y_ref)} entries; X_ref has {len(R)} samples.")
    t = np.broadcast_to(np.asarray(target), (len(C),))
    out = np.empty(len(C))
    for cls in np.unique(t):
        ref = R[y_ref == cls]
        if len(ref) == 0:
            raise ValueError(f"X_ref holds no example of target class {cls!r}.")
        sel = t == cls
        out[sel] = NearestNeighbors(n_neighbors=1).fit(ref).kneighbors(C[sel])[0][:, 0]
    return out
