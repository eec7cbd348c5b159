"""Measure explanations of torch classifiers: attribution (saliency) metrics and counterfactual metrics.

Works for any classifier returning logits: a fitted sklot classifier (its exported torch module),
a ``torch.nn.Module`` or a fitted skorch-style wrapper (its ``module_``).
"""

from ._attribution import deletion_auc, insertion_auc, max_sensitivity, mu_fidelity, sparseness
from ._baselines import integrated_gradients, saliency, smoothgrad
from ._counterfactual import counterfactual_radius_ratio, counterfactual_realism, counterfactual_success

__all__ = [
    "deletion_auc",
    "insertion_auc",
    "mu_fidelity",
    "max_sensitivity",
    "sparseness",
    "counterfactual_success",
    "counterfactual_radius_ratio",
    "counterfactual_realism",
    "saliency",
    "smoothgrad",
    "integrated_gradients",
]
