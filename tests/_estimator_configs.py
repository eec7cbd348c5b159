"""Per-estimator settings for the common harness (tests/test_common.py).

Every public estimator is discovered from ``sklot.__all__``. Each family adds a
module ``tests/estimator_configs/<family>.py`` defining ``CONFIGS = {name: entry}``;
an entry only makes the checks fast or tells the harness what it cannot guess:

params : dict
    Constructor parameters that keep a fit under a few seconds.
grid : dict
    A small ``param_grid`` for the GridSearchCV checks (two values suffice).
expected_failed_checks : dict
    scikit-learn check name -> reason, for ``parametrize_with_checks``
    (array-input estimators only). Every entry needs a real reason.
data : callable or None
    ``data(random_state) -> (X, y, fit_params)`` replacing the default data of
    the estimator's input kind.
scoring : str or callable or None
    For GridSearchCV when the estimator has no ``score`` and no ``y``.
"""

import importlib
import pkgutil

import tests.estimator_configs as _pkg

CONFIGS = {}
for _info in pkgutil.iter_modules(_pkg.__path__):
    CONFIGS.update(importlib.import_module(f"{_pkg.__name__}.{_info.name}").CONFIGS)
