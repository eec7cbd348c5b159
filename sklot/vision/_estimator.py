"""AutoregressiveImageEncoder: AIMv2-style multimodal autoregressive pre-training of a vision encoder."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._core.base import TorchEstimatorMixin
from .._core.init import build_module
from .._core.random import draw_seed
from .._core.training import make_net
from ._images import check_captions, check_images
from ._net import LossIsOutput, PretrainingNet

__all__ = ["AutoregressiveImageEncoder"]


def _mlp_dim(dim):
    # SwiGLU hidden width ~ 8/3 of the width (the released encoders: 2048 / 768, 2816 / 1024)
    return int(8 * ((8 * dim / 3 + 7) // 8))


class AutoregressiveImageEncoder(TorchEstimatorMixin, TransformerMixin, BaseEstimator):
    r"""Vision transformer pre-trained by multimodal autoregression (AIMv2), then used frozen.

    Pre-training (Fini et al. 2024, "Multimodal Autoregressive Pre-training of Large Vision
    Encoders"): each image is cut into :math:`I` patches; a random prefix length
    :math:`M \sim \mathcal U\{1, \dots, I-1\}` is drawn per image; the encoder runs with
    prefix-causal attention (the prefix bidirectional, the rest causal); one causal decoder reads
    the encoder's patch features followed by the caption's tokens and

    * regresses every non-prefix patch from the previous positions (per-patch normalised pixels,
      :func:`~sklot.vision.image_loss`),
    * predicts every caption token from the whole image and the previous tokens
      (:func:`~sklot.vision.text_loss`),

    minimising :math:`L_{img} + \lambda L_{text}` (``text_weight`` :math:`= \lambda`). Without
    captions the objective is the image-only one of AIMv1 (El-Nouby et al. 2024).
    ``objective="masked"`` trains the same encoder by MAE-style masked reconstruction instead
    (He et al. 2022; a baseline).

    ``transform`` runs the frozen encoder *bidirectionally* and pools its patch features: the
    features to put in front of a linear classifier (a linear probe).

    Parameters
    ----------
    patch_size : int, default=4
        Divides the image height and width.
    embed_dim : int, default=64
    depth : int, default=4
        Encoder blocks.
    n_heads : int, default=4
        Attention heads of the encoder and the decoder; divides both widths.
    decoder_dim : int, default=64
    decoder_depth : int, default=2
    text_weight : float, default=1.0
        :math:`\lambda`, the weight of the caption loss.
    pooling : {"flatten", "mean", "attention", "grid"}, default="flatten"
        How ``transform`` turns patch features into one vector: all of them concatenated
        (``n_patches * embed_dim`` features: a linear probe on the whole frozen trunk output),
        their mean (``embed_dim``), parameter-free attention pooling
        (:func:`~sklot.vision.attention_pool`) or means over the four image quadrants
        (:func:`~sklot.vision.grid_pool`, ``4 * embed_dim``). A global mean discards where
        things are: on Fashion-MNIST it costs a linear probe 12 points (0.72 against 0.84,
        docs/benchmarks/vision.md), which is why AIM probes attentively and why the default
        keeps every patch.
    objective : {"autoregressive", "masked"}, default="autoregressive"
    image_shape : tuple or None, default=None
        (C, H, W) or (H, W) of flat images ``X`` of shape (n, C H W); None when ``X`` has shape
        (n, C, H, W) or (n, H, W).
    max_caption_tokens : int, default=32
    max_epochs : int, default=10
    batch_size : int, default=128
    lr : float, default=1e-3
        AdamW learning rate (weight decay 0.05, as in AIMv2).
    device : {"auto", "cpu", "cuda"}, default="auto"
    random_state : int, RandomState or None, default=None
    verbose : int, default=0
        1 prints the per-epoch training loss.

    Attributes
    ----------
    encoder_ : VisionEncoder
        The trunk (kept in float32 on the CPU after fit; moved to ``device`` when used).
    pretrainer_ : torch.nn.Module or None
        Encoder and decoder of the objective (None after :meth:`from_pretrained`).
    tokenizer_ : CaptionTokenizer or None
        Fitted on the captions (None without captions).
    image_shape_ : tuple (C, H, W)
    pixel_mean_, pixel_std_ : ndarray of shape (C,)
        Input standardisation (fitted: one scalar for all channels).
    history_ : list of dict
        skorch's per-epoch history (``train_loss``, ``dur``).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklot.vision import AutoregressiveImageEncoder
    >>> X = load_digits().data[:200]
    >>> enc = AutoregressiveImageEncoder(patch_size=2, embed_dim=16, depth=1, decoder_dim=16,
    ...                                  decoder_depth=1, image_shape=(8, 8), max_epochs=2,
    ...                                  random_state=0).fit(X)
    >>> enc.transform(X).shape  # 16 patches of 16 features
    (200, 256)
    """

    _input_kind = "images"

    _parameter_constraints = {
        "patch_size": [Interval(Integral, 1, None, closed="left")],
        "embed_dim": [Interval(Integral, 1, None, closed="left")],
        "depth": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "decoder_dim": [Interval(Integral, 1, None, closed="left")],
        "decoder_depth": [Interval(Integral, 1, None, closed="left")],
        "text_weight": [Interval(Real, 0, None, closed="left")],
        "pooling": [StrOptions({"mean", "attention", "grid", "flatten"})],
        "objective": [StrOptions({"autoregressive", "masked"})],
        "image_shape": [tuple, list, None],
        "max_caption_tokens": [Interval(Integral, 2, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": [str, object],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        patch_size=4,
        embed_dim=64,
        depth=4,
        n_heads=4,
        decoder_dim=64,
        decoder_depth=2,
        text_weight=1.0,
        pooling="flatten",
        objective="autoregressive",
        image_shape=None,
        max_caption_tokens=32,
        max_epochs=10,
        batch_size=128,
        lr=1e-3,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.patch_size = patch_size
        self.embed_dim = embed_dim
        self.depth = depth
        self.n_heads = n_heads
        self.decoder_dim = decoder_dim
        self.decoder_depth = decoder_depth
        self.text_weight = text_weight
        self.pooling = pooling
        self.objective = objective
        self.image_shape = image_shape
        self.max_caption_tokens = max_caption_tokens
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting ------------------------------------------------------------------------
    def _build(self, image_shape, vocab_size, n_text):
        from ._decoder import MultimodalDecoder
        from ._encoder import VisionEncoder
        from ._masked import MaskedPretrainer
        from ._pretrainer import AutoregressivePretrainer

        for name, width in (("embed_dim", self.embed_dim), ("decoder_dim", self.decoder_dim)):
            if width % self.n_heads:
                raise ValueError(f"n_heads={self.n_heads} must divide {name}={width}.")
        encoder = VisionEncoder(
            image_shape, self.patch_size, self.embed_dim, self.depth, self.n_heads, _mlp_dim(self.embed_dim)
        )
        dec = (self.decoder_dim, self.decoder_depth, self.n_heads, _mlp_dim(self.decoder_dim))
        if self.objective == "masked":
            return MaskedPretrainer(encoder, *dec)
        patch_dim = image_shape[0] * self.patch_size**2
        decoder = MultimodalDecoder(
            self.embed_dim, *dec, encoder.n_patches, patch_dim, vocab_size=vocab_size, max_text_tokens=n_text
        )
        return AutoregressivePretrainer(encoder, decoder, text_weight=self.text_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, captions=None):
        """Pre-train the encoder on images ``X`` (and their ``captions``).

        Parameters
        ----------
        X : array-like of shape (n, C, H, W), (n, H, W), or (n, C H W) with ``image_shape``
        y : ignored
        captions : sequence of n str or None
            One caption per image (routable as metadata: ``set_fit_request(captions=True)``).
            None: the image-only objective.

        Returns
        -------
        self
        """
        import torch

        from ._tokenizer import CaptionTokenizer

        images, shape = check_images(self, X, reset=True)
        if shape[1] % self.patch_size or shape[2] % self.patch_size:
            raise ValueError(
                f"image size {shape[1]}x{shape[2]} is not a multiple of patch_size={self.patch_size}."
            )
        n_patches = (shape[1] // self.patch_size) * (shape[2] // self.patch_size)
        if n_patches < 2:
            raise ValueError(
                f"patch_size={self.patch_size} leaves {n_patches} patch per {shape[1]}x{shape[2]} image; "
                "autoregression needs at least 2."
            )
        captions = check_captions(captions, len(images))
        if captions is not None and self.objective == "masked":
            raise ValueError("objective='masked' takes no captions.")
        # one scale for all pixels: features do not depend on the images' units (constant images: 1)
        std = float(images.std())
        self.pixel_mean_ = np.full(shape[0], images.mean(), dtype=np.float64)
        self.pixel_std_ = np.full(shape[0], std if std > 0 else 1.0, dtype=np.float64)
        Xt = self._standardize(images)
        text_ids, vocab, n_text = None, 0, 0
        self.tokenizer_ = None
        if captions is not None:
            self.tokenizer_ = CaptionTokenizer(max_tokens=self.max_caption_tokens).fit(captions)
            text_ids = self.tokenizer_.encode(captions)
            vocab, n_text = self.tokenizer_.vocab_size, self.tokenizer_.n_tokens_
        seed = draw_seed(self.random_state)
        module = build_module(lambda: self._build(shape, vocab, n_text), seed)
        net = make_net(
            module,
            LossIsOutput(),
            device=self._device(),
            seed=seed,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=torch.optim.AdamW,
            optimizer_kwargs={"weight_decay": 0.05},
            verbose=self.verbose,
            net_class=PretrainingNet,
        )
        net.fit(Xt, text_ids)
        losses = [h["train_loss"] for h in net.history]
        if not np.all(np.isfinite(losses)):
            raise ValueError("pre-training diverged (non-finite loss): lower lr or standardise the images.")
        self.pretrainer_ = net.module_.cpu().eval()
        self.encoder_ = self.pretrainer_.encoder
        self.history_ = [{k: v for k, v in h.items() if k != "batches"} for h in net.history]
        return self

    def _standardize(self, images):
        mean = self.pixel_mean_.reshape(1, -1, 1, 1)
        std = self.pixel_std_.reshape(1, -1, 1, 1)
        return ((images - mean) / std).astype(np.float32)

    # -- features -----------------------------------------------------------------------
    def _encode(self, X, pooled=True):
        import torch

        from ._pooling import attention_pool, flatten_pool, grid_pool, mean_pool

        check_is_fitted(self, "encoder_")
        images, _ = check_images(self, X, reset=False)
        Xt = self._standardize(images)
        device = self._device()
        encoder = self.encoder_.to(device)
        pool = {
            "mean": mean_pool,
            "attention": attention_pool,
            "grid": lambda t: grid_pool(t, encoder.grid_size),
            "flatten": flatten_pool,
        }[self.pooling]
        out = []
        bs = max(int(self.batch_size), 1)
        with torch.no_grad():
            for start in range(0, len(Xt), bs):
                batch = torch.as_tensor(Xt[start : start + bs], device=device)
                tokens = encoder(batch)  # bidirectional: no prefix mask after pre-training
                out.append((pool(tokens) if pooled else tokens).cpu().numpy())
        self.encoder_ = encoder.cpu()
        if not out:
            width = self._n_features_out()
            return np.zeros((0, width) if pooled else (0, self.encoder_.n_patches, self.encoder_.embed_dim),
                            dtype=np.float32)
        return np.concatenate(out)

    def _n_features_out(self):
        width = self.encoder_.embed_dim
        return {"grid": 4 * width, "flatten": self.encoder_.n_patches * width}.get(self.pooling, width)

    def transform(self, X):
        """Pooled frozen-trunk features, float32 numpy on the CPU.

        Shape (n, embed_dim) for ``pooling="mean"`` or ``"attention"``, (n, 4 embed_dim) for
        ``"grid"``, (n, n_patches embed_dim) for ``"flatten"``.
        """
        return self._encode(X, pooled=True)

    def patch_features(self, X):
        """Frozen-trunk patch features, shape (n, n_patches, embed_dim)."""
        return self._encode(X, pooled=False)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "encoder_")
        names = [f"autoregressiveimageencoder{i}" for i in range(self._n_features_out())]
        return np.asarray(names, dtype=object)

    # -- official checkpoints -------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, checkpoint, *, n_heads=None, image_shape=None, pooling="mean",
                        pixel_mean=None, pixel_std=None, batch_size=128, device="auto"):
        """An encoder holding official AIMv2 weights (apple/ml-aim ``AIMv2VisionEncoder``), ready to use.

        Parameters
        ----------
        checkpoint : str, path or dict
            A local checkpoint file or state dict (:func:`~sklot.vision.load_aimv2_encoder`).
        n_heads, image_shape
            Inferred for the released sizes and square inputs.
        pooling, batch_size, device
            As in the constructor.
        pixel_mean, pixel_std : sequence of C floats or None
            ``transform`` computes ``(X - mean) / std`` per channel; None uses OpenAI CLIP's
            statistics, the official preprocessing of RGB images in [0, 1].

        Returns
        -------
        AutoregressiveImageEncoder
            Fitted (``transform`` works); ``pretrainer_`` is None: the official releases have no
            decoder.
        """
        from ._checkpoint import CLIP_MEAN, CLIP_STD, load_aimv2_encoder

        encoder = load_aimv2_encoder(checkpoint, n_heads=n_heads, image_shape=image_shape)
        C, H, W = encoder.image_shape
        est = cls(
            patch_size=encoder.patch_size,
            embed_dim=encoder.embed_dim,
            depth=len(encoder.trunk.blocks),
            n_heads=encoder.trunk.blocks[0].attn.n_heads,
            pooling=pooling,
            image_shape=(C, H, W),
            batch_size=batch_size,
            device=device,
        )
        est.encoder_ = encoder
        est.pretrainer_ = None
        est.tokenizer_ = None
        est.image_shape_ = (C, H, W)
        est.n_features_in_ = C * H * W
        mean = CLIP_MEAN if pixel_mean is None else pixel_mean
        std = CLIP_STD if pixel_std is None else pixel_std
        est.pixel_mean_ = np.broadcast_to(np.asarray(mean, dtype=float), (C,)).copy()
        est.pixel_std_ = np.broadcast_to(np.asarray(std, dtype=float), (C,)).copy()
        est.history_ = []
        return est

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        tags.target_tags.required = False
        tags.non_deterministic = False
        return tags
