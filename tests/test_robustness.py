"""Bad-input and scale cases x every public estimator (issue 18, "Done when").

Each test id is one cell ``test_cell[<Estimator>-<case>]``: the case is played by
``tests/_robustness_cases.py`` (where every case, its accepted outcomes and the meaning of
"correct" per estimator kind are defined) and the cell passes when the outcome is
"correct", "clear error" (an allowed exception type whose message names the problem) or,
for the degenerate-data cases, "warned". ``benchmarks/robustness/table.py`` prints the
same cells as a table (docs/robustness.md).

KNOWN_FAILURES lists the cells that fail on main before the reliability fixes of issue
18 (measured 2026-12-01 at commit 7cde188). They are strict xfails: when a fix makes a
cell pass, the XPASS fails the run and the entry must be deleted here.
"""

import numpy as np
import pytest

from tests import _robustness_cases as rc

_ITEM3 = "issue 18 item 3"
_ITEM7_F32 = "issue 18 item 7: values finite in float64 overflow float32"
_NOT_LISTED = "issue 18 (not an item; scale-robust numerics)"

# (estimator, case) -> what happens now. Delete an entry when its fix is merged.
KNOWN_FAILURES = {
    # --- ConjugateMomentSampler
    ("ConjugateMomentSampler", "const_feature"): "issue 18 item 4: samples spread ~0.7 along a constant "
    "feature, no warning",
    ("ConjugateMomentSampler", "identical_rows"): "issue 18 item 4: a single repeated point is sampled "
    "with spread ~1, no warning",
    ("ConjugateMomentSampler", "scale_1e-20"): "issue 18 item 4: std below 1e-12 not standardised: "
    "non-finite latent",
    ("ConjugateMomentSampler", "scale_1e-12"): "issue 18 item 4: std below 1e-12 not standardised: "
    "latent geometry off by 44 %",
    ("ConjugateMomentSampler", "sample_bool"): "issue 18 item 4: sample(True) accepted",
    # --- KernelDistributionClassifier
    ("KernelDistributionClassifier", "complex"): f"{_ITEM3}: complex bags accepted, imaginary part dropped",
    ("KernelDistributionClassifier", "sparse"): f"{_ITEM3}: scipy-sparse bags: 'could not be converted ... "
    "setting an array element with a sequence'",
    ("KernelDistributionClassifier", "scale_1e-20"): f"{_ITEM3}: predictions change at bag points * 1e-20 "
    "(agreement 0.60)",
    ("KernelDistributionClassifier", "scale_1e+20"): f"{_ITEM3}: predictions change at bag points * 1e20 "
    "(agreement 0.60)",
    ("KernelDistributionClassifier", "scale_1e+39"): f"{_ITEM7_F32}: torch internal assert in "
    "linalg.lstsq (RuntimeError)",
    ("KernelDistributionClassifier", "offset_1e+8"): f"{_ITEM3}: predictions change at bag points + 1e8 "
    "(agreement 0.60)",
    ("KernelDistributionClassifier", "param_n_jobs=0"): "issue 18 item 7: n_jobs=0 accepted at fit",
    # --- KernelDistributionRegressor
    ("KernelDistributionRegressor", "complex"): f"{_ITEM3}: complex bags accepted, imaginary part dropped",
    ("KernelDistributionRegressor", "sparse"): f"{_ITEM3}: scipy-sparse bags: 'could not be converted ... "
    "setting an array element with a sequence'",
    ("KernelDistributionRegressor", "scale_1e-20"): f"{_ITEM3}: held-out R^2 0.98 -> -0.03 at bag points "
    "* 1e-20",
    ("KernelDistributionRegressor", "scale_1e+20"): f"{_ITEM3}: all-NaN predictions at bag points * 1e20",
    ("KernelDistributionRegressor", "scale_1e+39"): f"{_ITEM7_F32}: torch internal assert in "
    "linalg.lstsq (RuntimeError)",
    ("KernelDistributionRegressor", "offset_1e+8"): f"{_ITEM3}: held-out R^2 0.98 -> -0.03 at bag points "
    "+ 1e8",
    ("KernelDistributionRegressor", "param_n_jobs=0"): "issue 18 item 7: n_jobs=0 accepted at fit",
    # --- LipschitzClassifier (X * c is compared with lipschitz_constant / c: the same function)
    ("LipschitzClassifier", "scale_1e-3"): f"{_NOT_LISTED}: X * 1e-3 with lipschitz_constant * 1e3: 7.5 % "
    "of predictions change (the constant scales the output; biases and lr stay in absolute units)",
    ("LipschitzClassifier", "scale_1e-20"): f"{_NOT_LISTED}: X * 1e-20 with lipschitz_constant * 1e20 "
    "predicts one class (agreement 0.50)",
    ("LipschitzClassifier", "scale_1e-12"): f"{_NOT_LISTED}: X * 1e-12 with lipschitz_constant * 1e12 "
    "predicts one class (agreement 0.50)",
    ("LipschitzClassifier", "scale_1e+39"): f"{_ITEM7_F32}: surfaces as a linalg.svd LinAlgError",
    ("LipschitzClassifier", "offset_1e+8"): f"{_NOT_LISTED}: X + 1e8 predicts one class (agreement 0.50)",
    ("LipschitzClassifier", "certified_eps_nan"): "issue 18 item 7: score_certified(eps=nan) returns 0.0",
    ("LipschitzClassifier", "param_hidden_layer_sizes=(8.5,)"): "issue 18 item 7: hidden_layer_sizes=(8.5,) "
    "truncated to 8",
    # --- LipschitzRegressor
    ("LipschitzRegressor", "scale_1e-3"): f"{_NOT_LISTED}: X * 1e-3 with lipschitz_constant * 1e3: held-out "
    "R^2 0.94 -> -334",
    ("LipschitzRegressor", "scale_1e-20"): f"{_NOT_LISTED}: X * 1e-20 with lipschitz_constant * 1e20: "
    "linalg.svd LinAlgError",
    ("LipschitzRegressor", "scale_1e-12"): f"{_NOT_LISTED}: X * 1e-12 with lipschitz_constant * 1e12: "
    "held-out R^2 -2e22",
    ("LipschitzRegressor", "scale_1e+39"): f"{_ITEM7_F32}: surfaces as a linalg.svd LinAlgError",
    ("LipschitzRegressor", "offset_1e+8"): f"{_NOT_LISTED}: X + 1e8: held-out R^2 -7e13",
    ("LipschitzRegressor", "y_offset_1e+3"): "issue 18 item 2: y + 1e3: held-out R^2 0.94 -> -1e6",
    ("LipschitzRegressor", "y_scale_1e+3"): "issue 18 item 2: y * 1e3: held-out R^2 0.94 -> -0.004",
    ("LipschitzRegressor", "param_hidden_layer_sizes=(8.5,)"): "issue 18 item 7: hidden_layer_sizes=(8.5,) "
    "truncated to 8",
    # --- LoukasGraphEmbedder
    ("LoukasGraphEmbedder", "complex"): f"{_NOT_LISTED}: complex node features accepted, imaginary part "
    "dropped",
    ("LoukasGraphEmbedder", "scale_1e+39"): f"{_ITEM7_F32}: 'node features x contain NaN or infinite "
    "values' for finite features",
    ("LoukasGraphEmbedder", "param_n_jobs=0"): "issue 18 item 7: n_jobs=0 accepted at fit (fails only at "
    "transform)",
    # --- MeanEmbedding
    ("MeanEmbedding", "complex"): f"{_ITEM3}: complex bags accepted, imaginary part dropped",
    ("MeanEmbedding", "sparse"): f"{_ITEM3}: scipy-sparse bags: unclear 'could not be converted' error",
    ("MeanEmbedding", "scale_1e+39"): f"{_ITEM7_F32}: non-finite embedding",
    ("MeanEmbedding", "offset_1e+8"): f"{_ITEM3}: embedding geometry lost at bag points + 1e8 (float32 "
    "phases)",
    # --- SinkhornPotentialEmbedding
    ("SinkhornPotentialEmbedding", "complex"): f"{_ITEM3}: complex bags accepted, imaginary part dropped",
    ("SinkhornPotentialEmbedding", "sparse"): f"{_ITEM3}: scipy-sparse bags: unclear 'could not be "
    "converted' error",
    ("SinkhornPotentialEmbedding", "offset_1e+8"): f"{_ITEM3}: potentials off by 13 % at bag points + 1e8 "
    "(cancellation in the squared cost)",
    ("SinkhornPotentialEmbedding", "param_n_jobs=0"): "issue 18 item 7: n_jobs=0 accepted at fit",
    # --- SlicedWassersteinEmbedding
    ("SlicedWassersteinEmbedding", "complex"): f"{_ITEM3}: complex bags accepted, imaginary part dropped",
    ("SlicedWassersteinEmbedding", "sparse"): f"{_ITEM3}: scipy-sparse bags: unclear 'could not be "
    "converted' error",
    ("SlicedWassersteinEmbedding", "scale_1e+39"): f"{_ITEM7_F32}: non-finite embedding",
    ("SlicedWassersteinEmbedding", "offset_1e+8"): f"{_ITEM3}: embedding geometry off by 65 % at bag "
    "points + 1e8 (float32 projections)",
    # --- TacoTransformer
    ("TacoTransformer", "scale_1e-3"): "issue 18 item 5: X * 1e-3 removes another concept",
    ("TacoTransformer", "scale_1e-20"): "issue 18 item 5: X * 1e-20 removes another concept",
    ("TacoTransformer", "scale_1e-12"): "issue 18 item 5: X * 1e-12 removes another concept",
    ("TacoTransformer", "scale_1e+39"): "issue 18 item 5: X * 1e39 removes another concept",
}

