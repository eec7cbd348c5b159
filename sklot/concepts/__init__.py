"""Targeted concept removal in embeddings (TaCo, Jourdan et al. 2023).

* :class:`TacoTransformer`: drop the concepts of an embedding that matter for a
  protected attribute but not for the task;
* :func:`make_leakage_scorer`: a scorer (task accuracy kept minus attribute
  leakage left, fresh probes) to tune it with ``GridSearchCV``;
* :func:`total_sobol_indices`, :func:`sobol_design`, :func:`jansen_total_indices`:
  the total-order Sobol estimator (Jansen) it ranks concepts with.
"""

from ._leakage import make_leakage_scorer
from ._sobol import jansen_total_indices, sobol_design, total_sobol_indices
from ._taco import TacoTransformer

__all__ = ["TacoTransformer", "jansen_total_indices", "make_leakage_scorer", "sobol_design", "total_sobol_indices"]
