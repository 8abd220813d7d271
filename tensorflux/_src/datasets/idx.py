"""Loading IDX-format datasets (MNIST, Fashion-MNIST): local directories first, then the
canonical download, verified by SHA-256 and cached.

Search order for a dataset's files:
1. ``$TENSORFLUX_DATASETS/<name>/`` (or ``$TENSORFLUX_DATASETS`` itself if the files are there);
2. a system install (Debian's ``dataset-fashion-mnist`` puts the files in
   ``/usr/share/datasets/fashion-mnist``);
3. the cache ``$TENSORFLUX_HOME/datasets/<name>`` (default ``~/.tensorflux``), then the
   Keras cache ``~/.keras/datasets/<name>`` (``$KERAS_HOME``);
4. download from the dataset's canonical URLs into the cache, checking SHA-256 first,
   written atomically (a partial download never shadows a good file).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request

import numpy as np

FASHION_MNIST = {
    "name": "fashion-mnist",
    "system_dirs": ["/usr/share/datasets/fashion-mnist"],
    "urls": ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
             "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
    "files": {
        "train-images-idx3-ubyte.gz":
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
        "train-labels-idx1-ubyte.gz":
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
        "t10k-images-idx3-ubyte.gz":
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
        "t10k-labels-idx1-ubyte.gz":
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    },
}


def read_idx(path: str) -> np.ndarray:
    """Parse a (gzipped) IDX file: magic 0x0000 08 NN (uint8, NN dims), big-endian dims."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic {data[:4].hex()})")
    if data[2] != 0x08:
        raise ValueError(f"{path}: only unsigned-byte IDX files are supported, type "
                         f"0x{data[2]:02x}")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    expected = int(np.prod(dims))
    if len(data) - offset != expected:
        raise ValueError(f"{path}: truncated IDX file: {len(data) - offset} bytes of data, "
                         f"expected {expected}")
    return np.frombuffer(data, np.uint8, count=expected, offset=offset).reshape(dims)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _cache_dir(name):
    home = os.environ.get("TENSORFLUX_HOME", os.path.join(os.path.expanduser("~"), ".tensorflux"))
    return os.path.join(home, "datasets", name)


def _candidates(spec):
    env = os.environ.get("TENSORFLUX_DATASETS")
    if env:
        yield os.path.join(env, spec["name"])
        yield env
    yield from spec["system_dirs"]
    yield _cache_dir(spec["name"])
    # Where keras.datasets (real Keras and ours) caches its downloads.
    keras_home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    yield os.path.join(keras_home, "datasets", spec["name"])


def _download(url, dest, sha256):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as r:
            while True:
                chunk = r.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
        got = _sha256(tmp)
        if got != sha256:
            raise OSError(f"checksum mismatch for {url}: got {got}, expected {sha256}")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def locate(spec, verify=True) -> str:
    """A directory holding all of the dataset's files, downloading them if needed."""
    files = spec["files"]
    for d in _candidates(spec):
        if all(os.path.isfile(os.path.join(d, f)) for f in files):
            if verify:
                bad = [f for f, h in files.items() if _sha256(os.path.join(d, f)) != h]
                if bad:
                    continue
            return d
    dest = _cache_dir(spec["name"])
    errors = []
    for fname, sha in files.items():
        path = os.path.join(dest, fname)
        if os.path.isfile(path) and _sha256(path) == sha:
            continue
        for base in spec["urls"]:
            try:
                _download(base + fname, path, sha)
                break
            except OSError as e:
                errors.append(f"{base + fname}: {e}")
        else:
            raise OSError(
                f"Could not find or download {spec['name']} ({fname}). Set TENSORFLUX_DATASETS "
                f"to a directory containing the files, or install Debian's dataset package. "
                f"Download errors: {'; '.join(errors)}")
    return dest


def load_fashion_mnist():
    """``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, like
    ``keras.datasets.fashion_mnist.load_data()``."""
    d = locate(FASHION_MNIST)
    x_train = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"))
    y_train = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"))
    x_test = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
    y_test = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
    return (x_train, y_train), (x_test, y_test)
