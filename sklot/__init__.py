"""sklot: optimal transport, Lipschitz networks and representation learning as scikit-learn estimators.

Importing ``sklot`` is cheap: torch, torch-geometric and the estimator
families are imported only when a public name is first used.
"""

import importlib
import importlib.util

__version__ = "0.1.0"

# public name -> module that defines it. A family that has not landed yet is
# left out of ``__all__`` automatically (its module cannot be found).
_PUBLIC = {
    # distribution regression on bags (Bachoc et al. 2023)
    "SlicedWassersteinEmbedding": "sklot.distribution",
    "MeanEmbedding": "sklot.distribution",
    "SinkhornPotentialEmbedding": "sklot.distribution",
    "KernelDistributionRegressor": "sklot.distribution",
    "KernelDistributionClassifier": "sklot.distribution",
    # 1-Lipschitz networks (Bethune et al. 2022; Serrurier et al. 2023)
    "LipschitzClassifier": "sklot.lipschitz",
    "LipschitzRegressor": "sklot.lipschitz",
    "WassersteinKR": "sklot.lipschitz",
    # optimal transport maps (González-Sanz, De Lara, Béthune, Loubes 2022)
    "LipschitzTransportMap": "sklot.transport",
    # conjugate moment measures (Vesseron, Bethune, Cuturi 2025)
    "ConjugateMomentSampler": "sklot.moment",
    # targeted concept removal (Jourdan et al. 2023)
    "TacoTransformer": "sklot.concepts",
    # hierarchical graph embeddings (Bethune et al. 2020)
    "LoukasGraphEmbedder": "sklot.graph",
    # SPELL, sparse repellency for diffusion models (Kirchhof et al. 2025)
    "SparseRepellency": "sklot.diffusion",
    "DiffusionGenerator": "sklot.diffusion",
    # multimodal autoregressive pre-training of vision encoders (Fini et al. 2024, AIMv2)
    "AutoregressiveImageEncoder": "sklot.vision",
    # contrastive image-text training on graph-based captions (Hsieh et al. 2024)
    "GraphCaptionCLIP": "sklot.gbc",
}


def _available(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


__all__ = sorted(name for name, mod in _PUBLIC.items() if _available(mod)) + ["show_versions"]


def __getattr__(name):
    if name in _PUBLIC and _available(_PUBLIC[name]):
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    if name == "show_versions":
        from ._show_versions import show_versions

        return show_versions
    raise AttributeError(f"module 'sklot' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
