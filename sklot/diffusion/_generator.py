"""``DiffusionGenerator``: a small DDPM of vectors or images, class-conditional (classifier-free guidance)."""

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.base import TorchEstimatorMixin
from .._core.device import to_numpy
from .._core.init import build_module
from .._core.random import draw_seed, torch_generator
from .._core.training import make_net
from .._core.validation import check_float32_range
from ._denoisers import MLPDenoiser, UNetDenoiser
from ._net import DiffusionNet
from ._repellency import SparseRepellency
from ._schedule import ddim_step, ddpm_step, make_betas, sampling_timesteps, spell_correct, x0_from_eps

__all__ = ["DiffusionGenerator"]


class DiffusionGenerator(TorchEstimatorMixin, TransformerMixin, BaseEstimator):
    r"""Denoising diffusion model (DDPM) of vectors or images, with SPELL and diversity guidances.

    ``fit`` trains a noise-prediction network :math:`\hat\varepsilon_\theta(x_t, t, y)` on the
    denoising loss of Ho et al. (2020) through sklot's training engine
    (:class:`~sklot.diffusion._net.DiffusionNet`): a residual MLP with a sinusoidal time embedding
    for vectors, a small conv UNet for images. With class labels ``y`` the model is class-conditional
    and ``sample(y=...)`` uses classifier-free guidance (Ho & Salimans 2022),

    .. math::

        \hat\varepsilon = \hat\varepsilon_\theta(x_t, t, \varnothing)
            + w\,\big(\hat\varepsilon_\theta(x_t, t, y) - \hat\varepsilon_\theta(x_t, t, \varnothing)\big),

    :math:`w` = ``guidance_scale``. Sampling runs the DDPM ancestral sampler or deterministic DDIM
    (:mod:`sklot.diffusion._schedule`), both written in terms of the denoised estimate
    :math:`\hat x_0`, so that a :class:`~sklot.diffusion.SparseRepellency` passed to :meth:`sample`
    corrects :math:`\hat x_0` at every step (SPELL, Kirchhof et al. 2025), and the baselines
    :class:`~sklot.diffusion.CADS` and :class:`~sklot.diffusion.ParticleGuidance` act on the class
    embedding and on the noise prediction.

    The model works in standardised coordinates: per feature for vectors (constant features are
    left out and come back at their value), one global mean and scale for images (their borders
    may be constant). Everything the user sees (samples, shields, radii) is in data units.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int or None, default=None
        Vectors: one residual block per entry (``None``: ``(128, 128, 128)``, the width and depth of
        tanelp/tiny-diffusion). Images: channels per UNet level (``None``: ``(32, 64)``).
    n_timesteps : int, default=1000
        :math:`T`.
    schedule : {"linear", "cosine"}, default="linear"
        Betas from 1e-4 to 0.02 (Ho et al. 2020), or the cosine schedule (Nichol & Dhariwal 2021).
    sampler : {"ddpm", "ddim"}, default="ddpm"
    n_sampling_steps : int or None, default=None
        Reverse steps of :meth:`sample` (evenly spaced timesteps); ``None``: ``n_timesteps``.
    guidance_scale : float, default=2.0
        :math:`w` of classifier-free guidance (class-conditional models only; 1 is the plain
        conditional model).
    class_dropout : float in [0, 1), default=0.1
        Probability of training on the "no class" label (the unconditional branch).
    max_epochs : int, default=200
    batch_size : int, default=256
    lr : float, default=1e-3
        AdamW learning rate (torch's default weight decay 0.01).
    image_shape : tuple of int or None, default=None
        ``(C, H, W)`` or ``(H, W)`` for images given flat; images given as ``(n, C, H, W)`` need none.
    device : {"auto", "cpu", "cuda"}, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the minibatches and training noise, and the samples (``sample``'s own
        ``random_state=None`` uses it).
    verbose : int, default=0

    Attributes
    ----------
    net_ : DiffusionNet
        The fitted skorch net; ``net_.module_`` is the denoiser.
    alphas_bar_ : ndarray of shape (n_timesteps,)
    classes_ : ndarray or None
        Class labels of a class-conditional model.
    image_shape_ : tuple or None
    mean_, scale_ : ndarray
        The standardisation (shape (n_features,) for vectors, (1,) for images).
    constant_features_ : ndarray of bool
    n_features_in_ : int

    References
    ----------
    J. Ho, A. Jain, P. Abbeel. "Denoising Diffusion Probabilistic Models", NeurIPS 2020.
    J. Song, C. Meng, S. Ermon. "Denoising Diffusion Implicit Models", ICLR 2021.
    J. Ho, T. Salimans. "Classifier-Free Diffusion Guidance", 2022 (arXiv:2207.12598).
    M. Kirchhof et al. "Sparse Repellency for Shielded Generation in Text-to-image Diffusion
    Models", ICML 2025 (arXiv:2410.06025).

    Examples
    --------
    >>> import numpy as np
    >>> from sklot.diffusion import DiffusionGenerator
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> gen = DiffusionGenerator(hidden_layer_sizes=(32,), n_timesteps=50, max_epochs=5,
    ...                          random_state=0).fit(X)
    >>> gen.sample(4).shape
    (4, 2)
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", None],
        "n_timesteps": [Interval(Integral, 2, None, closed="left")],
        "schedule": [StrOptions({"linear", "cosine"})],
        "sampler": [StrOptions({"ddpm", "ddim"})],
        "n_sampling_steps": [Interval(Integral, 1, None, closed="left"), None],
        "guidance_scale": [Interval(Real, 0, None, closed="left")],
        "class_dropout": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "image_shape": ["array-like", None],
        "device": "no_validation",
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=None,
        n_timesteps=1000,
        schedule="linear",
        sampler="ddpm",
        n_sampling_steps=None,
        guidance_scale=2.0,
        class_dropout=0.1,
        max_epochs=200,
        batch_size=256,
        lr=1e-3,
        image_shape=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.n_timesteps = n_timesteps
        self.schedule = schedule
        self.sampler = sampler
        self.n_sampling_steps = n_sampling_steps
        self.guidance_scale = guidance_scale
        self.class_dropout = class_dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.image_shape = image_shape
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the denoiser on ``X`` (class-conditional on ``y`` when given).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
        y : array-like of shape (n_samples,) or None
            Class labels (any hashable values).

        Returns
        -------
        self
        """
        X = self._validate_fit_input(X)
        seed = draw_seed(self.random_state)
        device = self._device()
        if y is not None:
            y = check_array(y, ensure_2d=False, dtype=None, ensure_all_finite=True)
            if y.ndim != 1 or len(y) != len(X):
                raise ValueError(f"y must be 1-D with one label per sample; got shape {y.shape}.")
            enc = LabelEncoder().fit(y)
            self.classes_ = enc.classes_
            y_idx = enc.transform(y).astype(np.int64)
        else:
            self.classes_ = None
            y_idx = None
        n_classes = 0 if self.classes_ is None else len(self.classes_)
        Xs = self._to_model(X).astype(np.float32)
        module = build_module(lambda: self._build_module(Xs.shape[1], n_classes), seed)
        betas = make_betas(self.schedule, self.n_timesteps)
        self.alphas_bar_ = np.cumprod(1 - betas)
        net = make_net(
            module,
            torch.nn.MSELoss,
            device=device,
            seed=seed,
            max_epochs=self.max_epochs,
            batch_size=min(self.batch_size, len(Xs)),
            lr=self.lr,
            optimizer=torch.optim.AdamW,
            verbose=self.verbose,
            net_class=DiffusionNet,
            alphas_bar=tuple(float(a) for a in self.alphas_bar_),
            n_classes=n_classes,
            class_dropout=self.class_dropout,
        )
        net.fit(Xs, y_idx)
        net.module_.eval()
        for p in net.module_.parameters():
            p.requires_grad_(False)
        self.net_ = net
        return self

    def _validate_fit_input(self, X):
        shape = getattr(X, "shape", None)
        if shape is not None and not callable(shape) and len(shape) == 4:  # images (n, C, H, W)
            X = check_array(X, allow_nd=True, dtype=np.float64, ensure_min_samples=2)
            self.image_shape_ = tuple(int(s) for s in X.shape[1:])
            self._nd_input = True
            X = X.reshape(len(X), -1)
            self.n_features_in_ = X.shape[1]
        else:
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
            self._nd_input = False
            self.image_shape_ = None
            if self.image_shape is not None:
                shape = tuple(int(s) for s in self.image_shape)
                shape = (1,) + shape if len(shape) == 2 else shape
                if len(shape) != 3 or int(np.prod(shape)) != X.shape[1]:
                    raise ValueError(
                        f"image_shape {tuple(self.image_shape)} does not match the {X.shape[1]} features "
                        "of X (C * H * W features, or (H, W) for one channel)."
                    )
                self.image_shape_ = shape
        check_float32_range(X, "X")
        self._set_standardisation(X)
        return X

    def _set_standardisation(self, X):
        if self.image_shape_ is not None:
            mean = np.array([X.mean()])
            dev = X - mean
            m = np.abs(dev).max()
            scale = np.array([m * np.sqrt(np.mean((dev / m) ** 2))]) if m > 0 else np.zeros(1)
            if not scale[0] > 0:
                raise ValueError(
                    "every image of X is the same constant image: there is no distribution to fit."
                )
            self.constant_features_ = np.zeros(X.shape[1], dtype=bool)
            self.mean_, self.scale_ = mean, scale
            return
        # scale-free decisions, so that fitting c * X gives the same standardised data
        magnitude = np.abs(X).max(0)
        constant = (X.max(0) - X.min(0)) <= 4 * np.finfo(np.float64).eps * magnitude
        if constant.all():
            raise ValueError(
                "every feature of X is constant (X is a single repeated point): there is no distribution "
                "to fit; DiffusionGenerator needs at least one feature that varies."
            )
        mean = X.mean(0)
        dev = X - mean
        m = np.abs(dev).max(0)
        m[m == 0] = 1.0
        scale = m * np.sqrt(np.mean((dev / m) ** 2, axis=0))
        scale[constant] = 1.0
        self.constant_features_ = constant
        self.constant_values_ = X[0, constant].copy()
        self.mean_, self.scale_ = mean, scale

    def _to_model(self, X):
        if self.image_shape_ is not None:
            Z = (X - self.mean_[0]) / self.scale_[0]
            return Z
        keep = ~self.constant_features_
        return (X[:, keep] - self.mean_[keep]) / self.scale_[keep]

    def _from_model(self, Z):
        if self.image_shape_ is not None:
            return Z * self.scale_[0] + self.mean_[0]
        out = np.empty((len(Z), len(self.constant_features_)))
        keep = ~self.constant_features_
        out[:, keep] = Z * self.scale_[keep] + self.mean_[keep]
        out[:, self.constant_features_] = self.constant_values_
        return out

    def _build_module(self, n_model_features, n_classes):
        sizes = self.hidden_layer_sizes
        if sizes is None:
            sizes = (128, 128, 128) if self.image_shape_ is None else (32, 64)
        sizes = tuple(sizes)
        if not sizes or any(isinstance(h, (bool, np.bool_)) or int(h) != h or h < 1 for h in sizes):
            raise ValueError(
                "hidden_layer_sizes must be a non-empty tuple of positive ints; "
                f"got {self.hidden_layer_sizes!r}."
            )
        if self.image_shape_ is None:
            return MLPDenoiser(n_model_features, sizes, n_classes)
        C, H, W = self.image_shape_
        f = 2 ** (len(sizes) - 1)
        if H % f or W % f:
            raise ValueError(
                f"images of {H}x{W} pixels cannot be halved {len(sizes) - 1} times by a UNet of "
                f"{len(sizes)} levels: use fewer hidden_layer_sizes (channels per level)."
            )
        return UNetDenoiser(self.image_shape_, sizes, n_classes)

    # -- the network in model units ---------------------------------------------
    def _module(self):
        return self.net_.module_.to(self._device())

    def _module64(self):
        # the encodings run in float64: per-row outputs then do not depend on the batch
        import copy

        return copy.deepcopy(self.net_.module_).to(device=self._device(), dtype=torch.float64)

    def _eps(self, x, t, y, cond=None, gen=None, t_frac=None, module=None):
        """Guided noise prediction; ``cond`` (CADS) anneals the class embedding."""
        module = self._module() if module is None else module
        tt = torch.full((len(x),), int(t), dtype=torch.long, device=x.device)
        if y is None:
            return module(x, tt, None)
        c = module.cond.class_embedding(y)
        if cond is not None:
            c = cond.anneal(c, t_frac, gen)
        w = float(self.guidance_scale)
        if w == 1.0:
            return module(x, tt, c=c)
        null = torch.full_like(y, len(self.classes_))
        c_both = torch.cat([c, module.cond.class_embedding(null)])
        both = module(torch.cat([x, x]), torch.cat([tt, tt]), c=c_both)
        eps_c, eps_u = both[: len(x)], both[len(x) :]
        return eps_u + w * (eps_c - eps_u)

    def _model_to_data_shift(self, delta_data):
        """A shift in data units, as a shift of the model's coordinates."""
        if self.image_shape_ is not None:
            return delta_data / float(self.scale_[0])
        keep = torch.as_tensor(~self.constant_features_, device=delta_data.device)
        sc = self.scale_[~self.constant_features_]
        sc = torch.as_tensor(sc, dtype=delta_data.dtype, device=delta_data.device)
        return delta_data[:, keep] / sc

    def _model_to_data(self, x):
        """Model coordinates -> data units, as a float64 tensor on the same device."""
        x = x.double()
        if self.image_shape_ is not None:
            return x * float(self.scale_[0]) + float(self.mean_[0])
        n = len(x)
        out = torch.empty((n, len(self.constant_features_)), dtype=torch.float64, device=x.device)
        keep = torch.as_tensor(~self.constant_features_, device=x.device)
        dev = x.device
        varying = ~self.constant_features_
        scale = torch.as_tensor(self.scale_[varying], device=dev)
        out[:, keep] = x * scale + torch.as_tensor(self.mean_[varying], device=dev)
        if self.constant_features_.any():
            out[:, ~keep] = torch.as_tensor(self.constant_values_, device=dev)
        return out

    # -- sampling --------------------------------------------------------------
    def sample(
        self, n_samples=1, y=None, random_state=None, repellency=None, guidance=None, return_trace=False
    ):
        r"""Draw samples by the reverse process, optionally with SPELL and a diversity guidance.

        Parameters
        ----------
        n_samples : int, default=1
        y : label, array-like of shape (n_samples,), or None
            Classes to generate (class-conditional models); ``None`` samples the unconditional model
            (the "no class" branch), without guidance.
        random_state : int, RandomState instance or None
            ``None`` uses the estimator's ``random_state``: the same seed gives the same samples.
        repellency : SparseRepellency or None
            A fitted SPELL guidance in data units: at every step :math:`\hat x_0 \leftarrow \hat x_0
            + \lambda\Delta(\hat x_0)` and :math:`x_t \leftarrow x_t + \sqrt{\bar\alpha_t}\,\lambda\Delta`
            before the DDPM / DDIM update (:func:`~sklot.diffusion._schedule.spell_correct`). In dynamic
            modes with memory,
            the returned samples are added to its references (:meth:`SparseRepellency.remember`).
        guidance : CADS, ParticleGuidance or None
            A baseline diversity guidance (see :mod:`sklot.diffusion.baselines`).
        return_trace : bool, default=False
            Also return the per-step record of the repellency.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features) (or (n_samples, C, H, W) for 4-D training input)
        trace : dict, only with ``return_trace``
            ``"timesteps"`` (n_steps,); ``"active"`` (n_steps, n_samples) bool, whether the
            trajectory's :math:`\hat x_0` was inside a ball; ``"active_fraction"`` (n_steps,);
            ``"shift_norm"`` (n_steps, n_samples), :math:`\lVert\lambda\Delta\rVert` in data units;
            ``"x0_norm"`` (n_steps, n_samples), :math:`\lVert \hat x_0 - \bar x\rVert` in data units
            (the scale the shift compares with).
        """
        check_is_fitted(self, "net_")
        n = _check_n_samples(n_samples)
        device = self._device()
        rs = self.random_state if random_state is None else random_state
        gen = torch_generator(draw_seed(check_random_state(rs)), "cpu")
        y_idx = self._check_labels(y, n, device)
        if repellency is not None:
            if not isinstance(repellency, SparseRepellency):
                raise TypeError(f"repellency must be a SparseRepellency; got {type(repellency).__name__}.")
            check_is_fitted(repellency)
            d = repellency._dimension()
            if d is not None and d != self.n_features_in_:
                raise ValueError(
                    f"the repellency's references have {d} features, but the generator's samples have "
                    f"{self.n_features_in_}."
                )
        if guidance is not None:
            guidance._check(self, y_idx)
        n_steps = self.n_sampling_steps or self.n_timesteps
        n_steps = min(n_steps, self.n_timesteps)
        timesteps, step = sampling_timesteps(self.n_timesteps, n_steps)
        d_model = self._n_model_features()
        x = torch.randn((n, d_model), generator=gen).to(device)
        trace = {k: [] for k in ("active", "shift_norm", "x0_norm")}
        mean_t = None
        with torch.no_grad():
            for t in timesteps:
                ab = float(self.alphas_bar_[t])
                ab_prev = float(self.alphas_bar_[t - step]) if t - step >= 0 else 1.0
                t_frac = (t + 1) / self.n_timesteps
                cads = guidance if getattr(guidance, "acts_on", None) == "condition" else None
                eps = self._eps(x, t, y_idx, cads, gen, t_frac)
                if guidance is not None and guidance.acts_on == "score":
                    eps = eps + math.sqrt(1 - ab) * guidance.potential_gradient(x, t_frac)
                x0 = x0_from_eps(x, eps, ab)
                if repellency is not None and n:
                    x0_data = self._model_to_data(x0)
                    shift, active = repellency.shift(x0_data)
                    x, x0 = spell_correct(x, x0, self._model_to_data_shift(shift).to(x0.dtype), ab)
                    if mean_t is None:
                        mean_t = torch.as_tensor(self.mean_, device=x.device)
                    trace["active"].append(to_numpy(active))
                    trace["shift_norm"].append(to_numpy(torch.linalg.vector_norm(shift, dim=1)))
                    trace["x0_norm"].append(to_numpy(torch.linalg.vector_norm(x0_data - mean_t, dim=1)))
                if self.sampler == "ddpm":
                    noise = torch.randn((n, d_model), generator=gen).to(device) if ab_prev < 1 else None
                    x = ddpm_step(x, x0, ab, ab_prev, noise)
                else:
                    x = ddim_step(x, x0, ab, ab_prev)
        out = self._from_model(to_numpy(x, np.float64))
        if repellency is not None:
            repellency.remember(out)
        if self._nd_input:
            out = out.reshape((n,) + self.image_shape_)
        if not return_trace:
            return out
        tr = {"timesteps": timesteps}
        for k, v in trace.items():
            tr[k] = np.asarray(v) if v else np.zeros((len(timesteps), n))
        tr["active"] = tr["active"].astype(bool)
        tr["active_fraction"] = tr["active"].mean(1) if n else np.zeros(len(timesteps))
        return out, tr

    def _n_model_features(self):
        if self.image_shape_ is not None:
            return self.n_features_in_
        return int((~self.constant_features_).sum())

    def _check_labels(self, y, n, device):
        if y is None:
            return None
        if self.classes_ is None:
            raise ValueError("y was given, but the generator was fitted without labels (unconditional).")
        y = np.asarray(y)
        if y.ndim == 0:
            y = np.repeat(y, n)
        if y.shape != (n,):
            raise ValueError(f"y must be one label or n_samples={n} labels; got shape {y.shape}.")
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y holds labels unseen at fit: {np.unique(y[unknown])[:5]!r}.")
        idx = np.searchsorted(self.classes_, y)
        return torch.as_tensor(idx, dtype=torch.long, device=device)

    # -- the deterministic encoding (DDIM inversion) ---------------------------
    def transform(self, X):
        r"""Encode data into the model's Gaussian latent by DDIM inversion (unconditional branch).

        Runs the deterministic DDIM step backwards, from :math:`x_0` = the (standardised) data up
        the noise levels of :meth:`sample`'s timesteps,
        :math:`x_{t_{i+1}} = \sqrt{\bar\alpha_{t_{i+1}}}\,\hat x_0 + \sqrt{1-\bar\alpha_{t_{i+1}}}\,
        \hat\varepsilon(x_{t_i}, t_{i+1})` (Song et al. 2021, Sec. 4.3; Dhariwal & Nichol 2021): an
        approximate inverse of :meth:`inverse_transform` (exact as the steps get small).

        Parameters
        ----------
        X : array-like of shape (n, n_features) (or (n, C, H, W))

        Returns
        -------
        Z : ndarray of shape (n, n_model_features)
            Latent in the model's (standardised) coordinates.
        """
        check_is_fitted(self, "net_")
        X = self._check_points(X)
        x = torch.as_tensor(self._to_model(X), dtype=torch.float64, device=self._device())
        n_steps = min(self.n_sampling_steps or self.n_timesteps, self.n_timesteps)
        timesteps, _ = sampling_timesteps(self.n_timesteps, n_steps)
        module = self._module64()
        ab_cur = 1.0
        with torch.no_grad():
            for t in timesteps[::-1]:
                ab = float(self.alphas_bar_[t])
                eps = self._eps(x, t, None, module=module)
                x0 = x0_from_eps(x, eps, ab_cur) if ab_cur < 1 else x
                x = math.sqrt(ab) * x0 + math.sqrt(1 - ab) * eps
                ab_cur = ab
        return to_numpy(x, np.float64)

    def inverse_transform(self, Z):
        """Decode latents by deterministic DDIM (unconditional branch); the inverse of :meth:`transform`.

        Parameters
        ----------
        Z : array-like of shape (n, n_model_features)

        Returns
        -------
        X : ndarray of shape (n, n_features) (or (n, C, H, W))
        """
        check_is_fitted(self, "net_")
        Z = check_array(Z, dtype=np.float64)
        if Z.shape[1] != self._n_model_features():
            raise ValueError(f"Z has {Z.shape[1]} features, but the latent has {self._n_model_features()}.")
        x = torch.as_tensor(Z, dtype=torch.float64, device=self._device())
        n_steps = min(self.n_sampling_steps or self.n_timesteps, self.n_timesteps)
        timesteps, step = sampling_timesteps(self.n_timesteps, n_steps)
        module = self._module64()
        with torch.no_grad():
            for t in timesteps:
                ab = float(self.alphas_bar_[t])
                ab_prev = float(self.alphas_bar_[t - step]) if t - step >= 0 else 1.0
                x0 = x0_from_eps(x, self._eps(x, t, None, module=module), ab)
                x = ddim_step(x, x0, ab, ab_prev)
        out = self._from_model(to_numpy(x, np.float64))
        return out.reshape((len(out),) + self.image_shape_) if self._nd_input else out

    def _check_points(self, X):
        if self._nd_input:
            X = check_array(X, allow_nd=True, dtype=np.float64)
            if X.shape[1:] != self.image_shape_:
                raise ValueError(f"X has images of shape {X.shape[1:]}, fitted on {self.image_shape_}.")
            X = X.reshape(len(X), -1)
        else:
            X = validate_data(self, X, dtype=np.float64, reset=False)
        check_float32_range(X, "X")
        return X

    def _denoise_model(self, x, t, y_idx=None):
        """:math:`\\hat x_0` of model-coordinate points ``x`` (a tensor) at timestep ``t``."""
        with torch.no_grad():
            return x0_from_eps(x, self._eps(x, int(t), y_idx), float(self.alphas_bar_[int(t)]))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags


def _check_n_samples(n_samples):
    # bool is an Integral in Python: sample(True) must not mean sample(1)
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, Integral) or n_samples < 0:
        raise ValueError(f"n_samples must be a non-negative integer; got {n_samples!r}.")
    return int(n_samples)
