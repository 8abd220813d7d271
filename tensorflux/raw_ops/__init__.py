"""``tf.raw_ops``: every registered primitive, called by its TensorFlow raw-op name with
keyword arguments (``tf.raw_ops.MatMul(a=x, b=y, transpose_b=True)``).

Wrappers are generated from the op declarations on first access, so this list is always the
registry's. Resource inputs take ``tf.Variable`` objects.
"""

from tensorflux._src.ops.raw_ops import make_raw_op as _make
from tensorflux._src.ops.raw_ops import raw_op_names as _names


def __getattr__(name):
    fn = _make(name)
    globals()[name] = fn
    return fn


def __dir__():
    return _names()
