"""Slicing and indexing: StridedSlice (and its gradient op), Slice, ``Tensor.__getitem__``.

The strided-slice rules follow TensorFlow's ``ValidateStridedSliceOp``: a sparse spec
(one entry per index item, with ellipsis / new-axis / shrink bits) is expanded into a
dense spec (one entry per input dimension), each begin/end is canonicalized against the
dimension size, and the output shape re-inserts new axes and drops shrunk ones.
"""

from __future__ import annotations

import builtins

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import defop
from tensorflux._src.framework.context import state
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.graph import constant_value
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

newaxis = None
_pyslice = builtins.slice

_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


# ---- the strided-slice spec ------------------------------------------------------------------


def _slice_spec(shape, begin, end, strides, attrs, err=ValueError):
    """Validate a strided slice of a tensor of ``shape`` (tuple, None dims allowed).

    ``begin``/``end``/``strides`` are lists of ints, or None when unknown (then only the
    output rank is determined). Returns ``(index, processing_shape, final_shape)`` where
    ``index`` is a NumPy index tuple over the input dims (None when unknown).
    """
    bm, em, elm, nam, sam = (int(attrs.get(k, 0)) for k in _MASKS)
    n = len(strides) if strides is not None else len(begin) if begin is not None else None
    if n is None:
        raise TypeError("the length of begin must be known")
    known = begin is not None and end is not None and strides is not None
    if begin is None:
        begin = [None] * n
    if end is None:
        end = [None] * n
    if strides is None:
        strides = [None] * n
    if known and not len(begin) == len(end) == len(strides):
        raise err(f"Expected begin, end, and strides to be 1D equal size tensors, but got "
                  f"shapes [{len(begin)}], [{len(end)}], and [{len(strides)}] instead.")
    if elm & (elm - 1):
        raise err("Multiple ellipses in slice spec not allowed")
    b, e, s = list(begin), list(end), list(strides)
    if not elm:  # an implicit ellipsis at the end
        elm = 1 << n
        b.append(0)
        e.append(0)
        s.append(1)
        n += 1
    rank = len(shape)
    ell_pos = elm.bit_length() - 1
    new_after = sum(1 for i in range(ell_pos + 1, n) if nam & (1 << i))
    entries = []   # per input dim: (begin, end, stride, begin_masked, end_masked, shrink)
    final = []     # output dims: input dim index, or -1 for a new axis (shrunk dims omitted)
    for i in range(n):
        bit = 1 << i
        if elm & bit:
            nxt = min(rank - (n - i) + 1 + new_after, rank)
            for _ in range(len(entries), nxt):
                final.append(len(entries))
                entries.append((0, 0, 1, True, True, False))
        elif nam & bit:
            final.append(-1)
        else:
            if len(entries) == rank:
                raise err(f"Index out of range using input dim {len(entries)}; input has only "
                          f"{rank} dims")
            shrink = bool(sam & bit)
            if not shrink:
                final.append(len(entries))
            entries.append((b[i], e[i], s[i], bool(bm & bit), bool(em & bit), shrink))
    index, sizes = [], []
    for d, (bb, ee, st, bmask, emask, shrink) in enumerate(entries):
        dim = shape[d]
        if st == 0:
            raise err(f"strides[{d}] must be non-zero")
        if shrink:
            sizes.append(None)
            if bb is None or dim is None:
                index.append(None)
                continue
            x = bb + dim if bb < 0 else bb
            if not 0 <= x < dim:
                raise err(f"slice index {bb} of dimension {d} out of bounds.")
            index.append(x)
            continue
        if dim is None or st is None or (bb is None and not bmask) or (ee is None and
                                                                      not emask):
            full = bmask and emask and st is not None and abs(st) == 1
            sizes.append(dim if full else None)
            index.append(None)
            continue
        lo, hi = (0, dim) if st > 0 else (-1, dim - 1)

        def canon(x, c, masked, lo=lo, hi=hi, st=st, dim=dim):
            if masked:
                return (lo, hi)[c] if st > 0 else (lo, hi)[1 - c]
            xf = x + dim if x < 0 else x
            return lo if xf < lo else min(xf, hi)

        cb, ce = canon(bb or 0, 0, bmask), canon(ee or 0, 1, emask)
        length = ce - cb
        if length == 0 or (length < 0) != (st < 0):
            size = 0
        else:
            size = (abs(length) + abs(st) - 1) // abs(st)
        sizes.append(size)
        index.append(_pyslice(0, 0, 1) if size == 0 else
                     _pyslice(cb, ce if ce >= 0 else None, st))
    final_shape = tuple(1 if k == -1 else sizes[k] for k in final)
    proc = tuple(z for z, ent in zip(sizes, entries) if not ent[5])
    return (None if any(i is None for i in index) else tuple(index)), proc, final_shape


