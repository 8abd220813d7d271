"""``keras.ops`` core: conversion, dtype/shape queries, control flow, scatter/slice updates.

Everything is built from tensorflux ops, so it runs eagerly and inside ``tf.function`` with
gradients. Loops over a statically known length (``scan``, ``map``, ``vectorized_map``,
``associative_scan``) are unrolled; ``while_loop``/``fori_loop`` use ``tf.while_loop``.
"""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src.ops import dtypes as kdt

nest = tf.nest


def is_tensor(x):
    """True for tensorflux tensors and variables (Keras's ``ops.is_tensor``)."""
    return tf.is_tensor(x)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor from ``x`` (Python scalars/lists follow TensorFlow: float32/int32)."""
    if dtype is not None:
        dtype = kdt.standardize_dtype(dtype)
    if tf.is_tensor(x):
        if getattr(x, "_is_variable", False):
            x = tf.convert_to_tensor(x)
        if dtype is not None and x.dtype.name != dtype:
            x = tf.cast(x, dtype)
        return x
    if dtype is None:
        return tf.convert_to_tensor(x)
    if isinstance(x, (bool, int, float, complex)) or isinstance(x, (list, tuple)):
        return tf.cast(tf.convert_to_tensor(np.asarray(x)), dtype) if _needs_cast(x, dtype) \
            else tf.convert_to_tensor(x, dtype=dtype)
    arr = np.asarray(x)
    return tf.convert_to_tensor(arr.astype(_np_dtype(dtype)) if arr.dtype != object else arr,
                                dtype=dtype)


def _needs_cast(x, dtype):
    flat = np.asarray(x)
    return flat.dtype.kind == "f" and (dtype == "bool" or kdt.is_int(dtype))


def _np_dtype(dtype):
    if dtype == "bfloat16":
        return tf.bfloat16.as_numpy_dtype
    return np.dtype(dtype)


def convert_to_numpy(x):
    """A NumPy array with ``x``'s values."""
    if tf.is_tensor(x):
        return np.asarray(x.numpy())
    return np.asarray(x)


def cast(x, dtype):
    """``x`` as ``dtype`` (Keras's ``ops.cast``)."""
    dtype = kdt.standardize_dtype(dtype)
    x = convert_to_tensor(x)
    return x if x.dtype.name == dtype else tf.cast(x, dtype)


def saturate_cast(x, dtype):
    """Cast clipping to ``dtype``'s range first (no wrap-around)."""
    dtype = kdt.standardize_dtype(dtype)
    x = convert_to_tensor(x)
    src = x.dtype.name
    if kdt.is_int(dtype) or dtype == "bool":
        info = np.iinfo(dtype) if dtype != "bool" else None
        if info is not None and (kdt.is_float(src) or kdt.is_int(src)):
            lo, hi = info.min, info.max
            if kdt.is_int(src):
                si = np.iinfo(src)
                lo, hi = max(lo, si.min), min(hi, si.max)
                x = tf.clip_by_value(x, tf.cast(lo, src), tf.cast(hi, src))
            else:
                x = tf.clip_by_value(x, float(lo), float(hi) if hi < 2 ** 24 else
                                     float(np.nextafter(np.float32(hi), 0)) if src == "float32"
                                     else float(hi))
    elif kdt.is_float(dtype) and kdt.is_float(src):
        fi = np.finfo(_np_dtype(dtype))
        x = tf.clip_by_value(x, tf.cast(float(fi.min), src), tf.cast(float(fi.max), src)) \
            if np.finfo(_np_dtype(src)).max > fi.max else x
    return tf.cast(x, dtype)


def dtype(x):
    """The standardized dtype name of ``x``."""
    return kdt.standardize_dtype(convert_to_tensor(x).dtype)


def shape(x):
    """A tuple of ints (static dims) or scalar tensors (unknown dims)."""
    if not tf.is_tensor(x):
        x = convert_to_tensor(x)
    static = x.shape.as_list() if x.shape.rank is not None else None
    if static is None:
        return tf.shape(x)
    if all(d is not None for d in static):
        return tuple(static)
    dyn = tf.shape(x)
    return tuple(d if d is not None else dyn[i] for i, d in enumerate(static))


