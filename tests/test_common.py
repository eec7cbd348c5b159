"""The estimator contract, applied to every public sklot estimator.

* 2-D array estimators go through scikit-learn's ``parametrize_with_checks``
  (expected failures are listed with reasons in ``_estimator_configs.py``);
* every estimator, including those whose input is bags, graphs, images with labels
  (``_input_kind = "images"``) or images paired with GBC graphs
  (``_input_kind = "image_graphs"``: ``fit(images, graphs)``), goes through
  sklot's in-house contract suite below: clone, get/set_params, fit returns
  self, NotFittedError before fit, pickle round trip, random_state
  reproducibility, Pipeline, GridSearchCV (also with ``n_jobs=2``).

New estimators are picked up automatically from ``sklot.__all__``.
"""

import inspect
import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklot
from tests._estimator_configs import CONFIGS

OUTPUT_METHODS = ("predict", "predict_proba", "decision_function", "transform", "score_samples")


def public_estimators():
    out = []
    for name in sklot.__all__:
        obj = getattr(sklot, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            out.append(obj)
    return out


ESTIMATORS = public_estimators()


def make_instance(cls, **extra):
    params = dict(CONFIGS.get(cls.__name__, {}).get("params", {}))
    params.update(extra)
    if "random_state" in cls().get_params():
        params.setdefault("random_state", 0)
    if "device" in cls().get_params():
        params.setdefault("device", "cpu")
    return cls(**params)


def input_kind(cls):
    return getattr(cls, "_input_kind", "array")


# --- default data per input kind ----------------------------------------------------


def _array_data(est, seed):
    if is_classifier(est):
        X, y = make_classification(n_samples=80, n_features=6, n_informative=3, random_state=seed)
    else:
        X, y = make_regression(n_samples=80, n_features=6, noise=0.1, random_state=seed)
        if not is_regressor(est):
            y = None
    return X.astype(np.float64), y, {}


def _bag_data(est, seed):
    rng = np.random.default_rng(seed)
    bags, means = [], []
    for _ in range(40):
        m = rng.uniform(-2, 2)
        bags.append(rng.normal(m, 1.0, size=(int(rng.integers(15, 30)), 2)))
        means.append(m)
    means = np.asarray(means)
    y = (means > 0).astype(int) if is_classifier(est) else means
    return bags, y, {}


def _image_data(est, seed):
    # 40 one-channel 8x8 images of two classes (a bright square top-left or bottom-right)
    rng = np.random.default_rng(seed)
    y = np.arange(40) % 2
    X = rng.normal(0.0, 0.3, size=(40, 1, 8, 8))
    for i, c in enumerate(y):
        r = 4 * c
        X[i, 0, r : r + 4, r : r + 4] += 2.0
    return X, y, {}


def _graph_data(est, seed):
    import networkx as nx

    rng = np.random.default_rng(seed)
    graphs, y = [], []
    for i in range(30):
        n = int(rng.integers(8, 14))
        if i % 2:
            g = nx.cycle_graph(n)
        else:
            g = nx.star_graph(n - 1)
        graphs.append(g)
        y.append(i % 2)
    return graphs, np.asarray(y), {}


def _image_graph_data(est, seed):
    # images with their GBC graphs, fit(images, graphs): the graphs stand where y stands, so
    # Pipeline and GridSearchCV split both row by row
    from sklot.datasets import make_shape_scenes

    images, graphs = make_shape_scenes(24, image_size=16, max_objects=3, random_state=seed)
    return images, graphs, {}


_DATA = {
    "array": _array_data,
    "bags": _bag_data,
    "graphs": _graph_data,
    "images": _image_data,
    "image_graphs": _image_graph_data,
}


def get_data(est, seed=0):
    cfg = CONFIGS.get(type(est).__name__, {})
    if cfg.get("data") is not None:
        return cfg["data"](seed)
    return _DATA[input_kind(type(est))](est, seed)


def outputs(est, X):
    res = {}
    for m in OUTPUT_METHODS:
        if hasattr(est, m):
            res[m] = np.asarray(getattr(est, m)(X))
    assert res, f"{type(est).__name__} has none of {OUTPUT_METHODS}"
    return res


def assert_same_outputs(a, b, exact=True):
    assert a.keys() == b.keys()
    for k in a:
        if exact:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        else:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-6, atol=1e-8, err_msg=k)


# --- scikit-learn's own checks for 2-D array estimators -------------------------------

ARRAY_INSTANCES = [make_instance(c) for c in ESTIMATORS if input_kind(c) == "array"]


