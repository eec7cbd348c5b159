"""Benchmark (c): accuracy of the sliced quantile embedding vs POT as the number of quantiles grows.

Reference: POT's ``ot.sliced_wasserstein_distance(X_s, X_t, projections=theta)``
(exact 1-D W_2 per direction, uniform weights) on every pair of 40 bags of 500
points in d=5, with sklot's 64 directions. Compared: sklot's bin-averaged
quantiles with cosine-spaced bins (default) and with uniform bins, and the
spec's alternative of reading the quantile function at the midpoints
(k + 1/2)/T (computed here from the same sorted projections).

    python benchmarks/distribution/bench_quantile_accuracy.py
"""

import time

import numpy as np
import ot
import torch

from _common import gaussian_bags
from sklot.distribution import SlicedWassersteinEmbedding


def _pair_distances(E, iu):
    E = torch.as_tensor(E, dtype=torch.float64)
    d2 = (E * E).sum(1)[:, None] + (E * E).sum(1)[None, :] - 2 * E @ E.T
    return np.sqrt(np.maximum(d2.numpy(), 0.0))[iu]


def main():
    torch.set_num_threads(2)
    n_bags, n_points = 40, 500
    X, _ = gaussian_bags(n_bags, n_points, 5, seed=1)
    bags = list(X)
    iu = np.triu_indices(n_bags, 1)
    theta = SlicedWassersteinEmbedding(random_state=0).fit(bags).directions_
    t0 = time.perf_counter()
    ref = np.array([ot.sliced_wasserstein_distance(bags[i], bags[j], projections=theta) for i, j in zip(*iu)])
    t_pot = time.perf_counter() - t0
    print(f"POT: {len(ref)} pairs in {t_pot:.1f} s; SW_2 range [{ref.min():.3f}, {ref.max():.3f}]")
    s = np.sort(np.einsum("bnd,dp->bpn", X, theta), axis=-1)
    print(
        f"{'T':>5} {'cosine max':>11} {'cosine med':>11} {'uniform max':>12} {'uniform med':>12} "
        f"{'midpoint max':>13} {'midpoint med':>13}"
    )
    for T in (4, 8, 16, 32, 64, 128, 256, 500):
        row = [f"{T:>5}"]
        for spacing in ("cosine", "uniform"):
            emb = SlicedWassersteinEmbedding(
                n_quantiles=T, quantile_spacing=spacing, random_state=0, device="cpu"
            ).fit(bags)
            np.testing.assert_array_equal(emb.directions_, theta)
            rel = np.abs(_pair_distances(emb.transform(bags), iu) - ref) / ref
            row += [f"{rel.max():>11.3%}", f"{np.median(rel):>11.3%}"]
        t = (np.arange(T) + 0.5) / T
        mid = s[..., np.clip(np.ceil(t * n_points).astype(int) - 1, 0, n_points - 1)]
        mid = mid.reshape(n_bags, -1) / np.sqrt(theta.shape[1] * T)
        rel = np.abs(_pair_distances(mid, iu) - ref) / ref
        row += [f"{rel.max():>13.3%}", f"{np.median(rel):>13.3%}"]
        print(" ".join(row), flush=True)


if __name__ == "__main__":
    main()
