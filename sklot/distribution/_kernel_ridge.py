"""Kernel ridge regression with a Gaussian kernel on embedding vectors: exact and Nystroem solvers.

Pure functions on torch tensors; the estimators stream bag embeddings through them.
Kernels are computed in the inputs' dtype, linear systems are solved in float64.
"""

import torch

__all__ = [
    "squared_distances",
    "gaussian_kernel",
    "median_heuristic_gamma",
    "solve_exact_ridge",
    "nystroem_feature_map",
    "NystroemRidgeAccumulator",
    "ridge_loo_residuals",
]


def squared_distances(A, B):
    """Squared Euclidean distances between the rows of ``A`` (n, p) and ``B`` (m, p), clipped at 0."""
    d2 = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * (A @ B.T)
    return d2.clamp_min_(0.0)


def gaussian_kernel(A, B, gamma):
    r""":math:`K_{ij} = \exp(-\gamma \|a_i - b_j\|^2)`: the squared embedding distance, used once.

    (The authors' R code applies ``exp(-d^2 / l^2)`` to a ``d`` that is already a
    squared sliced distance, i.e. :math:`\exp(-SW^4/l^2)`, which is not
    guaranteed positive definite; Bachoc et al. 2023's kernel uses :math:`SW^2`.)
    """
    return torch.exp(-gamma * squared_distances(A, B))


def median_heuristic_gamma(E):
    r""":math:`\gamma = 1 / \operatorname{median}_{i<j} \|e_i - e_j\|^2` over distinct rows of ``E``."""
    n = E.shape[0]
    d2 = squared_distances(E, E)
    iu = torch.triu_indices(n, n, 1, device=E.device)
    vals = d2[iu[0], iu[1]]
    vals = vals[vals > 0]
    if vals.numel() == 0:
        return 1.0
    return float(1.0 / vals.median())


def solve_exact_ridge(K, Y, alpha):
    r"""Dual coefficients :math:`c = (K + \alpha I)^{-1} Y` (scikit-learn's KernelRidge convention)."""
    A = K.clone()
    A.diagonal().add_(alpha)
    L, info = torch.linalg.cholesky_ex(A)
    if int(info) == 0:
        return torch.cholesky_solve(Y, L)
    return torch.linalg.lstsq(A, Y).solution


def nystroem_feature_map(K_mm, jitter=1e-8):
    r"""Matrix :math:`M` with :math:`M M^\top = (K_{mm} + \epsilon I)^{-1}`, :math:`M = C^{-\top}`.

    :math:`C` is the Cholesky factor of :math:`K_{mm} + \epsilon I`, with
    :math:`\epsilon` = ``jitter`` times the mean diagonal (which keeps duplicated
    landmarks harmless). Nystroem features of a point are :math:`k(x, L)^\top M`;
    their inner products reproduce :math:`K_{xL} (K_{LL} + \epsilon I)^{-1} K_{Lx'}`
    (Williams & Seeger 2001). A Cholesky factorisation is a few times cheaper
    than the eigendecomposition behind a symmetric inverse square root.
    """
    m = K_mm.shape[0]
    eye = torch.eye(m, dtype=K_mm.dtype, device=K_mm.device)
    eps = jitter * float(K_mm.diagonal().mean())
    for _ in range(8):
        C, info = torch.linalg.cholesky_ex(K_mm + eps * eye)
        if int(info) == 0:
            return torch.linalg.solve_triangular(C, eye, upper=False).T
        eps *= 100.0
    raise ValueError("the landmark kernel matrix is not positive definite even with jitter; check gamma.")


