"""Core arithmetic, matmul and reduction ops (the rest of tf.math lives in math_*.py).

Each primitive is one ``defop`` declaration (raw-op name, typed signature, NumPy
kernel, shape rule, gradient) followed by its public wrapper.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.scatter import add_at
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.parallel import elementwise
from tensorflux._src.framework.parallel import matmul as _parallel_matmul
from tensorflux._src.framework.context import state
from tensorflux._src.framework.tensor import EagerTensor, Tensor
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import binary_args, tensor

# ---- broadcasting helpers for gradients ------------------------------------------------------


def _bga_kernel(s0, s1):
    s0 = [int(v) for v in s0]
    s1 = [int(v) for v in s1]
    n = max(len(s0), len(s1))
    a = [1] * (n - len(s0)) + s0
    b = [1] * (n - len(s1)) + s1
    r0 = [i for i in range(n) if a[i] == 1 and b[i] != 1 or (i < n - len(s0))]
    r1 = [i for i in range(n) if b[i] == 1 and a[i] != 1 or (i < n - len(s1))]
    dt = np.asarray(s0).dtype if len(s0) else np.int32
    return np.array(sorted(set(r0)), dtype=dt), np.array(sorted(set(r1)), dtype=dt)


BROADCAST_GRADIENT_ARGS = defop(
    "BroadcastGradientArgs", _bga_kernel, inputs=("s0: T", "s1: T"),
    outputs=("r0: T", "r1: T"), types={"T": u.INDEX},
    infer=lambda ic: [(None,), (None,)], grad=NOT_DIFFERENTIABLE)


def sum_to(grad, x):
    """Reduce a broadcast gradient back to the shape of ``x``."""
    from tensorflux._src.ops import array_ops

    sx = u.static_shape(x)
    sg = u.static_shape(grad)
    if sx is not None and sg is not None:
        if sx == sg:
            return grad
        nd = len(sg) - len(sx)
        axes = list(range(nd)) + [i + nd for i, d in enumerate(sx) if d == 1 and sg[i + nd] != 1]
        if axes:
            grad = reduce_sum(grad, axes)
        return array_ops.reshape(grad, sx) if tuple(grad.shape.as_list()) != sx else grad
    shape_x = array_ops.shape(x)
    rx, _ = execute(BROADCAST_GRADIENT_ARGS, [shape_x, array_ops.shape(grad)])
    return array_ops.reshape(reduce_sum(grad, rx), shape_x)


def _conj(x):
    return conj(x) if x.dtype.is_complex else x


# ---- elementwise binary ----------------------------------------------------------------------


def _add_grad(op, g):
    x, y = op.inputs
    return [sum_to(g, x), sum_to(g, y)]


def _sub_grad(op, g):
    x, y = op.inputs
    return [sum_to(g, x), sum_to(negative(g), y)]


def _mul_grad(op, g):
    x, y = op.inputs
    return [sum_to(multiply(g, _conj(y)), x), sum_to(multiply(_conj(x), g), y)]


def _div_grad(op, g):
    x, y = op.inputs
    gx = divide_no_check(g, _conj(y))
    gy = multiply(g, _conj(divide_no_check(divide_no_check(negative(x), y), y)))
    return [sum_to(gx, x), sum_to(gy, y)]


def _true_div(a, b):
    if a.dtype.kind in "iu":
        with np.errstate(divide="raise"):
            return np.floor_divide(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(a, b)


ADD = defop("AddV2", elementwise(np.add), inputs=("x: T", "y: T"), outputs=("z: T",),
            types={"T": u.NUMERIC}, infer=u.infer_broadcast, grad=_add_grad)
SUB = defop("Sub", elementwise(np.subtract), inputs=("x: T", "y: T"), outputs=("z: T",),
            types={"T": u.NUMERIC}, infer=u.infer_broadcast, grad=_sub_grad)
MUL = defop("Mul", elementwise(np.multiply), inputs=("x: T", "y: T"), outputs=("z: T",),
            types={"T": u.NUMERIC + (_dt.bool,)}, infer=u.infer_broadcast, grad=_mul_grad)
REAL_DIV = defop("RealDiv", _true_div, inputs=("x: T", "y: T"), outputs=("z: T",),
                 types={"T": u.NUMERIC}, infer=u.infer_broadcast, grad=_div_grad)


def add(x, y, name=None):
    """Elementwise ``x + y`` with broadcasting (``tf.math.add``)."""
    x, y = binary_args(x, y)
    return execute(ADD, (x, y), None, name)


def subtract(x, y, name=None):
    """Elementwise ``x - y`` (``tf.math.subtract``)."""
    x, y = binary_args(x, y)
    return execute(SUB, (x, y), None, name)


def multiply(x, y, name=None):
    """Elementwise ``x * y`` (``tf.math.multiply``)."""
    x, y = binary_args(x, y)
    return execute(MUL, (x, y), None, name)


def divide_no_check(x, y, name=None):
    x, y = binary_args(x, y)
    return execute(REAL_DIV, (x, y), None, name)


def _neg_grad(op, g):
    return [negative(g)]


NEG = defop("Neg", np.negative, inputs=("x: T",), types={"T": u.NUMERIC}, infer=u.infer_same,
            grad=_neg_grad)


def negative(x, name=None):
    """Elementwise ``-x`` (``tf.math.negative``)."""
    return execute(NEG, (tensor(x),), None, name)


def _conj_kernel(x):
    return np.conj(x) if x.dtype.kind == "c" else x


CONJ = defop("Conj", _conj_kernel, inputs=("input: T",), outputs=("output: T",),
             types={"T": u.FLOAT_COMPLEX + u.INTEGER}, infer=u.infer_same,
             grad=lambda op, g: [conj(g)])


def conj(x, name=None):
    """Complex conjugate; the identity on real tensors (``tf.math.conj``)."""
    x = tensor(x)
    if not x.dtype.is_complex:
        return x
    return execute(CONJ, (x,), None, name)


# ---- cast -------------------------------------------------------------------------------------


def _cast_kernel(x, DstT=None, Truncate=False):
    npdt = DstT.np_dtype if DstT is not _dt.string else object
    if x.dtype.kind == "c" and np.dtype(npdt).kind != "c":
        x = np.real(x)
    if x.dtype.kind == "f" and np.dtype(npdt).kind in "iu":
        with np.errstate(invalid="ignore"):
            return np.trunc(x).astype(npdt)
    return np.asarray(x).astype(npdt) if not isinstance(x, np.generic) else x.astype(npdt)


def _cast_grad(op, g):
    src = op.inputs[0].dtype
    if (src.is_floating or src.is_complex) and (g.dtype.is_floating or g.dtype.is_complex):
        return [cast(g, src)]
    return [None]


CAST = defop("Cast", _cast_kernel, inputs=("x: SrcT",), outputs=("y: DstT",),
             types={"SrcT": u.ALL, "DstT": u.ALL}, attrs={"Truncate": False},
             infer=u.infer_same, grad=_cast_grad)


def cast(x, dtype, name=None):
    """Casts a tensor to ``dtype`` (``tf.cast``); floats to ints truncate toward zero."""
    from tensorflux._src.framework.indexed_slices import IndexedSlices

    dtype = _dt.as_dtype(dtype)
    if isinstance(x, IndexedSlices):
        return IndexedSlices(cast(x.values, dtype), x.indices, x.dense_shape)
    x = tensor(x)
    if x.dtype is dtype:
        return x
    return execute(CAST, (x,), {"DstT": dtype}, name)


# ---- add_n ------------------------------------------------------------------------------------


def _add_n_kernel(inputs):
    out = inputs[0]
    for x in inputs[1:]:
        out = out + x
    return out


ADD_N = defop("AddN", _add_n_kernel, inputs=("inputs: N*T",), outputs=("sum: T",),
              types={"T": u.NUMERIC + (_dt.variant,)},
              infer=lambda ic: ic.shapes[0][0] if ic.shapes[0] else None,
              grad=lambda op, g: [g] * len(op.inputs))


def add_n(inputs, name=None):
    """Sums a list of tensors of the same shape and dtype (``tf.math.add_n``)."""
    from tensorflux._src.framework.indexed_slices import IndexedSlices

    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    if any(isinstance(x, IndexedSlices) for x in inputs):
        from tensorflux._src.framework.convert import convert_to_tensor
        inputs = [convert_to_tensor(x) for x in inputs]
    ts = [tensor(x) for x in inputs]
    if len(ts) == 1:
        return ts[0]
    return execute(ADD_N, (ts,), None, name)


# ---- matmul -----------------------------------------------------------------------------------


def _matmul_kernel(a, b, transpose_a=False, transpose_b=False, adjoint_a=False,
                   adjoint_b=False, grad_a=False, grad_b=False):
    if transpose_a or adjoint_a:
        a = np.swapaxes(a, -1, -2)
        if adjoint_a:
            a = np.conj(a)
    if transpose_b or adjoint_b:
        b = np.swapaxes(b, -1, -2)
        if adjoint_b:
            b = np.conj(b)
    return _parallel_matmul(a, b)


def _matmul_infer(ic):
    a, b = ic.shapes
    at = ic.attrs.get("transpose_a") or ic.attrs.get("adj_x") or ic.attrs.get("adjoint_a")
    bt = ic.attrs.get("transpose_b") or ic.attrs.get("adj_y") or ic.attrs.get("adjoint_b")
    if a is None or b is None:
        return None
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"In[0] and In[1] must be at least rank 2 for matmul, got shapes "
                         f"{list(a)} and {list(b)}")
    m, k1 = (a[-1], a[-2]) if at else (a[-2], a[-1])
    k2, n = (b[-1], b[-2]) if bt else (b[-2], b[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Matrix size-incompatible: In[0]: {list(a)}, In[1]: {list(b)}: inner "
                         f"dimensions must be equal, but are {k1} and {k2}")
    batch = u.broadcast_shapes(a[:-2], b[:-2])
    return batch + (m, n)


def _matmul_grad(op, g):
    a, b = op.inputs
    ta = op.get_attr("transpose_a") if op.type == "MatMul" else op.get_attr("adj_x")
    tb = op.get_attr("transpose_b") if op.type == "MatMul" else op.get_attr("adj_y")
    adj = a.dtype.is_complex
    if not ta and not tb:
        ga = matmul(g, b, adjoint_b=adj, transpose_b=not adj)
        gb = matmul(a, g, adjoint_a=adj, transpose_a=not adj)
    elif not ta and tb:
        ga = matmul(g, b)
        gb = matmul(g, a, adjoint_a=adj, transpose_a=not adj)
    elif ta and not tb:
        ga = matmul(b, g, adjoint_b=adj, transpose_b=not adj)
        gb = matmul(a, g)
    else:
        ga = matmul(b, g, transpose_a=True, transpose_b=True)
        gb = matmul(g, a, transpose_a=True, transpose_b=True)
    if op.type != "MatMul":
        ga, gb = sum_to(ga, a), sum_to(gb, b)
    return [ga, gb]


MATMUL = defop("MatMul", _matmul_kernel, inputs=("a: T", "b: T"), outputs=("product: T",),
               types={"T": u.NUMERIC}, attrs={"transpose_a": False, "transpose_b": False},
               infer=_matmul_infer, grad=_matmul_grad)


def _bmm_kernel(x, y, adj_x=False, adj_y=False):
    return _matmul_kernel(x, y, adjoint_a=adj_x, adjoint_b=adj_y)


BATCH_MATMUL = defop("BatchMatMulV2", _bmm_kernel, inputs=("x: T", "y: T"),
                     outputs=("output: T",), types={"T": u.NUMERIC},
                     attrs={"adj_x": False, "adj_y": False}, infer=_matmul_infer,
                     grad=_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of ``a`` and ``b`` with optional transposes, batched over leading dims
    (``tf.linalg.matmul``)."""
    a, b = binary_args(a, b)
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    ra, rb = a._rank(), b._rank()
    cplx = (adjoint_a or adjoint_b or transpose_a or transpose_b) and a.dtype.is_complex
    if ra == 2 and rb == 2 and not ((adjoint_a or adjoint_b) and cplx):
        attrs = None
        if transpose_a or adjoint_a or transpose_b or adjoint_b:
            attrs = {"transpose_a": bool(transpose_a or adjoint_a),
                     "transpose_b": bool(transpose_b or adjoint_b)}
        out = execute(MATMUL, (a, b), attrs, name)
    else:
        if (transpose_a and cplx) or (transpose_b and cplx):
            from tensorflux._src.ops import array_ops
            if transpose_a:
                a = array_ops.matrix_transpose(a)
            if transpose_b:
                b = array_ops.matrix_transpose(b)
            transpose_a = transpose_b = False
        attrs = None
        if transpose_a or adjoint_a or transpose_b or adjoint_b:
            attrs = {"adj_x": bool(transpose_a or adjoint_a), "adj_y": bool(transpose_b or
                                                                             adjoint_b)}
        out = execute(BATCH_MATMUL, (a, b), attrs, name)
    if output_type is not None and out.dtype != output_type:
        out = cast(out, output_type)
    return out


