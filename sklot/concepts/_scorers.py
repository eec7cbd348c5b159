"""Scorers whose concept sensitivity TaCo measures, and the margin they output.

* :class:`MLPScorer`: the default scorer, a one-hidden-layer MLP (128 units in
  Jourdan et al. 2023), trained with :func:`train_mlp_scorer` through sklot's
  one training engine (:func:`sklot._core.training.make_net`).
* :func:`concept_margin_function` turns any scorer (an :class:`MLPScorer`, a
  torch module or callable returning logits, or a fitted scikit-learn
  classifier with ``predict_proba`` / ``decision_function``) into a function of
  perturbed concept coefficients returning the top-2 logit margin.
"""

import numpy as np
import torch

__all__ = ["MLPScorer", "train_mlp_scorer", "concept_margin_function", "top2_margin", "check_user_scorer"]


class MLPScorer(torch.nn.Module):
    """``Linear(d, hidden) -> ReLU -> Linear(hidden, n_classes)`` returning logits.

    The MLP probe of Jourdan et al. (2023) (128 hidden units). Shapes: input
    (n, d), output (n, n_classes).
    """

    def __init__(self, n_features, n_classes, hidden=128):
        super().__init__()
        self.hidden = torch.nn.Linear(n_features, hidden)
        self.out = torch.nn.Linear(hidden, n_classes)

    def forward(self, X):
        return self.out(torch.relu(self.hidden(X)))

    def forward_from_hidden_preactivation(self, H):
        """Logits from the pre-activation of the hidden layer, shape (..., hidden)."""
        return self.out(torch.relu(H))