class NystroemRidgeAccumulator:
    r"""Ridge regression on Nystroem features, accumulated chunk by chunk (memory O(m^2)).

    With features :math:`\Phi = K_{nL} M` the solution is
    :math:`w = (\Phi^\top\Phi + \alpha I)^{-1}\Phi^\top Y`, and the prediction
    :math:`k(x, L)^\top M w`; ``solve`` returns the coefficients :math:`M w` on the
    landmarks. Cost is linear in the number of bags.
    """

    def __init__(self, landmarks, gamma, n_targets):
        self.landmarks = landmarks
        self.gamma = gamma
        L64 = landmarks.double()
        self.M = nystroem_feature_map(gaussian_kernel(L64, L64, gamma))
        r = self.M.shape[1]
        self.gram = torch.zeros((r, r), dtype=torch.float64, device=landmarks.device)
        self.rhs = torch.zeros((r, n_targets), dtype=torch.float64, device=landmarks.device)
        self.ones = torch.zeros(r, dtype=torch.float64, device=landmarks.device)

    def features(self, E):
        r"""Nystroem features :math:`\Phi = k(E, L) M` (float64) of embeddings ``E``."""
        return gaussian_kernel(E.to(self.landmarks.dtype), self.landmarks, self.gamma).double() @ self.M

    def add(self, E, Y):
        """Add bags with embeddings ``E`` (cast to the landmarks' dtype) and targets ``Y``.

        Returns their features :math:`\\Phi`.
        """
        phi = self.features(E)
        self.gram += phi.T @ phi
        self.rhs += phi.T @ Y
        self.ones += phi.sum(0)
        return phi

    def solve(self, alpha):
        return self.M @ solve_exact_ridge(self.gram, self.rhs, alpha)


def ridge_loo_residuals(P, s, Yc, PtY, Pt1, alphas, n, *, intercept=True):
    r"""Exact leave-one-out residuals of ridge with a mean intercept, from a factor of the hat matrix.

    The model fitted on targets :math:`y` is :math:`\hat y = \bar y + H_\alpha (y - \bar y)`
    with :math:`H_\alpha = P \operatorname{diag}(1/(s + \alpha)) P^\top` (exact kernel ridge:
    :math:`K = Q \Lambda Q^\top`, :math:`P = Q\Lambda^{1/2}`, :math:`s = \lambda`, so
    :math:`H_\alpha = K (K + \alpha I)^{-1}`; Nystroem: features :math:`\Phi`,
    :math:`\Phi^\top\Phi = V \operatorname{diag}(s) V^\top`, :math:`P = \Phi V`). Leaving bag
    ``i`` out changes both the mean (to :math:`m_i = (n\bar y - y_i)/(n-1)`) and the ridge
    fit; since the left-out prediction of a linear smoother does not depend on the left-out
    target, :math:`\hat y_{-i}(x_i) = ((Hz)_i - H_{ii} z_i)/(1 - H_{ii})` for any
    :math:`z`, and with :math:`z = y - m_i` and :math:`y_c = y - \bar y` the residual is

    .. math::
        y_i - \hat y_{-i}(x_i) = \frac{y_{c,i} - (H y_c)_i + y_{c,i}\,(1 - (H\mathbf 1)_i)/(n-1)}
        {1 - H_{ii}}.

    With ``intercept=False`` (no mean, ``Yc`` = ``y``) it is the classical
    :math:`(y_i - (Hy)_i)/(1 - H_{ii})`. This is the closed form behind scikit-learn's
    ``RidgeCV`` (Rifkin & Lippert 2007,
    "Notes on regularized least squares"), here for this estimator's intercept
    (the training mean, refitted in each fold). One factorisation serves every
    ``alpha``; rows of ``P`` may come in chunks.

    Parameters
    ----------
    P : tensor of shape (b, r)
        Rows of the factor for the bags of this chunk.
    s : tensor of shape (r,)
        Non-negative eigenvalues.
    Yc : tensor of shape (b, t)
        Centred targets of the chunk's bags.
    PtY : tensor of shape (r, t)
        :math:`P^\top y_c` over all ``n`` bags.
    Pt1 : tensor of shape (r,)
        :math:`P^\top \mathbf 1` over all ``n`` bags.
    alphas : tensor of shape (a,)
    n : int
        Number of training bags.
    intercept : bool, default=True
        Whether the model has the mean intercept (refitted in each fold).

    Returns
    -------
    tensor of shape (a, b, t)
    """
    W = 1.0 / (s[None, :] + alphas[:, None])  # (a, r)
    h = (P * P) @ W.T  # (b, a)
    HY = torch.matmul(P, W[:, :, None] * PtY[None])  # (a, b, t)
    num = Yc[None] - HY
    if intercept:
        H1 = P @ (W * Pt1[None, :]).T  # (b, a)
        num = num + Yc[None] * ((1.0 - H1.T) / (n - 1))[:, :, None]
    return num / (1.0 - h.T)[:, :, None]
