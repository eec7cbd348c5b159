r"""Training-free diversity guidances SPELL is compared with: CADS and particle guidance.

Both plug into :meth:`DiffusionGenerator.sample <sklot.diffusion.DiffusionGenerator.sample>`
(``guidance=``). Times are normalised, :math:`t \in (0, 1]`, :math:`t = 1` pure noise.
"""

import math

import torch

__all__ = ["CADS", "ParticleGuidance"]


class CADS:
    r"""Condition-annealed sampling (Sadat, Buhmann, Bradley, Hilliges & Weber, ICLR 2024).

    The conditioning vector (here the class embedding :math:`c`) is noised early in sampling,

    .. math::

        \hat c = \sqrt{\gamma(t)}\, c + s\sqrt{1-\gamma(t)}\, n, \quad n \sim N(0, I), \quad
        \gamma(t) = \begin{cases} 1 & t \le \tau_1 \\ \frac{\tau_2 - t}{\tau_2 - \tau_1} & \tau_1 < t < \tau_2
        \\ 0 & t \ge \tau_2 \end{cases}

    (their eqs. 2-3), then rescaled to the mean and standard deviation of :math:`c` and mixed,
    :math:`\psi\,\hat c_{\text{rescaled}} + (1-\psi)\,\hat c` (their eq. 4). Only the conditional
    branch of classifier-free guidance is annealed. Needs a class-conditional generator.

    Parameters
    ----------
    noise_scale : float, default=0.25
        :math:`s`.
    tau1, tau2 : float, default=0.6, 0.9
    psi : float in [0, 1], default=1.0
        Mixing factor of the rescaled embedding.
    """

    acts_on = "condition"

    def __init__(self, noise_scale=0.25, tau1=0.6, tau2=0.9, psi=1.0):
        if not 0 <= tau1 < tau2 <= 1:
            raise ValueError(f"CADS needs 0 <= tau1 < tau2 <= 1; got tau1={tau1}, tau2={tau2}.")
        if noise_scale < 0 or not 0 <= psi <= 1:
            raise ValueError(f"CADS needs noise_scale >= 0 and psi in [0, 1]; got {noise_scale}, {psi}.")
        self.noise_scale = noise_scale
        self.tau1 = tau1
        self.tau2 = tau2
        self.psi = psi

    def gamma(self, t):
        """The annealing schedule :math:`\\gamma(t)`."""
        if t <= self.tau1:
            return 1.0
        if t >= self.tau2:
            return 0.0
        return (self.tau2 - t) / (self.tau2 - self.tau1)

    def anneal(self, c, t, generator):
        """The annealed embedding of ``c`` (n, dim) at normalised time ``t``."""
        g = self.gamma(t)
        noise = torch.randn(tuple(c.shape), generator=generator).to(c)
        c_hat = math.sqrt(g) * c + self.noise_scale * math.sqrt(1 - g) * noise
        if g == 1.0 or self.psi == 0:
            return c_hat
        mean, std = c.mean(1, keepdim=True), c.std(1, keepdim=True)
        rescaled = (c_hat - c_hat.mean(1, keepdim=True)) / c_hat.std(1, keepdim=True) * std + mean
        return self.psi * rescaled + (1 - self.psi) * c_hat

    def _check(self, generator, y_idx):
        if y_idx is None:
            raise ValueError(
                "CADS anneals the class condition: sample(y=...) from a class-conditional generator."
            )


class ParticleGuidance:
    r"""Particle guidance (Corso, Xu, De Bortoli, Barzilay & Jaakkola, ICLR 2024).

    The batch is sampled jointly: each particle's score gets the gradient of a repulsive potential,

    .. math::

        \nabla_{x_i} \log p_t(x_i) - \alpha\, \nabla_{x_i} \sum_{j \ne i} k(x_i, x_j), \quad
        k(x, x') = \exp(-\lVert x - x'\rVert^2 / h),

    :math:`h = \mathrm{med}^2 / \log n` (median heuristic of the pairwise distances, as in SVGD),
    their eq. 4 with the RBF potential of their Sec. 4. With
    :math:`\nabla \log p_t = -\hat\varepsilon / \sigma_t`, the guided noise prediction is
    :math:`\hat\varepsilon + \sigma_t\, \alpha \nabla \Phi`. The kernel acts on :math:`x_t` in the
    generator's (standardised) coordinates.

    Parameters
    ----------
    strength : float, default=1.0
        :math:`\alpha`.
    """

    acts_on = "score"

    def __init__(self, strength=1.0):
        if not strength >= 0:
            raise ValueError(f"ParticleGuidance needs strength >= 0; got {strength}.")
        self.strength = strength

    def potential_gradient(self, x, t=None):
        r""":math:`\alpha \nabla_{x_i} \sum_j k(x_i, x_j)` for every row of ``x`` (n, d)."""
        n = len(x)
        if n < 2:
            return torch.zeros_like(x)
        diff = x[:, None, :] - x[None, :, :]
        d2 = (diff**2).sum(-1)
        off = d2[~torch.eye(n, dtype=torch.bool, device=x.device)]
        h = torch.median(off) / math.log(n) if n > 2 else torch.median(off)
        h = torch.clamp(h, min=1e-12)
        k = torch.exp(-d2 / h)
        grad = (-2.0 / h) * (k[:, :, None] * diff).sum(1)
        return self.strength * grad

    def _check(self, generator, y_idx):
        return None
