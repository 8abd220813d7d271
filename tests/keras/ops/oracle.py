"""The real keras 3.15 (numpy backend) as an oracle, with Keras's TensorFlow-backend dtype
rules (int64/float64 kept) patched in for the duration of a test."""

import contextlib
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "numpy")


@contextlib.contextmanager
def tf_backend_dtypes():
    import keras  # noqa: F401
    from keras.src.backend.common import dtypes as kd

    saved = dict(kd.BIT64_TO_BIT32_DTYPE)
    kd.BIT64_TO_BIT32_DTYPE.update({"int64": "int64", "float64": "float64"})
    try:
        yield
    finally:
        kd.BIT64_TO_BIT32_DTYPE.clear()
        kd.BIT64_TO_BIT32_DTYPE.update(saved)


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(v) for v in x]
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def dtype_name(x):
    if isinstance(x, (list, tuple)):
        return [dtype_name(v) for v in x]
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x).dtype.name


def assert_same(ours, theirs, rtol=1e-5, atol=1e-6, check_dtype=True):
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b, rtol, atol, check_dtype)
        return
    a, b = to_numpy(ours), to_numpy(theirs)
    if check_dtype:
        assert a.dtype == b.dtype, f"dtype {a.dtype} != keras {b.dtype}"
    assert a.shape == b.shape, f"shape {a.shape} != keras {b.shape}"
    if a.dtype.kind in "biu" or a.dtype == bool:
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True)
