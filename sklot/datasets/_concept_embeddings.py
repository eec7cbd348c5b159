"""Synthetic embeddings whose protected attribute is encoded non-linearly (an XOR)."""

import numpy as np

__all__ = ["make_xor_concept_embeddings"]


def make_xor_concept_embeddings(n_samples=4000, n_features=64, *, n_latent=10, noise=0.1, random_state=None):
    r"""Embeddings where the attribute is the XOR of two hidden directions.

    Latent factors :math:`z \in \mathbb{R}^{L}` are mixed into
    :math:`d` dimensions by a random orthonormal map :math:`Q`,
    :math:`x = z Q + \varepsilon`, :math:`\varepsilon \sim \mathcal{N}(0, \sigma^2 I_d)`:

    * :math:`z_0 = \pm 2.5 + \mathcal{N}(0, 0.5^2)` and :math:`z_1 = \pm 2 + \mathcal{N}(0, 0.5^2)`
      (independent fair signs); the protected attribute is
      :math:`s = [z_0 > 0] \oplus [z_1 > 0]`. Its class-conditional means are
      equal, so no linear probe beats chance, while an MLP probe recovers it;
    * :math:`z_2 = \pm 1.5 + \mathcal{N}(0, 0.5^2)`; the task label is
      :math:`y = [z_2 > 0]`, independent of :math:`s` (the attribute's floor
      from :math:`y` is 0.5);
    * :math:`z_3, \dots, z_{L-1} \sim \mathcal{N}(0, \sigma_j^2)`, nuisance factors
      with :math:`\sigma_j` from 1.2 down to 0.5.

    Parameters
    ----------
    n_samples : int, default=4000
    n_features : int, default=64
    n_latent : int, default=10
        :math:`L \ge 3`, at most ``n_features``.
    noise : float, default=0.1
    random_state : int or None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) of int
        Task label.
    s : ndarray of shape (n_samples,) of int
        Protected attribute.

    Examples
    --------
    >>> from sklot.datasets import make_xor_concept_embeddings
    >>> X, y, s = make_xor_concept_embeddings(200, 16, random_state=0)
    >>> X.shape, sorted(set(s.tolist())), sorted(set(y.tolist()))
    ((200, 16), [0, 1], [0, 1])
    """
    if not 3 <= n_latent <= n_features:
        raise ValueError(f"n_latent must be in [3, n_features={n_features}]; got {n_latent}.")
    rng = np.random.default_rng(random_state)
    signs = rng.choice([-1.0, 1.0], size=(n_samples, 3))
    z = np.empty((n_samples, n_latent))
    z[:, :3] = signs * np.array([2.5, 2.0, 1.5]) + rng.normal(0.0, 0.5, size=(n_samples, 3))
    z[:, 3:] = rng.normal(size=(n_samples, n_latent - 3)) * np.linspace(1.2, 0.5, n_latent - 3)
    Q, _ = np.linalg.qr(rng.normal(size=(n_features, n_latent)))
    X = z @ Q.T + noise * rng.normal(size=(n_samples, n_features))
    s = ((z[:, 0] > 0) ^ (z[:, 1] > 0)).astype(int)
    y = (z[:, 2] > 0).astype(int)
    return X, y, s
