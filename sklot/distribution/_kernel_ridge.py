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

    def add(self, E, Y):
        """Add bags with embeddings ``E`` (cast to the landmarks' dtype) and targets ``Y``."""
        phi = gaussian_kernel(E.to(self.landmarks.dtype), self.landmarks, self.gamma).double() @ self.M
        self.gram += phi.T @ phi
        self.rhs += phi.T @ Y

    def solve(self, alpha):
        return self.M @ solve_exact_ridge(self.gram, self.rhs, alpha)
