"""Threads in tf.data: parallel map order, errors re-raised in the consumer, no hangs,
threads cleaned up. Every test body runs under a watchdog so that a hang fails fast."""

import gc
import threading
import time
import traceback

import numpy as np
import pytest

import tensorflux as tf


def _run(fn, timeout=20):
    box = {}

    def target():
        try:
            box["v"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised below
            box["e"] = e
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"tf.data pipeline hung for more than {timeout}s"
    if "e" in box:
        raise box["e"]
    return box.get("v")


def _data_threads():
    return [t for t in threading.enumerate() if t.name.startswith("tf_data")]


def test_parallel_map_keeps_order_and_matches_sequential():
    x = np.random.default_rng(0).standard_normal((40, 1000)).astype(np.float32)
    f = lambda v: tf.reduce_sum(tf.tanh(v) * 2.0)  # noqa: E731
    seq = [float(v) for v in tf.data.Dataset.from_tensor_slices(x).map(f)]
    for n in (2, 3, tf.data.AUTOTUNE):
        par = _run(lambda n=n: [float(v) for v in tf.data.Dataset.from_tensor_slices(x).map(
            f, num_parallel_calls=n)])
        assert par == seq
    ref = (np.tanh(x) * 2).sum(1)
    np.testing.assert_allclose(seq, ref, rtol=1e-4)


def test_parallel_map_uses_several_threads():
    x = np.ones((16, 300_000), np.float32)
    ds = tf.data.Dataset.from_tensor_slices(x).map(lambda v: tf.exp(v) + 1.0,
                                                   num_parallel_calls=3)
    it = iter(ds)
    next(it)
    names = {t.name for t in _data_threads()}
    assert len([n for n in names if n.startswith("tf_data_map")]) >= 2
    it.close()


def test_nondeterministic_map_is_a_permutation():
    ds = tf.data.Dataset.range(30).map(lambda x: x * 2, num_parallel_calls=3,
                                       deterministic=False)
    out = _run(lambda: sorted(int(v) for v in ds))
    assert out == [2 * i for i in range(30)]


def test_worker_error_reraised_in_consumer_with_traceback():
    data = np.array([1.0, 2.0, 0.0, 4.0], np.float32)
    ds = tf.data.Dataset.from_tensor_slices(data).map(
        lambda v: tf.debugging.check_numerics(1.0 / v, "bad value"), num_parallel_calls=2)

    def consume():
        it = iter(ds)
        got = [float(next(it)), float(next(it))]
        with pytest.raises(tf.errors.InvalidArgumentError, match="bad value") as ei:
            next(it)
        frames = [f.filename for f in traceback.extract_tb(ei.value.__traceback__)]
        assert any("concurrent" in f or "executor.py" in f for f in frames)
        got.append(float(next(it)))    # as in TensorFlow, the next element still comes
        return got
    assert _run(consume) == [1.0, 0.5, 0.25]


def test_prefetch_propagates_generator_error_and_stops():
    def gen():
        yield 1
        raise RuntimeError("boom in generator")
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int32))

    def consume():
        it = iter(ds.prefetch(2))
        assert int(next(it)) == 1
        with pytest.raises(RuntimeError, match="boom in generator"):
            next(it)
        with pytest.raises(StopIteration):
            next(it)
    _run(consume)


def test_prefetch_overlaps_producer_and_consumer():
    T = 0.03

    def gen():
        while True:
            time.sleep(T)
            yield 1
    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([], tf.int32))

    def steps(d, n=8):
        it = iter(d)
        next(it)
        t0 = time.perf_counter()
        for _ in range(n):
            next(it)
            time.sleep(T)
        it.close()
        return (time.perf_counter() - t0) / n
    plain = _run(lambda: steps(ds))
    pre = _run(lambda: steps(ds.prefetch(tf.data.AUTOTUNE)))
    assert plain > 1.8 * T
    assert pre < 1.5 * T


def test_threads_cleaned_up_on_gc_and_close():
    gc.collect()
    before = len(_data_threads())
    ds = tf.data.Dataset.range(10 ** 6).map(lambda x: x + 1, num_parallel_calls=2).prefetch(4)
    it = iter(ds)
    next(it)
    assert len(_data_threads()) > before
    del it
    gc.collect()
    deadline = time.time() + 10
    while len(_data_threads()) > before and time.time() < deadline:
        time.sleep(0.05)
    assert len(_data_threads()) <= before


def test_parallel_interleave_reads_in_order():
    ds = tf.data.Dataset.range(4).interleave(
        lambda x: tf.data.Dataset.range(x * 10, x * 10 + 3), cycle_length=2,
        num_parallel_calls=2)
    out = _run(lambda: [int(v) for v in ds])
    assert out == [0, 10, 1, 11, 2, 12, 20, 30, 21, 31, 22, 32]


def test_repeat_of_prefetch_and_early_break_do_not_hang():
    ds = tf.data.Dataset.range(5).map(lambda x: x, num_parallel_calls=2).prefetch(2).repeat(3)
    assert _run(lambda: [int(v) for v in ds]) == list(range(5)) * 3

    def early():
        for i, _ in enumerate(tf.data.Dataset.range(10 ** 6).prefetch(8)):
            if i == 3:
                break
        return True
    assert _run(early)


def test_autotune_mode_switches_keep_order():
    def f(x):
        v = tf.fill([20000], tf.cast(x, tf.float32))
        return tf.reduce_sum(tf.tanh(v * 1e-3)) + tf.cast(x, tf.float32)
    ds = tf.data.Dataset.range(600).map(f, num_parallel_calls=tf.data.AUTOTUNE)
    it = iter(ds)
    out = _run(lambda: [float(v) for v in it])
    ref = [20000 * np.tanh(np.float32(i) * np.float32(1e-3)) + i for i in range(600)]
    np.testing.assert_allclose(out, ref, rtol=1e-4)
    inner = it._it
    assert inner.tuner.windows >= 600 // 32 - 1 and set(inner.tuner.est) <= {"inline", "pool"}
