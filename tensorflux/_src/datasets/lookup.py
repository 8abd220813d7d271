"""Local-first lookup of dataset files, then Keras's download-verify-cache path.

For a file ``fname`` of dataset ``name`` the order is:
1. ``$TENSORFLUX_DATASETS/<name>/fname`` and ``$TENSORFLUX_DATASETS/fname``;
2. a system install (``/usr/share/datasets/<name>/fname``, e.g. Debian's
   ``dataset-fashion-mnist``);
3. ``keras.utils.get_file``: the Keras cache (``~/.keras/datasets``, ``$KERAS_HOME``), else a
   download from Keras's origin, hash-checked and written atomically.
A local file whose hash does not match is skipped (it may be another version of the data).
"""

from __future__ import annotations

import os

SYSTEM_ROOT = "/usr/share/datasets"


def local_dirs(name):
    """Directories searched before the Keras cache, most specific first."""
    env = os.environ.get("TENSORFLUX_DATASETS")
    if env:
        for root in env.split(os.pathsep):
            if root:
                yield os.path.join(root, name)
                yield root
    yield os.path.join(SYSTEM_ROOT, name)


def find_local(name, fname, file_hash=None):
    """Path of a local copy of ``fname`` (hash-checked when ``file_hash`` is given)."""
    from tensorflux.keras.src.utils.misc import validate_file

    for d in local_dirs(name):
        path = os.path.join(d, fname)
        if os.path.isfile(path) and (file_hash is None or validate_file(path, file_hash)):
            return path
    return None


def find_local_dir(name, dirname):
    """An already-unpacked directory ``dirname`` (e.g. ``cifar-10-batches-py``)."""
    for d in local_dirs(name):
        path = os.path.join(d, dirname)
        if os.path.isdir(path):
            return path
    return None


def get_dataset_file(name, fname, origin, file_hash=None, cache_subdir="datasets"):
    """A verified local copy of ``fname``, else ``get_file`` (cache, then download)."""
    local = find_local(name, fname, file_hash)
    if local is not None:
        return local
    from tensorflux.keras.src.utils.misc import get_file

    try:
        return get_file(fname, origin=origin, file_hash=file_hash, cache_subdir=cache_subdir)
    except ValueError:
        raise
    except Exception as e:  # URL fetch failure, OSError
        raise OSError(
            f"Could not find or download {name} ({fname}): {e}. Put the file in "
            f"$TENSORFLUX_DATASETS/{name}/ (or $TENSORFLUX_DATASETS), in "
            f"{SYSTEM_ROOT}/{name}/, or in the Keras cache ~/.keras/{cache_subdir}/.") from e
