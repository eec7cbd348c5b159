"""``GraphCaptionCLIP``: contrastive image-text training on GBC graphs (Hsieh et al., 2024)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._core.base import TorchEstimatorMixin
from .._core.random import draw_seed, numpy_generator
from .._core.training import SklotNet, make_net
from .._core.validation import check_float32_range

__all__ = ["GraphCaptionCLIP"]

TEXT_INPUTS = ("short", "detail", "captions", "graph")


# --- the captions of the training scenes, per text input -----------------------------------------


def root_vertex(graph):
    return next(v for v in graph.vertices if v.vertex_id == "")


def detail_caption(graph):
    """The graph's detailed caption: ``detail_caption``, else the root's ``"detail"`` description,
    else the root's captions joined."""
    if graph.detail_caption:
        return graph.detail_caption
    root = root_vertex(graph)
    details = [d.text for d in root.descs if d.label == "detail"]
    return details[0] if details else " ".join(d.text for d in root.descs)


def short_caption(graph):
    """``short_caption``, else the root's ``"short"`` description, else its first one."""
    if graph.short_caption:
        return graph.short_caption
    root = root_vertex(graph)
    shorts = [d.text for d in root.descs if d.label == "short"]
    return shorts[0] if shorts else (root.descs[0].text if root.descs else "")


def all_captions(graph):
    """Every description of every vertex, each text once, in vertex order."""
    seen, out = set(), []
    for v in graph.vertices:
        for d in v.descs:
            if d.text not in seen:
                seen.add(d.text)
                out.append(d.text)
    return out or [""]


class CaptionBatches:
    """The text side of each training batch, for one ``text_input``.

    ``batch(indices, training, rng, device)`` returns the :class:`~sklot.gbc._saha.PackedCaptions`
    of the scenes ``indices`` and ``text_to_image`` (the scene of each caption, in ``[0, B)``):

    * ``"short"`` / ``"detail"``: one caption per scene;
    * ``"captions"``: ``captions_per_image`` of the scene's captions drawn without replacement
      (all when it has fewer) in training, all of them otherwise;
    * ``"graph"``: the scene's whole graph, one sequence per caption
      (:func:`~sklot.gbc._saha.graph_captions`), the root's detailed caption as its embedding,
      each edge dropped with probability ``edge_dropout`` in training.
    """

    def __init__(self, graphs, tokenizer, text_input, captions_per_image=4, edge_dropout=0.5):
        from ._saha import graph_captions

        self.text_input = text_input
        self.captions_per_image = captions_per_image
        self.edge_dropout = edge_dropout
        if text_input == "short":
            self.items = [tokenizer.encode(short_caption(g)) for g in graphs]
        elif text_input == "detail":
            self.items = [tokenizer.encode(detail_caption(g)) for g in graphs]
        elif text_input == "captions":
            self.items = [[tokenizer.encode(t) for t in all_captions(g)] for g in graphs]
        else:
            self.items = [graph_captions(g, tokenizer) for g in graphs]

    def batch(self, indices, training, rng, device):
        from ._saha import drop_edges, pack_captions

        indices = [int(i) for i in indices]
        if self.text_input in ("short", "detail"):
            return pack_captions([self.items[i] for i in indices], device=device), np.arange(len(indices))
        if self.text_input == "captions":
            caps, owner = [], []
            for b, i in enumerate(indices):
                mine = self.items[i]
                if training and len(mine) > self.captions_per_image:
                    mine = [mine[j] for j in rng.choice(len(mine), self.captions_per_image, replace=False)]
                caps += mine
                owner += [b] * len(mine)
            return pack_captions(caps, device=device), np.asarray(owner)
        caps, edges, roots = [], [], []
        for i in indices:
            captions, root, graph_edges = self.items[i]
            offset = len(caps)
            if training:
                graph_edges = drop_edges(graph_edges, self.edge_dropout, rng)
            caps += captions
            roots.append(offset + root)
            edges += [(offset + p, offset + c, pos) for p, c, pos in graph_edges]
        return pack_captions(caps, output=roots, edges=edges, device=device), np.arange(len(indices))


# --- the module and the net ------------------------------------------------------------------------


