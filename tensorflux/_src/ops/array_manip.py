"""Array manipulation: squeeze, transpose, tile, repeat, reverse, roll, eye, linspace, meshgrid."""

from __future__ import annotations

import builtins

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.graph import constant_value
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops
from tensorflux._src.ops import math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

_range = builtins.range


def _iae(msg):
    return InvalidArgumentError(None, None, msg)


def _ints(v):
    return None if v is None else [int(x) for x in np.asarray(v).reshape(-1)]


def _val(x):
    return x.value() if getattr(x, "_is_variable", False) else x


def _idx(v, dtype=None):
    """An index argument as a tensor (Python values become int32)."""
    if isinstance(v, Tensor):
        return v
    if getattr(v, "_is_variable", False):
        return v.value()
    a = np.asarray(v)
    if isinstance(v, (np.ndarray, np.generic)) and a.dtype in (np.int32, np.int64):
        pass
    elif a.size and a.dtype.kind in "iu" and (a.min() < -2**31 or a.max() >= 2**31):
        a = a.astype(np.int64)
    else:
        a = a.astype(np.int32)
    return tensor(a if dtype is None else a.astype(dtype))


# ---- squeeze ----------------------------------------------------------------------------------


def _squeeze_kernel(x, squeeze_dims=()):
    r = np.ndim(x)
    if not squeeze_dims:
        return np.reshape(x, tuple(d for d in np.shape(x) if d != 1))
    dims = set()
    for d in squeeze_dims:
        if not -r <= d < r:
            raise _iae(f"Tried to squeeze dim index {d} for tensor with {r} dimensions.")
        d %= r
        if np.shape(x)[d] != 1:
            raise _iae(f"Can not squeeze dim[{d}], expected a dimension of 1, got "
                       f"{np.shape(x)[d]}")
        dims.add(d)
    return np.reshape(x, tuple(s for i, s in enumerate(np.shape(x)) if i not in dims))


def _squeeze_infer(ic):
    s = ic.shapes[0]
    dims = list(ic.attrs.get("squeeze_dims") or ())
    if s is None:
        return None
    r = len(s)
    if not dims:
        if any(d is None for d in s):
            return None
        return tuple(d for d in s if d != 1)
    keep = []
    norm = set()
    for d in dims:
        if not -r <= d < r:
            raise ValueError(f"Tried to squeeze dim index {d} for tensor with {r} dimensions.")
        d %= r
        if s[d] is not None and s[d] != 1:
            raise ValueError(f"Can not squeeze dim[{d}], expected a dimension of 1, got {s[d]}")
        norm.add(d)
    keep = [d for i, d in enumerate(s) if i not in norm]
    return tuple(keep)


SQUEEZE = defop("Squeeze", _squeeze_kernel, inputs=("input: T",), outputs=("output: T",),
                types={"T": ()}, attrs={"squeeze_dims": ()}, infer=_squeeze_infer,
                grad=lambda op, g: [array_ops.reshape(g, array_ops.shape(op.inputs[0]))])


def squeeze(input, axis=None, name=None):  # noqa: A002
    """Removes dimensions of size 1 (all of them, or those in ``axis``) (``tf.squeeze``).

    Example:
        >>> import tensorflux as tf
        >>> tf.squeeze(tf.zeros([1, 2, 1, 3]), axis=[0]).shape
        TensorShape([2, 1, 3])
    """
    x = tensor(_val(input))
    if axis is None:
        attrs = None
    else:
        dims = [int(axis)] if isinstance(axis, (int, np.integer)) else [int(a) for a in axis]
        attrs = {"squeeze_dims": tuple(dims)} if dims else None
    return execute(SQUEEZE, (x,), attrs, name)


# ---- transpose --------------------------------------------------------------------------------