PASSING = ("correct", "clear error", "warned")


def _params():
    out = []
    for est, case in rc.cells():
        marks = []
        if (est, case) in KNOWN_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_FAILURES[est, case]))
        out.append(pytest.param(est, case, id=f"{est}-{case}", marks=marks))
    return out


@pytest.mark.parametrize("estimator, case", _params())
def test_cell(estimator, case):
    outcome = rc.run_cell(estimator, case)
    assert outcome.status in PASSING, f"{estimator} / {case}: {outcome.detail}"


def test_known_failures_name_existing_cells():
    stale = set(KNOWN_FAILURES) - set(rc.cells())
    assert not stale, f"KNOWN_FAILURES names cells that do not exist: {sorted(stale)}"


def test_every_public_estimator_has_cells():
    names = {est for est, _ in rc.cells()}
    assert names == {c.__name__ for c in rc.ESTIMATORS}
    for name in names:
        assert sum(e == name for e, _ in rc.cells()) >= 25, name


# --- the harness itself can fail: each check rejects a wrong answer ---------------------------


def test_distance_check_accepts_equivariance_and_rejects_another_answer():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20, 5))
    assert rc.distance_mismatch(A, 1e30 * A + 7.0) < 1e-12  # scaled and shifted: same geometry
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    assert rc.distance_mismatch(A, A @ Q) < 1e-12  # rotated: same geometry
    B = A.copy()
    B[:, 0] = rng.normal(size=20)  # another first coordinate (another concept kept)
    assert rc.distance_mismatch(A, B) > rc.DISTANCE_TOL
    assert rc.distance_mismatch(A, np.zeros_like(A)) == np.inf  # collapsed output


