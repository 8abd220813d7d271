"""SparseTensor/RaggedTensor slicing and batching, sparse_batch, from_list, counter,
random and bucket_by_sequence_length, checked against values produced by TensorFlow 2.21
(``EXPECTED`` was generated once with the real ``tensorflow`` on the same pipelines)."""

import numpy as np
import pytest

import tensorflux as tf

# fmt: off
EXPECTED = {'bucket_default': {'card': -2,
                    'elems': [[[1, 2, 3, 4, 5], [1, 2, 3, 0, 0]], [[1, 0], [1, 2]],
                              [[1, 2, 3, 4, 5, 6, 7, 0], [1, 2, 3, 4, 5, 6, 7, 8]],
                              [[1, 2, 3, 4, 5, 6, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7, 8, 9]],
                              [[1, 2]], [[1, 2, 3, 4]]],
                    'spec': 'TensorSpec(shape=(None, None), dtype=tf.int64, name=None)'},
 'bucket_no_padding_drop': {'card': -2,
                            'elems': [[[1], [1], [1]], [[1], [1], [1]], [[1], [1], [1]]],
                            'spec': 'TensorSpec(shape=(None, None), dtype=tf.int64, '
                                    'name=None)'},
 'bucket_pad_boundary': {'card': -2,
                         'elems': [[[1, 2, 3, 4, 5, -1, -1, -1, -1],
                                    [1, 2, 3, -1, -1, -1, -1, -1, -1]],
                                   [[1, -1], [1, 2]],
                                   [[1, 2, 3, 4, 5, 6, 7, -1, -1],
                                    [1, 2, 3, 4, 5, 6, 7, 8, -1]],
                                   [[1, 2, 3, 4, -1, -1, -1, -1, -1],
                                    [1, 2, 3, 4, 5, 6, -1, -1, -1]]],
                         'spec': 'TensorSpec(shape=(None, None), dtype=tf.int64, name=None)'},
 'counter': {'card': 3,
             'elems': [3, 5, 7],
             'spec': 'TensorSpec(shape=(), dtype=tf.int64, name=None)'},
 'from_list': {'card': 2,
               'elems': [[1, 'a'], [2, 'bb']],
               'spec': '(TensorSpec(shape=(), dtype=tf.int32, name=None), '
                       'TensorSpec(shape=(), dtype=tf.string, name=None))'},
 'from_list_shapes': {'card': 2,
                      'elems': [[0.0, 0.0], [1.0, 1.0, 1.0]],
                      'spec': 'TensorSpec(shape=(None,), dtype=tf.float32, name=None)'},
 'mixed': {'card': 2,
           'elems': [{'a': {'r': [[1, 2], [3]]},
                      'b': [1, 2],
                      'c': {'i': [[0, 1]], 's': [2, 2], 'v': [7]}},
                     {'a': {'r': [[], [4, 5, 6]]},
                      'b': [3, 4],
                      'c': {'i': [[1, 0]], 's': [2, 2], 'v': [8]}}],
           'spec': "{'a': RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, tf.int64), "
                   "'b': TensorSpec(shape=(None,), dtype=tf.int32, name=None), 'c': "
                   'SparseTensorSpec(TensorShape([None, 2]), tf.int32)}'},
 'slices_ragged1': {'card': 4,
                    'elems': [[1, 2], [3], [], [4, 5, 6]],
                    'spec': 'RaggedTensorSpec(TensorShape([None]), tf.int32, 0, tf.int64)'},
 'slices_ragged1_batch': {'card': 2,
                          'elems': [{'r': [[1, 2], [3], []]}, {'r': [[4, 5, 6]]}],
                          'spec': 'RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, '
                                  'tf.int64)'},
 'slices_ragged2': {'card': 3,
                    'elems': [{'r': [[1, 2], [3]]}, {'r': [[4]]}, {'r': []}],
                    'spec': 'RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, '
                            'tf.int64)'},
 'slices_ragged2_batch': {'card': 2,
                          'elems': [{'r': [[[1, 2], [3]], [[4]]]}, {'r': [[]]}],
                          'spec': 'RaggedTensorSpec(TensorShape([None, None, None]), '
                                  'tf.int32, 2, tf.int64)'},
 'slices_sparse': {'card': 3,
                   'elems': [{'i': [[0]], 's': [4], 'v': [1.0]},
                             {'i': [[2]], 's': [4], 'v': [2.0]},
                             {'i': [[1], [3]], 's': [4], 'v': [3.0, 4.0]}],
                   'spec': 'SparseTensorSpec(TensorShape([4]), tf.float32)'},
 'slices_sparse3_batch': {'card': 1,
                          'elems': [{'i': [[0, 0, 1], [1, 0, 0], [1, 2, 0]],
                                     's': [2, 3, 2],
                                     'v': [1, 3, 2]}],
                          'spec': 'SparseTensorSpec(TensorShape([None, 3, 2]), tf.int32)'},
 'sparse_batch_2d': {'card': -2,
                     'elems': [{'i': [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0]],
                                's': [2, 2, 2],
                                'v': [0.0, 1.0, 0.0, 1.0]},
                               {'i': [], 's': [1, 2, 3], 'v': []}],
                     'spec': 'SparseTensorSpec(TensorShape([None, 2, None]), tf.float32)'},
 'sparse_batch_5': {'card': -2,
                    'elems': [{'i': [[0, 0], [1, 0], [1, 1], [1, 2]],
                               's': [3, 5],
                               'v': [10, 30, 31, 32]},
                              {'i': [[0, 0], [0, 1], [1, 0], [1, 1]],
                               's': [2, 5],
                               'v': [20, 21, 20, 21]}],
                    'spec': 'SparseTensorSpec(TensorShape([None, 5]), tf.int32)'},
 'sparse_batch_m1': {'card': -2,
                     'elems': [{'i': [[0, 0], [1, 0], [1, 1], [1, 2]],
                                's': [2, 3],
                                'v': [10, 30, 31, 32]},
                               {'i': [[1, 0], [1, 1]], 's': [2, 2], 'v': [20, 21]},
                               {'i': [[0, 0], [0, 1]], 's': [1, 2], 'v': [20, 21]}],
                     'spec': 'SparseTensorSpec(TensorShape([None, None]), tf.int32)'},
 'tensors_ragged_unbatch': {'card': 3,
                            'elems': [{'r': [[1, 2], [3]]}, {'r': [[4]]}, {'r': []}],
                            'spec': 'RaggedTensorSpec(TensorShape([None, None]), tf.int32, 1, '
                                    'tf.int64)'}}
