"""Symbolic tensors of the functional API (``keras.KerasTensor``) and their shape inference.

A layer called on KerasTensors is traced once on graph placeholders of the same shapes
(a scratch ``FuncGraph``); the core's static shape rules give the output shapes.
"""

from __future__ import annotations

from tensorflux._src.core import nest


class KerasTensor:
    """A symbolic tensor: shape (tuple, None for unknown), dtype name, producing layer."""

    def __init__(self, shape, dtype="float32", sparse=False, name=None, ragged=False):
        self._shape = tuple(None if d is None else int(d) for d in shape)
        self._dtype = str(getattr(dtype, "name", dtype))
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.name = name
        self._keras_history = None
        self._keras_mask = None

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    ndim = property(lambda self: len(self._shape))

    def __repr__(self):
        return (f"<KerasTensor shape={self._shape}, dtype={self._dtype}, "
                f"sparse={self.sparse}, ragged={self.ragged}, name={self.name}>")

    def __hash__(self):
        return id(self)

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python boolean. Use it as "
                        "an input to a Keras layer (or wrap the logic in a `Lambda` layer).")

    def __array__(self, *a, **k):
        raise TypeError(
            "A KerasTensor cannot be used as input to a TensorFlow function. A KerasTensor is "
            "a symbolic placeholder for a shape and dtype, used when constructing Keras "
            "Functional models. Wrap the call in a Keras layer (e.g. `keras.layers.Lambda`).")

    # Operators build op layers, as Keras 3 does with keras.ops on symbolic tensors.
    def _op(self, name, fn, *others):
        from tensorflux.keras.src.engine.op_layer import OpLayer

        return OpLayer(fn, name)(self, *others)

    def __add__(self, o): return self._op("add", lambda a, b: a + b, o)  # noqa: E704
    def __radd__(self, o): return self._op("add", lambda a, b: b + a, o)  # noqa: E704
    def __sub__(self, o): return self._op("subtract", lambda a, b: a - b, o)  # noqa: E704
    def __rsub__(self, o): return self._op("subtract", lambda a, b: b - a, o)  # noqa: E704
    def __mul__(self, o): return self._op("multiply", lambda a, b: a * b, o)  # noqa: E704
    def __rmul__(self, o): return self._op("multiply", lambda a, b: b * a, o)  # noqa: E704
    def __truediv__(self, o): return self._op("divide", lambda a, b: a / b, o)  # noqa: E704
    def __rtruediv__(self, o): return self._op("divide", lambda a, b: b / a, o)  # noqa: E704
    def __pow__(self, o): return self._op("power", lambda a, b: a ** b, o)  # noqa: E704
    def __matmul__(self, o): return self._op("matmul", lambda a, b: a @ b, o)  # noqa: E704
    def __neg__(self): return self._op("negative", lambda a: -a)  # noqa: E704
    def __abs__(self): return self._op("absolute", lambda a: abs(a))  # noqa: E704

    def __getitem__(self, key):
        return self._op("get_item", lambda a: a[key])


def any_symbolic(args, kwargs):
    for x in args:
        if isinstance(x, KerasTensor):
            return True
        if isinstance(x, (list, tuple, dict)) and any(
                isinstance(y, KerasTensor) for y in nest.flatten(x)):
            return True
    for x in kwargs.values():
        if isinstance(x, KerasTensor) or (isinstance(x, (list, tuple, dict)) and any(
                isinstance(y, KerasTensor) for y in nest.flatten(x))):
            return True
    return False


def trace_symbolic(layer, args, kwargs):
    """Call ``layer`` on placeholders standing for the KerasTensors in args/kwargs; return
    KerasTensors with the traced output shapes/dtypes (and masks)."""
    import tensorflux as tf
    from tensorflux._src.framework.graph import FuncGraph
    from tensorflux._src.framework.tensor import Tensor

    g = FuncGraph("keras_symbolic")

    def ph(x):
        if not isinstance(x, KerasTensor):
            return x
        t = g.placeholder(tf.as_dtype(x.dtype), x.shape, name="input")
        if x._keras_mask is not None:
            m = x._keras_mask
            t._keras_mask = g.placeholder(tf.as_dtype(m.dtype), m.shape, name="mask")
        return t

    saved_losses = list(layer._losses)
    with g.as_default():
        a = [nest.map_structure(ph, x) for x in args]
        k = {key: nest.map_structure(ph, v) for key, v in kwargs.items()}
        out = layer.__call__(*a, **k)
    layer._losses[:] = saved_losses

    def to_kt(t):
        if not isinstance(t, Tensor):
            return t
        kt = KerasTensor(t.shape.as_list() if t.shape.rank is not None else (), t.dtype.name)
        m = getattr(t, "_keras_mask", None)
        if isinstance(m, Tensor):
            kt._keras_mask = KerasTensor(m.shape.as_list(), m.dtype.name)
        return kt
    return nest.map_structure(to_kt, out)
