"""Spec rows for AutoGraph's optional iterator ops (``for x in dataset`` in tf.function):
IteratorGetNextAsOptional, OptionalHasValue, OptionalGetValue."""

import numpy as np

import tensorflux as tf
from tensorflux._src.autograph import optional_ops as oo
from tensorflux._src.data import ops as data_ops
from tensorflux._src.data.iterator_ops import OwnedIterator, _out_attrs
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import EagerTensor
from tests.ops.harness import OpSpec

ROWS = np.arange(6, dtype=np.float32).reshape(2, 3)


def _read_optionals(x):
    ds = tf.data.Dataset.from_tensor_slices(ROWS)
    it = iter(ds)
    h = EagerTensor(data_ops.handle(it)) if isinstance(it, OwnedIterator) else it._handle
    attrs = _out_attrs(ds.element_spec)
    opt_attrs = {"output_types": attrs["output_types"], "output_shapes": attrs["output_shapes"]}
    total, flags = x, []
    for _ in range(3):  # two elements, then the end of the data
        opt = execute(oo.ITERATOR_GET_NEXT_AS_OPTIONAL, [h], opt_attrs)
        has = execute(oo.OPTIONAL_HAS_VALUE, [opt], {})
        flags.append(tf.cast(has, tf.float32))
        if len(flags) < 3:
            value = execute(oo.OPTIONAL_GET_VALUE, [opt], attrs)
            total = total + (value[0] if isinstance(value, (tuple, list)) else value)
    return total, tf.stack(flags)


SPECS = [
    OpSpec("autograph_optional_iterator_ops", _read_optionals,
           lambda x: (ROWS.sum(0) + x, np.array([1.0, 1.0, 0.0], np.float32)),
           [np.ones(3, np.float32)], grad=False, unknown_shapes=False),
]
