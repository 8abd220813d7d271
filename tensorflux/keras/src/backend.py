"""``keras.backend`` basics: floatx, epsilon, image data format, unique names, sessions."""

from __future__ import annotations

import collections
import threading

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_UIDS = collections.defaultdict(int)
_LOCK = threading.Lock()


def backend():
    """The backend name; tensorflux implements Keras's TensorFlow backend."""
    return "tensorflow"


def floatx():
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of "
                         "'float16', 'bfloat16', 'float32', 'float64'.")
    _FLOATX = str(value)


def epsilon():
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: {data_format!r}")
    return data_format


def get_uid(prefix=""):
    """1, 2, 3... per prefix (Keras's ``backend.get_uid``)."""
    with _LOCK:
        _UIDS[prefix] += 1
        return _UIDS[prefix]


def unique_object_name(prefix):
    """``dense``, ``dense_1``, ``dense_2``... as Keras names layers."""
    n = get_uid(prefix)
    return prefix if n == 1 else f"{prefix}_{n - 1}"


def reset_uids():
    with _LOCK:
        _UIDS.clear()


def clear_session(free_memory=True):
    """Reset Keras's global state: layer name counters (as ``keras.backend.clear_session``)."""
    reset_uids()
    import gc

    if free_memory:
        gc.collect()


def is_keras_tensor(x):
    from tensorflux.keras.src.engine.keras_tensor import KerasTensor

    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    """A dtype name string ('float32') from a str, tf.DType or NumPy dtype."""
    if dtype is None:
        return floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        name = dtype.name
    else:
        import numpy as np

        name = str(dtype) if isinstance(dtype, str) else np.dtype(dtype).name
    return {"float": "float32", "int": "int64", "bool": "bool", "double": "float64",
            "half": "float16"}.get(name, name)


def is_float_dtype(dtype):
    return standardize_dtype(dtype) in ("float16", "bfloat16", "float32", "float64")


def keras_version():
    """The Keras API version tensorflux follows."""
    return "3.15.1"