def train_mlp_scorer(X, labels, n_classes, *, device, seed, hidden=128, max_epochs=100, batch_size=256, verbose=0):
    """Train an :class:`MLPScorer` with cross-entropy through sklot's training engine.

    A stratified tenth of the data (when there are at least 200 rows) is held
    out for early stopping (patience 5 epochs, best weights restored).

    Parameters
    ----------
    X : ndarray of shape (n, d)
    labels : ndarray of shape (n,) of int in ``[0, n_classes)``
    n_classes : int
    device : torch.device
    seed : int

    Returns
    -------
    MLPScorer
        In evaluation mode, on ``device``.
    """
    from .._core.training import make_net

    X = np.ascontiguousarray(X, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    validation = 0.1 if len(X) >= 200 else None
    net = make_net(
        MLPScorer,
        torch.nn.CrossEntropyLoss,
        device=device,
        seed=seed,
        max_epochs=max_epochs,
        batch_size=batch_size,
        lr=1e-3,
        validation_fraction=validation,
        stratified=True,
        early_stopping=True,
        n_iter_no_change=5,
        tol=1e-4,
        verbose=verbose,
        module__n_features=X.shape[1],
        module__n_classes=int(n_classes),
        module__hidden=int(hidden),
    )
    net.fit(X, labels)
    module = net.module_
    module.eval()
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def top2_margin(logits):
    """Difference between the two largest logits, along the last axis (a torch tensor)."""
    top = logits.topk(2, dim=-1).values
    return top[..., 0] - top[..., 1]


def check_user_scorer(scorer, name):
    """Validate a user scorer: a fitted classifier or a callable returning logits."""
    from sklearn.base import BaseEstimator
    from sklearn.utils.validation import check_is_fitted

    if isinstance(scorer, BaseEstimator):
        if not (hasattr(scorer, "predict_proba") or hasattr(scorer, "decision_function")):
            raise ValueError(f"{name} must have predict_proba or decision_function; got {type(scorer).__name__}.")
        check_is_fitted(scorer, msg=f"{name} must be a fitted classifier (it is used as given, not refitted).")
        return scorer
    if callable(scorer) or hasattr(scorer, "predict_proba") or hasattr(scorer, "decision_function"):
        return scorer
    raise ValueError(
        f"{name} must be None, a fitted classifier with predict_proba or decision_function, "
        f"or a callable returning logits; got {type(scorer).__name__}."
    )


def _logits_of(scorer, X):
    """Logits (n, C >= 2) of a user scorer on a float32 torch tensor X (n, d)."""
    if isinstance(scorer, torch.nn.Module):
        # A user's module stays where it is (no side effect): inputs go to it.
        param = next(iter(scorer.parameters()), None)
        out = scorer(X if param is None else X.to(param.device)).to(X.device)
    else:
        x = X.detach().cpu().numpy().astype(np.float64)
        if hasattr(scorer, "predict_proba"):
            proba = np.asarray(scorer.predict_proba(x), dtype=np.float64)
            out = np.log(np.clip(proba, 1e-12, None))
        elif hasattr(scorer, "decision_function"):
            out = np.asarray(scorer.decision_function(x), dtype=np.float64)
        else:
            out = np.asarray(scorer(x), dtype=np.float64)
        out = torch.as_tensor(out, dtype=torch.float32, device=X.device)
    if out.ndim == 1:
        # One decision value per row (binary): logits (0, f) have margin |f|.
        out = torch.stack([torch.zeros_like(out), out], dim=-1)
    if out.ndim != 2 or out.shape[0] != X.shape[0] or out.shape[1] < 2:
        raise ValueError(
            f"a scorer must return logits of shape (n, n_classes >= 2) or (n,); got shape {tuple(out.shape)} "
            f"for {X.shape[0]} inputs."
        )
    return out.to(torch.float32)


class _MarginFunction:
    """``f(coeffs (B, P, r), residual (B, d)) -> margins (B, P)`` for one scorer."""

    def __init__(self, scorer, components, device, scale=1.0, location=None):
        self.device = device
        self.components = torch.as_tensor(components, dtype=torch.float32, device=device)
        d = self.components.shape[1]
        self.scale = float(scale)
        self.location = None
        if location is not None:
            self.location = torch.as_tensor(location, dtype=torch.float32, device=device)
        self.factorised = isinstance(scorer, MLPScorer)
        if self.factorised:
            # The first layer is affine:
            # W1 (c (u W + delta) + m) + b1 = u (c W W1^T) + (c W1 delta + W1 m + b1), so perturbed embeddings never need to be built (r instead of d columns).
            scorer = scorer.to(device)
            weight = scorer.hidden.weight.detach().double()  # (h, d)
            m = torch.zeros(d, dtype=torch.float64, device=weight.device) if location is None else (
                torch.as_tensor(location, dtype=torch.float64, device=weight.device)
            )
            self.weight = (self.scale * weight).float()
            self.bias = (scorer.hidden.bias.detach().double() + weight @ m).float()
            self.basis_hidden = self.components @ self.weight.T  # (r, h)
            self.width = self.weight.shape[0]
        else:
            self.width = d
        self.scorer = scorer

    def __call__(self, coeffs, residual):
        with torch.no_grad():
            if self.factorised:
                offset = residual @ self.weight.T + self.bias  # (B, h)
                H = coeffs @ self.basis_hidden + offset[:, None, :]
                logits = self.scorer.forward_from_hidden_preactivation(H)
            else:
                X = coeffs @ self.components + residual[:, None, :]
                B, P, d = X.shape
                X = X.reshape(B * P, d)
                if self.scale != 1.0:
                    X = X * self.scale
                if self.location is not None:
                    X = X + self.location
                logits = _logits_of(self.scorer, X).reshape(B, P, -1)
            return top2_margin(logits)


def concept_margin_function(scorer, components, device, *, scale=1.0, location=None):
    """Margin of ``scorer`` as a function of perturbed concept coefficients.

    Parameters
    ----------
    scorer : MLPScorer, torch.nn.Module, callable or fitted classifier
        Torch modules receive float32 tensors on ``device``; other callables
        and classifiers receive float64 numpy arrays. Outputs are logits
        (n, C), probabilities (via ``predict_proba``, turned into log-probabilities)
        or binary decision values (n,).
    components : ndarray of shape (r, d)
        Concept basis :math:`W`.
    device : torch.device
    scale : float, default=1.0
    location : ndarray of shape (d,) or None, default=None
        The scorer reads embeddings in other units than the coefficients and
        the basis: it is given ``scale * z + location`` for the perturbed
        embedding ``z`` (e.g. a user's scorer, fitted on the original
        embeddings, while the concepts live in standardised units).

    Returns
    -------
    callable
        ``f(coeffs, residual)`` with coeffs (B, P, r) and residual (B, d) float32
        tensors on ``device``, returning the top-2 margin of
        ``scorer(scale * (coeffs @ W + residual) + location)``, shape (B, P). Its ``width``
        attribute is the widest intermediate per perturbed row (for batching).
    """
    return _MarginFunction(scorer, components, device, scale, location)