class _Fake:
    """A stand-in estimator class for run_cell's classification of outcomes."""


@pytest.mark.parametrize(
    "exc, expected",
    [
        (ValueError("X contains NaN."), "clear error"),
        (ValueError("something went wrong"), "FAIL"),  # the message does not name the problem
        (RuntimeError("X contains NaN."), "FAIL"),  # not an allowed type
        (AssertionError("nan"), "FAIL"),
        (np.linalg.LinAlgError("nan"), "FAIL"),
        (IndexError("nan"), "FAIL"),
    ],
)
def test_run_cell_classifies_exceptions(exc, expected):
    def action():
        raise exc

    case = rc.Case("probe", lambda cls: (action, rc._no_answer), rc._NAN, error_only=True)
    assert rc.run_cell(_Fake, case).status == expected


def test_run_cell_flags_an_accepted_bad_input_and_a_wrong_answer():
    accepted = rc.Case("probe", lambda cls: ((lambda: 0), rc._no_answer), rc._NAN, error_only=True)
    assert rc.run_cell(_Fake, accepted).status == "FAIL"

    def wrong(result):
        raise rc.CheckFailed("off")

    case = rc.Case("probe", lambda cls: ((lambda: 0), wrong), rc._NAN, warn_pattern="constant")
    assert rc.run_cell(_Fake, case).status == "FAIL"

    def warns():
        import warnings

        warnings.warn("feature 3 is constant")

    case = rc.Case("probe", lambda cls: (warns, wrong), rc._NAN, warn_pattern="constant")
    assert rc.run_cell(_Fake, case).status == "warned"
