"""map + batch fusion (``MapAndBatch``), the generated plan runner and the single-record
parse layout cache: the fast paths give what the unfused / general paths give."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.data.tracing import TracedFunction


def _opts(fuse=None, defaults=None):
    o = tf.data.Options()
    if fuse is not None:
        o.experimental_optimization.map_and_batch_fusion = fuse
    if defaults is not None:
        o.experimental_optimization.apply_default_optimizations = defaults
    return o


def _stages(ds):
    it = iter(ds)
    next(it)
    return {s._stage.rsplit("::", 1)[-1] for s in it._reg.its}


class _Err(tuple):
    pass


def _collect(ds):
    """Every batch (as nested NumPy values) or ``("ERR", type, message)``, until the end."""
    it = iter(ds)
    out = []
    while True:
        try:
            b = next(it)
        except StopIteration:
            return out
        except tf.errors.OpError as e:
            out.append(_Err(("ERR", type(e).__name__, e.message.split("\n")[0])))
            continue
        out.append(tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, b))


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, _Err):
            assert x == y
            continue
        fx, fy = tf.nest.flatten(x), tf.nest.flatten(y)
        assert len(fx) == len(fy)
        for u, v in zip(fx, fy):
            u, v = np.asarray(u), np.asarray(v)
            assert u.dtype == v.dtype and u.shape == v.shape
            np.testing.assert_array_equal(u, v)


def _both(make):
    fused = make().with_options(_opts(True))
    plain = make().with_options(_opts(False))
    assert "MapAndBatch" in _stages(fused) and "MapAndBatch" not in _stages(plain)
    got, ref = _collect(fused), _collect(plain)
    _same(got, ref)
    return got


X = np.arange(70 * 3, dtype=np.float32).reshape(70, 3)
Y = np.arange(70, dtype=np.int64)


@pytest.mark.parametrize("calls", [None, 1, 2, tf.data.AUTOTUNE])
@pytest.mark.parametrize("drop", [False, True])
def test_fused_equals_unfused_structures(calls, drop):
    def make_tuple():
        return tf.data.Dataset.from_tensor_slices((X, Y)).map(
            lambda a, b: (a * 2.0 + tf.cast(b, tf.float32), b % 3, tf.reduce_sum(a) > 10.0),
            num_parallel_calls=calls).batch(16, drop_remainder=drop)

    def make_dict():
        return tf.data.Dataset.from_tensor_slices({"a": X, "b": Y}).map(
            lambda d: {"s": tf.reduce_sum(d["a"]), "nested": (d["b"], {"sq": d["a"] ** 2})},
            num_parallel_calls=calls, deterministic=False).batch(9, drop_remainder=drop)

    got = _both(make_tuple)
    assert len(got) == (4 if drop else 5) and got[0][0].shape == (16, 3)
    np.testing.assert_allclose(np.concatenate([g[0] for g in got]),
                               (X * 2 + Y[:, None])[:len(got) * 16])
    got = _both(make_dict)
    np.testing.assert_allclose(np.concatenate([g["nested"][1]["sq"] for g in got]),
                               (X ** 2)[:sum(len(g["s"]) for g in got)])


@pytest.mark.parametrize("calls", [None, 2])
def test_fused_string_and_scalar_results_and_identity(calls):
    words = np.array([b"a", b"bb", b"ccc", b"dddd", b"e"] * 5, dtype=object)
    got = _both(lambda: tf.data.Dataset.from_tensor_slices(words).map(
        lambda s: (s, tf.strings.length(s), tf.constant(7)), num_parallel_calls=calls).batch(4))
    assert got[0][0].tolist() == [b"a", b"bb", b"ccc", b"dddd"]
    _both(lambda: tf.data.Dataset.from_tensor_slices(X).map(lambda a: a).batch(8))
    _both(lambda: tf.data.Dataset.range(10).map(lambda v: tf.constant([1.5, 2.5])).batch(3))


@pytest.mark.parametrize("calls", [None, 2, tf.data.AUTOTUNE])
def test_varying_shapes_fall_back_with_batch_error(calls):
    # first element of a batch fixes the shape; a later one differs -> batch's own error
    got = _both(lambda: tf.data.Dataset.range(12).map(
        lambda v: tf.range(tf.where(v < 6, 3, v)), num_parallel_calls=calls).batch(4))
    assert got[0][0].tolist() == [0, 1, 2] and isinstance(got[2], _Err)
    assert "Cannot batch tensors with different shapes" in got[2][2]
    # same shapes inside each batch: fine
    got = _both(lambda: tf.data.Dataset.range(12).map(
        lambda v: tf.fill([v // 4 + 1], v), num_parallel_calls=calls).batch(4))
    assert [g.shape for g in got] == [(4, 1), (4, 2), (4, 3)]


def test_ragged_results_are_not_fused():
    rt = tf.ragged.constant([[[1, 2], [3]], [[4]], [[5, 6, 7]], [[8], [9]]])
    ds = tf.data.Dataset.from_tensor_slices(rt).map(lambda r: (r, 1)).batch(3)
    assert "MapAndBatch" not in _stages(ds)
    assert [(b.to_list(), c.numpy().tolist()) for b, c in ds] == [
        ([[[1, 2], [3]], [[4]], [[5, 6, 7]]], [1, 1, 1]), ([[[8], [9]]], [1])]


def _bad_at_5(x):
    return tf.debugging.check_numerics(1.0 / tf.cast(x - 5, tf.float32), "bad")


@pytest.mark.parametrize("calls", [None, 2, tf.data.AUTOTUNE])
def test_error_mid_batch_matches_tensorflow(calls):
    # Recorded with TensorFlow 2.21: the fused stage fails the whole batch (inputs 4..7),
    # the unfused pipeline drops the partial batch and continues after the bad element.
    def make():
        return tf.data.Dataset.range(12).map(_bad_at_5, num_parallel_calls=calls).batch(4)

    fused = _collect(make())
    assert [f if isinstance(f, _Err) else np.round(f.astype(float), 2).tolist() for f in fused] == [
        [-0.2, -0.25, -0.33, -0.5],
        ("ERR", "InvalidArgumentError", fused[1][2]),
        [0.33, 0.25, 0.2, 0.17]]
    assert "bad" in fused[1][2] and "Inf" in fused[1][2]
    plain = _collect(make().with_options(_opts(False)))
    assert [p if isinstance(p, _Err) else np.round(p.astype(float), 2).tolist() for p in plain] == [
        [-0.2, -0.25, -0.33, -0.5], ("ERR", "InvalidArgumentError", fused[1][2]),
        [1.0, 0.5, 0.33, 0.25], [0.2, 0.17]]
    kept = [b.numpy() for b in make().ignore_errors()]
    assert [len(k) for k in kept] == [4, 4]


def test_first_failing_element_of_batch_wins():
    words = np.array([b"1", b"2", b"3", b"4", b"bad3", b"6", b"7", b"bad7", b"9", b"10"], object)
    for calls in (None, 3, tf.data.AUTOTUNE):
        out = _collect(tf.data.Dataset.from_tensor_slices(words).map(
            tf.strings.to_number, num_parallel_calls=calls).batch(9))
        assert len(out) == 2 and isinstance(out[0], _Err) and "bad3" in out[0][2]
        assert out[1].tolist() == [10.0]


def test_option_switches_and_names():
    def make():
        return tf.data.Dataset.range(10).map(lambda v: v * 2, num_parallel_calls=2).batch(4)
    assert _stages(make()) == {"MapAndBatch", "Range"}
    assert _stages(make().with_options(_opts(False))) == {"BatchV2", "ParallelMapV2", "Range"}
    assert "MapAndBatch" not in _stages(make().with_options(_opts(defaults=False)))
    assert "MapAndBatch" in _stages(make().with_options(_opts(True, defaults=False)))
    small = tf.data.Dataset.range(10).map(lambda v: v * 2, num_parallel_calls=8).batch(4)
    assert "MapAndBatch" not in _stages(small)   # < 2 elements per thread: not fused
    # a later with_options applies to the whole pipeline (as in TensorFlow)
    assert "MapAndBatch" not in _stages(make().prefetch(1).with_options(_opts(False)))


def test_fused_checkpoint_resumes_at_next_batch(tmp_path):
    ds = tf.data.Dataset.range(50).map(lambda v: (v, tf.cast(v, tf.float32) / 2),
                                       num_parallel_calls=2).batch(7)
    it = iter(ds)
    [next(it) for _ in range(3)]
    it.save(str(tmp_path / "ck"))
    rest = [b[0].numpy().tolist() for b in it]
    it2 = iter(ds)
    it2.restore(str(tmp_path / "ck"))
    assert [b[0].numpy().tolist() for b in it2] == rest
    assert rest[0] == list(range(21, 28)) and rest[-1] == [49]


def _example(feats):
    f = {}
    for k, v in feats.items():
        if isinstance(v[0], float):
            f[k] = tf.train.Feature(float_list=tf.train.FloatList(value=v))
        elif isinstance(v[0], bytes):
            f[k] = tf.train.Feature(bytes_list=tf.train.BytesList(value=v))
        else:
            f[k] = tf.train.Feature(int64_list=tf.train.Int64List(value=v))
    return tf.train.Example(features=tf.train.Features(feature=f)).SerializeToString()


def _records():
    r = np.random.default_rng(1)
    recs = []
    for i in range(90):
        x = r.standard_normal(4).astype(np.float32).tolist()
        y = [int(r.integers(0, 10))] if i % 7 else [int(r.integers(200, 10 ** 12))]
        feats = {"x": x, "y": y}
        if i % 11 == 3:
            feats = {"y": y, "x": x}            # other key order, same length
        if i % 13 == 5:
            feats["extra"] = [b"z" * int(r.integers(1, 5))]
        if i % 17 == 8:
            feats["w"] = [float(i)] * 3           # unrequested numeric feature
        recs.append(_example(feats))
    return recs


FEAT = {"x": tf.io.FixedLenFeature([2, 2], tf.float32),
        "y": tf.io.FixedLenFeature([], tf.int64, default_value=-1)}


def test_tfrecord_parse_fused_equals_unfused_and_reference(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    recs = _records()
    with tf.io.TFRecordWriter(path) as w:
        for rec in recs:
            w.write(rec)
    got = _both(lambda: tf.data.TFRecordDataset(path).map(
        lambda s: tf.io.parse_single_example(s, FEAT),
        num_parallel_calls=tf.data.AUTOTUNE).batch(16))
    ref = [tf.train.Example.FromString(r).features.feature for r in recs]
    xs = np.concatenate([g["x"] for g in got])
    ys = np.concatenate([g["y"] for g in got])
    np.testing.assert_array_equal(
        xs, np.array([f["x"].float_list.value for f in ref], np.float32).reshape(-1, 2, 2))
    assert ys.tolist() == [f["y"].int64_list.value[0] for f in ref]


def test_single_record_layout_cache_equals_general_path():
    """Same-length records with other structures (key order, varint counts) must not be read
    at a remembered layout; errors and defaults still come from the general path."""
    feat = {"x": tf.io.FixedLenFeature([4], tf.float32),
            "y": tf.io.FixedLenFeature([1], tf.int64)}
    fn = tf.function(lambda s: tf.io.parse_single_example(s, feat))
    recs = _records()
    a = _example({"x": [1.0, 2, 3, 4], "y": [5]})
    b = _example({"y": [5], "x": [1.0, 2, 3, 4]})
    recs += [a, b, a]
    for rec in recs:
        ex = tf.train.Example.FromString(rec).features.feature
        out = fn(tf.constant(rec))
        np.testing.assert_array_equal(out["x"].numpy(), np.float32(ex["x"].float_list.value))
        assert out["y"].numpy().tolist() == list(ex["y"].int64_list.value)
    # payload 0x05 0x07 (two values) has the length of 0x85 0x01 (one value, 133)
    one = _example({"x": [1.0, 2, 3, 4], "y": [133]})
    two = one.replace(b"\x85\x01", b"\x05\x07")
    assert len(one) == len(two)
    assert fn(tf.constant(one))["y"].numpy().tolist() == [133]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Number of int64 values"):
        fn(tf.constant(two))
    assert fn(tf.constant(one))["y"].numpy().tolist() == [133]


def _plan_fn(f, spec):
    """The traced function and its plan's generated runner; ``_loop(t, feeds)`` is the
    executor's step loop (what profiling and check_numerics use)."""
    t = TracedFunction(f, spec)
    return t, t._plan.compiled()


