"""Neighbour search for SPELL: which references lie strictly within ``radius`` of each query.

Backends: ``"brute"`` (torch distances on the queries' device, in chunks; exact), ``"kd_tree"`` /
``"ball_tree"`` (scikit-learn's exact trees, for low dimensions and large shields) and ``"faiss"``
(an inverted-file index of faiss-cpu: approximate, for shields of 10^5-10^6 references; only the
``n_neighbors`` nearest candidates of the probed cells are tested against the radius).
"""

import math

import numpy as np
import torch

__all__ = ["ShieldIndex", "resolve_algorithm"]

_ALGORITHMS = ("auto", "brute", "kd_tree", "ball_tree", "faiss")
_BRUTE_MAX = 20_000  # references up to which "auto" computes every distance
_FAISS_MIN = 100_000  # references from which "auto" uses the approximate index (when installed)


def _has_faiss():
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_algorithm(algorithm, n_references, n_features):
    """The backend ``"auto"`` stands for, given the shield's size."""
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"algorithm must be one of {_ALGORITHMS}; got {algorithm!r}.")
    if algorithm == "faiss" and not _has_faiss():
        raise ValueError("algorithm='faiss' needs the faiss-cpu package: pip install faiss-cpu.")
    if algorithm != "auto":
        return algorithm
    if n_references <= _BRUTE_MAX:
        return "brute"
    if n_features <= 15:
        return "kd_tree"
    if n_references >= _FAISS_MIN and _has_faiss():
        return "faiss"
    return "ball_tree"


class ShieldIndex:
    """Index of the references ``Z`` answering "which ``z_k`` satisfy ``|x - z_k| < r``".

    Parameters
    ----------
    Z : ndarray of shape (n_references, n_features), float64
    algorithm : {"brute", "kd_tree", "ball_tree", "faiss"}
    n_neighbors : int
        Candidates per query of the approximate index (``"faiss"``).
    n_probe : int
        Inverted lists probed per query (``"faiss"``).
    seed : int
        Seeds the k-means of the faiss quantiser.
    """

    def __init__(self, Z, algorithm, n_neighbors=10, n_probe=8, seed=0):
        self.Z = np.ascontiguousarray(Z, dtype=np.float64)
        self.algorithm = algorithm
        self.n_neighbors = int(n_neighbors)
        self._cache = {}
        if algorithm in ("kd_tree", "ball_tree"):
            from sklearn.neighbors import NearestNeighbors

            self._tree = NearestNeighbors(algorithm=algorithm).fit(self.Z)
        elif algorithm == "faiss":
            self._faiss = _build_faiss(self.Z.astype(np.float32), n_probe, seed)

    def __len__(self):
        return len(self.Z)

    def references(self, like):
        """``Z`` as a tensor of ``like``'s dtype and device (cached)."""
        key = (like.dtype, like.device)
        if key not in self._cache:
            self._cache[key] = torch.as_tensor(self.Z, dtype=like.dtype, device=like.device)
        return self._cache[key]

    def pairs(self, x, radius):
        """Index pairs ``(rows, cols)``, ``|x[rows] - Z[cols]| < radius`` (approximate for faiss).

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
        radius : float

        Returns
        -------
        rows, cols : torch.Tensor of int64 on ``x``'s device
        """
        if len(self.Z) == 0 or len(x) == 0:
            empty = torch.zeros(0, dtype=torch.long, device=x.device)
            return empty, empty
        if self.algorithm == "brute":
            return brute_pairs(x, self.references(x), radius)
        q = x.detach().to("cpu", torch.float64).numpy()
        if self.algorithm == "faiss":
            k = min(self.n_neighbors, len(self.Z))
            dist2, idx = self._faiss.search(q.astype(np.float32), k)
            rows, slot = np.nonzero((idx >= 0) & (dist2 < radius**2))
            cols = idx[rows, slot]
        else:
            neigh = self._tree.radius_neighbors(q, radius=radius, return_distance=False)
            rows = np.repeat(np.arange(len(q)), [len(n) for n in neigh])
            cols = np.concatenate(neigh) if len(neigh) else np.zeros(0, dtype=np.int64)
        as_t = lambda a: torch.as_tensor(np.asarray(a, dtype=np.int64), device=x.device)  # noqa: E731
        return as_t(rows), as_t(cols)


def brute_pairs(x, Z, radius, exclude_diagonal=False, chunk=2**24):
    """Exact pairs ``|x_i - Z_j| < radius`` by computing all distances (in chunks of rows).

    With ``exclude_diagonal``, ``Z`` is ``x`` itself and the pairs ``i == j`` are left out.
    """
    rows_out, cols_out = [], []
    step = max(1, chunk // max(1, len(Z)))
    for start in range(0, len(x), step):
        xb = x[start : start + step]
        # differences, not the |x|^2 - 2xz + |z|^2 expansion: no cancellation near the sphere
        d = torch.cdist(xb, Z, compute_mode="donot_use_mm_for_euclid_dist")
        mask = d < radius
        if exclude_diagonal:
            idx = torch.arange(start, start + len(xb), device=x.device)
            mask[torch.arange(len(xb), device=x.device), idx] = False
        r, c = torch.nonzero(mask, as_tuple=True)
        rows_out.append(r + start)
        cols_out.append(c)
    return torch.cat(rows_out), torch.cat(cols_out)


def _build_faiss(Z, n_probe, seed):
    import faiss

    n, d = Z.shape
    n_list = max(1, int(4 * math.sqrt(n)))
    quantizer = faiss.IndexFlatL2(d)
    index = faiss.IndexIVFFlat(quantizer, d, n_list)
    n_train = min(n, 64 * n_list)
    rng = np.random.default_rng(seed)
    train = Z[rng.choice(n, n_train, replace=False)] if n_train < n else Z
    index.cp.seed = int(seed)
    index.train(np.ascontiguousarray(train))
    index.add(np.ascontiguousarray(Z))
    index.nprobe = min(int(n_probe), n_list)
    return index
