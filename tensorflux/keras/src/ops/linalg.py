"""``keras.ops.linalg``: decompositions and solvers on tensorflux's ``tf.linalg``."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast, convert_to_tensor
from tensorflux.keras.src.ops.numpy import _float_dtype, matmul, swapaxes


def _f(x):
    x = convert_to_tensor(x)
    return cast(x, _float_dtype(x.dtype.name))


def cholesky(x, upper=False):
    out = tf.linalg.cholesky(_f(x))
    return swapaxes(out, -1, -2) if upper else out


def cholesky_inverse(x, upper=False):
    x = _f(x)
    lower = swapaxes(x, -1, -2) if upper else x
    eye = tf.eye(x.shape[-1], dtype=x.dtype)
    linv = tf.linalg.triangular_solve(lower, tf.broadcast_to(eye, tf.shape(x)), lower=True)
    return matmul(swapaxes(linv, -1, -2), linv)


def det(x):
    return tf.linalg.det(_f(x))


def inv(x):
    return tf.linalg.inv(_f(x))


def eig(x):
    return tf.linalg.eig(_f(x))


def eigh(x):
    return tf.linalg.eigh(_f(x))


def solve(a, b):
    a, b = _f(a), _f(b)
    squeeze = len(b.shape) == len(a.shape) - 1
    if squeeze:
        b = tf.expand_dims(b, -1)
    out = tf.linalg.solve(a, cast(b, a.dtype.name))
    return tf.squeeze(out, -1) if squeeze else out


def solve_triangular(a, b, lower=False):
    a, b = _f(a), _f(b)
    squeeze = len(b.shape) == len(a.shape) - 1
    if squeeze:
        b = tf.expand_dims(b, -1)
    out = tf.linalg.triangular_solve(a, cast(b, a.dtype.name), lower=lower)
    return tf.squeeze(out, -1) if squeeze else out


def lstsq(a, b, rcond=None):
    a, b = _f(a), _f(b)
    squeeze = len(b.shape) == 1
    if squeeze:
        b = tf.expand_dims(b, -1)
    pinv_a = pinv(a, rcond=rcond)
    out = matmul(pinv_a, cast(b, a.dtype.name))
    return tf.squeeze(out, -1) if squeeze else out


def pinv(x, rcond=None):
    x = _f(x)
    if rcond is None:
        rcond = 10.0 * max(x.shape[-2:]) * float(np.finfo(np.float32 if x.dtype.name
                                                          != "float64" else np.float64).eps)
    return tf.linalg.pinv(x, rcond=rcond)


def matrix_rank(x, tol=None):
    x = _f(x)
    s = tf.linalg.svd(x, compute_uv=False)
    if tol is None:
        eps = float(np.finfo(np.float32 if x.dtype.name != "float64" else np.float64).eps)
        tol = tf.reduce_max(s, axis=-1, keepdims=True) * max(x.shape[-2:]) * eps
    return tf.reduce_sum(tf.cast(s > tol, "int32"), axis=-1)


def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError("`mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode}")
    return tf.linalg.qr(_f(x), full_matrices=mode == "complete")


def svd(x, full_matrices=True, compute_uv=True):
    x = _f(x)
    if not compute_uv:
        return tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
    s, u, v = tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
    return u, s, swapaxes(v, -1, -2)


def lu_factor(x):
    """``(lu, pivots)`` with partial pivoting (computed with NumPy; no gradient)."""
    x = _f(x)
    a = np.array(x.numpy(), dtype=np.float64)
    n = a.shape[-1]
    batch = a.reshape((-1, n, n)).copy()
    piv = np.zeros((batch.shape[0], n), np.int32)
    for b in range(batch.shape[0]):
        m = batch[b]
        for k in range(n):
            p = k + int(np.argmax(np.abs(m[k:, k])))
            piv[b, k] = p
            if p != k:
                m[[k, p]] = m[[p, k]]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
                m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
    lu = batch.reshape(a.shape).astype(x.dtype.as_numpy_dtype)
    return tf.constant(lu), tf.constant(piv.reshape(a.shape[:-1]))


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    x = convert_to_tensor(x)
    dtype = _float_dtype(x.dtype.name) if not kdt.is_float(x.dtype.name) else x.dtype.name
    x = cast(x, dtype)
    r = len(x.shape)
    if axis is None:
        axis = tuple(range(r))
    elif isinstance(axis, int):
        axis = (axis,)
    axis = tuple(a % r for a in axis)
    if len(axis) == 1:
        if ord is None or ord == 2:
            return tf.sqrt(tf.reduce_sum(tf.square(tf.abs(x)), axis=axis, keepdims=keepdims))
        if ord == np.inf or ord == "inf":
            return tf.reduce_max(tf.abs(x), axis=axis, keepdims=keepdims)
        if ord == -np.inf:
            return tf.reduce_min(tf.abs(x), axis=axis, keepdims=keepdims)
        if ord == 0:
            return tf.cast(tf.reduce_sum(tf.cast(tf.not_equal(x, 0), dtype), axis=axis,
                                         keepdims=keepdims), dtype)
        if isinstance(ord, str):
            raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord}")
        p = tf.cast(ord, dtype)
        return tf.pow(tf.reduce_sum(tf.pow(tf.abs(x), p), axis=axis, keepdims=keepdims),
                      1.0 / p)
    if len(axis) == 2:
        r0, r1 = axis
        if ord is None or ord == "fro":
            return tf.sqrt(tf.reduce_sum(tf.square(tf.abs(x)), axis=axis, keepdims=keepdims))
        if ord in (1, -1):
            s = tf.reduce_sum(tf.abs(x), axis=r0, keepdims=True)
            red = tf.reduce_max if ord == 1 else tf.reduce_min
            out = red(s, axis=r1, keepdims=True)
        elif ord in (np.inf, -np.inf):
            s = tf.reduce_sum(tf.abs(x), axis=r1, keepdims=True)
            red = tf.reduce_max if ord == np.inf else tf.reduce_min
            out = red(s, axis=r0, keepdims=True)
        elif ord in (2, -2, "nuc"):
            moved = tf.transpose(x, [i for i in range(r) if i not in axis] + [r0, r1])
            s = tf.linalg.svd(moved, compute_uv=False)
            out = (tf.reduce_max(s, -1) if ord == 2 else tf.reduce_min(s, -1) if ord == -2
                   else tf.reduce_sum(s, -1))
            if keepdims:
                for a in sorted(axis):
                    out = tf.expand_dims(out, a)
            return out
        else:
            raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={ord}")
        return out if keepdims else tf.squeeze(out, list(axis))
    raise ValueError(f"Invalid axis for norm: {axis}")


def slogdet(x):
    x = _f(x)
    d = tf.linalg.det(x)
    return tf.sign(d), tf.math.log(tf.abs(d))


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode product via double reverse mode (``tf.GradientTape`` twice)."""
    primals = [convert_to_tensor(p) for p in primals]
    tangents = [convert_to_tensor(t) for t in tangents]
    with tf.GradientTape() as outer:
        with tf.GradientTape(persistent=True) as inner:
            inner.watch(primals)
            res = fun(*primals)
            out, aux = res if has_aux else (res, None)
        u = tf.ones_like(out)
        outer.watch(u)
        with tf.GradientTape() as t2:
            t2.watch(u)
            g = inner.gradient(out, primals, output_gradients=u)
            dot = sum(tf.reduce_sum(gi * ti) for gi, ti in zip(g, tangents) if gi is not None)
        result = t2.gradient(dot, u)
    del outer
    return (out, result, aux) if has_aux else (out, result)
