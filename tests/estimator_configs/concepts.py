"""Harness settings for the concepts family (TacoTransformer).

TacoTransformer needs the protected attribute at fit time. With its default
``y_role="task"`` it comes as the ``sensitive`` fit parameter (metadata), which
scikit-learn's generic checks cannot pass. With ``y_role="sensitive"`` the
attribute is ``y`` itself (the convention of linear erasers, ``fit(X, z)``),
a documented mode of the estimator, and every scikit-learn check applies as
is: no expected failures. ``n_remove=0`` because several scikit-learn checks
set ``n_components=1`` and at least one concept must be kept; the grid still
switches removal on (``n_remove=1``). The metadata path (``sensitive=``, Pipeline with
metadata routing, GridSearchCV) is tested in tests/concepts/test_taco_api.py.
"""

import numpy as np
from sklearn.datasets import make_classification


def _data(seed):
    X, s = make_classification(n_samples=80, n_features=6, n_informative=3, random_state=seed)
    return X.astype(np.float64), s, {}


CONFIGS = {
    "TacoTransformer": dict(
        params=dict(y_role="sensitive", n_components=2, n_remove=0, decomposition="pca", n_sobol_designs=8,
                    max_samples=50, max_epochs=10),
        grid={"n_remove": [0, 1]},
        expected_failed_checks={},
        data=_data,
    ),
}
