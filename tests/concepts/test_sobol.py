import numpy as np
import pytest

from sklot.concepts import jansen_total_indices, sobol_design, total_sobol_indices


def ishigami_total_indices(a=7.0, b=0.1):
    """Closed-form total-order indices of the Ishigami function (Ishigami & Homma 1990)."""
    pi = np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return np.array([(v1 + v13) / var, v2 / var, v13 / var])


def ishigami(u, a=7.0, b=0.1):
    x = np.pi * (2 * u - 1)  # U(0, 1) -> U(-pi, pi)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_closed_form_matches_the_published_values():
    np.testing.assert_allclose(ishigami_total_indices(), [0.5576, 0.4424, 0.2437], atol=5e-5)


def test_jansen_recovers_ishigami_total_indices():
    st = total_sobol_indices(ishigami, 3, n_designs=2**14, random_state=0)
    np.testing.assert_allclose(st, ishigami_total_indices(), atol=0.02)


def test_additive_function_total_indices_are_variance_shares():
    coef = np.array([1.0, 2.0, 0.0, 3.0])
    st = total_sobol_indices(lambda u: u @ coef, 4, n_designs=2**12, random_state=1)
    np.testing.assert_allclose(st, coef**2 / np.sum(coef**2), atol=0.01)
    assert st[2] == 0.0  # an unused input changes nothing, exactly


def test_design_blocks_are_a_b_and_radial_c():
    N, r = 16, 4
    D = sobol_design(r, N, random_state=3)
    A, B = D[:N], D[N : 2 * N]
    assert D.shape == (N * (r + 2), r)
    assert ((D >= 0) & (D <= 1)).all()
    for i in range(r):
        C = D[(2 + i) * N : (3 + i) * N]
        np.testing.assert_array_equal(C[:, i], B[:, i])
        np.testing.assert_array_equal(np.delete(C, i, axis=1), np.delete(A, i, axis=1))
    np.testing.assert_array_equal(D, sobol_design(r, N, random_state=3))
    assert not np.array_equal(D, sobol_design(r, N, random_state=4))


def test_batched_estimator_equals_per_row_and_flags_constant_output():
    rng = np.random.default_rng(0)
    N, r = 8, 3
    out = rng.normal(size=(5, N * (r + 2)))
    out[2] = 1.0  # constant: variance zero
    st = jansen_total_indices(out, N)
    assert st.shape == (5, r)
    for row in (0, 1, 3, 4):
        np.testing.assert_allclose(st[row], jansen_total_indices(out[row], N))
    assert np.isnan(st[2]).all()


def test_wrong_output_length_is_rejected():
    with pytest.raises(ValueError, match="n_designs"):
        jansen_total_indices(np.zeros(17), 8)
    with pytest.raises(ValueError, match="n_designs must be >= 2"):
        sobol_design(3, 1)
