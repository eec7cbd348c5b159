"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package (read from disk, never downloaded)."""

import gzip
import os
import pathlib

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_fashion_mnist"]

DEFAULT_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_INSTALL = (
    "Fashion-MNIST was not found in {path}. sklot never downloads data: install Debian's package with\n"
    "    sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist\n"
    "or put the four IDX .gz files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in a folder and pass data_home=<folder> "
    "(or set SKLOT_FASHION_MNIST)."
)


def read_idx(path):
    """Read an IDX file (optionally gzipped) into a numpy array (LeCun's MNIST format)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in dtypes:
        raise ValueError(f"{path}: unknown IDX data type 0x{data[2]:02x}.")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    arr = np.frombuffer(data, dtype=dtypes[data[2]], offset=4 + 4 * ndim)
    if arr.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header announces shape {shape} but holds {arr.size} values.")
    return arr.reshape(shape)


def load_fashion_mnist(
    *, subset="train", data_home=None, return_X_y=False, as_images=False, n_samples=None, scale=True
):
    """Load Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017) from local IDX files.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        60,000 training or 10,000 test images (or both, train first).
    data_home : str or path or None
        Folder holding the IDX .gz files; default ``$SKLOT_FASHION_MNIST`` or
        ``/usr/share/datasets/fashion-mnist`` (Debian ``dataset-fashion-mnist``).
    return_X_y : bool, default=False
    as_images : bool, default=False
        Return X of shape (n, 1, 28, 28) instead of (n, 784).
    n_samples : int or None
        Keep the first ``n_samples`` images of the subset.
    scale : bool, default=True
        Pixels as float32 in [0, 1]; else uint8.

    Returns
    -------
    Bunch with ``data``, ``target``, ``target_names``, ``images_shape``, or
    ``(X, y)`` when ``return_X_y``.

    Raises
    ------
    FileNotFoundError
        With installation instructions, when the files are absent.
    """
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all'; got {subset!r}.")
    root = pathlib.Path(data_home or os.environ.get("SKLOT_FASHION_MNIST") or DEFAULT_DIR)
    parts = ["train", "test"] if subset == "all" else [subset]
    Xs, ys = [], []
    for part in parts:
        img_f, lab_f = (root / f for f in _FILES[part])
        if not img_f.exists() or not lab_f.exists():
            raise FileNotFoundError(_INSTALL.format(path=root))
        X, y = read_idx(img_f), read_idx(lab_f)
        if X.ndim != 3 or X.shape[1:] != (28, 28) or len(X) != len(y):
            raise ValueError(
                f"unexpected Fashion-MNIST shapes in {root}: images {X.shape}, labels {y.shape}."
            )
        Xs.append(X)
        ys.append(y)
    X, y = np.concatenate(Xs), np.concatenate(ys).astype(np.int64)
    if n_samples is not None:
        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1; got {n_samples}.")
        X, y = X[: int(n_samples)], y[: int(n_samples)]
    X = X.astype(np.float32) / 255.0 if scale else X
    X = X[:, None, :, :] if as_images else X.reshape(len(X), -1)
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, target_names=list(CLASS_NAMES), images_shape=(1, 28, 28))
