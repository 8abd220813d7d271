"""``tf.debugging``: assertions, ``check_numerics`` and ``Assert``.

Eagerly an assertion raises ``InvalidArgumentError`` at once (and returns None). While
``tf.function`` traces, it adds a stateful ``Assert`` node (returned, usable with
``tf.control_dependencies``) that raises when the function runs; conditions that are
already known at trace time fail at trace time, as in TensorFlow.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core.errors import InvalidArgumentError
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework import context
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.graph import constant_value
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops import math_compare as mc
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor

# ---- ops ---------------------------------------------------------------------------------------


def _fmt(v, summarize):
    a = np.asarray(v)
    if a.dtype.kind == "O" or a.dtype.kind in "SU":
        if a.ndim == 0:
            x = a[()]
            return x.decode() if isinstance(x, bytes) else str(x)
        return str([x.decode() if isinstance(x, bytes) else x for x in a.reshape(-1)])
    flat = a.reshape(-1)
    n = flat.size if summarize is None or summarize < 0 else min(summarize, flat.size)
    body = " ".join(str(x) for x in flat[:n]) + ("..." if n < flat.size else "")
    return body if a.ndim == 0 else f"[{body}]"


def _assert_kernel(condition, data, summarize=3):
    if not np.all(condition):
        parts = " ".join(f"[{_fmt(d, summarize)}]" for d in data)
        raise InvalidArgumentError(None, None, f"assertion failed: {parts}")
    return ()


ASSERT = defop("Assert", _assert_kernel, inputs=("condition: bool", "data: list"), outputs=(),
               attrs={"summarize": 3}, grad=NOT_DIFFERENTIABLE, stateful=True)


def _check_numerics_kernel(x, message=""):
    if x.dtype.kind in "fc" and not np.all(np.isfinite(x)):
        kinds = []
        if np.any(np.isnan(x)):
            kinds.append("NaN")
        if np.any(np.isinf(x)):
            kinds.append("Inf")
        raise InvalidArgumentError(None, None, f"{message} : Tensor had "
                                   f"{' and '.join(kinds)} values")
    return x


def _check_numerics_grad(op, g):
    return [check_numerics(g, "Not a number (NaN) or infinity (Inf) values detected in "
                              f"gradient. {op.get_attr('message')}")]


CHECK_NUMERICS = defop("CheckNumerics", _check_numerics_kernel, inputs=("tensor: T",),
                       outputs=("output: T",), types={"T": u.FLOAT_COMPLEX},
                       attrs={"message": ""}, infer=u.infer_same, grad=_check_numerics_grad,
                       stateful=True)


def _graph():
    return context.state.graph


def Assert(condition, data, summarize=None, name=None):
    """Raises ``InvalidArgumentError`` listing ``data`` if ``condition`` is False
    (``tf.debugging.Assert``).

    Example:
        >>> tf.debugging.Assert(tf.constant(True), ["never shown"]) is None
        True
    """
    cond = tensor(condition)
    if cond.dtype is not _dt.bool:
        raise TypeError(f"condition must be a bool tensor, got {cond.dtype.name}")
    data = [d if isinstance(d, Tensor) else tensor(d) for d in data]
    s = 3 if summarize is None else summarize
    if _graph() is None:
        if not np.all(cond._value):
            shown = "\n".join(_fmt(d._value, s) for d in data)
            raise InvalidArgumentError(
                None, None, f"Expected '{cond}' to be true. Summarized data: {shown}")
        return None
    execute(ASSERT, (cond, data), {"summarize": s}, name)
    return _graph().get_operations()[-1]


def check_numerics(tensor_, message, name=None):
    """Raises ``InvalidArgumentError`` with ``message`` if ``tensor`` has NaN or Inf;
    returns it unchanged otherwise (``tf.debugging.check_numerics``).

    Example:
        >>> tf.debugging.check_numerics(tf.constant([1.0]), "bad").numpy().tolist()
        [1.0]
    """
    return execute(CHECK_NUMERICS, (tensor(tensor_),), {"message": str(message)}, name)


def assert_all_finite(x, message, name=None):
    """Same as ``check_numerics`` (``tf.debugging.assert_all_finite``).

    Example:
        >>> tf.debugging.assert_all_finite(tf.constant([1.0]), "bad").numpy().tolist()
        [1.0]
    """
    return check_numerics(x, message, name)


def enable_check_numerics(stack_height_limit=30, path_length_limit=50):
    """Makes every eager op check its float outputs for NaN/Inf
    (``tf.debugging.enable_check_numerics``).

    Example:
        >>> tf.debugging.enable_check_numerics(); tf.debugging.disable_check_numerics()
    """
    context.settings.check_numerics = True


def disable_check_numerics():
    """Turns off ``enable_check_numerics`` (``tf.debugging.disable_check_numerics``).

    Example:
        >>> tf.debugging.disable_check_numerics()
    """
    context.settings.check_numerics = False


# ---- comparison assertions ---------------------------------------------------------------------


def _first(a, n):
    return np.asarray(a).reshape(-1)[:n]


def _binary_assert(sym, test_fn, x, y, message, summarize, name):
    x, y = u.binary_args(x, y)
    n = 3 if summarize is None else summarize
    pre = f"{message}\n" if message else ""
    if _graph() is None:
        ok = np.asarray(test_fn(x, y)._value)
        if not np.all(ok):
            xv, yv = np.asarray(x._value), np.asarray(y._value)
            bx, by = np.broadcast_arrays(xv, yv)
            bad = np.argwhere(~np.broadcast_to(ok, bx.shape))[:n]
            idx = tuple(bad.T)
            raise InvalidArgumentError(
                None, None,
                f"{pre}Condition x {sym} y did not hold.\nIndices of first {len(bad)} different"
                f" values:\n{bad}\nCorresponding x values:\n{bx[idx]}\nCorresponding y values:"
                f"\n{by[idx]}\nFirst {min(n, xv.size)} elements of x:\n{_first(xv, n)}\n"
                f"First {min(n, yv.size)} elements of y:\n{_first(yv, n)}")
        return None
    cond = test_fn(x, y)
    xc, yc = constant_value(x), constant_value(y)
    if xc is not None and yc is not None and not np.all(constant_value(cond) if
                                                         constant_value(cond) is not None
                                                         else test_fn_np(sym, xc, yc)):
        raise InvalidArgumentError(None, None, f"{pre}Condition x {sym} y did not hold "
                                   f"element-wise: x = {xc}, y = {yc}")
    from tensorflux._src.ops.math_reduce import reduce_all
    data = [tensor(message or ""), tensor(f"Condition x {sym} y did not hold element-wise:"),
            tensor("x = "), x, tensor("y = "), y]
    return Assert(reduce_all(cond), data, summarize=n, name=name)


_NP = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
       ">=": np.greater_equal}


def test_fn_np(sym, x, y):
    return _NP[sym](x, y)


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Asserts ``x == y`` elementwise (``tf.debugging.assert_equal``).

    Example:
        >>> tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2])) is None
        True
    """
    return _binary_assert("==", mc.equal, x, y, message, summarize, name)


