"""keras.utils pieces used with the datasets: pad_sequences, get_file, get_source_inputs."""

import os
import tarfile
import zipfile

import numpy as np
import pytest

from tests.keras.datasets.conftest import sha256

os.environ.setdefault("KERAS_BACKEND", "numpy")
rk = pytest.importorskip("keras")

from tensorflux import keras as tk  # noqa: E402


@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 2}, {"maxlen": 4, "padding": "post",
                                                       "truncating": "post", "value": -1},
                                    {"dtype": "float32", "maxlen": 6}])
def test_pad_sequences_matches_keras(kwargs):
    seqs = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
    got, want = tk.utils.pad_sequences(seqs, **kwargs), rk.utils.pad_sequences(seqs, **kwargs)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="Padding type"):
        tk.utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        tk.utils.pad_sequences([1, 2])


def test_get_source_inputs():
    a, b = tk.Input((3,)), tk.Input((3,))
    out = tk.layers.Dense(2)(tk.layers.Add()([a, tk.layers.Dense(3)(b)]))
    assert tk.utils.get_source_inputs(out) == [a, b]
    assert tk.utils.is_keras_tensor(out) and not tk.utils.is_keras_tensor(np.zeros(2))


@pytest.mark.parametrize("kind", ["tar.gz", "zip"])
def test_get_file_extract_layout_and_cache(kind, http_server, tmp_path):
    base, www = http_server
    src = tmp_path / "payload"
    src.mkdir()
    (src / "a.txt").write_text("hello")
    archive = www / f"pack.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as z:
            z.write(src / "a.txt", "pack/a.txt")
    else:
        with tarfile.open(archive, "w:gz") as t:
            t.add(src / "a.txt", "pack/a.txt")
    cache = tmp_path / "cache"
    # fname without a dot: extracted into <fname>, archive kept as <fname>_archive.
    path = tk.utils.get_file("pack", base + archive.name, extract=True, cache_dir=str(cache),
                             file_hash=sha256(archive))
    assert path == str(cache / "datasets" / "pack")
    assert (cache / "datasets" / "pack" / "pack" / "a.txt").read_text() == "hello"
    assert (cache / "datasets" / "pack_archive").is_file()
    os.remove(archive)  # served from the cache from now on
    assert tk.utils.get_file("pack", base + archive.name, extract=True,
                             cache_dir=str(cache)) == path
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        tk.utils.get_file("a/b", base + "x")


def test_get_file_refuses_escaping_tar_members(http_server, tmp_path):
    base, www = http_server
    evil = tmp_path / "evil.txt"
    evil.write_text("x")
    with tarfile.open(www / "evil.tar", "w") as t:
        t.add(evil, "../../escaped.txt")
    with pytest.raises((tarfile.TarError, ValueError)):
        tk.utils.get_file("evil", base + "evil.tar", extract=True, cache_dir=str(tmp_path / "c"))
    assert not (tmp_path / "escaped.txt").exists()