def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Permutes the dimensions of ``a`` by ``perm`` (reversed by default); with
    ``conjugate=True`` also conjugates complex values (``tf.transpose``).

    Example:
        >>> import tensorflux as tf
        >>> tf.transpose(tf.zeros([2, 3, 4]), perm=[0, 2, 1]).shape
        TensorShape([2, 4, 3])
    """
    x = tensor(_val(a))
    nm = None if name == "transpose" else name
    if perm is None:
        r = x.shape.rank
        if r is not None:
            perm = np.arange(r - 1, -1, -1, dtype=np.int32)
        else:
            perm = array_ops.range(math_ops.subtract(array_ops.rank(x), 1), -1, -1)
    out = execute(array_ops.TRANSPOSE, (x, _idx(perm)), None, nm)
    if conjugate and x.dtype.is_complex:
        out = math_ops.conj(out)
    return out


# ---- tile -------------------------------------------------------------------------------------


def _tile_kernel(x, multiples):
    m = _ints(multiples)
    if len(m) != np.ndim(x):
        raise _iae(f"Expected multiples argument to be a vector of length {np.ndim(x)} but "
                   f"got length {len(m)}")
    if any(v < 0 for v in m):
        raise _iae(f"Expected multiples[i] >= 0, but got {m}")
    return np.tile(x, m) if m else np.array(x)


def _tile_infer(ic):
    s, m = ic.shapes[0], _ints(ic.values[1])
    if m is None:
        if s is not None:
            return (None,) * len(s)
        ms = ic.shapes[1]
        return None if ms is None or ms[0] is None else (None,) * ms[0]
    if s is None:
        return (None,) * len(m)
    if len(m) != len(s):
        raise ValueError(f"Shape must be rank {len(s)} but is rank {len(m)}: multiples "
                         f"{m} for input of shape {list(s)}")
    return tuple(None if d is None else d * k for d, k in zip(s, m))


def _tile_grad(op, g):
    x, multiples = op.inputs
    sx = array_ops.shape(x, out_type=multiples.dtype)
    split_shape = array_ops.reshape(array_ops.transpose_(array_ops.stack([multiples, sx])), [-1])
    axes = array_ops.range(0, array_ops.size(split_shape), 2)
    gx = math_ops.reduce_sum(array_ops.reshape(g, split_shape), axes)
    return [array_ops.reshape(gx, sx), None]


TILE = defop("Tile", _tile_kernel, inputs=("input: T", "multiples: Tmultiples"),
             outputs=("output: T",), types={"T": (), "Tmultiples": u.INDEX},
             infer=_tile_infer, grad=_tile_grad)


def tile(input, multiples, name=None):  # noqa: A002
    """Repeats ``input`` ``multiples[i]`` times along dimension ``i`` (``tf.tile``).

    Example:
        >>> import tensorflux as tf
        >>> tf.tile(tf.constant([[1, 2]]), [2, 2]).numpy().tolist()
        [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    if not isinstance(multiples, Tensor) and not getattr(multiples, "_is_variable", False) \
            and isinstance(multiples, (list, tuple)) and \
            builtins.any(isinstance(m, Tensor) for m in multiples):
        multiples = array_ops.stack([array_ops.cast_int32(m) for m in multiples])
    return execute(TILE, (tensor(_val(input)), _idx(multiples)), None, name)


# ---- repeat -----------------------------------------------------------------------------------


def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """Repeats each element of ``input`` along ``axis`` (flattened when None) ``repeats``
    times (``tf.repeat``).

    Example:
        >>> import tensorflux as tf
        >>> tf.repeat(tf.constant([1, 2]), [2, 3]).numpy().tolist()
        [1, 1, 2, 2, 2]
    """
    x = tensor(_val(input))
    if axis is None:
        x = array_ops.reshape(x, [-1])
        axis = 0
    axis = int(axis)
    r = x.shape.rank
    if r is None:
        raise ValueError("tf.repeat requires an input of known rank")
    if not -r <= axis < r:
        raise ValueError(f"axis={axis} out of bounds: expected {-r}<=axis<{r}")
    axis %= r
    rep = _idx(repeats)
    rv = constant_value(rep)
    if rep.shape.rank == 0 or (rv is not None and np.size(rv) == 1):
        rep0 = array_ops.reshape(rep, [])
        expanded = array_ops.expand_dims(x, axis + 1)
        sx = u.static_shape(x)
        if rv is not None and sx is not None:
            k = int(np.asarray(rv).reshape(()))
            mult = [1] * (r + 1)
            mult[axis + 1] = k
            new_shape = list(sx)
            new_shape[axis] *= k
            return array_ops.reshape(tile(expanded, mult), new_shape, name=name)
        mult = array_ops.tensor_scatter_nd_update(
            array_ops.ones([r + 1], rep.dtype), [[axis + 1]], array_ops.reshape(rep0, [1]))
        tiled = tile(expanded, mult)
        sx = array_ops.shape(x, out_type=rep.dtype)
        new_shape = array_ops.tensor_scatter_nd_update(
            sx, [[axis]], array_ops.reshape(math_ops.multiply(sx[axis], rep0), [1]))
        return array_ops.reshape(tiled, new_shape, name=name)
    if rv is not None:
        rv = np.asarray(rv).reshape(-1)
        n = x.shape[axis]
        if n is not None and len(rv) == 1:
            rv = np.repeat(rv, n)
        if n is not None and len(rv) != n:
            raise ValueError(f"repeats must have the same size as input along axis {axis}: "
                             f"got {len(rv)} repeats for dimension {n}")
        if (rv < 0).any():
            raise ValueError("repeats must be non-negative")
        idx = np.repeat(np.arange(len(rv), dtype=np.int32), rv)
        return array_ops.gather(x, idx, axis=axis, name=name)
    # Dynamic repeats: indices from a sequence mask.
    from tensorflux._src.ops.array_misc import sequence_mask
    from tensorflux._src.ops.array_scatter import where
    rep = array_ops.reshape(rep, [-1])
    n = array_ops.shape(x, out_type=rep.dtype)[axis]
    rep = array_ops.broadcast_to(rep, array_ops.reshape(n, [1]))
    mask = sequence_mask(rep)
    idx = where(mask)[:, 0]
    return array_ops.gather(x, idx, axis=axis, name=name)


# ---- reverse / roll ---------------------------------------------------------------------------


def _norm_axes(axes, r, err):
    out = []
    for a in axes:
        if not -r <= a < r:
            raise err(f"'axis'[{len(out)}] = {a} is out of valid range [{-r}, {r - 1}]")
        a %= r
        if a in out:
            raise err(f"axis {a} specified more than once.")
        out.append(a)
    return tuple(out)


def _reverse_kernel(x, axis):
    axes = _norm_axes(_ints(axis), np.ndim(x), _iae)
    return np.array(np.flip(x, axes)) if axes else np.array(x)


def _reverse_infer(ic):
    s, a = ic.shapes[0], _ints(ic.values[1])
    if s is not None and a is not None:
        _norm_axes(a, len(s), ValueError)
    return s


REVERSE = defop("ReverseV2", _reverse_kernel, inputs=("tensor: T", "axis: Tidx"),
                outputs=("output: T",), types={"T": (), "Tidx": u.INDEX},
                infer=_reverse_infer, grad=lambda op, g: [reverse(g, op.inputs[1]), None])


def reverse(tensor, axis, name=None):
    """Reverses the given dimensions of a tensor (``tf.reverse``).

    Example:
        >>> import tensorflux as tf
        >>> tf.reverse(tf.constant([[1, 2], [3, 4]]), [1]).numpy().tolist()
        [[2, 1], [4, 3]]
    """
    return execute(REVERSE, (u.tensor(_val(tensor)), _idx(axis)), None, name)


def _roll_kernel(x, shift, axis):
    s, a = _ints(shift), _ints(axis)
    if len(s) != len(a):
        raise _iae(f"shift and axis must have the same size, got {len(s)} and {len(a)}")
    r = np.ndim(x)
    for v in a:
        if not -r <= v < r:
            raise _iae(f"axis {v} is out of range for a tensor of rank {r}")
    return np.roll(x, s, a) if s else np.array(x)


ROLL = defop("Roll", _roll_kernel, inputs=("input: T", "shift: Tshift", "axis: Taxis"),
             outputs=("output: T",), types={"T": (), "Tshift": u.INDEX, "Taxis": u.INDEX},
             infer=u.infer_same,
             grad=lambda op, g: [roll(g, math_ops.negative(op.inputs[1]), op.inputs[2]),
                                 None, None])


def roll(input, shift, axis, name=None):  # noqa: A002
    """Rolls elements along ``axis`` by ``shift`` positions (``tf.roll``).

    Example:
        >>> import tensorflux as tf
        >>> tf.roll(tf.constant([0, 1, 2, 3, 4]), shift=2, axis=0).numpy().tolist()
        [3, 4, 0, 1, 2]
    """
    return execute(ROLL, (tensor(_val(input)), _idx(shift), _idx(axis)), None, name)


# ---- eye / linspace / meshgrid ------------------------------------------------------------------


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dt.float32, name=None):
    """An identity matrix (or a batch of them) (``tf.eye``).

    Example:
        >>> import tensorflux as tf
        >>> tf.eye(2, 3).numpy().tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    dtype = _dt.as_dtype(dtype)
    cols = num_rows if num_columns is None else num_columns
    rows_t = _idx(num_rows)
    out = array_ops.one_hot(array_ops.range(rows_t), _idx(cols), dtype=dtype)
    if batch_shape is not None:
        bs = _idx(batch_shape)
        so = u.static_shape(out)
        bv = constant_value(bs)
        if so is not None and bv is not None:
            target = np.concatenate([np.asarray(bv, np.int32).reshape(-1),
                                     np.asarray(so, np.int32)])
        else:
            target = array_ops.concat([math_ops.cast(bs, _dt.int32), array_ops.shape(out)], 0)
        out = array_ops.broadcast_to(out, target)
    if name is not None:
        out = array_ops.identity(out, name=name)
    return out


def _linspace_kernel(start, stop, num):
    n = int(num)
    if n <= 0:
        raise _iae(f"Requires num > 0: {n}")
    dt = np.asarray(start).dtype
    if n == 1:
        return np.asarray([start], dt)
    return np.linspace(np.float64(start), np.float64(stop), n).astype(dt)


def _linspace_infer(ic):
    n = ic.values[2]
    return (None if n is None else int(n),)


def _linspace_grad(op, g):
    start, _, num = op.inputs
    t = execute(LIN_SPACE, (tensor(np.zeros((), start.dtype.np_dtype)),
                            tensor(np.ones((), start.dtype.np_dtype)), num))
    gt = math_ops.reduce_sum(math_ops.multiply(g, t))
    return [math_ops.subtract(math_ops.reduce_sum(g), gt), gt, None]


LIN_SPACE = defop("LinSpace", _linspace_kernel, inputs=("start: T", "stop: T", "num: Tidx"),
                  outputs=("output: T",), types={"T": u.FLOAT, "Tidx": u.INDEX},
                  infer=_linspace_infer, grad=_linspace_grad)


def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive; ``start`` and
    ``stop`` may be batched, the new axis is ``axis`` (``tf.linspace``).

    Example:
        >>> import tensorflux as tf
        >>> tf.linspace(0.0, 1.0, 5).numpy().tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    start = tensor(_val(start))
    if isinstance(stop, Tensor) or getattr(stop, "_is_variable", False):
        stop = tensor(_val(stop))
    else:
        stop = tensor(stop, dtype=start.dtype)
    num_t = _idx(num)
    if start.shape.rank == 0 and stop.shape.rank == 0 and axis in (0, -1):
        return execute(LIN_SPACE, (start, stop, num_t), None, name)
    bshape = broadcast_dynamic_shape_(start, stop)
    start = array_ops.broadcast_to(start, bshape)
    stop = array_ops.broadcast_to(stop, bshape)
    r = start.shape.rank
    if r is None:
        raise ValueError("tf.linspace needs start/stop of known rank when batched")
    if not -(r + 1) <= axis <= r:
        raise ValueError(f"axis={axis} out of bounds for a result of rank {r + 1}")
    axis %= r + 1
    t = execute(LIN_SPACE, (tensor(np.zeros((), start.dtype.np_dtype)),
                            tensor(np.ones((), start.dtype.np_dtype)), num_t))
    t = array_ops.reshape(t, [-1] + [1] * (r - axis))
    s0 = array_ops.expand_dims(start, axis)
    s1 = array_ops.expand_dims(stop, axis)
    out = math_ops.add(s0, math_ops.multiply(math_ops.subtract(s1, s0), t))
    if name is not None:
        out = array_ops.identity(out, name=name)
    return out


def broadcast_dynamic_shape_(a, b):
    from tensorflux._src.ops.array_misc import broadcast_dynamic_shape
    sa, sb = u.static_shape(a), u.static_shape(b)
    if sa is not None and sb is not None:
        return np.asarray(u.broadcast_shapes(sa, sb), np.int32)
    return broadcast_dynamic_shape(array_ops.shape(a), array_ops.shape(b))


lin_space = linspace


def meshgrid(*args, **kwargs):
    """N-D coordinate grids from 1-D coordinate vectors (``tf.meshgrid``);
    ``indexing="xy"`` (Cartesian, default) or ``"ij"`` (matrix).

    Example:
        >>> import tensorflux as tf
        >>> X, Y = tf.meshgrid([1, 2, 3], [4, 5])
        >>> X.shape
        TensorShape([2, 3])
    """
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        key = list(kwargs.keys())[0]
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got "
                         f"'{indexing}'")
    del name
    ndim = len(args)
    ts = [array_ops.reshape(tensor(_val(x)), [-1]) for x in args]
    s0 = (1,) * ndim
    output = [array_ops.reshape(x, s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(ts)]
    static = [t.shape.num_elements() for t in ts]
    shapes = static if all(n is not None for n in static) else \
        [array_ops.size(x) for x in ts]
    if indexing == "xy" and ndim > 1:
        output[0] = array_ops.reshape(output[0], (1, -1) + (1,) * (ndim - 2))
        output[1] = array_ops.reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
        shapes[0], shapes[1] = shapes[1], shapes[0]
    if not output:
        return []
    target = np.asarray(shapes, np.int32) if shapes is static else array_ops.stack(shapes)
    return [array_ops.broadcast_to(x, target) for x in output]
