"""The IDX loader on the real Fashion-MNIST / MNIST files in ../shared/data."""

import gzip
import os

import numpy as np
import pytest

from tensorflux._src.datasets import idx

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
needs_data = pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "fashion-mnist")),
                                reason="../shared/data not present")


@needs_data
def test_fashion_mnist_from_env_dir(monkeypatch):
    monkeypatch.setenv("TENSORFLUX_DATASETS", SHARED)
    (xtr, ytr), (xte, yte) = idx.load_fashion_mnist()
    assert xtr.shape == (60000, 28, 28) and xtr.dtype == np.uint8
    assert ytr.shape == (60000,) and set(np.unique(ytr)) == set(range(10))
    assert xte.shape == (10000, 28, 28) and yte.shape == (10000,)
    # Independent check of the header: the first 16 bytes are the IDX magic and dims.
    with gzip.open(os.path.join(SHARED, "fashion-mnist", "t10k-images-idx3-ubyte.gz")) as f:
        head = f.read(16)
    assert int.from_bytes(head[:4], "big") == 2051
    assert int.from_bytes(head[4:8], "big") == 10000


def test_truncated_file_is_rejected(tmp_path):
    p = tmp_path / "bad-idx1-ubyte.gz"
    with gzip.open(p, "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + bytes(5))
    with pytest.raises(ValueError, match="truncated"):
        idx.read_idx(str(p))


def test_checksum_mismatch_skips_directory(tmp_path, monkeypatch):
    spec = dict(idx.FASHION_MNIST, system_dirs=[], urls=["file:///nonexistent/"])
    for f in spec["files"]:
        (tmp_path / f).write_bytes(b"not the real file")
    monkeypatch.setenv("TENSORFLUX_DATASETS", str(tmp_path))
    monkeypatch.setenv("TENSORFLUX_HOME", str(tmp_path / "home"))
    with pytest.raises(OSError, match="Could not find or download"):
        idx.locate(spec)
    # The failed download left no partial files behind.
    cache = tmp_path / "home" / "datasets" / "fashion-mnist"
    assert not cache.exists() or not any(cache.iterdir())