class GraphCaptionNet(SklotNet):
    """SklotNet whose loss embeds the batch's captions: only ``get_loss`` changes.

    The batches are ``(images, scene indices)`` slices of the engine's array iterator; the loss
    looks up the scenes' captions (:class:`CaptionBatches`), embeds them with the module's text
    encoder and returns :func:`~sklot.gbc.multi_positive_clip_loss` (CLIP's loss when each image
    has one caption).
    """

    def __init__(self, *args, caption_batches=None, temperature=0.1, **kwargs):
        super().__init__(*args, **kwargs)
        self.caption_batches = caption_batches
        self.temperature = temperature

    def initialize(self):
        # caption sampling and edge dropout draw from a generator of the net's own seed
        self.caption_rng_ = numpy_generator(self.seed + 5)
        return super().initialize()

    def get_loss(self, y_pred, y_true, X=None, training=False):
        from ._loss import multi_positive_clip_loss

        indices = y_true.detach().cpu().numpy()
        packed, owner = self.caption_batches.batch(indices, training, self.caption_rng_, self.device)
        texts = self.module_.text_encoder(packed)
        return multi_positive_clip_loss(y_pred, texts, owner, self.temperature)


# --- the estimator -----------------------------------------------------------------------------------


class GraphCaptionCLIP(TorchEstimatorMixin, TransformerMixin, BaseEstimator):
    """Contrastive image-text model trained on GBC graphs: short, detailed, all captions, or the graph.

    An image encoder (a small convolutional network of sklot.gbc's own,
    :class:`~sklot.gbc._image_encoder.ConvImageEncoder`) and a text encoder (a small transformer
    whose blocks are SAHA blocks, :class:`~sklot.gbc._saha.SahaTextEncoder`, on a word vocabulary
    fitted on the training captions: no download) are trained together on (image, GBC graph) pairs
    (Hsieh et al., 2024). With :math:`s_{ij} = \\langle f(x_i), g(c_j) \\rangle / \\tau` the
    loss is :func:`~sklot.gbc.multi_positive_clip_loss`; what a scene's text is depends on
    ``text_input``:

    * ``"short"`` / ``"detail"``: the graph's short / detailed caption, CLIP's loss (Radford et
      al., 2021);
    * ``"captions"``: every description of every vertex is a positive of its image (the paper's
      multi-positive loss); ``captions_per_image`` of them are drawn per image and step;
    * ``"graph"``: the whole graph through structure-aware hierarchical attention (SAHA): each
      caption is its own sequence, whose edge-label tokens attend to the child vertices'
      captions; the image's text embedding is the root's detailed caption after SAHA; edges are
      dropped with probability 0.5 in training (the paper's).

    Without edges the SAHA blocks are plain transformer layers, so plain captions (``encode_texts``,
    the queries of ``score``) go through the same text encoder in every mode. Images are
    standardised per channel with the training images' mean and standard deviation.

    Parameters
    ----------
    text_input : {"short", "detail", "captions", "graph"}, default="graph"
    embed_dim : int, default=64
        Dimension of the joint embedding.
    temperature : float, default=0.1
        :math:`\\tau` (fixed).
    max_epochs : int, default=10
    batch_size : int, default=64
        Images per step (negatives come from the batch).
    lr : float, default=2e-3
        Adam's initial learning rate, annealed by a cosine to 0 over the training steps.
    captions_per_image : int, default=4
        ``"captions"`` only: captions drawn per image and step.
    text_width : int, default=64
        Width of the text transformer (4 heads, feed-forward ``2 * text_width``).
    text_layers : int, default=2
    max_len : int, default=96
        Tokens kept per caption.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    module_ : torch.nn.Module
        ``image_encoder`` and ``text_encoder``.
    tokenizer_ : WordTokenizer
        Vocabulary of the training captions (all descriptions of all vertices).
    history_ : skorch History
    n_channels_ : int
    mean_, scale_ : ndarray of shape (``n_channels_``,)
        Per-channel standardisation of the images.

    References
    ----------
    Y.-G. Hsieh, C.-Y. Huang, A. Toshev, M. Cuturi, et al., "Graph-Based Captioning: Enhancing
    Visual Descriptions by Interconnecting Region Captions", arXiv 2407.06723, 2024.

    Examples
    --------
    >>> from sklot.datasets import make_shape_scenes
    >>> from sklot.gbc import GraphCaptionCLIP
    >>> images, graphs = make_shape_scenes(40, random_state=0)
    >>> model = GraphCaptionCLIP(max_epochs=1, batch_size=20, random_state=0, device="cpu")
    >>> model.fit(images, graphs).encode_images(images[:3]).shape
    (3, 64)
    >>> 0.0 <= model.score(images, graphs) <= 1.0
    True
    """

    _input_kind = "image_graphs"

    _parameter_constraints = {
        "text_input": [StrOptions(set(TEXT_INPUTS))],
        "embed_dim": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "captions_per_image": [Interval(Integral, 1, None, closed="left")],
        "text_width": [Interval(Integral, 4, None, closed="left")],
        "text_layers": [Interval(Integral, 1, None, closed="left")],
        "max_len": [Interval(Integral, 1, None, closed="left")],
        "device": "no_validation",
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        text_input="graph",
        embed_dim=64,
        temperature=0.1,
        max_epochs=10,
        batch_size=64,
        lr=2e-3,
        captions_per_image=4,
        text_width=64,
        text_layers=2,
        max_len=96,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.text_input = text_input
        self.embed_dim = embed_dim
        self.temperature = temperature
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.captions_per_image = captions_per_image
        self.text_width = text_width
        self.text_layers = text_layers
        self.max_len = max_len
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- input validation ---------------------------------------------------------------------
    def _check_images(self, images, *, reset):
        """``images`` as a float64 (n, channels, height, width) array; at least one image at fit."""
        import scipy.sparse as sp

        if sp.issparse(images):
            raise TypeError("images must be a dense 4-D array (n_images, channels, height, width), "
                            "not sparse")
        try:
            arr = np.asarray(images)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(
                f"images must be a 4-D array of shape (n, channels, height, width): {exc}"
            ) from None
        if arr.dtype.kind == "c":
            raise ValueError("images are complex; pass real pixel values")
        if arr.dtype.kind not in "biuf":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"images must be numeric; dtype {arr.dtype} could not convert to float: {exc}"
                ) from None
        arr = arr.astype(np.float64, copy=False)
        if arr.ndim != 4:
            raise ValueError(
                "images must be a 4-D array of shape (n_images, channels, height, width), "
                f"got shape {arr.shape}"
            )
        if arr.shape[0] == 0 and reset:
            raise ValueError("images: got 0 images; at least 1 is required to fit")
        if min(arr.shape[2:]) < 4:
            raise ValueError(f"images of {arr.shape[2]}x{arr.shape[3]} pixels: at least 4x4 are needed")
        if not np.isfinite(arr).all():
            raise ValueError("images contain NaN or infinity; every pixel must be finite")
        if arr.size:
            check_float32_range(arr, "images")
        if reset:
            self.n_channels_ = arr.shape[1]
        elif arr.shape[1] != self.n_channels_:
            raise ValueError(
                f"images have {arr.shape[1]} channels (dimension 1 of the array); "
                f"{type(self).__name__} was fitted on {self.n_channels_}"
            )
        return arr

    @staticmethod
    def _check_graphs(graphs, n_images):
        from ._schema import GbcGraph

        if graphs is None:
            raise ValueError("GraphCaptionCLIP needs the images' GBC graphs: fit(images, graphs)")
        if isinstance(graphs, (str, bytes, GbcGraph, dict)):
            raise TypeError("graphs must be a list of GbcGraph (or dicts in the GBC format), one per image")
        graphs = [g if isinstance(g, GbcGraph) else GbcGraph.model_validate(g) for g in graphs]
        if len(graphs) != n_images:
            raise ValueError(f"got {n_images} images but {len(graphs)} graphs; one graph per image is needed")
        return graphs

    def _standardise(self, arr):
        return ((arr - self.mean_[None, :, None, None]) / self.scale_[None, :, None, None]).astype(np.float32)

    # -- fitting ------------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train both encoders on images ``X`` and their GBC graphs ``y``.

        Parameters
        ----------
        X : array-like of shape (n_images, channels, height, width)
        y : list of GbcGraph (or dicts in the GBC JSON layout), one per image

        Returns
        -------
        self
        """
        from .._core.schedules import CosineAnnealingPerStep
        from ._tokenizer import WordTokenizer

        images = self._check_images(X, reset=True)
        graphs = self._check_graphs(y, len(images))
        seed = draw_seed(self.random_state)
        # per-channel standardisation (float64 statistics: invariant to the pixels' units)
        self.mean_ = images.mean(axis=(0, 2, 3))
        std = images.std(axis=(0, 2, 3))
        self.scale_ = np.where(std > 0, std, 1.0)
        self.tokenizer_ = WordTokenizer(max_len=self.max_len).fit(
            [t for g in graphs for t in all_captions(g)]
        )
        batches = CaptionBatches(graphs, self.tokenizer_, self.text_input, self.captions_per_image)
        from ._clip_module import GraphCaptionCLIPModule

        net = make_net(
            GraphCaptionCLIPModule,
            _NoCriterion,
            device=self._device(),
            seed=seed,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            verbose=self.verbose,
            callbacks=[("lr_schedule", CosineAnnealingPerStep())],
            net_class=GraphCaptionNet,
            caption_batches=batches,
            temperature=self.temperature,
            module__in_channels=self.n_channels_,
            module__vocab_size=self.tokenizer_.vocab_size,
            module__embed_dim=self.embed_dim,
            module__text_width=self.text_width,
            module__text_layers=self.text_layers,
            module__max_len=self.max_len,
        )
        net.fit(self._standardise(images), np.arange(len(images), dtype=np.int64))
        self.module_ = net.module_.cpu().eval()
        self.history_ = net.history
        return self

    # -- embeddings ---------------------------------------------------------------------------------
    def _run(self, fn, items, batch):
        import torch

        device = self._device()
        module = self.module_.to(device).eval()
        out = []
        try:
            with torch.no_grad():
                for start in range(0, len(items), batch):
                    out.append(fn(module, items[start:start + batch], device).cpu())
        finally:
            self.module_ = module.cpu()
        if not out:
            return np.zeros((0, self.embed_dim), dtype=np.float32)
        return torch.cat(out).numpy()

    def encode_images(self, images):
        """Embed images (L2-normalised rows).

        Parameters
        ----------
        images : array-like of shape (n_images, channels, height, width)

        Returns
        -------
        embeddings : ndarray of shape (n_images, embed_dim), float32
        """
        import torch

        check_is_fitted(self, "module_")
        arr = self._standardise(self._check_images(images, reset=False))
        return self._run(lambda m, x, d: m.image_encoder(torch.as_tensor(x, device=d)), arr, 256)

    def transform(self, X):
        """Image embeddings (:meth:`encode_images`), so that the model fits in a Pipeline."""
        return self.encode_images(X)

    def encode_texts(self, texts):
        """Embed captions with the text encoder (no edges: plain self-attention).

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        embeddings : ndarray of shape (n_texts, embed_dim), float32
        """
        from ._saha import pack_captions

        check_is_fitted(self, "module_")
        if isinstance(texts, str):
            raise TypeError("texts must be a list of str, not one str")
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise TypeError("texts must be a list of str")
        tokens = [self.tokenizer_.encode(t) for t in texts]
        return self._run(lambda m, t, d: m.text_encoder(pack_captions(t, device=d)), tokens, 512)

    def encode_graphs(self, graphs):
        """Embed GBC graphs the way the model was trained to read them.

        ``"short"`` / ``"detail"``: that caption; ``"captions"``: the normalised mean of the
        embeddings of all the graph's captions; ``"graph"``: SAHA over the whole graph (no edge
        dropped), the root's detailed caption.

        Parameters
        ----------
        graphs : list of GbcGraph (or dicts in the GBC layout)

        Returns
        -------
        embeddings : ndarray of shape (n_graphs, embed_dim), float32
        """
        from ._schema import GbcGraph

        check_is_fitted(self, "module_")
        # a single graph is iterable too (pydantic yields its fields): refused in _check_graphs
        if graphs is not None and not isinstance(graphs, (str, bytes, dict, GbcGraph)):
            graphs = list(graphs)
        graphs = self._check_graphs(graphs, len(graphs) if isinstance(graphs, list) else 0)
        if not graphs:
            return np.zeros((0, self.embed_dim), dtype=np.float32)
        if self.text_input == "short":
            return self.encode_texts([short_caption(g) for g in graphs])
        if self.text_input == "detail":
            return self.encode_texts([detail_caption(g) for g in graphs])
        if self.text_input == "captions":
            out = []
            for g in graphs:
                e = self.encode_texts(all_captions(g)).mean(axis=0)
                out.append(e / max(np.linalg.norm(e), 1e-12))
            return np.asarray(out, dtype=np.float32)
        batches = CaptionBatches(graphs, self.tokenizer_, "graph")
        return self._run(lambda m, idx, d: m.text_encoder(batches.batch(idx, False, None, d)[0]),
                         list(range(len(graphs))), 256)

    def score(self, X, y):
        """Text -> image recall at 1, the detailed captions of ``y`` as queries among the images ``X``.

        Parameters
        ----------
        X : array-like of shape (n_images, channels, height, width)
        y : list of GbcGraph, one per image

        Returns
        -------
        recall : float in [0, 1]
        """
        from ._retrieval import recall_at_k

        check_is_fitted(self, "module_")
        images = self.encode_images(X)
        graphs = self._check_graphs(y, len(images))
        return recall_at_k(self.encode_texts([detail_caption(g) for g in graphs]), images, k=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = True  # the graphs
        tags.requires_fit = True
        return tags


class _NoCriterion:
    """skorch wants a criterion; the loss is computed in :meth:`GraphCaptionNet.get_loss`."""

    def __call__(self, *args, **kwargs):
        raise RuntimeError("GraphCaptionNet computes its loss in get_loss")
