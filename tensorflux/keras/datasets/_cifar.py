"""Reading the CIFAR "python version" batches (dicts pickled with NumPy arrays) from an
unpacked directory or straight from the ``.tar.gz`` archive."""

import os
import tarfile

import numpy as np


def load_batch(fpath, label_key="labels"):
    """``(data (N, 3, 32, 32) uint8, labels list)`` of one batch file or file object."""
    from tensorflux._src.datasets.npz import restricted_load

    if isinstance(fpath, (str, os.PathLike)):
        with open(fpath, "rb") as f:
            d = restricted_load(f, encoding="bytes")
    else:
        d = restricted_load(fpath, encoding="bytes")
    d = {(k.decode("utf8") if isinstance(k, bytes) else k): v for k, v in d.items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def locate(name, archive, dirname, extract_name, origin, file_hash):
    """A callable ``member -> batch`` reading ``dirname/member`` from a local unpacked
    directory, a local archive, or Keras's download-and-extract cache."""
    from tensorflux._src.datasets import lookup

    found = lookup.find_local_dir(name, dirname)
    if found is not None:
        return lambda member, key: load_batch(os.path.join(found, member), key)
    local = lookup.find_local(name, archive, file_hash)
    if local is not None:
        def from_tar(member, key):
            with tarfile.open(local) as tar:
                return load_batch(tar.extractfile(f"{dirname}/{member}"), key)
        return from_tar
    from tensorflux.keras.src.utils.misc import get_file

    try:
        path = get_file(fname=extract_name, origin=origin, extract=True, file_hash=file_hash)
    except ValueError:
        raise
    except Exception as e:
        raise OSError(f"Could not find or download {name} ({archive}): {e}. Put the archive "
                      f"or the unpacked {dirname}/ in $TENSORFLUX_DATASETS/{name}/ (or "
                      "$TENSORFLUX_DATASETS), or in the Keras cache ~/.keras/datasets/.") from e
    root = os.path.join(path, dirname)
    return lambda member, key: load_batch(os.path.join(root, member), key)


def to_image_format(x):
    from tensorflux.keras.src import backend

    return x.transpose(0, 2, 3, 1) if backend.image_data_format() == "channels_last" else x


def as_column(y, dtype=None):
    """Labels as an (N, 1) column (Keras: uint8 for CIFAR-10, int64 for CIFAR-100)."""
    return np.reshape(np.asarray(y, dtype=dtype), (len(y), 1))
