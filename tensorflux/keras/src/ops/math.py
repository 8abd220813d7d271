"""``keras.ops`` math extras: segment reductions, top_k, in_top_k, extract_sequences, fft."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux.keras.src.ops.core import cast, convert_to_tensor
from tensorflux.keras.src.ops.numpy import _float_dtype, erfinv, logsumexp, rsqrt  # noqa: F401

_t = convert_to_tensor


def _segment(fn):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        data = _t(data)
        ids = cast(_t(segment_ids), "int32")
        if num_segments is None:
            num_segments = int(tf.reduce_max(ids).numpy()) + 1
        return fn(data, ids, num_segments)
    return op


segment_sum = _segment(tf.math.unsorted_segment_sum)
segment_max = _segment(tf.math.unsorted_segment_max)
segment_min = _segment(tf.math.unsorted_segment_min)
segment_prod = _segment(tf.math.unsorted_segment_prod)


def top_k(x, k, sorted=True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest entries along the last axis."""
    x = _t(x)
    values, indices = tf.nn.top_k(x, k, sorted=sorted)
    return values, indices


def in_top_k(targets, predictions, k):
    """Whether each target is among the top ``k`` predictions (ties count as in)."""
    targets = cast(_t(targets), "int32")
    predictions = _t(predictions)
    target_vals = tf.gather(predictions, tf.expand_dims(targets, -1), batch_dims=1)[:, 0]
    larger = tf.reduce_sum(tf.cast(predictions > tf.expand_dims(target_vals, -1), "int32"),
                           axis=-1)
    finite = tf.math.is_finite(tf.cast(target_vals, "float32"))
    return tf.logical_and(larger < k, finite)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` every ``sequence_stride`` along the last axis."""
    x = _t(x)
    n = x.shape[-1]
    frames = 1 + (n - sequence_length) // sequence_stride
    idx = (np.arange(frames)[:, None] * sequence_stride + np.arange(sequence_length)[None, :])
    return tf.gather(x, tf.constant(idx, "int32"), axis=len(x.shape) - 1)


def logdet(x):
    x = _t(x)
    return tf.linalg.logdet(x) if hasattr(tf.linalg, "logdet") else tf.math.log(
        tf.linalg.det(x))