# ---- reductions -------------------------------------------------------------------------------


def _sum_kernel(x, axis, keep_dims=False):
    if axis is _ALL_AXES_NP[x.ndim] if x.ndim < len(_ALL_AXES_NP) else False:
        ax = None   # the cached "every axis" argument of reduce_sum(x)
    else:
        ax = axis.item() if axis.ndim == 0 else tuple(axis.tolist())
    # Integer sums keep their dtype (TensorFlow), NumPy would widen them.
    dt = None if x.dtype.kind in "fcb" else x.dtype
    return np.sum(x, axis=ax, keepdims=keep_dims, dtype=dt)


def _reduced_shape_for_grad(x, axis):
    """The shape of x with reduced axes set to 1 (static when possible)."""
    from tensorflux._src.ops import array_ops
    from tensorflux._src.framework.graph import constant_value

    sx = u.static_shape(x)
    av = constant_value(axis)
    if sx is not None and av is not None:
        r = len(sx)
        ax = {int(a) % r for a in np.asarray(av).reshape(-1)} if r else set()
        return [1 if i in ax else d for i, d in enumerate(sx)]
    shape_x = array_ops.shape(x)
    rank = array_ops.size(shape_x)
    ax = floormod(cast(axis, _dt.int32), rank)
    return array_ops.tensor_scatter_nd_update(
        shape_x, array_ops.expand_dims(array_ops.reshape(ax, [-1]), -1),
        array_ops.ones_like(array_ops.reshape(ax, [-1])))