def assert_none_equal(x, y, summarize=None, message=None, name=None):
    """Asserts ``x != y`` elementwise (``tf.debugging.assert_none_equal``).

    Example:
        >>> tf.debugging.assert_none_equal(tf.constant([1]), tf.constant([2])) is None
        True
    """
    return _binary_assert("!=", mc.not_equal, x, y, message, summarize, name)


def assert_less(x, y, message=None, summarize=None, name=None):
    """Asserts ``x < y`` elementwise (``tf.debugging.assert_less``).

    Example:
        >>> tf.debugging.assert_less(tf.constant([1]), tf.constant([2])) is None
        True
    """
    return _binary_assert("<", mc.less, x, y, message, summarize, name)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """Asserts ``x <= y`` elementwise (``tf.debugging.assert_less_equal``).

    Example:
        >>> tf.debugging.assert_less_equal(tf.constant([2]), tf.constant([2])) is None
        True
    """
    return _binary_assert("<=", mc.less_equal, x, y, message, summarize, name)


def assert_greater(x, y, message=None, summarize=None, name=None):
    """Asserts ``x > y`` elementwise (``tf.debugging.assert_greater``).

    Example:
        >>> tf.debugging.assert_greater(tf.constant([3]), tf.constant([2])) is None
        True
    """
    return _binary_assert(">", mc.greater, x, y, message, summarize, name)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """Asserts ``x >= y`` elementwise (``tf.debugging.assert_greater_equal``).

    Example:
        >>> tf.debugging.assert_greater_equal(tf.constant([2]), tf.constant([2])) is None
        True
    """
    return _binary_assert(">=", mc.greater_equal, x, y, message, summarize, name)


