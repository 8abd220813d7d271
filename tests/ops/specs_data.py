"""Spec rows for the tf.data graph ops: AnonymousIteratorV3, IteratorGetNext, ReduceDataset.

Each row builds a dataset from constants and reads it through the op, eagerly and traced.
"""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

ROWS = np.arange(12, dtype=np.float32).reshape(4, 3)


def _first_two(x):
    it = iter(tf.data.Dataset.from_tensor_slices(ROWS).map(lambda r: r * 2.0))
    return next(it) + next(it) + x


def _reduce(x):
    ds = tf.data.Dataset.from_tensor_slices(ROWS)
    return ds.reduce(x, lambda s, r: s + r)


SPECS = [
    OpSpec("data_iterator_get_next", _first_two, lambda x: (ROWS[0] + ROWS[1]) * 2 + x,
           [np.ones(3, np.float32)], grad=False, unknown_shapes=False),
    OpSpec("data_reduce_dataset", _reduce, lambda x: ROWS.sum(0) + x,
           [np.ones(3, np.float32)], grad=False),
]