def _sum_grad(op, g):
    from tensorflux._src.ops import array_ops

    x, axis = op.inputs
    if not op.get_attr("keep_dims"):
        g = array_ops.reshape(g, _reduced_shape_for_grad(x, axis))
    return [array_ops.broadcast_to(g, array_ops.shape(x)), None]


SUM = defop("Sum", _sum_kernel, inputs=("input: T", "reduction_indices: Tidx"),
            outputs=("output: T",), types={"T": u.NUMERIC, "Tidx": u.INDEX},
            attrs={"keep_dims": False}, infer=u.infer_reduce, grad=_sum_grad)


_ALL_AXES_NP = [np.arange(r, dtype=np.int32) for r in range(9)]
_ALL_AXES = [EagerTensor(a) for a in _ALL_AXES_NP]


def _reduction_axis(x, axis):
    from tensorflux._src.ops import array_ops

    if axis is None:
        r = x._rank()
        if r is not None:
            if r < len(_ALL_AXES) and state.graph is None:
                return _ALL_AXES[r]
            return np.arange(r, dtype=np.int32)
        return array_ops.range(0, array_ops.rank(x))
    if isinstance(axis, Tensor):
        return axis
    return np.asarray(axis, dtype=np.int32)


def _reduce(op_def, x, axis, keepdims, name):
    x = tensor(x)
    ax = tensor(_reduction_axis(x, axis))
    return execute(op_def, (x, ax), {"keep_dims": True} if keepdims else None, name)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    """Sum of elements across dimensions (``tf.math.reduce_sum``)."""
    x = tensor(input_tensor)
    if type(x) is EagerTensor:
        v = x._value
        if v.dtype.kind == "b":
            raise TypeError("reduce_sum does not support bool tensors; cast to an integer type")
        if axis is None and not keepdims and v.ndim < len(_ALL_AXES):
            return execute(SUM, (x, _ALL_AXES[v.ndim]), None, name)   # the common eager call
    elif x.dtype is _dt.bool:
        raise TypeError("reduce_sum does not support bool tensors; cast to an integer type")
    return _reduce(SUM, x, axis, keepdims, name)