def _iae(msg):
    return InvalidArgumentError(None, None, msg)


def _ints(v):
    return None if v is None else [int(x) for x in np.asarray(v).reshape(-1)]


def _strided_slice_kernel(x, begin, end, strides, **attrs):
    x = np.asarray(x)
    index, _, final = _slice_spec(x.shape, _ints(begin), _ints(end), _ints(strides), attrs,
                                  err=_iae)
    return np.array(x[index]).reshape(final)


def _strided_slice_infer(ic):
    s = ic.shapes[0]
    if s is None:
        return None
    vals = [_ints(v) for v in ic.values[1:4]]
    if all(v is None for v in vals):
        ln = ic.shapes[1]
        if ln is None or ln[0] is None:
            return None
        vals = [[None] * ln[0]] * 3
    return _slice_spec(s, *vals, ic.attrs)[2]


def _mask_attrs(op):
    return {k: op.get_attr(k) for k in _MASKS}


def _strided_slice_grad(op, g):
    x, begin, end, strides = op.inputs
    dx = execute(STRIDED_SLICE_GRAD, (array_ops.shape(x, out_type=begin.dtype), begin, end,
                                      strides, g), _nonzero(_mask_attrs(op)))
    return [dx, None, None, None]


def _nonzero(attrs):
    attrs = {k: int(v) for k, v in attrs.items() if v}
    return attrs or None


STRIDED_SLICE = defop(
    "StridedSlice", _strided_slice_kernel,
    inputs=("input: T", "begin: Index", "end: Index", "strides: Index"),
    outputs=("output: T",), types={"T": (), "Index": u.INDEX},
    attrs={k: 0 for k in _MASKS}, infer=_strided_slice_infer, grad=_strided_slice_grad)


def _ssg_kernel(shape, begin, end, strides, dy, **attrs):
    shp = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    index, _, _ = _slice_spec(shp, _ints(begin), _ints(end), _ints(strides), attrs,
                              err=_iae)
    out = np.zeros(shp, dtype=np.asarray(dy).dtype)
    target = out[index]
    out[index] = np.reshape(dy, np.shape(target))
    return out


def _ssg_infer(ic):
    v = ic.values[0]
    if v is not None:
        return tuple(_ints(v))
    s = ic.shapes[0]
    return None if s is None or s[0] is None else (None,) * s[0]


def _ssg_grad(op, g):
    _, begin, end, strides, _ = op.inputs
    return [None, None, None, None,
            execute(STRIDED_SLICE, (g, begin, end, strides), _nonzero(_mask_attrs(op)))]


STRIDED_SLICE_GRAD = defop(
    "StridedSliceGrad", _ssg_kernel,
    inputs=("shape: Index", "begin: Index", "end: Index", "strides: Index", "dy: T"),
    outputs=("output: T",), types={"T": (), "Index": u.INDEX},
    attrs={k: 0 for k in _MASKS}, infer=_ssg_infer, grad=_ssg_grad)


