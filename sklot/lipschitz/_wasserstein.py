"""Wasserstein-1 distance between two samples through the Kantorovich-Rubinstein dual."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted

from .._core.base import TorchEstimatorMixin
from .._core.init import build_module
from .._core.random import draw_seed
from .._core.training import make_net
from ._architectures import build_network
from ._export import export
from ._lipschitz_bound import lipschitz_bound
from ._net import LipschitzNet
from .losses import KRLoss

__all__ = ["WassersteinKR", "wasserstein1_kr"]


class WassersteinKR(TorchEstimatorMixin, BaseEstimator):
    r"""Wasserstein-1 distance between two samples, by a 1-Lipschitz critic.

    Kantorovich-Rubinstein duality:

    .. math::

        W_1(\mu, \nu) = \sup_{\mathrm{Lip}(f) \le 1}
            \mathbb{E}_{x\sim\mu}[f(x)] - \mathbb{E}_{x\sim\nu}[f(x)].

    The critic is a GroupSort network with orthonormal layers trained to
    maximise the right-hand side (Arjovsky et al. 2017; Anil et al. 2019;
    Serrurier et al. 2021). ``distance_`` divides the achieved value by the
    critic's guaranteed Lipschitz bound, so on the fitted samples it never
    exceeds the exact empirical :math:`W_1` (a certified lower bound).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(64, 64)
    activation : {"maxmin", "groupsort4", "fullsort"}, default="fullsort"
    max_epochs : int, default=300
    batch_size : int or None, default=None
        None: full batch (the KR estimate uses batch class proportions, so
        large batches give less biased gradients).
    lr : float, default=1e-2
    device, random_state, verbose
        As in :class:`~sklot.lipschitz.LipschitzClassifier`.

    Attributes
    ----------
    distance_ : float
        KR estimate of :math:`W_1` on the fitted samples.
    critic_ : torch.nn.Module
        Plain torch critic (exported).
    lipschitz_bound_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.lipschitz import WassersteinKR
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(100, 2)); b = rng.normal(size=(100, 2)) + [3.0, 0.0]
    >>> w = WassersteinKR(hidden_layer_sizes=(16, 16), max_epochs=40, random_state=0).fit(a, b)
    >>> 2.0 < w.distance_ <= 2.97  # a lower bound of the exact empirical W1, 2.96 (ot.emd2)
    True
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions({"maxmin", "groupsort4", "fullsort"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": [str, object],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=(64, 64),
        activation="fullsort",
        max_epochs=300,
        batch_size=None,
        lr=1e-2,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X_source, X_target):
        """Fit the critic between samples ``X_source`` (n, d) and ``X_target`` (m, d)."""
        self._validate_params()
        A = check_array(X_source, dtype=[np.float64, np.float32])
        B = check_array(X_target, dtype=[np.float64, np.float32])
        if A.shape[1] != B.shape[1]:
            raise ValueError(f"X_source has {A.shape[1]} features, X_target {B.shape[1]}.")
        self.n_features_in_ = A.shape[1]
        X = np.vstack([A, B]).astype(np.float32)
        y = np.concatenate([np.ones(len(A)), -np.ones(len(B))]).astype(np.float32)
        seed = draw_seed(self.random_state)
        module = build_module(
            lambda: build_network(
                "mlp",
                input_shape=(A.shape[1],),
                n_outputs=1,
                hidden_layer_sizes=tuple(int(h) for h in self.hidden_layer_sizes),
                activation=self.activation,
                head="orthonormal",
                lipschitz_constant=1.0,
            ),
            seed,
        )
        net = make_net(
            module,
            KRLoss(),
            device=self._device(),
            seed=seed,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size if self.batch_size is not None else len(X),
            lr=self.lr,
            verbose=self.verbose,
            net_class=LipschitzNet,
        )
        net.fit(X, y)
        self.critic_ = export(net.module_)
        self.lipschitz_bound_ = lipschitz_bound(self.critic_)
        self.distance_ = self.score(A, B)
        return self

    def critic(self, X):
        """Critic values :math:`f(x)` (1-Lipschitz up to ``lipschitz_bound_``)."""
        import torch

        check_is_fitted(self)
        X = check_array(X, dtype=np.float32)
        mod = self.critic_.to(self._device())
        with torch.no_grad():
            return mod(torch.as_tensor(X, device=self._device()))[:, 0].cpu().numpy().astype(np.float64)

    def score(self, X_source, X_target):
        r""":math:`(\bar f(X_{source}) - \bar f(X_{target})) / L`.

        On the fitted samples, a lower bound on their empirical :math:`W_1`.
        """
        return float((self.critic(X_source).mean() - self.critic(X_target).mean()) / self.lipschitz_bound_)


def wasserstein1_kr(X_source, X_target, **kwargs):
    """Functional form: ``WassersteinKR(**kwargs).fit(X_source, X_target).distance_``."""
    return WassersteinKR(**kwargs).fit(X_source, X_target).distance_
