"""Spec rows for slicing/indexing (array_slicing.py) and manipulation (array_manip.py)."""

import numpy as np

import tensorflux as tf
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import array_ops, array_slicing
from tests.ops.harness import OpSpec

r = np.random.default_rng(7)
X = r.standard_normal((2, 3, 4)).astype(np.float32)
M = r.standard_normal((3, 4)).astype(np.float32)
V = r.standard_normal((5,)).astype(np.float32)
IM = np.arange(12, dtype=np.int32).reshape(3, 4)


def _ssg(dy):
    # StridedSliceGrad directly: x[1, ::-2] of a [3, 4] tensor.
    b, e, s = (tf.constant(v, tf.int32) for v in ([1, 0], [2, 0], [1, -2]))
    return execute(array_slicing.STRIDED_SLICE_GRAD,
                   (tf.constant([3, 4], tf.int32), b, e, s, dy),
                   {"shrink_axis_mask": 1, "begin_mask": 2, "end_mask": 2})


SPECS = [
    # StridedSlice through __getitem__
    OpSpec("getitem_int", lambda x: x[1], lambda x: x[1], [X]),
    OpSpec("getitem_neg_int", lambda x: x[-1, -2], lambda x: x[-1, -2], [X]),
    OpSpec("getitem_slice_step", lambda x: x[:, 1:, ::2], lambda x: x[:, 1:, ::2], [X]),
    OpSpec("getitem_neg_step", lambda x: x[::-1, :0:-2], lambda x: x[::-1, :0:-2], [X]),
    OpSpec("getitem_ellipsis", lambda x: x[..., 1], lambda x: x[..., 1], [X]),
    OpSpec("getitem_newaxis", lambda x: x[tf.newaxis, ..., None, 2:],
           lambda x: x[None, ..., None, 2:], [X]),
    OpSpec("getitem_mid_ellipsis", lambda x: x[0, ..., None, -1], lambda x: x[0, ..., None, -1],
           [X]),
    OpSpec("getitem_out_of_range_slice", lambda x: x[5:10, -10:2], lambda x: x[5:10, -10:2],
           [M]),
    OpSpec("getitem_tensor_index", lambda x, i: x[i, 1:], lambda x, i: x[i, 1:],
           [M, np.int32(2)]),
    OpSpec("getitem_tensor_bounds", lambda x, i: x[i:, :i], lambda x, i: x[i:, :i],
           [M, np.int32(1)], static_shape_exact=False),
    OpSpec("getitem_int_dtype", lambda x: x[1:, ::-1], lambda x: x[1:, ::-1], [IM]),
    OpSpec("getitem_scalar_result", lambda x: x[2], lambda x: x[2], [V]),
    OpSpec("strided_slice_masks",
           lambda x: tf.strided_slice(x, [0, 2], [2, -4], [1, -1], begin_mask=1),
           lambda x: x[:2, 2:-4:-1], [M]),
    OpSpec("strided_slice_grad_op", _ssg,
           lambda dy: np.array([[0, 0, 0, 0], [0, dy[1], 0, dy[0]], [0, 0, 0, 0]],
                               np.float32), [np.array([1.0, 2.0], np.float32)]),
    OpSpec("slice", lambda x: tf.slice(x, [1, 0, 1], [1, -1, 2]),
           lambda x: x[1:2, 0:, 1:3], [X]),
    OpSpec("slice_tensor_begin", lambda x, b: tf.slice(x, b, [2, 2]),
           lambda x, b: x[b[0]:b[0] + 2, b[1]:b[1] + 2], [M, np.array([1, 1], np.int32)],
           static_shape_exact=True),
    # manipulation
    OpSpec("squeeze_all", tf.squeeze, np.squeeze, [X[:1, :, :1]]),
    OpSpec("squeeze_axis", lambda x: tf.squeeze(x, axis=[0]), lambda x: x[0], [X[:1]]),
    OpSpec("transpose_default", tf.transpose, np.transpose, [X]),
    OpSpec("transpose_perm", lambda x: tf.transpose(x, [1, 2, 0]),
           lambda x: np.transpose(x, [1, 2, 0]), [X]),
    OpSpec("transpose_conjugate", lambda x: tf.transpose(x, conjugate=True),
           lambda x: np.conj(x.T), [(M + 1j * M).astype(np.complex128)], grad=False),
    OpSpec("invert_permutation",
           lambda p: execute(array_ops.INVERT_PERMUTATION, (p,)),
           lambda p: np.argsort(p).astype(np.int32), [np.array([2, 0, 3, 1], np.int32)]),
    OpSpec("tile", lambda x: tf.tile(x, [2, 1, 2]), lambda x: np.tile(x, [2, 1, 2]), [X]),
    OpSpec("tile_int", lambda x: tf.tile(x, [1, 2]), lambda x: np.tile(x, [1, 2]), [IM]),
    OpSpec("repeat_scalar", lambda x: tf.repeat(x, 2, axis=1), lambda x: np.repeat(x, 2, 1),
           [M]),
    OpSpec("repeat_flat", lambda x: tf.repeat(x, 2), lambda x: np.repeat(x, 2), [M]),
    OpSpec("repeat_list", lambda x: tf.repeat(x, [1, 0, 3], axis=0),
           lambda x: np.repeat(x, [1, 0, 3], 0), [M], unknown_shapes=False),
    OpSpec("repeat_list_axis1", lambda x: tf.repeat(x, [2, 1, 0, 1], axis=1),
           lambda x: np.repeat(x, [2, 1, 0, 1], 1), [M], unknown_shapes=False),
    OpSpec("reverse", lambda x: tf.reverse(x, [0, -1]), lambda x: x[::-1, :, ::-1], [X]),
    OpSpec("roll", lambda x: tf.roll(x, [1, -2], [0, 2]),
           lambda x: np.roll(x, [1, -2], [0, 2]), [X]),
    OpSpec("roll_same_axis", lambda x: tf.roll(x, [1, 2], [1, 1]),
           lambda x: np.roll(x, 3, 1), [M]),
    OpSpec("eye", lambda: tf.eye(3, 4), lambda: np.eye(3, 4, dtype=np.float32), []),
    OpSpec("eye_batch", lambda: tf.eye(2, batch_shape=[3], dtype=tf.float64),
           lambda: np.broadcast_to(np.eye(2), (3, 2, 2)), []),
    OpSpec("linspace", lambda a, b: tf.linspace(a, b, 5),
           lambda a, b: np.linspace(a, b, 5).astype(np.float32),
           [np.float32(-1.0), np.float32(2.0)]),
    OpSpec("linspace_num1", lambda a, b: tf.linspace(a, b, 1),
           lambda a, b: np.array([a], np.float32), [np.float32(-1.0), np.float32(2.0)]),
    OpSpec("linspace_batched", lambda a, b: tf.linspace(a, b, 4, axis=-1),
           lambda a, b: np.linspace(a, b, 4, axis=-1).astype(np.float32),
           [np.array([0.0, 1.0], np.float32), np.array([[1.0, 3.0]], np.float32)]),
    OpSpec("linspace_batched_axis0", lambda a, b: tf.linspace(a, b, 3),
           lambda a, b: np.linspace(a, b, 3).astype(np.float32),
           [np.array([0.0, 1.0], np.float32), np.array([1.0, 3.0], np.float32)]),
    OpSpec("meshgrid_xy", lambda a, b: tf.meshgrid(a, b), lambda a, b: np.meshgrid(a, b),
           [V[:3], V[:2]]),
    OpSpec("meshgrid_ij", lambda a, b, c: tf.meshgrid(a, b, c, indexing="ij"),
           lambda a, b, c: np.meshgrid(a, b, c, indexing="ij"), [V[:3], V[:2], V[:2]]),
]
