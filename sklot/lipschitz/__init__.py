"""1-Lipschitz networks: layers, losses, certificates, explanations and estimators.

Béthune et al. (2022), "Pay attention to your loss: understanding
misconceptions about 1-Lipschitz neural networks"; Serrurier et al. (2023),
"On the explainable properties of 1-Lipschitz neural networks: an optimal
transport perspective".
"""

from . import certificates, explain, layers, losses
from ._classifier import LipschitzClassifier
from ._export import export
from ._lipschitz_bound import lipschitz_bound
from ._regressor import LipschitzRegressor
from ._wasserstein import WassersteinKR, wasserstein1_kr
from .certificates import certified_radius, verified_robust_accuracy

__all__ = [
    "LipschitzClassifier",
    "LipschitzRegressor",
    "WassersteinKR",
    "wasserstein1_kr",
    "export",
    "lipschitz_bound",
    "certified_radius",
    "verified_robust_accuracy",
    "layers",
    "losses",
    "certificates",
    "explain",
]
