"""Generators of bags of samples with known labels (distribution regression benchmarks)."""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_rotated_gaussian_bags", "make_mixture_mode_bags", "make_ecological_bags"]


def _check_positive(**kwargs):
    for name, value in kwargs.items():
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")


def make_rotated_gaussian_bags(n_bags=100, n_points=500, *, random_state=None, return_angles=False):
    r"""Bags of rotated 2-D Gaussians labelled by the entropy of their first coordinate.

    Szabó, Sriperumbudur, Póczos & Gretton (JMLR 2016), Sec. 6: with a random
    matrix :math:`A` (entries uniform on [0, 1], shared by all bags) and angles
    :math:`\alpha_l \sim U[0, \pi]`, bag ``l`` holds points
    :math:`R(\alpha_l) A z`, :math:`z \sim \mathcal N(0, I_2)`, and its label is
    the differential entropy of the first coordinate,

    .. math:: y_l = \tfrac12 \log(2\pi e\, M_{11}), \qquad M = R(\alpha_l) A A^\top R(\alpha_l)^\top.

    (The label is written from this formula, not taken from the ITE toolbox.)

    Parameters
    ----------
    n_bags, n_points : int
    random_state : int, RandomState instance or None
    return_angles : bool, default=False
        Also return the angles :math:`\alpha_l`.

    Returns
    -------
    bags : list of ndarray of shape (n_points, 2)
    y : ndarray of shape (n_bags,)
    angles : ndarray of shape (n_bags,), only when ``return_angles``

    Examples
    --------
    >>> from sklot.datasets import make_rotated_gaussian_bags
    >>> bags, y = make_rotated_gaussian_bags(n_bags=3, n_points=10, random_state=0)
    >>> len(bags), bags[0].shape, y.shape
    (3, (10, 2), (3,))
    """
    _check_positive(n_bags=n_bags, n_points=n_points)
    rng = check_random_state(random_state)
    A = rng.uniform(0.0, 1.0, size=(2, 2))
    angles = rng.uniform(0.0, np.pi, size=n_bags)
    bags, y = [], np.empty(n_bags)
    for i, a in enumerate(angles):
        R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        RA = R @ A
        bags.append(rng.standard_normal((n_points, 2)) @ RA.T)
        M11 = (RA @ RA.T)[0, 0]
        y[i] = 0.5 * np.log(2 * np.pi * np.e * M11)
    return (bags, y, angles) if return_angles else (bags, y)


def make_mixture_mode_bags(
    n_bags=256, n_points=256, *, n_features=2, max_modes=2, box=3.0, random_state=None
):
    r"""Bags drawn from Gaussian mixtures, labelled by their number of components.

    The authors' toy experiment (Bachoc et al. 2023, public code): bag ``i`` has
    :math:`C_i \sim U\{1, \dots, \texttt{max\_modes}\}` equally weighted
    components :math:`\mathcal N(c_k, I_d)` with centres uniform in
    :math:`[-\texttt{box}, \texttt{box}]^d`; its label is :math:`C_i`. The centre
    distribution is a reconstruction (close centres merge modes, which is what
    makes the task hard).

    Returns
    -------
    bags : list of ndarray of shape (n_points, n_features)
    y : ndarray of int of shape (n_bags,)

    Examples
    --------
    >>> from sklot.datasets import make_mixture_mode_bags
    >>> bags, y = make_mixture_mode_bags(n_bags=4, n_points=8, max_modes=3, random_state=0)
    >>> len(bags), bags[0].shape, bool(set(y) <= {1, 2, 3})
    (4, (8, 2), True)
    """
    _check_positive(n_bags=n_bags, n_points=n_points, n_features=n_features, max_modes=max_modes)
    rng = check_random_state(random_state)
    y = rng.randint(1, max_modes + 1, size=n_bags)
    bags = []
    for c in y:
        centres = rng.uniform(-box, box, size=(c, n_features))
        comp = rng.randint(0, c, size=n_points)
        bags.append(centres[comp] + rng.standard_normal((n_points, n_features)))
    return bags, y


def make_ecological_bags(n_bags=300, n_points=200, *, n_features=5, random_state=None):
    r"""Ecological-regression simulation of Bachoc et al. (2023), Sec. 5.4.

    Bag ``i`` draws :math:`\alpha \sim U[0.05, 0.1]`, :math:`\beta_1, \beta_2 \sim U[-0.7, 0.7]`;
    each point is :math:`x = u \mathbf 1_d + \varepsilon`, :math:`u \sim U[-\alpha, \alpha]`,
    :math:`\varepsilon \sim \mathcal N((\beta_1, \beta_2, 0, \dots, 0), 0.25 I_d)`;
    each point votes :math:`y_{ij} \sim \mathrm{Bernoulli}(\sigma(10 (x_1 - x_2)))` and
    the bag's label is the share of votes :math:`y_i = \frac1n \sum_j y_{ij}`.

    Returns
    -------
    bags : list of ndarray of shape (n_points, n_features)
    y : ndarray of shape (n_bags,)

    Examples
    --------
    >>> from sklot.datasets import make_ecological_bags
    >>> bags, y = make_ecological_bags(n_bags=3, n_points=20, random_state=0)
    >>> bags[0].shape, bool(((y >= 0) & (y <= 1)).all())
    ((20, 5), True)
    """
    _check_positive(n_bags=n_bags, n_points=n_points)
    if int(n_features) != n_features or n_features < 2:
        raise ValueError(f"n_features must be an integer >= 2; got {n_features!r}.")
    rng = check_random_state(random_state)
    bags, y = [], np.empty(n_bags)
    for i in range(n_bags):
        alpha = rng.uniform(0.05, 0.1)
        mean = np.zeros(n_features)
        mean[:2] = rng.uniform(-0.7, 0.7, size=2)
        u = rng.uniform(-alpha, alpha, size=(n_points, 1))
        x = u + mean + 0.5 * rng.standard_normal((n_points, n_features))
        p = 1.0 / (1.0 + np.exp(-10.0 * (x[:, 0] - x[:, 1])))
        y[i] = rng.binomial(1, p).mean()
        bags.append(x)
    return bags, y