# fmt: on


def _val(x):
    if isinstance(x, tf.SparseTensor):
        return {"i": x.indices.numpy().tolist(), "v": x.values.numpy().tolist(),
                "s": x.dense_shape.numpy().tolist()}
    if isinstance(x, tf.RaggedTensor):
        return {"r": x.to_list()}
    v = x.numpy()
    return v.decode() if isinstance(v, bytes) else v.tolist()


def _gen(sizes, dtype=np.int32):
    def g():
        for n in sizes:
            yield np.arange(n, dtype=dtype) + 10 * n
    return g


def _gen2():
    for s in [(1, 2), (2, 1), (0, 3)]:
        yield np.arange(s[0] * s[1], dtype=np.float32).reshape(s)


def _gen3():
    for n in [1, 5, 3, 7, 2, 8, 4, 6, 9, 2]:
        yield np.arange(1, n + 1, dtype=np.int64)


def _pipelines():
    D = tf.data.Dataset
    st = tf.SparseTensor([[0, 0], [1, 2], [2, 1], [2, 3]], [1., 2., 3., 4.], [3, 4])
    st3 = tf.SparseTensor([[0, 0, 1], [1, 0, 0], [1, 2, 0]], [1, 3, 2], [2, 3, 2])
    rt2 = tf.ragged.constant([[[1, 2], [3]], [[4]], []])
    rt1 = tf.ragged.constant([[1, 2], [3], [], [4, 5, 6]])
    sig = tf.TensorSpec([None], tf.int32)
    b = D.from_generator(_gen3, output_signature=tf.TensorSpec([None], tf.int64))
    return {
        "slices_sparse": D.from_tensor_slices(st),
        "slices_sparse3_batch": D.from_tensor_slices(st3).batch(2),
        "slices_ragged2": D.from_tensor_slices(rt2),
        "slices_ragged1": D.from_tensor_slices(rt1),
        "slices_ragged1_batch": D.from_tensor_slices(rt1).batch(3),
        "slices_ragged2_batch": D.from_tensor_slices(rt2).batch(2),
        "tensors_ragged_unbatch": D.from_tensors(rt2).unbatch(),
        "mixed": D.from_tensor_slices({"a": rt1, "b": tf.constant([1, 2, 3, 4]),
                                       "c": tf.SparseTensor([[0, 1], [3, 0]], [7, 8], [4, 2])}
                                      ).batch(2),
        "sparse_batch_m1": D.from_generator(_gen([1, 3, 0, 2, 2]), output_signature=sig
                                            ).sparse_batch(2, [None]),
        "sparse_batch_5": D.from_generator(_gen([1, 3, 0, 2, 2]), output_signature=sig
                                           ).sparse_batch(3, [5]),
        "sparse_batch_2d": D.from_generator(
            _gen2, output_signature=tf.TensorSpec([None, None], tf.float32)
        ).sparse_batch(2, tf.TensorShape([2, None])),
        "from_list": tf.data.experimental.from_list([(1, b"a"), (2, b"bb")]),
        "from_list_shapes": tf.data.experimental.from_list(
            [np.zeros([2], np.float32), np.ones([3], np.float32)]),
        "counter": D.counter(3, 2).take(3),
        "bucket_default": b.bucket_by_sequence_length(
            lambda x: tf.shape(x)[0], [3, 6], [2, 2, 2]),
        "bucket_pad_boundary": b.take(8).bucket_by_sequence_length(
            lambda x: tf.shape(x)[0], [3, 10], [2, 2, 3], pad_to_bucket_boundary=True,
            padding_values=np.int64(-1)),
        "bucket_no_padding_drop": b.map(lambda x: x[:1]).bucket_by_sequence_length(
            lambda x: tf.shape(x)[0] * 0 + tf.cast(x[0] % 3, tf.int32), [1, 2], [2, 3, 2],
            no_padding=True, drop_remainder=True),
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_matches_tensorflow(name):
    ds = _pipelines()[name]
    want = EXPECTED[name]
    assert repr(ds.element_spec) == want["spec"]
    assert int(ds.cardinality()) == want["card"]
    got = [tf.nest.map_structure(_val, e) if not isinstance(e, (tf.SparseTensor,
                                                                  tf.RaggedTensor))
           else _val(e) for e in ds]
    if name == "from_list":
        got = [list(e) for e in got]
    assert got == want["elems"]
