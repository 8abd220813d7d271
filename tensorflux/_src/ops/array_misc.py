"""Padding (Pad/PadV2/MirrorPad), bitcast, reverse_sequence, sequence_mask, ensure_shape,
broadcast shapes and identity_n."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop, get
from tensorflux._src.core.tensor_shape import TensorShape
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import array_ops
from tensorflux._src.ops import math_ops
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.array_manip import _idx, _iae, _ints, _val
from tensorflux._src.ops.op_util import tensor

# ---- pad --------------------------------------------------------------------------------------


def _check_paddings(shape, p, err, mode=None):
    p = np.asarray(p)
    r = len(shape)
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] != r:
        raise err(f"The first dimension of paddings must be the rank of inputs{list(p.shape)}"
                  f" {list(shape)}")
    pl = p.astype(np.int64).tolist()
    for d, (lo, hi) in enumerate(pl):
        if lo < 0 or hi < 0:
            raise err(f"Paddings must be non-negative: {lo} {hi}")
        dim = shape[d]
        if mode is None or dim is None:
            continue
        if mode == "REFLECT" and (lo >= dim or hi >= dim):
            raise err(f"paddings must be less than the dimension size: {lo}, {hi} not less "
                      f"than {dim}")
        if mode == "SYMMETRIC" and (lo > dim or hi > dim):
            raise err(f"paddings must be no greater than the dimension size: {lo}, {hi} "
                      f"greater than {dim}")
    return pl


def _pad_kernel(x, paddings, constant_values=None):
    pl = _check_paddings(np.shape(x), paddings, _iae)
    cv = 0 if constant_values is None else constant_values
    if np.asarray(x).dtype == object:
        out = np.full(tuple(d + a + b for d, (a, b) in zip(np.shape(x), pl)),
                      b"" if constant_values is None else constant_values, dtype=object)
        out[tuple(slice(a, a + d) for d, (a, _) in zip(np.shape(x), pl))] = x
        return out
    return np.pad(np.asarray(x), pl, mode="constant", constant_values=cv) if pl else \
        np.array(x)


def _pad_infer(ic):
    s, p = ic.shapes[0], ic.values[1]
    mode = ic.attrs.get("mode")
    if p is None:
        if s is not None:
            return (None,) * len(s)
        ps = ic.shapes[1]
        return None if ps is None or ps[0] is None else (None,) * ps[0]
    pl = np.asarray(p).astype(np.int64).tolist()
    if s is None:
        s = (None,) * len(pl)
    pl = _check_paddings(s, p, ValueError, mode)
    return tuple(None if d is None else d + a + b for d, (a, b) in zip(s, pl))


def _pad_grad(op, g):
    x, paddings = op.inputs[0], op.inputs[1]
    begin = paddings[:, 0]
    gx = execute(get("Slice"), (g, begin, array_ops.shape(x, out_type=paddings.dtype)))
    return [gx, None] + ([None] if len(op.inputs) == 3 else [])


PAD = defop("Pad", _pad_kernel, inputs=("input: T", "paddings: Tpaddings"),
            outputs=("output: T",), types={"T": (), "Tpaddings": u.INDEX},
            infer=_pad_infer, grad=_pad_grad)
PAD_V2 = defop("PadV2", _pad_kernel, inputs=("input: T", "paddings: Tpaddings",
                                             "constant_values: T"),
               outputs=("output: T",), types={"T": (), "Tpaddings": u.INDEX},
               infer=_pad_infer, grad=_pad_grad)


def _mirror_pad_kernel(x, paddings, mode="REFLECT"):
    pl = _check_paddings(np.shape(x), paddings, _iae, mode)
    return np.pad(np.asarray(x), pl, mode=mode.lower()) if pl else np.array(x)


def _mirror_pad_grad_kernel(g, paddings, mode="REFLECT"):
    pl = np.asarray(paddings).astype(np.int64).tolist()
    off = 1 if mode == "REFLECT" else 0
    out = np.asarray(g)
    for d, (lo, hi) in enumerate(pl):
        m = np.moveaxis(out, d, 0)
        n = m.shape[0] - lo - hi
        if n < 0 or (mode == "REFLECT" and (lo >= n or hi >= n) and (lo or hi)) or \
                lo > n or hi > n:
            raise _iae(f"paddings {lo}, {hi} are too large for dimension {d} of size "
                       f"{m.shape[0]} in MirrorPadGrad (mode {mode})")
        core = np.array(m[lo:lo + n])
        if lo:
            np.add.at(core, lo - np.arange(lo) - 1 + off, m[:lo])
        if hi:
            np.add.at(core, n - 1 - np.arange(hi) - off, m[lo + n:])
        out = np.moveaxis(core, 0, d)
    return np.ascontiguousarray(out)


def _mirror_pad_grad_infer(ic):
    s, p = ic.shapes[0], ic.values[1]
    if p is None:
        return None if s is None else (None,) * len(s)
    pl = np.asarray(p).astype(np.int64).tolist()
    if s is None:
        return (None,) * len(pl)
    return tuple(None if d is None else d - a - b for d, (a, b) in zip(s, pl))


MIRROR_PAD = defop("MirrorPad", _mirror_pad_kernel, inputs=("input: T", "paddings: Tpaddings"),
                   outputs=("output: T",), types={"T": (), "Tpaddings": u.INDEX},
                   attrs={"mode": "REFLECT"}, infer=_pad_infer,
                   grad=lambda op, g: [execute(MIRROR_PAD_GRAD, (g, op.inputs[1]),
                                               {"mode": op.get_attr("mode")}), None])
MIRROR_PAD_GRAD = defop("MirrorPadGrad", _mirror_pad_grad_kernel,
                        inputs=("input: T", "paddings: Tpaddings"), outputs=("output: T",),
                        types={"T": (), "Tpaddings": u.INDEX}, attrs={"mode": "REFLECT"},
                        infer=_mirror_pad_grad_infer,
                        grad=lambda op, g: [execute(MIRROR_PAD, (g, op.inputs[1]),
                                                    {"mode": op.get_attr("mode")}), None])


def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """Pads a tensor: ``paddings[d] = [before, after]`` for each dimension ``d``; ``mode`` is
    ``"CONSTANT"``, ``"REFLECT"`` or ``"SYMMETRIC"`` (case-insensitive) (``tf.pad``).

    Example:
        >>> import tensorflux as tf
        >>> tf.pad(tf.constant([[1, 2]]), [[1, 0], [0, 1]]).numpy().tolist()
        [[0, 0, 0], [1, 2, 0]]
    """
    x = u.tensor(_val(tensor))
    if isinstance(paddings, (list, tuple)) and any(
            isinstance(v, Tensor) for row in paddings for v in
            (row if isinstance(row, (list, tuple)) else [row])):
        paddings = array_ops.stack([array_ops.stack([array_ops.cast_int32(v) for v in row])
                                    for row in paddings])
    p = _idx(paddings)
    mode = str(mode).upper()
    if mode == "CONSTANT":
        if not isinstance(constant_values, Tensor) and not isinstance(
                constant_values, (str, bytes)) and np.all(np.asarray(constant_values) == 0):
            return execute(PAD, (x, p), None, name)
        cv = constant_values if isinstance(constant_values, Tensor) else \
            u.tensor(constant_values, dtype=x.dtype)
        return execute(PAD_V2, (x, p, cv), None, name)
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f'Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    return execute(MIRROR_PAD, (x, p), {"mode": mode}, name)


# ---- bitcast ----------------------------------------------------------------------------------


def _bitcast_kernel(x, type=None):  # noqa: A002 - TensorFlow's attr name
    a = np.ascontiguousarray(x)
    dst = type.np_dtype
    src_size, dst_size = a.dtype.itemsize, np.dtype(dst).itemsize
    if src_size == dst_size:
        return a.view(dst).reshape(a.shape)
    if src_size > dst_size:
        return a.reshape(a.shape + (1,)).view(dst).reshape(a.shape + (src_size // dst_size,))
    k = dst_size // src_size
    if a.ndim == 0 or a.shape[-1] != k:
        raise _iae(f"Cannot bitcast from {_dt.from_numpy(a.dtype).name} to {type.name}: "
                   f"the last dimension of the input must be {k}, got shape {list(a.shape)}")
    return a.view(dst).reshape(a.shape[:-1])


def _bitcast_infer(ic):
    s = ic.shapes[0]
    src, dst = ic.dtypes[0].size, ic.attrs["type"].size
    if s is None or src == dst:
        return s
    if src > dst:
        return tuple(s) + (src // dst,)
    k = dst // src
    if not s or (s[-1] is not None and s[-1] != k):
        raise ValueError(f"Cannot bitcast from {ic.dtypes[0].name} to {ic.attrs['type'].name}: "
                         f"the last dimension of the input must be {k}, got shape {list(s)}")
    return tuple(s[:-1])


_BITCAST_TYPES = tuple(d for d in u.NUMERIC if d is not _dt.bfloat16) + (_dt.bool,)
BITCAST = defop("Bitcast", _bitcast_kernel, inputs=("input: T",), outputs=("output: type",),
                types={"T": _BITCAST_TYPES, "type": _BITCAST_TYPES}, infer=_bitcast_infer,
                grad=NOT_DIFFERENTIABLE)


def bitcast(input, type, name=None):  # noqa: A002
    """Reinterprets the bytes of a tensor as another dtype (``tf.bitcast``).

    Example:
        >>> import tensorflux as tf
        >>> tf.bitcast(tf.constant(1.0), tf.int32).numpy()
        1065353216
    """
    return execute(BITCAST, (u.tensor(_val(input)),), {"type": _dt.as_dtype(type)}, name)


# ---- reverse_sequence ---------------------------------------------------------------------------


def _reverse_sequence_kernel(x, seq_lengths, seq_dim=None, batch_dim=0):
    x = np.asarray(x)
    lens = np.asarray(seq_lengths).reshape(-1)
    r = x.ndim
    sd, bd = seq_dim % r, batch_dim % r
    if sd == bd:
        raise _iae(f"seq_dim ({seq_dim}) == batch_dim ({batch_dim})")
    if len(lens) != x.shape[bd]:
        raise _iae(f"Length of seq_lengths != input.dims({bd}), ({len(lens)} vs. "
                   f"{x.shape[bd]})")
    out = np.array(x)
    for b, n in enumerate(lens.tolist()):
        if n < 0 or n > x.shape[sd]:
            raise _iae(f"seq_lens({b}) > input.dims({sd}) or negative: {n}")
        src = [slice(None)] * r
        src[bd] = b
        src[sd] = slice(0, n)
        src = tuple(src)
        out[src] = np.flip(x[src], axis=sd - (1 if bd < sd else 0))
    return out


def _reverse_sequence_grad(op, g):
    return [execute(REVERSE_SEQUENCE, (g, op.inputs[1]),
                    {"seq_dim": op.get_attr("seq_dim"), "batch_dim": op.get_attr("batch_dim")}),
            None]


REVERSE_SEQUENCE = defop("ReverseSequence", _reverse_sequence_kernel,
                         inputs=("input: T", "seq_lengths: Tlen"), outputs=("output: T",),
                         types={"T": (), "Tlen": u.INDEX},
                         attrs={"seq_dim": None, "batch_dim": 0}, infer=u.infer_same,
                         grad=_reverse_sequence_grad)


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None):  # noqa: A002
    """Reverses the first ``seq_lengths[b]`` elements along ``seq_axis`` of each batch entry
    ``b`` (``tf.reverse_sequence``).

    Example:
        >>> import tensorflux as tf
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> tf.reverse_sequence(x, [2, 3], seq_axis=1, batch_axis=0).numpy().tolist()
        [[2, 1, 3], [6, 5, 4]]
    """
    if seq_axis is None:
        raise ValueError("seq_axis must be given")
    x = u.tensor(_val(input))
    lens = _idx(seq_lengths)
    return execute(REVERSE_SEQUENCE, (x, lens), {"seq_dim": int(seq_axis),
                                                 "batch_dim": int(batch_axis or 0)}, name)


# ---- sequence_mask ------------------------------------------------------------------------------


def sequence_mask(lengths, maxlen=None, dtype=_dt.bool, name=None):
    """A mask ``mask[i..., j] = j < lengths[i...]`` of shape ``lengths.shape + [maxlen]``
    (``tf.sequence_mask``).

    Example:
        >>> import tensorflux as tf
        >>> tf.sequence_mask([1, 3], 4).numpy().astype(int).tolist()
        [[1, 0, 0, 0], [1, 1, 1, 0]]
    """
    lengths = _idx(lengths)
    if maxlen is None:
        maxlen = execute(get("Max"), (lengths, tensor(np.arange(lengths.shape.rank or 0,
                                                                dtype=np.int32))))
        if lengths.shape.rank is None:
            raise ValueError("sequence_mask needs lengths of known rank when maxlen is None")
    else:
        maxlen = math_ops.cast(_idx(maxlen), lengths.dtype)
        if maxlen.shape.rank not in (0, None):
            raise ValueError(f"Argument `maxlen` must be scalar for sequence_mask, received "
                             f"`maxlen` = {maxlen}.")
    maxlen = math_ops.cast(maxlen, lengths.dtype)
    row = array_ops.range(tensor(np.zeros((), lengths.dtype.np_dtype)), maxlen,
                          tensor(np.ones((), lengths.dtype.np_dtype)))
    mask = execute(get("Less"), (row, array_ops.expand_dims(lengths, -1)), None, name)
    dtype = _dt.as_dtype(dtype)
    return mask if dtype is _dt.bool else math_ops.cast(mask, dtype)


# ---- ensure_shape -------------------------------------------------------------------------------


def _ensure_shape_kernel(x, shape=None):
    want = TensorShape(list(shape) if shape is not None else None)
    if not want.is_compatible_with(TensorShape(np.shape(x))):
        raise _iae(f"Shape of tensor x {list(np.shape(x))} is not compatible with expected "
                   f"shape {_shape_str(want)}.")
    return x


def _shape_str(s):
    return "<unknown>" if s.rank is None else "[" + ",".join(
        "?" if d is None else str(d) for d in s.as_list()) + "]"


def _ensure_shape_infer(ic):
    s = ic.attrs.get("shape")
    want = TensorShape(list(s) if s is not None else None)
    have = TensorShape(ic.shapes[0])
    if not have.is_compatible_with(want):
        raise ValueError(f"Shape of tensor x {_shape_str(have)} is not compatible with "
                         f"expected shape {_shape_str(want)}.")
    return have.merge_with(want).as_tuple()


ENSURE_SHAPE = defop("EnsureShape", _ensure_shape_kernel, inputs=("input: T",),
                     outputs=("output: T",), types={"T": ()}, attrs={"shape": None},
                     infer=_ensure_shape_infer, grad=lambda op, g: [g])


def ensure_shape(x, shape, name=None):
    """Checks that ``x`` has a shape compatible with ``shape`` and returns it, with the more
    specific static shape (``tf.ensure_shape``).

    Example:
        >>> import tensorflux as tf
        >>> tf.ensure_shape(tf.zeros([2, 3]), [None, 3]).shape
        TensorShape([2, 3])
    """
    s = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    return execute(ENSURE_SHAPE, (u.tensor(_val(x)),), {"shape": s.as_tuple()}, name)


# ---- broadcast shapes ---------------------------------------------------------------------------


def _bcast_args_kernel(s0, s1):
    a, b = _ints(s0), _ints(s1)
    try:
        out = u.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        raise _iae(f"Incompatible shapes: [{','.join(map(str, a))}] vs. "
                   f"[{','.join(map(str, b))}]") from None
    return np.asarray(out, dtype=np.asarray(s0).dtype).reshape(-1)


def _bcast_args_infer(ic):
    a, b = ic.shapes
    va, vb = _ints(ic.values[0]), _ints(ic.values[1])
    if va is not None and vb is not None:
        return (len(u.broadcast_shapes(tuple(va), tuple(vb))),)
    if a is None or b is None or a[0] is None or b[0] is None:
        return (None,)
    return (max(a[0], b[0]),)


BROADCAST_ARGS = defop("BroadcastArgs", _bcast_args_kernel, inputs=("s0: T", "s1: T"),
                       outputs=("r0: T",), types={"T": u.INDEX}, infer=_bcast_args_infer,
                       grad=NOT_DIFFERENTIABLE)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The broadcast of two shapes given as 1-D integer tensors
    (``tf.broadcast_dynamic_shape``).

    Example:
        >>> import tensorflux as tf
        >>> tf.broadcast_dynamic_shape([1, 2, 3], [5, 1, 3]).numpy().tolist()
        [5, 2, 3]
    """
    x = _idx(shape_x)
    y = _idx(shape_y)
    if x.dtype != y.dtype:
        x, y = math_ops.cast(x, _dt.int64), math_ops.cast(y, _dt.int64)
    return execute(BROADCAST_ARGS, (x, y))


