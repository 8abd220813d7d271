"""Python operators on ``tf.Tensor`` and ``tf.Variable`` (``+ - * / // % ** @ < == & ~`` ...).

Installed onto the classes at import time, following TensorFlow's semantics:

* ``/`` is ``tf.math.truediv`` (integers are cast to float), ``//`` is ``floordiv``,
  ``%`` is ``floormod``, ``**`` is ``pow`` and ``@`` is ``matmul``;
* ``==`` and ``!=`` are elementwise (``tf.math.equal``); they return ``False``/``True``
  when the shapes cannot broadcast or the other operand is None;
* ``& | ^ ~`` are logical ops on bool tensors and bitwise ops on integers.

The eager path is kept short: ``a + b`` is one extra Python call over ``tf.add(a, b)``.
"""

from __future__ import annotations

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.framework.variables import Variable
from tensorflux._src.ops import math_binary as mb
from tensorflux._src.ops import math_compare as mc
from tensorflux._src.ops import math_ops as mo
from tensorflux._src.ops import math_unary as mu
from tensorflux._src.ops.op_util import binary_args, tensor

_bool = _dt.bool


def _binary(fn, opname):
    rname = f"__r{opname}__"

    def forward(x, y):
        try:
            return fn(x, y)
        except (TypeError, ValueError) as e:
            r_op = getattr(type(y), rname, None)
            if r_op is None or isinstance(y, (Tensor, Variable)):
                raise
            try:
                out = r_op(y, x)
            except (TypeError, ValueError):
                raise e from None
            if out is NotImplemented:
                raise
            return out

    def reverse(y, x):
        return fn(x, y)

    forward.__name__ = f"__{opname}__"
    reverse.__name__ = rname
    return forward, reverse


def _and(x, y, name=None):
    x, y = binary_args(x, y)
    if x.dtype is _bool:
        return execute(mc.LOGICAL_AND, (x, y), None, name)
    return execute(mc.BITWISE_AND, (x, y), None, name)


def _or(x, y, name=None):
    x, y = binary_args(x, y)
    if x.dtype is _bool:
        return execute(mc.LOGICAL_OR, (x, y), None, name)
    return execute(mc.BITWISE_OR, (x, y), None, name)


def _xor(x, y, name=None):
    x, y = binary_args(x, y)
    if x.dtype is _bool:
        return mc.logical_xor(x, y)
    return execute(mc.BITWISE_XOR, (x, y), None, name)


def _invert(x):
    x = tensor(x)
    if x.dtype is _bool:
        return execute(mu.LOGICAL_NOT, (x,), None, None)
    return execute(mu.INVERT, (x,), None, None)


_NO_SHAPE_ERROR = {"incompatible_shape_error": False}


def _eq(x, y):
    """Elementwise ``==``; False when ``y`` is None or the shapes do not broadcast."""
    if y is None:
        return False
    x, y = binary_args(x, y)
    return execute(mc.EQUAL, (x, y), _NO_SHAPE_ERROR, None)


def _ne(x, y):
    """Elementwise ``!=``; True when ``y`` is None or the shapes do not broadcast."""
    if y is None:
        return True
    x, y = binary_args(x, y)
    return execute(mc.NOT_EQUAL, (x, y), _NO_SHAPE_ERROR, None)


def _matmul(x, y):
    return mo.matmul(x, y)


def _pos(x):
    return x.value() if getattr(x, "_is_variable", False) else x


_BINARY = {
    "add": mo.add, "sub": mo.subtract, "mul": mo.multiply, "truediv": mb.truediv,
    "floordiv": mo.floordiv, "mod": mo.floormod, "pow": mb.pow, "matmul": _matmul,
    "and": _and, "or": _or, "xor": _xor,
}
_COMPARE = {"lt": mc.less, "le": mc.less_equal, "gt": mc.greater, "ge": mc.greater_equal}
_UNARY = {"neg": mo.negative, "abs": mu.abs, "invert": _invert, "pos": _pos}

OVERLOADABLE_OPERATORS = frozenset(
    [f"__{n}__" for n in _BINARY] + [f"__r{n}__" for n in _BINARY]
    + [f"__{n}__" for n in _COMPARE] + [f"__{n}__" for n in _UNARY] + ["__eq__", "__ne__"])


def install(cls):
    """Install the overloaded operators on ``cls`` (Tensor, Variable, or a tensor-like)."""
    for opname, fn in _BINARY.items():
        fwd, rev = _binary(fn, opname)
        setattr(cls, f"__{opname}__", fwd)
        setattr(cls, f"__r{opname}__", rev)
    for opname, fn in _COMPARE.items():
        setattr(cls, f"__{opname}__", _binary(fn, opname)[0])
    for opname, fn in _UNARY.items():
        setattr(cls, f"__{opname}__", fn)
    cls.__eq__ = _eq
    cls.__ne__ = _ne


install(Tensor)
install(Variable)
Tensor.OVERLOADABLE_OPERATORS = OVERLOADABLE_OPERATORS
