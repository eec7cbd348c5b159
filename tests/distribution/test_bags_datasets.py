import numpy as np
import pytest

from sklot.datasets import make_ecological_bags, make_mixture_mode_bags, make_rotated_gaussian_bags


def test_rotated_gaussian_label_is_entropy_of_first_coordinate():
    bags, y = make_rotated_gaussian_bags(n_bags=5, n_points=200000, random_state=0)
    for bag, label in zip(bags, y):
        var = bag[:, 0].var()
        np.testing.assert_allclose(label, 0.5 * np.log(2 * np.pi * np.e * var), atol=0.01)


def test_mixture_modes_labels_and_component_spread():
    bags, y = make_mixture_mode_bags(n_bags=50, n_points=300, max_modes=3, random_state=0)
    assert set(np.unique(y)) == {1, 2, 3}
    # one-mode bags are N(c, I): variance 1 per coordinate; more modes spread more on average
    v1 = np.mean([b.var(0).mean() for b, c in zip(bags, y) if c == 1])
    v3 = np.mean([b.var(0).mean() for b, c in zip(bags, y) if c == 3])
    assert abs(v1 - 1.0) < 0.1 and v3 > 1.5


def test_ecological_label_tracks_the_difference_of_the_first_two_means():
    bags, y = make_ecological_bags(n_bags=200, n_points=200, random_state=0)
    diff = np.array([b[:, 0].mean() - b[:, 1].mean() for b in bags])
    assert np.corrcoef(diff, y)[0, 1] > 0.9
    with pytest.raises(ValueError, match="n_features"):
        make_ecological_bags(n_features=1)
