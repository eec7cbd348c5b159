"""Weight re-parametrisations that make a layer 1-Lipschitz (torch parametrisations).

Each is registered with :func:`torch.nn.utils.parametrize.register_parametrization`
on the ``weight`` of a :class:`torch.nn.Linear` / :class:`torch.nn.Conv2d`.

Caching. In eval mode under ``torch.no_grad()`` the constrained weight is
cached, keyed on the *versions* of the raw weight and of the power-iteration
vector (torch bumps a tensor's version at every in-place write: optimiser
steps, ``load_state_dict``, ``copy_``). A stale cache is therefore impossible:
loading a saved model and exporting it straight away gives the right weights
(the trap of deel-torchlip's issue 17).
"""

import torch
import torch.nn.functional as F
from torch import nn

from ._bjorck import _bjorck
from ._spectral import spectral_normalize

__all__ = ["OrthonormalWeight", "FrobeniusWeight", "reproject_"]


class _CachedParametrization(nn.Module):
    def __init__(self):
        super().__init__()
        self._cache = None

    def _key(self, weight):
        return (weight.data_ptr(), weight._version, weight.device, weight.dtype)

    def forward(self, weight):
        if self.training or torch.is_grad_enabled():
            self._cache = None
            return self.compute(weight, update=self.training)
        key = self._key(weight)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.compute(weight, update=False).detach())
        return self._cache[1]

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        state["_cache"] = None
        state["_stash"] = None
        return state


class OrthonormalWeight(_CachedParametrization):
    r"""Spectral normalisation then Björck orthonormalisation of a weight.

    The weight is viewed as a matrix :math:`W \in \mathbb{R}^{c_{out} \times p}`
    (a convolution kernel is reshaped to :math:`c_{out} \times c_{in} k_1 k_2`),
    divided by its largest singular value (power iteration with a persistent
    vector, Miyato et al. 2018), orthonormalised (Björck and Bowie 1971; Anil,
    Lucas and Grosse 2019), then multiplied by ``scale``.

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight.
    scale : float, default=1.0
        Multiplies the orthonormal matrix (convolutions use
        :math:`1/\sqrt{\lceil k_1/s_1\rceil\lceil k_2/s_2\rceil}`).
    n_power_iter : int, default=1
        Power iterations per training step (the vector is kept between steps).
    n_iter, n_iter_grad, tol, beta
        See :func:`~sklot.lipschitz.layers.bjorck_orthonormalize`.
    """

    def __init__(self, shape, *, scale=1.0, n_power_iter=1, n_iter=15, n_iter_grad=1, tol=1e-2, beta=0.5):
        super().__init__()
        self.shape = tuple(shape)
        self.scale = float(scale)
        self.n_power_iter = int(n_power_iter)
        self.n_iter = int(n_iter)
        self.n_iter_grad = int(n_iter_grad)
        self.tol = float(tol)
        self.beta = float(beta)
        self.register_buffer("u", torch.empty(self.shape[0]))
        self._stash = None
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self, generator=None):
        """Draw the power-iteration vector afresh (uniform on the sphere)."""
        u = torch.randn(self.shape[0], generator=generator, device=self.u.device, dtype=self.u.dtype)
        self.u.copy_(F.normalize(u, dim=0))

    def _key(self, weight):
        return super()._key(weight) + (self.u._version,)

    def compute(self, weight, update=False):
        w, u = spectral_normalize(weight.reshape(self.shape[0], -1), self.u, self.n_power_iter)
        if update:
            with torch.no_grad():
                self.u.copy_(u)
        w, ortho = _bjorck(w, n_iter=self.n_iter, n_iter_grad=self.n_iter_grad, tol=self.tol, beta=self.beta)
        if update:
            self._stash = (ortho, weight._version)
        return (w * self.scale).reshape(weight.shape)

    @torch.no_grad()
    def right_inverse(self, weight):
        # Assigning a weight stores it as the raw parameter (its orthonormalisation is used).
        return weight


class FrobeniusWeight(_CachedParametrization):
    r"""Frobenius normalisation of a weight, whole or row by row.

    With ``per_row=False``, :math:`W / \|W\|_F` (so :math:`\|W\|_2 \le 1`);
    with ``per_row=True`` each row is divided by its norm, making every output
    (every class logit) separately 1-Lipschitz ("disjoint neurons",
    Serrurier et al. 2021).
    """

    def __init__(self, *, per_row=True, scale=1.0):
        super().__init__()
        self.per_row = bool(per_row)
        self.scale = float(scale)

    def compute(self, weight, update=False):
        w = weight.reshape(weight.shape[0], -1)
        if self.per_row:
            w = w / torch.linalg.vector_norm(w, dim=1, keepdim=True).clamp_min(1e-12)
        else:
            w = w / torch.linalg.vector_norm(w).clamp_min(1e-12)
        return (w * self.scale).reshape(weight.shape)


@torch.no_grad()
def reproject_(module):
    r"""Replace each raw orthonormal weight by its orthonormalised value from the last training forward.

    Call it after ``loss.backward()`` and before ``optimizer.step()``. The
    constrained weights (hence the network function and the gradients just
    computed) are unchanged; the raw parameters then sit on the Stiefel
    manifold, so after the (small) optimiser step the next Björck run starts
    next to its fixed point and stops after one or two iterations instead of
    about ten: a retraction, as in Riemannian gradient descent (Absil,
    Mahony and Sepulchre 2008). sklot's estimators do this at every step.

    Returns
    -------
    int
        Number of weights reprojected.
    """
    from torch.nn.utils import parametrize

    count = 0
    for layer in module.modules():
        if not parametrize.is_parametrized(layer, "weight"):
            continue
        plist = layer.parametrizations.weight
        for p in plist:
            if isinstance(p, OrthonormalWeight) and p._stash is not None:
                ortho, version = p._stash
                p._stash = None
                if version != plist.original._version:
                    continue  # the raw weight changed since that forward: the stash is stale
                plist.original.copy_(ortho.reshape(plist.original.shape))
                count += 1
    return count
