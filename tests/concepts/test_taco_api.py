"""TacoTransformer's API: metadata routing, user scorers, errors, output containers, CUDA."""

import pickle

import numpy as np
import pytest
import sklearn
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline

from sklot.concepts import TacoTransformer
from sklot.concepts._decomposition import fit_concept_basis
from sklot.concepts._importance import concept_total_indices
from sklot.concepts._scorers import concept_margin_function, train_mlp_scorer
from sklot.concepts._sobol import sobol_design

FAST = dict(n_components=4, n_remove=1, decomposition="pca", n_sobol_designs=8, max_samples=200,
            max_epochs=10, device="cpu")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(300, 4)) * np.array([3.0, 2.0, 1.5, 1.0])
    X = np.c_[Z, 0.1 * rng.normal(size=(300, 4))]
    s = (Z[:, 0] > 0).astype(int)
    y = (Z[:, 1] > 0).astype(int)
    return X, y, s


def test_pipeline_routes_sensitive_as_metadata(data):
    X, y, s = data
    ref = TacoTransformer(**FAST, random_state=0).fit(X, y, sensitive=s)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([("taco", TacoTransformer(**FAST, random_state=0)), ("clf", LogisticRegression())])
        pipe.fit(X, y, sensitive=s)
    np.testing.assert_array_equal(pipe[0].transform(X), ref.transform(X))
    # without routing: the step-prefixed parameter
    pipe2 = Pipeline([("taco", TacoTransformer(**FAST, random_state=0)), ("clf", LogisticRegression())])
    pipe2.fit(X, y, taco__sensitive=s)
    np.testing.assert_array_equal(pipe2[0].transform(X), ref.transform(X))


def test_grid_search_slices_sensitive_with_routing(data):
    X, y, s = data
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([("taco", TacoTransformer(**FAST, random_state=0)), ("clf", LogisticRegression())])
        search = GridSearchCV(pipe, {"taco__n_remove": [0, 1]}, cv=2, error_score="raise").fit(X, y, sensitive=s)
    assert search.best_params_["taco__n_remove"] in (0, 1)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_missing_sensitive_is_a_clear_error(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="needs the protected attribute"):
        TacoTransformer(**FAST).fit(X, y)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([("taco", TacoTransformer(**FAST)), ("clf", LogisticRegression())])
        with pytest.raises(ValueError, match="needs the protected attribute"):
            pipe.fit(X, y)


def test_missing_sensitive_message_names_the_make_pipeline_step(data):
    from sklearn.pipeline import make_pipeline

    X, y, s = data
    pipe = make_pipeline(TacoTransformer(**FAST, random_state=0), LogisticRegression())
    with pytest.raises(ValueError, match="needs the protected attribute") as info:
        pipe.fit(X, y)
    step = pipe.steps[0][0]
    assert f"{step}__sensitive=s" in str(info.value) and "<step name>__sensitive" in str(info.value)
    # the parameter the message names is the one that works
    pipe.fit(X, y, **{f"{step}__sensitive": s})
    assert pipe[0].removed_concepts_.tolist() == [0]


def test_dataframe_input_gives_no_warning(data):
    pd = pytest.importorskip("pandas")
    import warnings

    X, y, s = data
    df = pd.DataFrame(X, columns=[f"e{i}" for i in range(X.shape[1])])
    with warnings.catch_warnings():
        # torch's "non-writable array" and scikit-learn's feature-name warnings are UserWarnings
        # (a third-party DeprecationWarning at import time is not ours)
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("error", RuntimeWarning)
        taco = TacoTransformer(**FAST, random_state=0).fit(df, pd.Series(y), sensitive=pd.Series(s))
        out = taco.transform(df)
    ref = TacoTransformer(**FAST, random_state=0).fit(X, y, sensitive=s)
    np.testing.assert_allclose(out, ref.transform(X), rtol=0, atol=1e-12)  # column order of sums only


