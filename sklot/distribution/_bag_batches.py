"""Cut a ragged collection of bags into padded, memory-bounded batches."""

import numpy as np
import torch

__all__ = ["iter_bag_batches", "write_rows"]

# below this many bags, a run of equal-size bags is merged with its neighbours
# (padded) instead of being processed as its own small batch
_MIN_HOMOGENEOUS = 32


def iter_bag_batches(
    bags, weights, *, width, max_elements, device, dtype=torch.float32, location=None, scale=None
):
    """Yield ``(indices, points, weights, n_points)`` batches of bags.

    Bags are visited in order of size, so a batch holds bags of equal size
    whenever there are enough of them (no padding at all); otherwise bags of
    neighbouring sizes are padded to the largest one.

    Parameters
    ----------
    bags : list of ndarray of shape (n_i, d)
    weights : list of ndarray of shape (n_i,) or None
    width : int
        Number of values computed per point downstream (directions, frequencies);
        a batch holds at most ``max_elements`` point-values (``B * n_max * width``).
    max_elements : int
    device : torch.device
    dtype : torch dtype
    location : ndarray of shape (d,), optional
    scale : float, optional
        When given, points are standardised to ``(x - location) / scale`` in
        float64 before the cast to ``dtype`` (keeps float32 accurate for data far
        from the origin or of extreme magnitude).

    Yields
    ------
    indices : ndarray of int
        Positions of the batch's bags in ``bags``.
    points : tensor of shape (B, n_max, d)
        Padded with zeros.
    weights : tensor of shape (B, n_max) or None
        Normalised per-point weights, zero on padding; None when the input has
        no weights (then ``n_points`` says how many points are real).
    n_points : tensor of shape (B,) or None
        True sizes, None when every bag of the batch has ``n_max`` points and
        there are no weights (the fast, unpadded case).
    """
    sizes = np.fromiter((b.shape[0] for b in bags), dtype=np.int64, count=len(bags))
    order = np.argsort(sizes, kind="stable")
    sorted_sizes = sizes[order]
    budget = max(int(max_elements), 1)
    batch = []
    for pos, i in enumerate(order):
        n_new = max(sizes[i], sizes[batch[-1]] if batch else 0)
        if batch:
            too_big = (len(batch) + 1) * n_new * width > budget
            new_size = sizes[i] != sizes[batch[-1]]
            # keep long runs of equal-size bags unpadded
            run_starts = new_size and _run_length(sorted_sizes, pos) >= _MIN_HOMOGENEOUS
            run_ends = new_size and len(batch) >= _MIN_HOMOGENEOUS and sizes[batch[0]] == sizes[batch[-1]]
            if too_big or run_starts or run_ends:
                yield _build(batch, bags, weights, sizes, device, dtype, location, scale)
                batch = []
        batch.append(i)
    if batch:
        yield _build(batch, bags, weights, sizes, device, dtype, location, scale)


def _run_length(sorted_sizes, pos):
    """How many bags, from position ``pos`` of the size-sorted order on, share its size."""
    return int(np.searchsorted(sorted_sizes, sorted_sizes[pos], side="right")) - pos


def _build(batch, bags, weights, sizes, device, dtype, location=None, scale=None):
    idx = np.asarray(batch, dtype=np.int64)
    n_max = int(sizes[idx].max())
    d = bags[idx[0]].shape[1]
    uniform_size = bool(np.all(sizes[idx] == n_max))
    # gather straight into the compute dtype: one copy instead of two
    pts = np.zeros((len(idx), n_max, d), dtype=torch.empty((), dtype=dtype).numpy().dtype)
    if location is not None and uniform_size:
        pts[...] = (np.stack([bags[i] for i in idx]) - location) / scale  # float64, then cast
    elif location is not None:
        for r, i in enumerate(idx):
            pts[r, : sizes[i]] = (bags[i] - location) / scale
    elif uniform_size:
        np.stack([bags[i] for i in idx], out=pts)
    else:
        for r, i in enumerate(idx):
            pts[r, : sizes[i]] = bags[i]
    points = torch.from_numpy(pts).to(device)
    w = None
    if weights is not None:
        wa = np.zeros((len(idx), n_max))
        for r, i in enumerate(idx):
            wa[r, : sizes[i]] = weights[i]
        w = torch.as_tensor(wa, device=device).to(dtype)
    n_points = None
    if weights is None and not uniform_size:
        n_points = torch.as_tensor(sizes[idx], device=device)
    return idx, points, w, n_points


def write_rows(out, indices, values):
    """``out[indices] = values``, as a plain slice copy when ``indices`` is a contiguous ascending run."""
    start, stop = int(indices[0]), int(indices[-1]) + 1
    if stop - start == len(indices) and np.all(np.diff(indices) == 1):
        out[start:stop] = values
    else:
        out[torch.as_tensor(indices, device=out.device)] = values
