"""Optimal transport map estimators and the metrics that judge them.

González-Sanz, De Lara, Béthune and Loubes (2022), "GAN estimation of Lipschitz optimal
transport maps"; Korotin et al. (2021), "Wasserstein-2 generative networks" (L2-UVP).
"""

from ._gan_map import LipschitzTransportMap, auto_cost_weight, auto_lipschitz_constant
from ._metrics import l2_uvp

__all__ = ["LipschitzTransportMap", "auto_cost_weight", "auto_lipschitz_constant", "l2_uvp"]
