import gzip
import struct

import numpy as np
import pytest

from sklot.datasets._fashion_mnist import load_fashion_mnist, read_idx


def _write_idx(path, arr):
    codes = {np.uint8: 0x08}
    header = bytes([0, 0, codes[arr.dtype.type], arr.ndim]) + b"".join(
        struct.pack(">I", s) for s in arr.shape
    )
    with gzip.open(path, "wb") as fh:
        fh.write(header + arr.tobytes())


def test_reads_idx_files_written_here(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7).astype(np.uint8)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", imgs)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "t10k-images-idx3-ubyte.gz"), imgs)
    X, y = load_fashion_mnist(subset="test", data_home=tmp_path, return_X_y=True)
    assert X.shape == (7, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X * 255, imgs.reshape(7, -1))
    np.testing.assert_array_equal(y, labels)
    b = load_fashion_mnist(subset="test", data_home=tmp_path, as_images=True, n_samples=3)
    assert b.data.shape == (3, 1, 28, 28) and b.target_names[9] == "Ankle boot"


def test_missing_files_say_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install -y dataset-fashion-mnist"):
        load_fashion_mnist(data_home=tmp_path)
    with pytest.raises(ValueError, match="subset"):
        load_fashion_mnist(subset="valid", data_home=tmp_path)


def test_bad_magic_number(tmp_path):
    p = tmp_path / "x.gz"
    with gzip.open(p, "wb") as fh:
        fh.write(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="magic"):
        read_idx(p)
