"""Reading the Keras dataset files that hold pickled data (ragged ``.npz`` object arrays,
CIFAR batches) with an unpickler that can only rebuild NumPy arrays.

tensorflux never writes pickle. These third-party files exist only as pickles (real Keras
reads them with ``np.load(allow_pickle=True)``, which runs whatever the file says); here
every global the stream names is refused except NumPy's array reconstruction, so a
tampered download cannot execute code, only fail to load."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                      ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct"),
                      ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar")})


class RestrictedUnpickler(pickle.Unpickler):
    """Refuses every global except NumPy's array reconstruction."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to deserialize `{module}.{name}` while loading "
                                     "a dataset file; it may be corrupted or malicious.")


def restricted_load(f, **kwargs):
    return RestrictedUnpickler(f, **kwargs).load()


def _read_npy(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"Unsupported `.npy` file version: {version}.") from None
        return restricted_load(fp)


def load_npz(path):
    """``{name: array}`` of an ``.npz`` file; object arrays via the restricted unpickler."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    out[member[:-4]] = _read_npy(io.BytesIO(raw.read()))
    return out