@pytest.mark.parametrize(
    "make_bad, match",
    [
        (lambda X, y, s: dict(X=X, y=y, sensitive=np.zeros_like(s)), "only one class"),
        (lambda X, y, s: dict(X=X, y=y, sensitive=np.where(s == 1, np.nan, 0.0)), "sensitive contains NaN"),
        (lambda X, y, s: dict(X=X, y=y, sensitive=s[:-1]), "sensitive has 299 entries"),
        (lambda X, y, s: dict(X=X, y=y, sensitive=np.where(s == 1, "f", None)), "sensitive contains missing"),
        (lambda X, y, s: dict(X=X, y=y, sensitive=np.linspace(0, 1, len(s))), "class labels"),
        (lambda X, y, s: dict(X=np.where(X > 2, np.nan, X), y=y, sensitive=s), "NaN"),
        (lambda X, y, s: dict(X=X, y=np.zeros_like(y), sensitive=s), "y has only one class"),
    ],
)
def test_bad_input_errors(data, make_bad, match):
    X, y, s = data
    with pytest.raises(ValueError, match=match):
        TacoTransformer(**FAST).fit(**make_bad(X, y, s))


def test_bad_parameters_errors(data):
    X, y, s = data
    with pytest.raises(ValueError, match="n_remove=4 must be smaller than n_components=4"):
        TacoTransformer(**{**FAST, "n_remove": 4}).fit(X, y, sensitive=s)
    with pytest.raises(ValueError, match="n_components=9 is too large"):
        TacoTransformer(**{**FAST, "n_components": 9}).fit(X, y, sensitive=s)
    with pytest.raises(ValueError, match="non-negative"):
        TacoTransformer(**{**FAST, "decomposition": "nmf"}).fit(X, y, sensitive=s)
    with pytest.raises(ValueError, match="do not pass `sensitive` too"):
        TacoTransformer(**FAST, y_role="sensitive").fit(X, s, sensitive=s)
    with pytest.raises(ValueError, match="must be a fitted classifier"):
        TacoTransformer(**FAST, sensitive_estimator=LogisticRegression()).fit(X, y, sensitive=s)


def test_transform_rejects_wrong_width_and_nan(data):
    X, y, s = data
    taco = TacoTransformer(**FAST, random_state=0).fit(X, y, sensitive=s)
    with pytest.raises(ValueError, match="features"):
        taco.transform(X[:, :5])
    with pytest.raises(ValueError, match="NaN"):
        taco.transform(np.where(X > 2, np.nan, X))


def test_y_role_sensitive_equals_sensitive_without_task(data):
    X, _, s = data
    a = TacoTransformer(**FAST, random_state=0).fit(X, sensitive=s)
    b = TacoTransformer(**FAST, y_role="sensitive", random_state=0).fit(X, s)
    np.testing.assert_array_equal(a.importance_sensitive_, b.importance_sensitive_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert a.removed_concepts_.tolist() == [0]


def test_user_scorers_fitted_classifier_and_callables(data):
    X, y, s = data
    clf_s = MLPClassifier((32,), max_iter=500, random_state=0).fit(X, s)
    clf_y = LogisticRegression().fit(X, y)  # decision_function path not used: it has predict_proba
    taco = TacoTransformer(**FAST, sensitive_estimator=clf_s, task_estimator=clf_y, random_state=0)
    taco.fit(X, y, sensitive=s)
    assert taco.sensitive_scorer_ is clf_s
    assert taco.removed_concepts_.tolist() == [0]
    # A callable returning binary decision values, and a torch module returning logits, that
    # read the direction of PCA concept 0 only: every other concept has a total index of 0.
    from sklearn.decomposition import PCA

    w = PCA(4, svd_solver="full").fit(X).components_[0]
    module = torch.nn.Linear(X.shape[1], 2)
    with torch.no_grad():
        module.weight.zero_()
        module.weight[1] = torch.as_tensor(w, dtype=torch.float32)
        module.bias.zero_()
    for scorer in (lambda A: A @ w, module):
        t = TacoTransformer(**{**FAST, "n_sobol_designs": 64}, sensitive_estimator=scorer, random_state=0)
        st = t.fit(X, sensitive=s).importance_sensitive_
        assert st[0] > 0.5 and np.abs(st[1:]).max() < 1e-4
        assert t.removed_concepts_.tolist() == [0]


def test_factorised_mlp_path_equals_generic_path():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 10))
    s = (X[:, 0] * X[:, 1] > 0).astype(int)
    dev = torch.device("cpu")
    scorer = train_mlp_scorer(X, s, 2, device=dev, seed=0, max_epochs=5)
    basis = fit_concept_basis(X, 5, "pca", random_state=0)
    U = basis.coefficients(X)
    R = X - U @ basis.components
    design = sobol_design(5, 16, random_state=0)
    fast = concept_total_indices(concept_margin_function(scorer, basis.components, dev), U, R, design, 16, device=dev)
    generic = concept_total_indices(
        concept_margin_function(lambda A: scorer(torch.as_tensor(A, dtype=torch.float32)).numpy(), basis.components, dev),
        U, R, design, 16, device=dev,
    )
    np.testing.assert_allclose(fast, generic, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("method", ["svd", "ica", "nmf"])
def test_other_decompositions_reconstruct_with_all_concepts(method):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 3)) @ rng.uniform(size=(3, 8))  # rank 3, non-negative
    s = (X[:, 0] > np.median(X[:, 0])).astype(int)
    taco = TacoTransformer(**{**FAST, "n_components": 3, "n_remove": 0, "decomposition": method}, random_state=0)
    out = taco.fit(X, sensitive=s).transform(X)
    # rank-3 data: keeping every concept reconstructs it
    np.testing.assert_allclose(out, X, atol=0.05 * np.abs(X).max())
    assert taco.components_.shape == (3, 8)


