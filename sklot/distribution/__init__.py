"""Distribution regression on bags of samples (Bachoc, Béthune, González-Sanz, Loubes 2023).

Bags (finite samples of distributions) are embedded in a Hilbert space --
sliced quantile functions (sliced Wasserstein), kernel mean embeddings (MMD)
or entropic OT potentials -- and learned with a Gaussian kernel on the
embedding distance.
"""

from ._kernel_distribution import KernelDistributionClassifier, KernelDistributionRegressor
from ._mean_embedding import MeanEmbedding
from ._sinkhorn_potential_embedding import SinkhornPotentialEmbedding
from ._sliced_wasserstein_embedding import SlicedWassersteinEmbedding

__all__ = [
    "SlicedWassersteinEmbedding",
    "MeanEmbedding",
    "SinkhornPotentialEmbedding",
    "KernelDistributionRegressor",
    "KernelDistributionClassifier",
]
