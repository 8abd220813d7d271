"""keras.datasets loaders against the real keras 3 loaders on the same files, the
local-first lookup and the download-verify-cache path (local HTTP server)."""

import os
import shutil

import numpy as np
import pytest

from tests.keras.datasets.conftest import SHARED, sha256

os.environ.setdefault("KERAS_BACKEND", "numpy")
rk = pytest.importorskip("keras")

from tensorflux.keras import datasets as tkd  # noqa: E402


def _same(a, b):
    assert type(a) is type(b) or isinstance(a, np.ndarray)
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype == object:
        assert [list(v) for v in a] == [list(v) for v in b]
    else:
        np.testing.assert_array_equal(a, b)


def _use_local(monkeypatch, files, module, name):
    """Our loader reads the fixture via $TENSORFLUX_DATASETS (hash set to the fixture's)."""
    monkeypatch.setenv("TENSORFLUX_DATASETS", files["root"])
    monkeypatch.setattr(module, "FILE_HASH", sha256(files[name]))


def _real(monkeypatch, name, path):
    import importlib

    mod = importlib.import_module(f"keras.src.datasets.{name}")
    monkeypatch.setattr(mod, "get_file", lambda *a, **k: path)
    return mod


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 100, "skip_top": 5},
                                    {"maxlen": 20, "oov_char": None, "start_char": None},
                                    {"index_from": 0, "start_char": None, "seed": 7}])
@pytest.mark.parametrize("name", ["imdb", "reuters"])
def test_sequence_datasets_match_keras(files, monkeypatch, name, kwargs):
    ours = getattr(tkd, name)
    _use_local(monkeypatch, files, ours, name)
    real = _real(monkeypatch, name, files[name])
    _same(ours.load_data(**kwargs), real.load_data(**kwargs))


def test_imdb_maxlen_too_small(files, monkeypatch):
    _use_local(monkeypatch, files, tkd.imdb, "imdb")
    with pytest.raises(ValueError, match="Increase maxlen"):
        tkd.imdb.load_data(maxlen=2)


def test_reuters_label_names():
    assert len(tkd.reuters.get_label_names()) == 46
    assert tkd.reuters.get_label_names() == rk.datasets.reuters.get_label_names()


@pytest.mark.parametrize("name,kwargs", [("boston_housing", {}),
                                         ("boston_housing", {"test_split": 0.5, "seed": 1}),
                                         ("california_housing", {}),
                                         ("california_housing", {"version": "small"})])
def test_tabular_datasets_match_keras(files, monkeypatch, name, kwargs):
    ours = getattr(tkd, name)
    _use_local(monkeypatch, files, ours, name)
    real = _real(monkeypatch, name, files[name])
    _same(ours.load_data(**kwargs), real.load_data(**kwargs))
    with pytest.raises(ValueError, match="test_split"):
        ours.load_data(test_split=1.0)


def _extracted(files, name, tmp_path):
    out = tmp_path / f"{name}-extracted"
    shutil.unpack_archive(files[name], out)
    return str(out)


def _cifar10_expected(path):
    """Independent reading of the fixture: real keras.cifar10 insists on 10,000 per batch."""
    import pickle
    import tarfile

    with tarfile.open(path) as tar:
        def batch(m):
            d = pickle.load(tar.extractfile(f"cifar-10-batches-py/{m}"), encoding="bytes")
            return d[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), d[b"labels"]
        train = [batch(f"data_batch_{i}") for i in range(1, 6)]
        xt, yt = batch("test_batch")
    x = np.concatenate([b[0] for b in train])
    y = np.array(sum((b[1] for b in train), []), np.uint8).reshape(-1, 1)
    return (x, y), (xt, np.array(yt, np.uint8).reshape(-1, 1))


@pytest.mark.parametrize("name,kwargs", [("cifar10", {}), ("cifar100", {}),
                                         ("cifar100", {"label_mode": "coarse"})])
def test_cifar_matches_keras(files, monkeypatch, tmp_path, name, kwargs):
    ours = getattr(tkd, name)
    if name == "cifar10":
        want = _cifar10_expected(files[name])
    else:
        real = _real(monkeypatch, name, _extracted(files, name, tmp_path))
        want = real.load_data(**kwargs)
    # From the local archive (read in place) ...
    _use_local(monkeypatch, files, ours, name)
    _same(ours.load_data(**kwargs), want)
    # ... and from an unpacked directory.
    monkeypatch.setenv("TENSORFLUX_DATASETS", _extracted(files, name, tmp_path / "x"))
    _same(ours.load_data(**kwargs), want)
    assert want[0][0].shape[1:] == (32, 32, 3)