def _expected_failed(est):
    return CONFIGS.get(type(est).__name__, {}).get("expected_failed_checks", {})


if ARRAY_INSTANCES:

    @parametrize_with_checks(ARRAY_INSTANCES, expected_failed_checks=_expected_failed)
    def test_sklearn_compatible_estimator(estimator, check):
        check(estimator)


# --- sklot's contract suite: every estimator ---------------------------------------------

ids = [c.__name__ for c in ESTIMATORS]


def test_harness_sees_every_public_estimator():
    names = {c.__name__ for c in ESTIMATORS}
    for name, mod in sklot._PUBLIC.items():
        if sklot._available(mod):
            assert name in names, f"{name} is public but not a BaseEstimator"


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_init_stores_params_only(cls):
    est = make_instance(cls)
    params = est.get_params(deep=False)
    for key, value in params.items():
        assert getattr(est, key) is value
    assert not [a for a in vars(est) if a.endswith("_") and not a.startswith("_")], "fitted attribute set in __init__"
    sig = inspect.signature(cls.__init__)
    for p in list(sig.parameters.values())[1:]:
        assert p.kind == p.KEYWORD_ONLY, f"{cls.__name__}.__init__ parameter {p.name!r} must be keyword-only"


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_clone_and_set_params_round_trip(cls):
    est = make_instance(cls)
    est2 = clone(est)
    assert est2 is not est
    assert est2.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    for k, v in est.get_params(deep=False).items():
        v2 = est2.get_params(deep=False)[k]
        assert v2 is v or v2 == v or repr(v2) == repr(v), k
    est2.set_params(**est.get_params(deep=False))


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_not_fitted_error_before_fit(cls):
    est = make_instance(cls)
    X, y, _ = get_data(est)
    checked = 0
    for m in OUTPUT_METHODS + ("inverse_transform", "sample", "score"):
        if not hasattr(est, m):
            continue
        args = (X,) if m != "sample" else (5,)
        if m == "score":
            args = (X, y)
        with pytest.raises(NotFittedError):
            getattr(est, m)(*args)
        checked += 1
    assert checked


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_fit_returns_self_pickle_and_reproducible(cls):
    est = make_instance(cls)
    X, y, fit_params = get_data(est)
    assert est.fit(X, y, **fit_params) is est
    out = outputs(est, X)
    # pickle round trip: identical outputs
    est_p = pickle.loads(pickle.dumps(est))
    assert_same_outputs(out, outputs(est_p, X))
    # same random_state, same results
    est_b = make_instance(cls).fit(X, y, **fit_params)
    assert_same_outputs(out, outputs(est_b, X))


@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_works_in_pipeline(cls):
    est = make_instance(cls)
    X, y, fit_params = get_data(est)
    ref = clone(est).fit(X, y, **fit_params)
    pipe = Pipeline([("est", clone(est))])
    pipe.fit(X, y, **{f"est__{k}": v for k, v in fit_params.items()})
    for m in ("predict", "transform", "predict_proba"):
        if hasattr(ref, m):
            np.testing.assert_allclose(np.asarray(getattr(pipe, m)(X)), np.asarray(getattr(ref, m)(X)))


def _searchable(cls):
    est = make_instance(cls)
    cfg = CONFIGS.get(cls.__name__, {})
    grid = cfg.get("grid")
    assert grid, f"tests/_estimator_configs.py needs a 'grid' for {cls.__name__}"
    X, y, fit_params = get_data(est)
    scoring = cfg.get("scoring")
    if hasattr(est, "score") or scoring is not None:
        return est, grid, X, y, fit_params, scoring
    assert y is not None, f"{cls.__name__} has no score: give a 'scoring' in tests/_estimator_configs.py"
    tail = LogisticRegression(max_iter=500) if len(np.unique(y)) < 5 else Ridge()
    pipe = Pipeline([("est", est), ("head", tail)])
    grid = {f"est__{k}": v for k, v in grid.items()}
    fit_params = {f"est__{k}": v for k, v in fit_params.items()}
    return pipe, grid, X, y, fit_params, None


@pytest.mark.parametrize("n_jobs", [None, 2])
@pytest.mark.parametrize("cls", ESTIMATORS, ids=ids)
def test_grid_search(cls, n_jobs):
    est, grid, X, y, fit_params, scoring = _searchable(cls)
    search = GridSearchCV(est, grid, cv=2, n_jobs=n_jobs, scoring=scoring, error_score="raise")
    search.fit(X, y, **fit_params)
    key, values = next(iter(grid.items()))
    assert search.best_params_[key] in values
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
