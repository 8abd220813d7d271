"""``keras.utils`` helpers: set_random_seed, PyDataset/Sequence, get_file."""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import numpy as np


def set_random_seed(seed):
    """Seed Python's ``random``, NumPy and tensorflux (``tf.random.set_seed``)."""
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "
                         f"(of type {type(seed)})")
    import tensorflux as tf

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)


class PyDataset:
    """Base class for datasets indexed by batch: implement ``__getitem__`` and ``__len__``."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers, self._use_multiprocessing = workers, use_multiprocessing
        self._max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_end(self):
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


Sequence = PyDataset


def _hash(path, algorithm):
    h = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto"):
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    return _hash(fpath, algorithm) == str(file_hash)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Download ``origin`` into ``~/.keras/<cache_subdir>`` (``$KERAS_HOME``) unless a copy
    with the right hash is there; written atomically (a failed or corrupted download leaves
    nothing behind; hash mismatch raises ValueError). With ``extract``, archives unpack into
    ``<fname>`` (download kept as ``<fname>_archive``) as in Keras 3."""
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(os.path.expanduser(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = bool(fname)
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                         "Please specify the `fname` argument.")
    if os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify "
                         f"the file's parent directory, use the `cache_dir` argument. "
                         f"Received: fname={fname}")
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, f"{fname}_archive")
    else:
        download_target = os.path.join(datadir, fname)
    download = force_download or not os.path.exists(download_target)
    if not download and file_hash is not None and not validate_file(
            download_target, file_hash, hash_algorithm):
        print(f"A local file was found, but it seems to be incomplete or outdated because the "
              f"{hash_algorithm} file hash does not match the original value of {file_hash} "
              "so we will re-download the data.")
        download = True
    if download:
        _download(origin, download_target, file_hash, hash_algorithm)
    if extraction_dir is None:
        return download_target
    if download or not os.path.isdir(extraction_dir):
        if not extract_archive(download_target, extraction_dir,
                               "tar" if untar else archive_format):
            import warnings

            warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction_dir


def _download(origin, target, file_hash, hash_algorithm):
    print(f"Downloading data from {origin}")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target),
                               prefix=os.path.basename(target) + ".", suffix=".part")
    os.close(fd)
    try:
        try:
            urllib.request.urlretrieve(origin, tmp)
        except urllib.error.HTTPError as e:
            raise Exception(f"URL fetch failure on {origin}: {e.code} -- {e.msg}") from e
        except urllib.error.URLError as e:
            raise Exception(f"URL fetch failure on {origin}: {e.errno} -- {e.reason}") from e
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} "
                             f"file hash does not match the provided value of {file_hash}.")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Unpack a tar(.gz/.bz2) or zip archive into ``path`` (members escaping ``path`` are
    refused); ``False`` if the file is not such an archive."""
    import shutil
    import tarfile
    import zipfile

    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    for fmt in formats:
        is_match, opener = ((tarfile.is_tarfile, tarfile.open) if fmt == "tar"
                            else (zipfile.is_zipfile, zipfile.ZipFile))
        if not is_match(file_path):
            continue
        with opener(file_path) as archive:
            try:
                if fmt == "tar" and hasattr(tarfile, "data_filter"):
                    archive.extractall(path, filter="data")
                elif fmt == "tar":  # Python < 3.11.4: no extraction filters
                    _check_members(path, archive.getnames())
                    archive.extractall(path)
                else:
                    _check_members(path, archive.namelist())
                    archive.extractall(path)
            except (tarfile.TarError, ValueError, RuntimeError, KeyboardInterrupt):
                if os.path.isfile(path):
                    os.remove(path)
                elif os.path.isdir(path):
                    shutil.rmtree(path)
                raise
        return True
    return False


def _check_members(path, names):
    root = os.path.realpath(path)
    for m in names:
        dest = os.path.realpath(os.path.join(root, m))
        if os.path.commonpath([root, dest]) != root:
            raise ValueError(f"Refusing to extract {m!r} outside {path!r}")