def stop_gradient(variable):
    """``variable`` without gradient flow."""
    return tf.stop_gradient(variable)


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()`` (``tf.cond`` when traced)."""
    return tf.cond(pred, true_fn, false_fn)


def switch(index, branches, *operands):
    """``branches[index](*operands)``, index clamped into range like Keras."""
    index = convert_to_tensor(index, "int32")
    index = tf.clip_by_value(index, 0, len(branches) - 1)
    fns = [(lambda b=b: b(*operands)) for b in branches]
    return tf.switch_case(index, fns)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Keras's ``while_loop``: ``loop_vars`` a tuple/list or a single value."""
    is_tuple = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)

    def _body(*args):
        out = body(*args)
        return tuple(out) if is_tuple else (out,)

    out = tf.while_loop(cond, _body, loop_vars, maximum_iterations=maximum_iterations)
    return tuple(out) if is_tuple else out[0]


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``[lower, upper)``."""
    def _cond(i, val):
        return i < upper

    def _body(i, val):
        return i + 1, body_fun(i, val)

    return tf.while_loop(_cond, _body, (convert_to_tensor(lower), init_val))[1]


def _length(xs, length):
    leaves = nest.flatten(xs) if xs is not None else []
    if leaves:
        n = convert_to_tensor(leaves[0]).shape[0]
        if n is None:
            raise ValueError("keras.ops loops over `xs` need a static leading dimension in "
                             "tensorflux (they are unrolled); got an unknown one.")
        return int(n)
    if length is None:
        raise ValueError("`length` must be given when `xs` is None.")
    return int(length)


def _stack_structure(items):
    if not items:
        return None
    return nest.map_structure(lambda *ys: tf.stack([convert_to_tensor(y) for y in ys]),
                              *items)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns
    ``(final_carry, stacked_ys)`` (Keras's ``ops.scan``; unrolled here)."""
    n = _length(xs, length)
    leaves = [convert_to_tensor(t) for t in nest.flatten(xs)] if xs is not None else []
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in order:
        x = nest.pack_sequence_as(xs, [t[i] for t in leaves]) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if ys and all(y is None for y in nest.flatten(ys[0])) if ys else False:
        return carry, None
    return carry, _stack_structure(ys)


def map(f, xs):  # noqa: A001 - Keras's name
    """``stack([f(x) for x in xs])`` over the leading axis (structures allowed)."""
    n = _length(xs, None)
    leaves = [convert_to_tensor(t) for t in nest.flatten(xs)]
    outs = [f(nest.pack_sequence_as(xs, [t[i] for t in leaves])) for i in range(n)]
    return _stack_structure(outs)


def vectorized_map(function, elements):
    """``function`` applied to each slice of ``elements`` along axis 0, results stacked."""
    return map(function, elements)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of the associative ``f`` along ``axis`` (sequential evaluation)."""
    leaves = [convert_to_tensor(t) for t in nest.flatten(elems)]
    n = int(leaves[0].shape[axis])
    parts = [tf.unstack(t, num=n, axis=axis) for t in leaves]
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    acc, outs = None, [None] * n
    for i in order:
        x = nest.pack_sequence_as(elems, [p[i] for p in parts])
        acc = x if acc is None else f(acc, x)
        outs[i] = acc
    flat = [nest.flatten(o) for o in outs]
    return nest.pack_sequence_as(
        elems, [tf.stack([fl[j] for fl in flat], axis=axis) for j in range(len(leaves))])


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's name
    """``inputs[start:start+shape]`` per axis."""
    return tf.slice(convert_to_tensor(inputs), convert_to_tensor(start_indices, "int32")
                    if not isinstance(start_indices, (list, tuple)) else list(start_indices),
                    list(shape) if isinstance(shape, (list, tuple)) else shape)


def _window_indices(start_indices, update_shape):
    grids = tf.meshgrid(*[tf.range(int(d)) for d in update_shape], indexing="ij")
    start = [convert_to_tensor(s, "int32") for s in start_indices]
    return tf.stack([g + s for g, s in zip(grids, start)], axis=-1)


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the window at ``start_indices`` replaced by ``updates``."""
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, inputs.dtype.name)
    idx = _window_indices(list(start_indices), updates.shape.as_list())
    return tf.tensor_scatter_nd_update(inputs, idx, updates)


def scatter(indices, values, shape):
    """A zeros tensor of ``shape`` with ``values`` added at ``indices`` (duplicates sum)."""
    return tf.scatter_nd(convert_to_tensor(indices), convert_to_tensor(values), list(shape))


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices`` (``reduction``: None/"add"/
    "max"/"min"/"mul")."""
    inputs = convert_to_tensor(inputs)
    indices = convert_to_tensor(indices)
    updates = convert_to_tensor(updates, inputs.dtype.name)
    if reduction is None:
        return tf.tensor_scatter_nd_update(inputs, indices, updates)
    fns = {"add": tf.tensor_scatter_nd_add, "max": tf.tensor_scatter_nd_max,
           "min": tf.tensor_scatter_nd_min}
    if reduction == "mul":
        raise NotImplementedError("scatter_update(reduction='mul') is not supported yet; use "
                                  "reduction='add'/'max'/'min' or None.")
    if reduction not in fns:
        raise ValueError(f"Unsupported `reduction`: {reduction!r}. Expected one of None, "
                         "'add', 'max', 'min', 'mul'.")
    return fns[reduction](inputs, indices, updates)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; ``grad_fn(upstream)`` gives the
    input gradients (``tf.custom_gradient``)."""
    wrapped = tf.custom_gradient(f)

    def call(*args, **kwargs):
        # variables passed as arguments are inputs (read here), not captured variables
        args = [tf.convert_to_tensor(a) if getattr(a, "_is_variable", False) else a
                for a in args]
        return wrapped(*args, **kwargs)

    return call


def unstack(x, num=None, axis=0):
    return tf.unstack(convert_to_tensor(x), num=num, axis=axis)


def get_item(x, key):
    return convert_to_tensor(x)[key]