def broadcast_static_shape(shape_x, shape_y):
    """The broadcast of two ``TensorShape``s (``tf.broadcast_static_shape``).

    Example:
        >>> import tensorflux as tf
        >>> tf.broadcast_static_shape(tf.TensorShape([1, 2]), tf.TensorShape([3, 1]))
        TensorShape([3, 2])
    """
    a, b = TensorShape(shape_x), TensorShape(shape_y)
    if a.rank is None or b.rank is None:
        return TensorShape(None)
    try:
        return TensorShape(u.broadcast_shapes(a.as_tuple(), b.as_tuple()))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting. Two shapes are compatible if "
                         f"for each dimension pair they are either equal or one of them is 1. "
                         f"Received: {a} and {b}.") from None


# ---- identity_n ---------------------------------------------------------------------------------


def _identity_n_infer(ic):
    return [(s, d) for s, d in zip(ic.shapes[0], ic.dtypes[0])]


IDENTITY_N = defop("IdentityN", lambda values, N=None: tuple(values),
                   inputs=("input: list",), outputs=("output: N*T",), types={"T": ()},
                   attrs={"N": None}, infer=_identity_n_infer,
                   grad=lambda op, *grads: list(grads))


def identity_n(input, name=None):  # noqa: A002
    """Returns a list of tensors with the same values as ``input`` (``tf.identity_n``).

    Example:
        >>> import tensorflux as tf
        >>> a, b = tf.identity_n([tf.constant(1), tf.constant([2.0])])
        >>> a.numpy(), b.numpy().tolist()
        (1, [2.0])
    """
    ts = [u.tensor(_val(x)) for x in input]
    return list(execute(IDENTITY_N, (ts,), {"N": len(ts)}, name))