def test_pickle_globals_are_refused(tmp_path, monkeypatch):
    from tensorflux._src.datasets import npz

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    path = tmp_path / "boston_housing.npz"
    x = np.empty(1, dtype=object)
    x[0] = Evil()
    np.savez(path, x=x)
    with pytest.raises(npz.UnsafeDataError, match="Refusing to deserialize"):
        npz.load_npz(str(path))


def test_download_verify_cache(files, http_server, tmp_path, monkeypatch):
    base, www = http_server
    shutil.copy(files["boston_housing"], www / "boston_housing.npz")
    monkeypatch.delenv("TENSORFLUX_DATASETS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.setattr(tkd.boston_housing, "ORIGIN", base + "boston_housing.npz")
    cache = tmp_path / "kh" / "datasets"

    # Wrong hash: ValueError, and nothing is left in the cache.
    monkeypatch.setattr(tkd.boston_housing, "FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match="file hash does not match"):
        tkd.boston_housing.load_data()
    assert list(cache.iterdir()) == []

    # Right hash: downloaded into the Keras cache, then served from it (server file gone).
    monkeypatch.setattr(tkd.boston_housing, "FILE_HASH", sha256(files["boston_housing"]))
    first = tkd.boston_housing.load_data()
    assert sorted(p.name for p in cache.iterdir()) == ["boston_housing.npz"]
    os.remove(www / "boston_housing.npz")
    _same(tkd.boston_housing.load_data(), first)

    # A missing URL: a clear error naming the places searched.
    monkeypatch.setattr(tkd.imdb, "ORIGIN", base + "imdb.npz")
    with pytest.raises(OSError, match=r"Could not find or download imdb \(imdb.npz\).*404"):
        tkd.imdb.load_data()
    assert not (cache / "imdb.npz").exists()


def test_download_and_extract_cifar_keras_layout(files, http_server, tmp_path, monkeypatch):
    base, www = http_server
    shutil.copy(files["cifar10"], www / "cifar-10-python.tar.gz")
    monkeypatch.delenv("TENSORFLUX_DATASETS", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.setattr(tkd.cifar10, "ORIGIN", base + "cifar-10-python.tar.gz")
    monkeypatch.setattr(tkd.cifar10, "FILE_HASH", sha256(files["cifar10"]))
    (x, y), (xt, yt) = tkd.cifar10.load_data()
    assert x.shape == (20, 32, 32, 3) and y.shape == (20, 1) and y.dtype == np.uint8
    cache = tmp_path / "kh" / "datasets"
    # Same files as real Keras leaves: the archive and the extraction directory.
    assert sorted(p.name for p in cache.iterdir()) == ["cifar-10-batches-py-target",
                                                       "cifar-10-batches-py-target_archive"]
    assert (cache / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "fashion-mnist")),
                    reason="../shared/data not present")
def test_fashion_mnist_matches_keras_from_keras_cache(tmp_path, monkeypatch):
    """Real keras reads the files from its cache; ours finds the same cache directory."""
    cache = tmp_path / "kh" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for f in os.listdir(os.path.join(SHARED, "fashion-mnist")):
        if f.endswith(".gz"):
            os.symlink(os.path.join(os.path.abspath(SHARED), "fashion-mnist", f), cache / f)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.delenv("TENSORFLUX_DATASETS", raising=False)
    monkeypatch.setenv("TENSORFLUX_HOME", str(tmp_path / "tfx"))
    from keras.src.datasets import fashion_mnist as real
    from keras.src.backend import config

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path / "kh"))
    want = real.load_data()
    _same(tkd.fashion_mnist.load_data(), want)


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "mnist-10k")),
                    reason="../shared/data not present")
def test_mnist_idx_from_local_dir(tmp_path, monkeypatch):
    os.symlink(os.path.abspath(os.path.join(SHARED, "mnist-10k")), tmp_path / "mnist")
    monkeypatch.setenv("TENSORFLUX_DATASETS", str(tmp_path))
    (x, y), (xt, yt) = tkd.mnist.load_data()
    assert x.shape == (8000, 28, 28) and x.dtype == np.uint8 and xt.shape == (2000, 28, 28)
    assert y.shape == (8000,) and set(np.unique(y)) == set(range(10))
