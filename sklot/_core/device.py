"""Device resolution: the one place where ``device="auto"|"cpu"|"cuda"`` is interpreted."""

import warnings

__all__ = ["resolve_device", "to_numpy"]

_VALID = ("auto", "cpu", "cuda")


def resolve_device(device="auto"):
    """Turn a user ``device`` parameter into a :class:`torch.device`.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}, str or torch.device, default="auto"
        ``"auto"`` picks CUDA when available, else the CPU. ``"cuda"`` (or
        ``"cuda:N"``) falls back to the CPU with a :class:`UserWarning` when
        CUDA is absent, so that a model configured on a GPU machine still runs
        (and unpickles) on a laptop.

    Returns
    -------
    torch.device

    Examples
    --------
    >>> from sklot._core.device import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    import torch

    if device is None:
        device = "auto"
    if isinstance(device, torch.device):
        name = str(device)
    elif isinstance(device, str):
        name = device.strip().lower()
    else:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device; got {device!r}."
        )
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            warnings.warn(
                f"device={device!r} was requested but CUDA is not available; using the CPU.",
                UserWarning,
                stacklevel=2,
            )
            return torch.device("cpu")
        return torch.device(name)
    raise ValueError(
        f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device; got {device!r}."
    )


def to_numpy(tensor, dtype=None):
    """Detach a tensor, move it to the CPU and return a numpy array."""
    out = tensor.detach().cpu().numpy()
    if dtype is not None:
        out = out.astype(dtype, copy=False)
    return out
