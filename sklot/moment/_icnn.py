"""Input-convex neural network (ICNN) potential with quadratic terms and strong convexity.

.. math::

    z_1 &= \\sigma(A_1 x + b_1), \\qquad
    z_{l+1} = \\sigma(W_l^{+} z_l + A_{l+1} x + b_{l+1}), \\\\
    w(x) &= v^{+\\top} z_L + c^\\top x
           + \\tfrac12 \\|L^\\top x\\|^2 + \\tfrac12 x^\\top \\operatorname{diag}(D^{+}) x
           + \\tfrac{\\alpha}{2}\\|x\\|^2,

with :math:`\\sigma` = softplus (convex, non-decreasing, smooth), the hidden-to-hidden
weights :math:`W_l^{+}`, the output weights :math:`v^{+}` and the diagonal :math:`D^{+}`
non-negative by construction, a low-rank factor :math:`L` (d x r) and an explicit
strong-convexity term :math:`\\alpha > 0`. Then :math:`w` is convex (Amos et al., 2017,
Prop. 1) and :math:`\\alpha`-strongly convex, so its conjugate :math:`w^*` is finite,
:math:`1/\\alpha`-smooth, and :math:`e^{-w}` is a normalisable log-concave density.
"""

import math

import numpy as np
import torch
from torch import nn

__all__ = ["ICNNPotential", "nonnegative"]


def nonnegative(raw):
    """Non-negative weights by construction: :math:`\\operatorname{softplus}(\\text{raw})`.

    A weight never reaches exactly zero, so the layers below it always receive a
    gradient (an exact zero output weight would freeze the whole hidden branch:
    its inner weights get no gradient and the branch never learns a feature).
    """
    return torch.nn.functional.softplus(raw)


def _inverse_nonnegative(value, floor=1e-8):
    value = np.maximum(np.asarray(value, dtype=np.float64), floor)
    return value + np.log(-np.expm1(-value))  # log(expm1(v)), stable