def _floormod_kernel(x, y):
    if x.dtype.kind in "iu":
        if np.any(np.asarray(y) == 0):
            from tensorflux._src.core.errors import InvalidArgumentError
            raise InvalidArgumentError(None, None, "Integer division by zero")
        return np.mod(x, y)
    return np.fmod(x, y) + np.where((np.fmod(x, y) != 0) & ((np.fmod(x, y) < 0) != (y < 0)),
                                    y, 0).astype(x.dtype)


def _floormod_grad(op, g):
    x, y = op.inputs
    return [sum_to(g, x), sum_to(multiply(g, negative(floordiv(x, y))), y)]


FLOOR_MOD = defop("FloorMod", _floormod_kernel, inputs=("x: T", "y: T"), outputs=("z: T",),
                  types={"T": u.REAL}, infer=u.infer_broadcast, grad=_floormod_grad)


def floormod(x, y, name=None):
    """Elementwise remainder with the sign of the divisor (``tf.math.floormod``)."""
    x, y = binary_args(x, y)
    return execute(FLOOR_MOD, (x, y), None, name)


def _floordiv_kernel(x, y):
    if x.dtype.kind in "iu":
        if np.any(np.asarray(y) == 0):
            from tensorflux._src.core.errors import InvalidArgumentError
            raise InvalidArgumentError(None, None, "Integer division by zero")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(x, y)