def _index_tensors(*vals):
    """Convert begin/end/strides (lists mixing ints and scalar tensors, or tensors) to
    1-D tensors of one index dtype."""
    flat = []
    for v in vals:
        if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
            flat.append(tensor(v))
        else:
            flat.extend(x for x in v if isinstance(x, Tensor))
    dt = _dt.int64 if any(t.dtype == _dt.int64 for t in flat) else _dt.int32
    from tensorflux._src.ops.math_ops import cast
    out = []
    for v in vals:
        if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
            out.append(cast(tensor(v), dt))
        elif any(isinstance(x, Tensor) for x in v):
            out.append(array_ops.stack([cast(x, dt) if isinstance(x, Tensor) else
                                        tensor(np.asarray(x, dt.np_dtype)) for x in v]))
        else:
            out.append(tensor(np.asarray([int(x) for x in v], dt.np_dtype).reshape(-1)))
    return out


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """Extracts a strided slice of a tensor (``tf.strided_slice``).

    Each of ``begin``, ``end`` and ``strides`` has one entry per index item; the masks are
    bit fields (bit ``i`` refers to item ``i``), exactly as in TensorFlow.

    Example:
        >>> import tensorflux as tf
        >>> t = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> tf.strided_slice(t, [0, 2], [2, -4], [1, -1]).numpy().tolist()
        [[3, 2], [6, 5]]
    """
    x = tensor(input_.value() if getattr(input_, "_is_variable", False) else input_)
    if strides is None:
        if isinstance(begin, Tensor):
            strides = array_ops.ones_like(begin)
        else:
            strides = [1] * len(begin)
    b, e, s = _index_tensors(begin, end, strides)
    attrs = _nonzero({"begin_mask": begin_mask, "end_mask": end_mask,
                      "ellipsis_mask": ellipsis_mask, "new_axis_mask": new_axis_mask,
                      "shrink_axis_mask": shrink_axis_mask})
    out = execute(STRIDED_SLICE, (x, b, e, s), attrs, name)
    if state.graph is not None and x.shape.rank is not None and out.shape.rank is not None \
            and not out.shape.is_fully_defined():
        # Static shape from the Python-valued parts of mixed begin/end/strides lists (as
        # TensorFlow's partial shape inference of packed slice arguments does).
        parts = [_partial(v) for v in (begin, end, strides)]
        if all(p is not None for p in parts):
            try:
                out.set_shape(_slice_spec(x.shape.as_tuple(), *parts, attrs or {})[2])
            except (ValueError, TypeError):
                pass
    return out


def _partial(v):
    if isinstance(v, Tensor) or getattr(v, "_is_variable", False):
        return None
    out = []
    for x in v:
        if isinstance(x, Tensor):
            c = constant_value(x)
            out.append(None if c is None else int(c))
        else:
            out.append(int(x))
    return out


# ---- Slice -------------------------------------------------------------------------------------


def _slice_sizes(shape, begin, size, err):
    out = []
    if len(begin) != len(shape) or len(size) != len(shape):
        raise err(f"Expected begin and size arguments to be 1-D tensors of size {len(shape)}, "
                  f"but got shapes [{len(begin)}] and [{len(size)}] instead.")
    for d, (dim, b, sz) in enumerate(zip(shape, begin, size)):
        if dim is None:
            out.append(None if sz == -1 else sz)
            continue
        if sz == -1:
            sz = dim - b
        if not 0 <= b <= dim:
            raise err(f"Expected begin[{d}] in [0, {dim}], but got {b}")
        if not 0 <= sz <= dim - b:
            raise err(f"Expected size[{d}] in [0, {dim - b}], but got {sz}")
        out.append(sz)
    return out


def _slice_kernel(x, begin, size):
    b, sz = _ints(begin), _ints(size)
    sizes = _slice_sizes(np.shape(x), b, sz, _iae)
    return np.array(np.asarray(x)[tuple(_pyslice(o, o + n) for o, n in zip(b, sizes))])


def _slice_infer(ic):
    s = ic.shapes[0]
    b, sz = _ints(ic.values[1]), _ints(ic.values[2])
    if s is None:
        ln = ic.shapes[1] or ic.shapes[2]
        return None if ln is None or ln[0] is None else (None,) * ln[0]
    if sz is None:
        return (None,) * len(s)
    if b is None:
        return tuple(None if v == -1 else v for v in sz)
    return tuple(_slice_sizes(s, b, sz, ValueError))