def _sign_assert(sym, fn, x, message, summarize, name, zero_first):
    x = tensor(x)
    zero = mo.cast(0, x.dtype)
    a, b = (zero, x) if zero_first else (x, zero)
    return _binary_assert(sym, fn, a, b, message, summarize, name)


def assert_positive(x, message=None, summarize=None, name=None):
    """Asserts ``x > 0`` elementwise (``tf.debugging.assert_positive``).

    Example:
        >>> tf.debugging.assert_positive(tf.constant([1.0])) is None
        True
    """
    return _sign_assert("<", mc.less, x, message, summarize, name, True)


def assert_negative(x, message=None, summarize=None, name=None):
    """Asserts ``x < 0`` elementwise (``tf.debugging.assert_negative``).

    Example:
        >>> tf.debugging.assert_negative(tf.constant([-1.0])) is None
        True
    """
    return _sign_assert("<", mc.less, x, message, summarize, name, False)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """Asserts ``x >= 0`` elementwise (``tf.debugging.assert_non_negative``).

    Example:
        >>> tf.debugging.assert_non_negative(tf.constant([0.0])) is None
        True
    """
    return _sign_assert("<=", mc.less_equal, x, message, summarize, name, True)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """Asserts ``x <= 0`` elementwise (``tf.debugging.assert_non_positive``).

    Example:
        >>> tf.debugging.assert_non_positive(tf.constant([0.0])) is None
        True
    """
    return _sign_assert("<=", mc.less_equal, x, message, summarize, name, False)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Asserts ``|x - y| <= atol + rtol * |y|`` elementwise (``tf.debugging.assert_near``).

    Default tolerances are ``10 * eps`` of the dtype.

    Example:
        >>> tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.0 + 1e-7])) is None
        True
    """
    from tensorflux._src.ops.math_unary import abs as abs_
    x, y = u.binary_args(x, y)
    eps = float(np.finfo(x.dtype.as_numpy_dtype).eps) if x.dtype.is_floating else 0.0
    rtol = tensor(10 * eps if rtol is None else rtol, dtype=x.dtype)
    atol = tensor(10 * eps if atol is None else atol, dtype=x.dtype)
    diff = abs_(mo.subtract(x, y))
    tol = mo.add(atol, mo.multiply(rtol, abs_(y)))
    pre = message or ""
    msg = f"{pre}\nx and y not equal to tolerance rtol = {rtol}, atol = {atol}".strip()
    return _binary_assert("<=", mc.less_equal, diff, tol, msg, summarize, name)


# ---- static assertions -------------------------------------------------------------------------


def _rank_assert(x, rank, message, name, at_least):
    x = tensor(x)
    rank_v = int(np.asarray(constant_value(tensor(rank))))
    r = x.shape.rank
    pre = f"{message}. " if message else ""
    what = "at least " if at_least else ""
    if r is not None:
        if (r < rank_v) if at_least else (r != rank_v):
            raise ValueError(f"{pre}Tensor must have rank {what}{rank_v}. Received rank {r}, "
                             f"shape {x.shape}")
        return None
    from tensorflux._src.ops import array_ops
    cond = (mc.greater_equal if at_least else mc.equal)(array_ops.rank(x), rank_v)
    return Assert(cond, [tensor(f"{pre}Tensor must have rank {what}{rank_v}. Received "
                                "shape: "), array_ops.shape(x)], name=name)


def assert_rank(x, rank, message=None, name=None):
    """Asserts ``x`` has rank ``rank``; ValueError when known statically
    (``tf.debugging.assert_rank``).

    Example:
        >>> tf.debugging.assert_rank(tf.constant([[1]]), 2) is None
        True
    """
    return _rank_assert(x, rank, message, name, False)


def assert_rank_at_least(x, rank, message=None, name=None):
    """Asserts ``x`` has rank ``>= rank`` (``tf.debugging.assert_rank_at_least``).

    Example:
        >>> tf.debugging.assert_rank_at_least(tf.constant([[1]]), 1) is None
        True
    """
    return _rank_assert(x, rank, message, name, True)


def assert_rank_in(x, ranks, message=None, name=None):
    """Asserts the rank of ``x`` is one of ``ranks`` (``tf.debugging.assert_rank_in``).

    Example:
        >>> tf.debugging.assert_rank_in(tf.constant([1]), [1, 2]) is None
        True
    """
    x = tensor(x)
    r = x.shape.rank
    if r is not None and r not in [int(v) for v in ranks]:
        raise ValueError(f"{message or ''} Tensor must have rank in {list(ranks)}. Received rank "
                         f"{r}, shape {x.shape}".strip())
    return None


def assert_type(tensor_, tf_type, message=None, name=None):
    """Raises TypeError unless ``tensor.dtype == tf_type`` (``tf.debugging.assert_type``).

    Example:
        >>> tf.debugging.assert_type(tf.constant(1.0), tf.float32) is None
        True
    """
    dt = _dt.as_dtype(tf_type)
    got = tensor_.dtype
    if got != dt:
        pre = f"{message} " if message else ""
        raise TypeError(f"{pre}{getattr(tensor_, 'name', 'tensor') if _graph() else 'tensor'} "
                        f"must be of type {dt!r}; got {got!r}")
    return None


def assert_integer(x, message=None, name=None):
    """Raises TypeError unless ``x`` has an integer dtype (``tf.debugging.assert_integer``).

    Example:
        >>> tf.debugging.assert_integer(tf.constant(1)) is None
        True
    """
    x = tensor(x)
    if not x.dtype.is_integer:
        raise TypeError(f"{message or ''} Expected integer type, got {x.dtype!r}".strip())
    return None


def assert_scalar(tensor_, name=None, message=None):
    """Raises ValueError unless ``tensor`` is a scalar; returns it (``tf.debugging.assert_scalar``).

    Example:
        >>> int(tf.debugging.assert_scalar(tf.constant(3)))
        3
    """
    t = tensor(tensor_)
    if t.shape.rank is not None and t.shape.rank != 0:
        raise ValueError(f"{message or ''} Expected scalar shape, saw shape: {t.shape}.".strip())
    return t


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """Asserts the shapes of several tensors against symbolic specs
    (``tf.debugging.assert_shapes``).

    ``shapes`` is a list of ``(tensor, spec)`` pairs; a spec entry is an int, a string symbol
    that must be the same size everywhere it appears, ``None``/``'.'`` for any size, and a
    leading ``'*'`` for any number of leading dimensions. Checks known dims (eagerly: all).

    Example:
        >>> tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", 3)),
        ...                             (tf.zeros([2]), ("N",))]) is None
        True
    """
    items = shapes.items() if isinstance(shapes, dict) else shapes
    sizes = {}
    pre = f"{message}. " if message else ""
    for t, spec in items:
        t = t.deref() if hasattr(t, "deref") else t
        t = tensor(t)
        spec = tuple(spec) if not isinstance(spec, str) else tuple(spec)
        dims = t.shape.as_list() if t.shape.rank is not None else None
        if dims is None:
            continue
        if spec and spec[0] == "*":
            spec = spec[1:]
            if len(dims) < len(spec):
                raise ValueError(f"{pre}Specified by tensor shape {spec}: tensor must have "
                                 f"rank at least {len(spec)}. Received rank {len(dims)}")
            dims = dims[len(dims) - len(spec):]
        elif len(dims) != len(spec):
            raise ValueError(f"{pre}Specified by tensor shape {t.shape} and {spec}: tensor "
                             f"must have rank {len(spec)}. Received rank {len(dims)}")
        for i, (d, s) in enumerate(zip(dims, spec)):
            if s is None or s == "." or d is None:
                continue
            if isinstance(s, str):
                want = sizes.setdefault(s, d)
            else:
                want = int(s)
            if d != want:
                raise ValueError(f"{pre}Specified by tensor with shape {t.shape}: dimension "
                                 f"{i} must have size {want} ({s!r}). Received size {d}")
    return None