FLOOR_DIV = defop("FloorDiv", _floordiv_kernel, inputs=("x: T", "y: T"), outputs=("z: T",),
                  types={"T": u.REAL}, infer=u.infer_broadcast, grad=lambda op, g: [None, None])


def floordiv(x, y, name=None):
    """Elementwise ``x // y`` rounding toward negative infinity (``tf.math.floordiv``)."""
    x, y = binary_args(x, y)
    return execute(FLOOR_DIV, (x, y), None, name)


def _useg_kernel(data, segment_ids, num_segments):
    n = int(num_segments)
    ids = np.asarray(segment_ids)
    out = np.zeros((n,) + data.shape[ids.ndim:], dtype=data.dtype)
    valid = ids >= 0
    if not np.all(valid):
        add_at(out, ids[valid], np.asarray(data)[valid])
    else:
        add_at(out, ids, data)
    return out


def _useg_infer(ic):
    d, ids = ic.shapes[0], ic.shapes[1]
    n = ic.values[2]
    if d is None or ids is None:
        return None
    return (None if n is None else int(n),) + tuple(d[len(ids):])


def _useg_grad(op, g):
    from tensorflux._src.ops import array_ops

    data, ids, _ = op.inputs
    safe = array_ops.where_v2(ids >= 0, ids, array_ops.zeros_like(ids))
    gathered = array_ops.gather(g, safe)
    mask_shape = array_ops.concat([array_ops.shape(ids), array_ops.ones(
        [array_ops.rank(data) - array_ops.rank(ids)], _dt.int32)], 0)
    mask = array_ops.reshape(cast(ids >= 0, g.dtype), mask_shape)
    return [multiply(gathered, mask), None, None]


UNSORTED_SEGMENT_SUM = defop(
    "UnsortedSegmentSum", _useg_kernel,
    inputs=("data: T", "segment_ids: Tindices", "num_segments: Tnumsegments"),
    outputs=("output: T",), types={"T": u.NUMERIC, "Tindices": u.INDEX,
                                   "Tnumsegments": u.INDEX},
    infer=_useg_infer, grad=_useg_grad)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums rows of ``data`` into ``num_segments`` buckets by ``segment_ids``."""
    return execute(UNSORTED_SEGMENT_SUM, (tensor(data), tensor(segment_ids),
                                          tensor(num_segments)), None, name)