def _slice_grad(op, g):
    from tensorflux._src.ops.array_misc import pad
    from tensorflux._src.ops.math_ops import subtract

    x, begin, _ = op.inputs
    sx = array_ops.shape(x, out_type=begin.dtype)
    after = subtract(subtract(sx, begin), array_ops.shape(g, out_type=begin.dtype))
    return [pad(g, array_ops.stack([begin, after], axis=1)), None, None]


SLICE = defop("Slice", _slice_kernel, inputs=("input: T", "begin: Index", "size: Index"),
              outputs=("output: T",), types={"T": (), "Index": u.INDEX},
              infer=_slice_infer, grad=_slice_grad)


def slice(input_, begin, size, name=None):  # noqa: A001 - TensorFlow's name
    """Extracts a slice of ``size`` starting at ``begin``; a size of -1 takes all remaining
    elements of that dimension (``tf.slice``).

    Example:
        >>> import tensorflux as tf
        >>> t = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> tf.slice(t, [1, 0], [1, -1]).numpy().tolist()
        [[4, 5, 6]]
    """
    x = tensor(input_.value() if getattr(input_, "_is_variable", False) else input_)
    b, sz = _index_tensors(begin, size)
    return execute(SLICE, (x, b, sz), None, name)


# ---- Tensor.__getitem__ --------------------------------------------------------------------------

_BAD_INDEX = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
              "tf.int32/tf.int64 tensors are valid indices, got {!r}")


def _check_index(idx):
    if isinstance(idx, (bool, np.bool_)):
        raise TypeError(_BAD_INDEX.format(idx))
    if isinstance(idx, (int, np.integer)):
        return
    if isinstance(idx, Tensor) or getattr(idx, "_is_variable", False):
        if idx.dtype in (_dt.int32, _dt.int64) and idx.shape.rank in (0, None):
            return
        if idx.dtype in (_dt.int32, _dt.int64, _dt.int16, _dt.int8, _dt.uint8) and \
                idx.shape.rank == 0:
            return
    raise TypeError(_BAD_INDEX.format(idx))


def _slice_helper(tensor_, slice_spec, var=None):
    """``tensor[slice_spec]`` with TensorFlow's semantics."""
    if getattr(tensor_, "_is_variable", False):
        tensor_ = tensor_.value()
    x = tensor(tensor_)
    if isinstance(slice_spec, (bool, np.bool_)) or (
            isinstance(slice_spec, Tensor) and slice_spec.dtype == _dt.bool) or (
            isinstance(slice_spec, np.ndarray) and slice_spec.dtype == np.bool_):
        from tensorflux._src.ops.array_scatter import boolean_mask
        return boolean_mask(x, slice_spec)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, s in enumerate(slice_spec):
        bit = 1 << i
        if isinstance(s, _pyslice):
            if s.start is not None:
                _check_index(s.start)
                begin.append(s.start)
            else:
                begin.append(0)
                masks["begin_mask"] |= bit
            if s.stop is not None:
                _check_index(s.stop)
                end.append(s.stop)
            else:
                end.append(0)
                masks["end_mask"] |= bit
            if s.step is not None:
                _check_index(s.step)
                strides.append(s.step)
            else:
                strides.append(1)
        elif s is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif s is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["new_axis_mask"] |= bit
        else:
            _check_index(s)
            begin.append(s)
            if isinstance(s, Tensor) or getattr(s, "_is_variable", False):
                from tensorflux._src.ops.math_ops import add
                end.append(add(tensor(s), 1))
            else:
                end.append(int(s) + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    return strided_slice(x, begin, end, strides, name=None, var=var, **masks)


def _tensor_getitem(self, slice_spec):
    return _slice_helper(self, slice_spec)


def _variable_getitem(self, slice_spec):
    return _slice_helper(self.value(), slice_spec, var=self)


def _install():
    from tensorflux._src.framework.tensor import Tensor as _T
    from tensorflux._src.framework.variables import Variable

    _T.__getitem__ = _tensor_getitem
    Variable.__getitem__ = _variable_getitem


_install()