def _loop(t, feeds):
    return t._plan.run(feeds, t._plan.steps)


def test_compiled_plan_matches_plan_run():
    t, run = _plan_fn(lambda v: (tf.reduce_sum(v * 2.0), tf.unstack(v)[0], tf.shape(v), v),
                      tf.TensorSpec([3], tf.float32))
    x = np.array([1.0, 2.0, 4.0], np.float32)
    got, ref = run(x), _loop(t, [x])
    assert len(got) == len(ref) == 4
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)
    t, run = _plan_fn(lambda v: tf.debugging.check_numerics(tf.math.log(v), "neg"),
                      tf.TensorSpec([2], tf.float32))
    bad = np.array([1.0, -1.0], np.float32)
    errs = []
    for call in (lambda: run(bad), lambda: _loop(t, [bad])):
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            call()
        errs.append(e.value.message)
    assert errs[0] == errs[1] and "neg" in errs[0]


def test_map_with_captured_variable_uses_current_value():
    v = tf.Variable(2.0)
    ds = tf.data.Dataset.range(4).map(lambda x: tf.cast(x, tf.float32) * v).batch(2)
    assert [b.numpy().tolist() for b in ds] == [[0.0, 2.0], [4.0, 6.0]]
    v.assign(3.0)
    assert [b.numpy().tolist() for b in ds] == [[0.0, 3.0], [6.0, 9.0]]