def test_set_output_pandas_keeps_column_names(data):
    pd = pytest.importorskip("pandas")
    X, y, s = data
    df = pd.DataFrame(X, columns=[f"e{i}" for i in range(X.shape[1])])
    taco = TacoTransformer(**FAST, random_state=0).set_output(transform="pandas")
    out = taco.fit(df, y, sensitive=s).transform(df)
    assert list(out.columns) == list(df.columns)
    assert list(taco.get_feature_names_out()) == list(df.columns)


def test_pickle_round_trip(data):
    X, y, s = data
    taco = TacoTransformer(**FAST, random_state=0).fit(X, y, sensitive=s)
    again = pickle.loads(pickle.dumps(taco))
    np.testing.assert_array_equal(again.transform(X), taco.transform(X))


@pytest.mark.cuda
def test_cuda_fit_matches_cpu_and_unpickles_on_cpu(data, monkeypatch):
    X, y, s = data
    params = {**FAST, "device": "cuda"}
    gpu = TacoTransformer(**params, random_state=0).fit(X, y, sensitive=s)
    assert next(gpu.sensitive_scorer_.parameters()).device.type == "cuda"
    cpu = TacoTransformer(**FAST, random_state=0).fit(X, y, sensitive=s)
    assert gpu.removed_concepts_.tolist() == cpu.removed_concepts_.tolist()
    blob = pickle.dumps(gpu)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    back = pickle.loads(blob)
    assert next(back.sensitive_scorer_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(back.transform(X), gpu.transform(X))


def test_remove_concepts_follows_the_ranking(data):
    X, y, s = data
    taco = TacoTransformer(**FAST, random_state=0).fit(X, y, sensitive=s)
    np.testing.assert_array_equal(taco.remove_concepts(X, taco.n_remove_), taco.transform(X))
    W = taco.components_
    for k in range(4):
        coeffs = (taco.remove_concepts(X, k) - X.mean(0)) @ W.T
        np.testing.assert_allclose(coeffs[:, taco.concept_ranking_[:k]], 0.0, atol=1e-8)
    with pytest.raises(ValueError, match="n_remove must be an int"):
        taco.remove_concepts(X, 4)


def test_default_number_of_concepts_is_min_50_n_samples_n_features(data):
    X, y, s = data  # 300 x 8
    params = {k: v for k, v in FAST.items() if k not in ("n_components", "decomposition")}
    assert TacoTransformer().n_components is None and TacoTransformer().decomposition == "ica"
    assert TacoTransformer().n_remove == "auto"
    taco = TacoTransformer(**params, random_state=0).fit(X, y, sensitive=s)
    assert taco.n_components_ == 8 and taco.components_.shape == (8, 8)
    svd = TacoTransformer(**params, decomposition="svd", random_state=0).fit(X, y, sensitive=s)
    assert svd.n_components_ == 7
    with pytest.raises(ValueError, match=r"n_remove must be an int in \[0, 7\]"):
        taco.remove_concepts(X, 8)
