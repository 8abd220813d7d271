"""Shared helpers of the nn family: padding arithmetic, data formats, and access to the
elementwise math ops that the nn composites use.

The elementwise math (exp, log, tanh, comparisons, ...) belongs to the math family. The nn
composites look those functions up in ``tensorflux.math`` at call time; only while that
namespace lacks one of them does a small fallback op with TensorFlow's raw-op name get
registered here (lazily, at first use, so that the math family's own declaration wins).
"""

from __future__ import annotations

import importlib
import math

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import op_def as _op_def
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor
from tensorflux._src.ops import array_ops as A
from tensorflux._src.ops import math_ops as M
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import binary_args, tensor

# ---- padding / data-format arithmetic ---------------------------------------------------------


def conv_out_and_pads(in_sizes, k_sizes, strides, dilations, padding, explicit=None):
    """Output spatial sizes and ``[(before, after), ...]`` pads, TensorFlow's rules.

    ``in_sizes`` entries may be None (unknown): the output is then None too.
    """
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(in_sizes, k_sizes, strides, dilations)):
        ek = None if k is None else (k - 1) * d + 1
        if padding == "EXPLICIT":
            lo, hi = explicit[i]
            pads.append((lo, hi))
            outs.append(None if n is None or ek is None else (n + lo + hi - ek) // s + 1)
        elif padding == "SAME":
            if n is None:
                outs.append(None)
                pads.append((0, 0))
                continue
            o = -(-n // s)
            total = 0 if ek is None else max((o - 1) * s + ek - n, 0)
            outs.append(o)
            pads.append((total // 2, total - total // 2))
        elif padding == "VALID":
            outs.append(None if n is None or ek is None else max((n - ek) // s + 1, 0))
            pads.append((0, 0))
        else:
            raise ValueError(f"padding must be 'SAME', 'VALID' or 'EXPLICIT', got {padding!r}")
    return outs, pads


def channels_last(data_format):
    return data_format is None or not data_format.startswith("NC")


def spatial(vals, data_format, nd):
    """Take the spatial entries of a full-rank strides/dilations/ksize list."""
    vals = list(vals)
    if len(vals) == nd:
        return [int(v) for v in vals]
    return [int(v) for v in (vals[1:-1] if channels_last(data_format) else vals[2:])]


def full_list(v, nd, data_format, name):
    """Expand an int / list argument to TensorFlow's full-rank attr list."""
    if v is None:
        v = 1
    if isinstance(v, (int, np.integer)):
        v = [int(v)] * nd
    v = [int(x) for x in (v.numpy().tolist() if hasattr(v, "numpy") else v)]
    if len(v) == 1:
        v = v * nd
    if len(v) == nd:
        return [1] + v + [1] if channels_last(data_format) else [1, 1] + v
    if len(v) == nd + 2:
        return v
    raise ValueError(f"{name} should be of length 1, {nd} or {nd + 2} but was {len(v)}")


def padding_attrs(padding, nd, data_format):
    """Split a ``padding`` argument into TensorFlow's (padding, explicit_paddings) attrs."""
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or a list of pairs, got "
                             f"{padding!r}")
        return p, []
    pads = [list(map(int, pr)) for pr in padding]
    if len(pads) != nd + 2:
        raise ValueError(f"explicit padding must have {nd + 2} [before, after] pairs, got "
                         f"{len(pads)}")
    batch_ch = [0, -1] if channels_last(data_format) else [0, 1]
    for i in batch_ch:
        if pads[i] != [0, 0]:
            raise ValueError("explicit padding of the batch and channel dimensions must be 0")
    return "EXPLICIT", [v for pr in pads for v in pr]


def explicit_spatial(explicit_paddings, data_format, nd):
    if not explicit_paddings:
        return None
    pr = [(int(explicit_paddings[2 * i]), int(explicit_paddings[2 * i + 1]))
          for i in range(len(explicit_paddings) // 2)]
    return pr[1:-1] if channels_last(data_format) else pr[2:]


def to_cl(x, data_format):
    """NCHW-style array -> channels-last view."""
    if channels_last(data_format):
        return x
    return np.moveaxis(x, 1, -1)


def from_cl(x, data_format):
    if channels_last(data_format):
        return x
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


def nhwc_shape(s, data_format):
    """Reorder a static shape tuple to channels-last (None passes through)."""
    if s is None or channels_last(data_format):
        return s
    return (s[0],) + tuple(s[2:]) + (s[1],)


def from_nhwc_shape(s, data_format):
    if s is None or channels_last(data_format):
        return s
    return (s[0], s[-1]) + tuple(s[1:-1])


def shape_value(ic, i, rank):
    """A shape given as a constant input (e.g. ``input_sizes``), else all-unknown."""
    v = ic.values[i]
    if v is None:
        return (None,) * rank
    return tuple(int(x) for x in np.asarray(v).reshape(-1))


def is_zero(g):
    """True when ``g`` is known to be all zeros (the tape's filler for unused outputs)."""
    if g is None:
        return True
    if type(g) is EagerTensor:
        v = g._value
        return v.size < 4096 and not np.any(v)
    op = getattr(g, "op", None)
    return op is not None and getattr(op, "type", None) in ("ZerosLike",)


# ---- math-family functions with lazy fallbacks ----------------------------------------------

_cache: dict = {}


def lazy_op(name, kernel, **kw):
    """The op registered as ``name``, declaring it here if no family has yet."""
    try:
        return _op_def.get(name)
    except LookupError:
        return defop(name, kernel, **kw)


def _from_math(name):
    try:
        mod = importlib.import_module("tensorflux.math")
        return getattr(mod, name)
    except (ImportError, AttributeError):
        return None


def mathfn(name):
    """``tensorflux.math.<name>`` when the math family provides it, else the fallback."""
    f = _cache.get(name)
    if f is None:
        f = _from_math(name) or _FALLBACKS[name]
        _cache[name] = f
    return f


def _unary(opname, kernel, grad, types=u.FLOAT):
    def fn(x, name=None):
        op = lazy_op(opname, kernel, inputs=("x: T",), types={"T": types},
                      infer=u.infer_same, grad=grad)
        return execute(op, (tensor(x),), None, name)
    return fn


def _binary(opname, kernel, grad, types=u.REAL, out="T"):
    def fn(x, y, name=None):
        x, y = binary_args(x, y)
        op = lazy_op(opname, kernel, inputs=("x: T", "y: T"), outputs=(f"z: {out}",),
                      types={"T": types}, infer=u.infer_broadcast, grad=grad)
        return execute(op, (x, y), None, name)
    return fn


def _erf_kernel(x):
    try:
        from scipy import special
        return special.erf(x).astype(x.dtype)
    except ImportError:
        return np.vectorize(math.erf, otypes=[x.dtype])(x)


def _exp_grad(op, g):
    return [M.multiply(g, op.outputs[0])]


def _log_grad(op, g):
    return [M.divide_no_check(g, op.inputs[0])]


def _rsqrt_grad(op, g):
    y = op.outputs[0]
    return [M.multiply(g, M.multiply(-0.5, M.multiply(y, M.multiply(y, y))))]


def _tanh_grad(op, g):
    return [tanh_grad(op.outputs[0], g)]


def _sigmoid_grad(op, g):
    return [sigmoid_grad(op.outputs[0], g)]


def _erf_grad(op, g):
    x = op.inputs[0]
    e = mathfn("exp")(M.negative(M.multiply(x, x)))
    return [M.multiply(g, M.multiply(2.0 / math.sqrt(math.pi), e))]


def _max_grad(op, g):
    x, y = op.inputs
    c = mathfn("greater_equal")(x, y)
    z = A.zeros_like(g)
    return [M.sum_to(A.where_v2(c, g, z), x), M.sum_to(A.where_v2(c, z, g), y)]


def _tanh_grad_kernel(y, dy):
    return (dy * (1 - y * y)).astype(y.dtype)


def _sigmoid_grad_kernel(y, dy):
    return (dy * y * (1 - y)).astype(y.dtype)


def _tanh_gg(op, g):
    y, dy = op.inputs
    return [M.multiply(g, M.multiply(-2.0, M.multiply(dy, y))), tanh_grad(y, g)]


def _sigmoid_gg(op, g):
    y, dy = op.inputs
    gy = M.multiply(g, M.multiply(dy, M.subtract(1.0, M.multiply(2.0, y))))
    return [gy, sigmoid_grad(y, g)]


def _sigmoid_kernel(x):
    with np.errstate(over="ignore"):
        return (0.5 * (np.tanh(0.5 * x) + 1)).astype(x.dtype)


def tanh_grad(y, dy, name=None):
    op = lazy_op("TanhGrad", _tanh_grad_kernel, inputs=("y: T", "dy: T"),
                  types={"T": u.FLOAT_COMPLEX}, infer=u.infer_same, grad=_tanh_gg)
    return execute(op, (tensor(y), tensor(dy)), None, name)


def sigmoid_grad(y, dy, name=None):
    op = lazy_op("SigmoidGrad", _sigmoid_grad_kernel, inputs=("y: T", "dy: T"),
                  types={"T": u.FLOAT_COMPLEX}, infer=u.infer_same, grad=_sigmoid_gg)
    return execute(op, (tensor(y), tensor(dy)), None, name)


def _cmp(f):
    return lambda x, y: np.asarray(f(x, y))


_FALLBACKS = {
    "exp": _unary("Exp", lambda x: np.exp(x).astype(x.dtype), _exp_grad),
    "log": _unary("Log", lambda x: np.log(x).astype(x.dtype), _log_grad),
    "rsqrt": _unary("Rsqrt", lambda x: (1 / np.sqrt(x)).astype(x.dtype), _rsqrt_grad),
    "tanh": _unary("Tanh", lambda x: np.tanh(x).astype(x.dtype), _tanh_grad),
    "sigmoid": _unary("Sigmoid", _sigmoid_kernel, _sigmoid_grad),
    "erf": _unary("Erf", _erf_kernel, _erf_grad),
    "maximum": _binary("Maximum", np.maximum, _max_grad),
    "greater_equal": _binary("GreaterEqual", _cmp(np.greater_equal), NOT_DIFFERENTIABLE,
                             out="bool"),
    "greater": _binary("Greater", _cmp(np.greater), NOT_DIFFERENTIABLE, out="bool"),
    "less": _binary("Less", _cmp(np.less), NOT_DIFFERENTIABLE, out="bool"),
}


def exp(x):
    return mathfn("exp")(x)


def log(x):
    return mathfn("log")(x)


def rsqrt(x):
    return mathfn("rsqrt")(x)


def square(x):
    x = tensor(x)
    return M.multiply(x, x)


def reduce_mean(x, axis=None, keepdims=False):
    """Mean built from reduce_sum (the nn family's own composite, float inputs)."""
    x = tensor(x)
    s = M.reduce_sum(x, axis, keepdims=keepdims)
    sx = u.static_shape(x)
    if sx is not None:
        ax = u.axis_list(axis, len(sx))
        n = int(np.prod([sx[a] for a in ax])) if ax else 1
        return M.multiply(s, np.asarray(1.0 / max(n, 1), x.dtype.as_numpy_dtype))
    n = M.cast(M.floordiv(A.size(x), A.size(s)), x.dtype)
    return M.divide_no_check(s, n)


# ---- random uniform (dropout) -----------------------------------------------------------------

_rng = np.random.default_rng()


def _uniform_kernel(shape, dtype=_dt.float32, seed=0, seed2=0):
    return _rng.random(tuple(int(d) for d in np.asarray(shape).reshape(-1)),
                       dtype=np.float64).astype(dtype.np_dtype)


def random_uniform(shape, dtype=_dt.float32, seed=None):
    """Uniform [0, 1) draw: ``tf.random.uniform`` when available, else a fallback op."""
    f = _from_math_ns("random", "uniform")
    if f is not None:
        return f(shape, dtype=dtype, seed=seed)
    op = lazy_op("RandomUniform", _uniform_kernel, inputs=("shape: T",),
                  outputs=("output: dtype",), types={"T": u.INDEX, "dtype": u.FLOAT},
                  attrs={"seed": 0, "seed2": 0}, infer=lambda ic: shape_value(ic, 0, (
                      ic.shapes[0] or (None,))[0] or 0) if ic.values[0] is not None else (
                      None if ic.shapes[0] is None or ic.shapes[0][0] is None
                      else (None,) * ic.shapes[0][0]),
                  grad=NOT_DIFFERENTIABLE, stateful=True)
    return execute(op, (tensor(np.asarray(shape, np.int32)) if not hasattr(shape, "dtype")
                        else tensor(shape),), {"dtype": _dt.as_dtype(dtype)})


def _from_math_ns(ns, name):
    try:
        mod = importlib.import_module(f"tensorflux.{ns}")
        return getattr(mod, name)
    except (ImportError, AttributeError):
        return None