class ICNNPotential(nn.Module):
    """Convex potential :math:`w: \\mathbb{R}^d \\to \\mathbb{R}` (see module docstring).

    Parameters
    ----------
    n_features : int
    hidden_layer_sizes : tuple of int, default=(64, 64)
    rank : int, default=1
        Rank of the low-rank quadratic term.
    strong_convexity : float, default=0.1
        :math:`\\alpha` in :math:`+\\alpha/2 \\|x\\|^2`.

    Shapes
    ------
    forward: (n, d) -> (n,)
    """

    def __init__(self, n_features, hidden_layer_sizes=(64, 64), rank=1, strong_convexity=0.1):
        super().__init__()
        d = int(n_features)
        sizes = tuple(int(h) for h in hidden_layer_sizes)
        if not sizes:
            raise ValueError("hidden_layer_sizes must hold at least one layer.")
        self.n_features = d
        self.input_layers = nn.ModuleList(nn.Linear(d, h) for h in sizes)
        self.hidden_raw = nn.ParameterList(
            nn.Parameter(torch.empty(sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)
        )
        self.output_raw = nn.Parameter(torch.empty(sizes[-1]))
        self.linear = nn.Parameter(torch.zeros(d))
        self.low_rank = nn.Parameter(torch.zeros(d, int(rank)))
        self.diag_raw = nn.Parameter(torch.ones(d))
        self.register_buffer("alpha", torch.tensor(float(strong_convexity)))
        self.init_output_scale = 1.0
        self.input_scale = 4.0
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """Random hidden layers (drawn from ``generator``), then the identity initialisation of the
        quadratic part."""
        g = dict(generator=generator)
        with torch.no_grad():
            for layer in self.input_layers:
                # kinks spread over the standardised data range: unit k bends on the
                # hyperplane a_k . (x - c_k) = 0 with c_k ~ N(0, I) and |a_k| ~ input_scale,
                # so that the network can express sharp features from the start
                a = torch.randn(layer.weight.shape, **g) * (self.input_scale / math.sqrt(self.n_features))
                c = torch.randn(layer.weight.shape, **g)
                layer.weight.copy_(a)
                layer.bias.copy_(-(a * c).sum(1))
        with torch.no_grad():
            for raw in self.hidden_raw:
                # positive weights ~ U(0, 1/fan_in): pre-activations stay O(1) through depth
                u = torch.rand(raw.shape, dtype=torch.float64, **g) / raw.shape[1]
                raw.copy_(torch.as_tensor(_inverse_nonnegative(u.numpy()), dtype=raw.dtype))
            # small positive output weights: the hidden branch is on (it must be, to learn)
            v = torch.rand(self.output_raw.shape, dtype=torch.float64, **g) * (self.init_output_scale / len(self.output_raw))
            self.output_raw.copy_(torch.as_tensor(_inverse_nonnegative(v.numpy()), dtype=self.output_raw.dtype))
        self.init_quadratic(np.eye(self.n_features), np.zeros(self.n_features))

    # -- the potential --------------------------------------------------
    def hidden(self, x):
        z = nn.functional.softplus(self.input_layers[0](x))
        for raw, layer in zip(self.hidden_raw, self.input_layers[1:]):
            z = nn.functional.softplus(z @ nonnegative(raw).T + layer(x))
        return z @ nonnegative(self.output_raw)

    def quadratic_matrix(self):
        """The matrix :math:`M = \\alpha I + \\operatorname{diag}(D^+) + L L^\\top` of the quadratic part."""
        d = self.n_features
        eye = torch.eye(d, dtype=self.low_rank.dtype, device=self.low_rank.device)
        return self.alpha * eye + torch.diag(nonnegative(self.diag_raw)) + self.low_rank @ self.low_rank.T

    def forward(self, x):
        lr = x @ self.low_rank
        quad = 0.5 * (lr * lr).sum(-1) + 0.5 * (x * x * (nonnegative(self.diag_raw) + self.alpha)).sum(-1)
        return self.hidden(x) + x @ self.linear + quad

    # -- closed-form initialisations ----------------------------------
    def hidden_derivatives(self, c):
        """Gradient and Hessian of the hidden branch at one point ``c`` (float64 numpy)."""
        x = torch.as_tensor(np.asarray(c, dtype=np.float64)[None], dtype=self.low_rank.dtype, device=self.low_rank.device)
        with torch.enable_grad():
            x = x.requires_grad_(True)
            (g,) = torch.autograd.grad(self.hidden(x).sum(), x, create_graph=True)
            rows = [torch.autograd.grad(g[0, k], x, retain_graph=True)[0][0] for k in range(self.n_features)]
        H = torch.stack(rows).detach().double().cpu().numpy()
        return g[0].detach().double().cpu().numpy(), 0.5 * (H + H.T)

    @torch.no_grad()
    def init_quadratic(self, precision, center):
        r"""Make :math:`w` match :math:`\tfrac12 (x-c)^\top P (x-c)` to second order at ``c``.

        The hidden branch stays on (with small output weights: a branch switched
        off would never learn, see :func:`nonnegative`); the quadratic and linear
        terms absorb its gradient and Hessian at ``c``, so that
        :math:`\nabla w(c) = 0` and :math:`\nabla^2 w(c) = P` exactly, and
        :math:`w` departs from the quadratic only through the third and higher
        derivatives of the small hidden branch. ``P`` must be symmetric with
        smallest eigenvalue >= ``strong_convexity``; the output weights are
        shrunk if the hidden branch's curvature at ``c`` does not fit under
        ``P``. With ``rank >= d - 1`` the quadratic part is represented
        exactly (``P - H_hidden - lambda_min I = L L^T``, the diagonal carries
        ``lambda_min - alpha``); with a smaller rank the largest ``rank``
        directions are kept.
        """
        P = np.asarray(precision, dtype=np.float64)
        P = 0.5 * (P + P.T)
        c = np.asarray(center, dtype=np.float64)
        d, r = self.n_features, self.low_rank.shape[1]
        alpha = float(self.alpha)
        if np.linalg.eigvalsh(P)[0] < alpha - 1e-9:
            raise ValueError(
                f"the initial precision has smallest eigenvalue {np.linalg.eigvalsh(P)[0]:.4g} < "
                f"strong_convexity={alpha:.4g}; lower strong_convexity."
            )
        for _ in range(60):
            g_h, H_h = self.hidden_derivatives(c)
            M = P - H_h
            evals, evecs = np.linalg.eigh(M)
            if evals[0] >= alpha + 0.5 * (np.linalg.eigvalsh(P)[0] - alpha):
                break
            # the hidden branch is too curved at c: halve its output weights
            v = nonnegative(self.output_raw).double().cpu().numpy() / 2
            self.output_raw.copy_(torch.as_tensor(_inverse_nonnegative(v), dtype=self.output_raw.dtype))
        lam_min = float(evals[0])
        L = np.zeros((d, r))
        diag = np.full(d, lam_min - alpha)
        extra = evals - lam_min
        if extra.max() <= 1e-8 * max(1.0, lam_min):
            # isotropic: a non-zero L is needed, else its gradient x x^T L vanishes forever;
            # L = eps e_1 compensated on the diagonal keeps w exact.
            eps = min(0.1, math.sqrt(max(lam_min - alpha, 0.0)))
            L[0, 0] = eps
            diag[0] -= eps**2
        else:
            for j, k in enumerate(np.argsort(extra)[::-1][:r]):
                L[:, j] = math.sqrt(extra[k]) * evecs[:, k]
        dev, dt = self.low_rank.device, self.low_rank.dtype
        self.low_rank.copy_(torch.as_tensor(L, dtype=dt, device=dev))
        self.diag_raw.copy_(torch.as_tensor(_inverse_nonnegative(diag), dtype=dt, device=dev))
        M_exact = self.quadratic_matrix().double().cpu().numpy()
        self.linear.copy_(torch.as_tensor(-(M_exact @ c) - g_h, dtype=dt, device=dev))
