"""Intra-op parallel kernels give exactly the serial results on inputs large enough to split."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework import parallel


@pytest.fixture(params=[1, 2, 3])
def threads(request, monkeypatch):
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", str(request.param))
    return request.param


def test_parallel_for_covers_range_once(threads):
    seen = np.zeros(1_000_000, np.int32)

    def work(i, j):
        seen[i:j] += 1

    parallel.parallel_for(seen.size, work, min_per_thread=1000)
    assert seen.min() == 1 and seen.max() == 1


def test_elementwise_broadcasting_matches_numpy(threads):
    r = np.random.default_rng(0)
    a = r.standard_normal((300, 17, 40)).astype(np.float32)
    b = r.standard_normal((40,)).astype(np.float32)
    c = r.standard_normal((300, 1, 40)).astype(np.float32)
    np.testing.assert_array_equal(tf.add(a, b).numpy(), a + b)
    np.testing.assert_array_equal(tf.multiply(a, c).numpy(), a * c)
    np.testing.assert_array_equal(tf.subtract(b, a).numpy(), b - a)


def test_relu_and_pool_kernels_match_numpy(threads):
    r = np.random.default_rng(1)
    x = r.standard_normal((64, 28, 28, 8)).astype(np.float32)
    g = r.standard_normal(x.shape).astype(np.float32)
    xt = tf.constant(x)
    np.testing.assert_array_equal(tf.nn.relu(xt).numpy(), np.maximum(x, 0))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.nn.relu(xt)
    np.testing.assert_array_equal(tape.gradient(y, xt, output_gradients=tf.constant(g)).numpy(),
                                  g * (x > 0))
    pooled = tf.nn.max_pool2d(xt, 2, 2, "VALID").numpy()
    np.testing.assert_array_equal(pooled, x.reshape(64, 14, 2, 14, 2, 8).max(axis=(2, 4)))


def test_fused_adam_matches_formula(threads):
    r = np.random.default_rng(2)
    w0, g = (r.standard_normal((700, 300)).astype(np.float32) for _ in range(2))
    var, m, v = tf.Variable(w0), tf.Variable(np.zeros_like(w0)), tf.Variable(np.zeros_like(w0))
    tf.raw_ops.ResourceApplyAdam(var=var, m=m, v=v, beta1_power=0.9, beta2_power=0.999,
                                 lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7, grad=g)
    mm = 0.1 * g
    vv = 0.001 * g * g
    lr_t = 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(var.numpy(), w0 - lr_t * mm / (np.sqrt(vv) + 1e-7), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(m.numpy(), mm, rtol=1e-6)


def test_parallel_for_errors_wait_for_every_chunk(monkeypatch):
    import threading
    import time

    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "2")
    finished = []

    def worker_fails(i, j):
        if i:
            time.sleep(0.02)
            raise ValueError("chunk failed")
        finished.append(i)

    with pytest.raises(ValueError, match="chunk failed"):
        parallel.parallel_for(100, worker_fails, 1)

    def caller_fails(i, j):
        if i == 0:
            raise KeyError("caller chunk")
        time.sleep(0.02)
        finished.append(i)

    with pytest.raises(KeyError):
        parallel.parallel_for(100, caller_fails, 1)
    assert finished == [0, 50]   # the worker's chunk ended before the call returned
    # a second thread fanning out while the team is busy runs serially, not queued
    seen = []
    gate, started = threading.Event(), threading.Event()

    def slow(i, j):
        if i:
            gate.wait(5)
        else:
            started.set()   # runs while that call holds the team

    t = threading.Thread(target=parallel.parallel_for, args=(100, slow, 1))
    t.start()
    assert started.wait(5)
    parallel.parallel_for(100, lambda i, j: seen.append((i, j)), 1)
    gate.set()
    t.join()
    assert seen == [(0, 100)]
