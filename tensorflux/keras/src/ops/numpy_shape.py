"""``keras.ops.numpy``: shape manipulation, linear algebra and window functions."""

from __future__ import annotations

import builtins

import numpy as np

import tensorflux as tf
from tensorflux.keras.src.ops import dtypes as kdt
from tensorflux.keras.src.ops.core import cast
from tensorflux.keras.src.ops.numpy_common import (_arg, _dt, _float_dtype, _name,
                                                    _promote, _t, moveaxis, result_type)
from tensorflux.keras.src.ops.numpy_elementwise import conj, multiply
from tensorflux.keras.src.ops.numpy_reduce import linspace


# --- shape manipulation ----------------------------------------------------------------------
def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = [newshape]
    return tf.reshape(_t(x), newshape)


def ravel(x):
    return tf.reshape(_t(x), [-1])


def transpose(x, axes=None):
    x = _t(x)
    return tf.transpose(x, axes) if axes is not None else tf.transpose(x)


def expand_dims(x, axis):
    x = _t(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    out_rank = len(x.shape) + len(axes)
    for a in sorted(a % out_rank for a in axes):
        x = tf.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    x = _t(x)
    if axis is None:
        return tf.squeeze(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if x.shape[a] is not None and x.shape[a] != 1:
            raise ValueError(f"Cannot squeeze axis {a}, because the dimension is not 1.")
    return tf.squeeze(x, axis=list(axes))


def _same_dtype(xs):
    xs = [_arg(x) for x in xs]
    dtype = result_type(*[_dt(x) for x in xs])
    return [_t(x, dtype) for x in xs]


def stack(x, axis=0):
    return tf.stack(_same_dtype(x), axis=axis)


def concatenate(xs, axis=0):
    xs = _same_dtype(xs)
    if axis is None:
        return tf.concat([tf.reshape(x, [-1]) for x in xs], axis=0)
    return tf.concat(xs, axis=axis)


def append(x1, x2, axis=None):
    x1, x2 = _same_dtype([x1, x2])
    if axis is None:
        return tf.concat([tf.reshape(x1, [-1]), tf.reshape(x2, [-1])], axis=0)
    return tf.concat([x1, x2], axis=axis)


def _atleast(x, n):
    x = _t(x)
    r = len(x.shape)
    if r >= n:
        return x
    if n == 2:
        return tf.reshape(x, [1] * (2 - r) + list(x.shape))
    if r == 0:
        return tf.reshape(x, [1, 1, 1])
    if r == 1:
        return tf.reshape(x, [1, x.shape[0], 1])
    return tf.expand_dims(x, -1)


def hstack(xs):
    xs = _same_dtype(xs)
    axis = 0 if len(xs[0].shape) == 1 else 1
    return tf.concat(xs, axis=axis)


def vstack(xs):
    return tf.concat([_atleast(x, 2) for x in _same_dtype(xs)], axis=0)


def dstack(xs):
    return tf.concat([_atleast(x, 3) for x in _same_dtype(xs)], axis=2)


def split(x, indices_or_sections, axis=0):
    x = _t(x)
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(f"array split does not result in an equal division: {n} "
                             f"elements into {indices_or_sections} sections.")
        return tf.split(x, indices_or_sections, axis=axis)
    bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    sizes = [builtins.max(min_(b, n) - min_(a, n), 0) for a, b in zip(bounds[:-1], bounds[1:])]
    return tf.split(x, sizes, axis=axis)


def min_(a, b):
    return a if a < b else b


def array_split(x, indices_or_sections, axis=0):
    x = _t(x)
    n = x.shape[axis]
    k = int(indices_or_sections)
    base, extra = divmod(n, k)
    sizes = [base + 1] * extra + [base] * (k - extra)
    return tf.split(x, sizes, axis=axis)


def hsplit(x, indices_or_sections):
    x = _t(x)
    return split(x, indices_or_sections, axis=0 if len(x.shape) == 1 else 1)


def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=2)


def tile(x, repeats):
    x = _t(x)
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    r = len(x.shape)
    if len(reps) < r:
        reps = [1] * (r - len(reps)) + reps
    elif len(reps) > r:
        x = tf.reshape(x, [1] * (len(reps) - r) + list(x.shape))
    return tf.tile(x, reps)


def repeat(x, repeats, axis=None):
    x = _t(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.repeat(x, repeats, axis=axis)


def flip(x, axis=None):
    x = _t(x)
    if axis is None:
        axis = list(range(len(x.shape)))
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return tf.reverse(x, axes)


def fliplr(x):
    return flip(x, 1)


def flipud(x):
    return flip(x, 0)


def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return tf.reshape(tf.roll(tf.reshape(x, [-1]), shift, 0), tf.shape(x))
    return tf.roll(x, shift, axis)


def rot90(array, k=1, axes=(0, 1)):
    x = _t(array)
    k = k % 4
    a0, a1 = axes
    for _ in range(k):
        x = swapaxes(flip(x, a1), a0, a1)
    return x


def swapaxes(x, axis1, axis2):
    x = _t(x)
    perm = list(range(len(x.shape)))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return tf.transpose(x, perm)


def broadcast_to(x, shape):
    return tf.broadcast_to(_t(x), shape)


def ndim(x):
    return len(_t(x).shape)


def size(x):
    return int(np.prod(_t(x).shape.as_list()))


def pad(x, pad_width, mode="constant", constant_values=None):
    x = _t(x)
    pw = np.asarray(pad_width, dtype=np.int64)
    if pw.ndim == 0:
        pw = np.full((len(x.shape), 2), int(pw))
    elif pw.ndim == 1:
        pw = np.tile(pw.reshape(1, -1) if pw.size == 2 else pw.reshape(-1, 1),
                     (len(x.shape), 1 if pw.size == 2 else 2))
    elif pw.shape[0] == 1 and len(x.shape) > 1:
        pw = np.tile(pw, (len(x.shape), 1))
    mode = mode.lower()
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when `mode == "
                         f"'constant'`. Received: mode={mode}")
    if mode == "constant":
        cv = 0 if constant_values is None else constant_values
        return tf.pad(x, pw.tolist(), constant_values=tf.cast(cv, x.dtype))
    if mode in ("reflect", "symmetric"):
        return tf.pad(x, pw.tolist(), mode=mode.upper())
    if mode == "edge":
        for ax in range(len(x.shape)):
            before, after = int(pw[ax][0]), int(pw[ax][1])
            n = x.shape[ax]
            idx = np.concatenate([np.zeros(before, int), np.arange(n), np.full(after, n - 1)])
            x = tf.gather(x, tf.constant(idx, "int32"), axis=ax)
        return x
    if mode == "wrap":
        for ax in range(len(x.shape)):
            before, after = int(pw[ax][0]), int(pw[ax][1])
            n = x.shape[ax]
            idx = np.arange(-before, n + after) % n
            x = tf.gather(x, tf.constant(idx, "int32"), axis=ax)
        return x
    raise ValueError(f"Unsupported pad mode {mode!r}: expected 'constant', 'edge', 'reflect', "
                     "'symmetric' or 'wrap'.")


def take(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices)
    if not kdt.is_int(_name(indices)):
        indices = cast(indices, "int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    n = tf.cast(tf.shape(x)[axis], indices.dtype)
    indices = tf.where(indices < 0, indices + n, indices)
    return tf.gather(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    x = _t(x)
    indices = cast(_t(indices), "int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
        indices = tf.reshape(indices, [-1])
    r = len(x.shape)
    axis = axis % r
    n = x.shape[axis]
    indices = tf.where(indices < 0, indices + n, indices)
    # broadcast the non-axis dims of x and indices
    xs, is_ = list(x.shape), list(indices.shape)
    bshape = [builtins.max(a, b) for a, b in zip(xs, is_)]
    xb = tf.broadcast_to(x, [d if i != axis else xs[i] for i, d in enumerate(bshape)])
    ib = tf.broadcast_to(indices, [d if i != axis else is_[i] for i, d in enumerate(bshape)])
    perm = [i for i in range(r) if i != axis] + [axis]
    inv = np.argsort(perm).tolist()
    out = tf.gather(tf.transpose(xb, perm), tf.transpose(ib, perm), batch_dims=r - 1)
    return tf.transpose(out, inv)


def sort(x, axis=-1):
    x = _t(x)
    if _name(x) == "bool":
        return cast(tf.sort(cast(x, "int32"), axis=axis), "bool")
    return tf.sort(x, axis=axis)


def argsort(x, axis=-1):
    x = _t(x)
    if _name(x) == "bool":
        x = cast(x, "int32")
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.argsort(x, axis=axis, stable=True)


def argpartition(x, kth, axis=-1):
    return argsort(x, axis=axis)


def searchsorted(sorted_sequence, values, side="left"):
    seq, vals, _ = _promote(_t(sorted_sequence), _t(values))
    if len(seq.shape) != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences.")
    out = tf.searchsorted(seq, tf.reshape(vals, [-1]), side=side, out_type="int32")
    return tf.reshape(out, tf.shape(vals))


def digitize(x, bins):
    x = _t(x)
    bins = _t(bins)
    return searchsorted(bins, x, side="right")


def bincount(x, weights=None, minlength=0, sparse=False):
    x = _t(x)
    if weights is None:
        dtype = "int32"
    else:
        weights = _t(weights)
        dtype = result_type(_name(weights), "int32") if _name(weights) != "bool" else "int32"
    length = builtins.max(int(minlength), int(tf.reduce_max(x).numpy()) + 1 if
                          int(np.prod(x.shape.as_list())) else 0)
    if len(x.shape) == 2:
        rows = []
        for i in range(x.shape[0]):
            w = None if weights is None else weights[i]
            rows.append(_bincount1(x[i], w, length, dtype))
        return tf.stack(rows)
    return _bincount1(x, weights, length, dtype)


def _bincount1(x, w, length, dtype):
    vals = tf.ones_like(x, dtype) if w is None else cast(w, dtype)
    return tf.math.unsorted_segment_sum(vals, cast(x, "int32"), length)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):  # noqa: A002
    if axis is not None:
        raise NotImplementedError("unique(axis=...) is not supported yet.")
    x = tf.reshape(_t(x), [-1])
    vals, inv = tf.unique(x)
    if sorted:
        order = tf.argsort(vals, stable=True)
        rank = tf.scatter_nd(tf.expand_dims(order, -1), tf.range(tf.shape(order)[0]),
                             tf.shape(order))
        vals = tf.gather(vals, order)
        inv = tf.gather(rank, inv)
    out = [vals]
    n = tf.shape(vals)[0]
    if return_index:
        pos = tf.range(tf.shape(x)[0])
        out.append(tf.math.unsorted_segment_min(pos, inv, n))
    if return_inverse:
        out.append(inv)
    if return_counts:
        out.append(tf.math.unsorted_segment_sum(tf.ones_like(inv), inv, n))
    if size is not None:
        k = int(n.numpy()) if hasattr(n, "numpy") else int(n)
        fv = 0 if fill_value is None else fill_value
        out[0] = tf.concat([vals[:size], tf.fill([builtins.max(size - k, 0)],
                                                 tf.cast(fv, vals.dtype))], 0)[:size]
    return out[0] if len(out) == 1 else tuple(out)


def isin(x1, x2, assume_unique=False, invert=False):
    a, b, _ = _promote(x1, x2)
    res = tf.reduce_any(tf.equal(tf.expand_dims(a, -1), tf.reshape(b, [-1])), axis=-1)
    return tf.logical_not(res) if invert else res


def unravel_index(indices, shape):
    indices = _t(indices)
    out, rem = [], indices
    for dim in reversed(shape):
        out.append(tf.math.floormod(rem, dim))
        rem = tf.math.floordiv(rem, dim)
    return tuple(reversed(out))


def diff(a, n=1, axis=-1):
    x = _t(a)
    for _ in range(n):
        r = len(x.shape)
        ax = axis % r
        hi = [slice(None)] * r
        lo = [slice(None)] * r
        hi[ax] = slice(1, None)
        lo[ax] = slice(None, -1)
        x = (x[tuple(hi)] != x[tuple(lo)]) if _name(x) == "bool" else x[tuple(hi)] - x[tuple(lo)]
    return x


def select(condlist, choicelist, default=0):
    choices = _same_dtype(list(choicelist) + [default])
    out = choices[-1]
    for c, v in reversed(list(zip(condlist, choices[:-1]))):
        out = tf.where(cast(c, "bool"), v, out)
    return out


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = _t(y)
    y = cast(y, _float_dtype(_name(y)))
    r = len(y.shape)
    ax = axis % r
    hi = [slice(None)] * r
    lo = [slice(None)] * r
    hi[ax] = slice(1, None)
    lo[ax] = slice(None, -1)
    if x is None:
        d = tf.cast(dx, y.dtype)
    else:
        d = diff(cast(_t(x), y.dtype), axis=axis)
    return tf.reduce_sum(d * (y[tuple(hi)] + y[tuple(lo)]) / tf.cast(2.0, y.dtype), axis=ax)


# --- linear algebra-ish ----------------------------------------------------------------------
def _matmul_dtype(a, b):
    dtype = result_type(_name(a), _name(b))
    return dtype


def matmul(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    dtype = _matmul_dtype(x1, x2)
    compute = dtype
    if dtype == "bool" or dtype in ("int8", "int16", "uint8", "uint16"):
        compute = "int32"
    out_dtype = "int32" if dtype == "bool" else dtype
    if dtype in ("int8", "uint8"):
        out_dtype = "int32"
    a, b = cast(x1, compute), cast(x2, compute)
    squeeze_a = squeeze_b = False
    if len(a.shape) == 1:
        a, squeeze_a = tf.expand_dims(a, 0), True
    if len(b.shape) == 1:
        b, squeeze_b = tf.expand_dims(b, -1), True
    if len(a.shape) != len(b.shape) or len(a.shape) > 2:
        batch = tf.broadcast_static_shape(a.shape[:-2], b.shape[:-2]).as_list() \
            if hasattr(tf, "broadcast_static_shape") else None
        if batch is not None:
            a = tf.broadcast_to(a, batch + list(a.shape[-2:]))
            b = tf.broadcast_to(b, batch + list(b.shape[-2:]))
    out = tf.linalg.matmul(a, b)
    if squeeze_a:
        out = tf.squeeze(out, -2)
    if squeeze_b:
        out = tf.squeeze(out, -1)
    return cast(out, out_dtype)


def dot(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if len(x1.shape) == 0 or len(x2.shape) == 0:
        return multiply(x1, x2)
    if len(x2.shape) <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=[[len(x1.shape) - 1], [len(x2.shape) - 2]])


def tensordot(x1, x2, axes=2):
    a, b, dtype = _promote(_t(x1), _t(x2))
    compute = "int32" if dtype == "bool" else dtype
    return tf.tensordot(cast(a, compute), cast(b, compute), axes)


def inner(x1, x2):
    x1, x2 = _t(x1), _t(x2)
    if len(x1.shape) == 0 or len(x2.shape) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=[[len(x1.shape) - 1], [len(x2.shape) - 1]])


def outer(x1, x2):
    a, b, _ = _promote(x1, x2)
    return multiply(tf.reshape(a, [-1, 1]), tf.reshape(b, [1, -1]))


def vdot(x1, x2):
    a, b, _ = _promote(x1, x2)
    return tensordot(tf.reshape(conj(a), [-1]), tf.reshape(b, [-1]), axes=1)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b, _ = _promote(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] == 2:
        a = tf.concat([a, tf.zeros_like(a[..., :1])], -1)
    if b.shape[-1] == 2:
        b = tf.concat([b, tf.zeros_like(b[..., :1])], -1)
    a0, a1, a2 = tf.unstack(a, axis=-1)
    b0, b1, b2 = tf.unstack(b, axis=-1)
    out = tf.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(out, -1, axisc)


def kron(x1, x2):
    a, b, _ = _promote(x1, x2)
    ra, rb = len(a.shape), len(b.shape)
    r = builtins.max(ra, rb)
    a = tf.reshape(a, [1] * (r - ra) + list(a.shape))
    b = tf.reshape(b, [1] * (r - rb) + list(b.shape))
    ea = tf.reshape(a, [d for s in a.shape for d in (s, 1)])
    eb = tf.reshape(b, [d for s in b.shape for d in (1, s)])
    return tf.reshape(ea * eb, [p * q for p, q in zip(a.shape, b.shape)])


def einsum(subscripts, *operands, **kwargs):
    ops = _same_dtype(operands)
    dtype = _name(ops[0])
    compute = "int32" if dtype == "bool" or dtype in ("int8", "int16", "uint8", "uint16") \
        else dtype
    out = tf.einsum(subscripts, *[cast(o, compute) for o in ops])
    return cast(out, "int32" if dtype == "bool" else dtype) if compute != dtype else out


def correlate(x1, x2, mode="valid"):
    a, b, dtype = _promote(x1, x2)
    dtype = _float_dtype(dtype)
    a, b = cast(a, dtype), cast(b, dtype)
    n, m = a.shape[0], b.shape[0]
    if mode == "valid":
        pad_l = pad_r = 0
    elif mode == "same":
        pad_l, pad_r = (m - 1) // 2 + (0 if m % 2 else 1) - (0 if m % 2 else 1), 0
        pad_l = m // 2
        pad_r = m - 1 - pad_l
    elif mode == "full":
        pad_l = pad_r = m - 1
    else:
        raise ValueError(f"Invalid mode {mode!r}: expected 'valid', 'same' or 'full'.")
    ap = tf.pad(a, [[pad_l, pad_r]])
    out_len = n + pad_l + pad_r - m + 1
    idx = np.arange(out_len)[:, None] + np.arange(m)[None, :]
    return tf.reduce_sum(tf.gather(ap, tf.constant(idx, "int32")) * b, axis=-1)


def histogram(x, bins=10, range=None):  # noqa: A002
    x = _t(x)
    dtype = _float_dtype(_name(x))
    x = cast(tf.reshape(x, [-1]), dtype)
    lo, hi = (tf.reduce_min(x), tf.reduce_max(x)) if range is None else \
        (tf.cast(range[0], dtype), tf.cast(range[1], dtype))
    edges = linspace(lo, hi, bins + 1, dtype=dtype)
    idx = tf.clip_by_value(tf.cast(tf.floor((x - lo) / (hi - lo) * bins), "int32"), 0, bins - 1)
    inside = tf.logical_and(x >= lo, x <= hi)
    counts = tf.math.unsorted_segment_sum(tf.cast(inside, dtype), idx, bins)
    return counts, edges


# --- window functions ------------------------------------------------------------------------
def _window(fn):
    def op(x):
        n = int(x)
        return tf.constant(fn(n).astype(np.float32))
    return op


bartlett = _window(np.bartlett)
blackman = _window(np.blackman)
hamming = _window(np.hamming)
hanning = _window(np.hanning)


def kaiser(x, beta):
    return tf.constant(np.kaiser(int(x), float(beta)).astype(np.float32))
