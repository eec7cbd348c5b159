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
    # --- KernelDistributionClassifier
    # --- KernelDistributionRegressor
    # --- LipschitzClassifier (X * c is compared with lipschitz_constant / c: the same function)
    ("LipschitzClassifier", "scale_1e-20"): f"{_NOT_LISTED}: X * 1e-20 with lipschitz_constant * 1e20 "
    "predicts one class (agreement 0.50)",
    ("LipschitzClassifier", "scale_1e-12"): f"{_NOT_LISTED}: X * 1e-12 with lipschitz_constant * 1e12 "
    "predicts one class (agreement 0.50)",
    # --- LipschitzRegressor
    ("LipschitzRegressor", "scale_1e-3"): f"{_NOT_LISTED}: X * 1e-3 with lipschitz_constant * 1e3: held-out "
    "R^2 0.94 -> -334",
    ("LipschitzRegressor", "scale_1e-12"): f"{_NOT_LISTED}: X * 1e-12 with lipschitz_constant * 1e12: "
    "held-out R^2 -2e22",
    # --- LoukasGraphEmbedder
    # --- MeanEmbedding
    # --- SinkhornPotentialEmbedding
    # --- SlicedWassersteinEmbedding
    # --- TacoTransformer
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
