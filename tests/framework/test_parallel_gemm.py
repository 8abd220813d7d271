"""GEMM-level parallelism: split matmuls and batch-parallel convolutions give NumPy's results,
deterministically, with any thread count, and leave the BLAS thread setting as it was."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework import parallel
from tensorflux._src.ops import nn_conv


@pytest.fixture(params=[1, 2, 3])
def threads(request, monkeypatch):
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", str(request.param))
    return request.param


def _rand(r, shape, dtype=np.float32):
    return r.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("m,k,n,ta,tb", [
    (256, 784, 1024, False, False),   # split by rows
    (64, 300, 1500, False, True),     # split by columns, transposed b
    (900, 100, 300, True, False),     # transposed a (a weight gradient)
    (100, 10, 1024, False, False),    # mid-size: one BLAS thread, not split
    (3, 4, 5, False, False),          # tiny: straight to NumPy
])
def test_matmul_matches_numpy(threads, m, k, n, ta, tb):
    r = np.random.default_rng(m + n)
    a = _rand(r, (k, m)).T if ta else _rand(r, (m, k))
    b = _rand(r, (n, k)).T if tb else _rand(r, (k, n))
    got = parallel.matmul(a, b)
    want = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.sqrt(k))
    assert got.dtype == np.float32 and got.shape == (m, n)
    np.testing.assert_array_equal(parallel.matmul(a, b), got)  # deterministic
    np.testing.assert_array_equal(
        tf.matmul(a, b).numpy() if not (ta or tb) else
        tf.matmul(np.ascontiguousarray(a.T) if ta else a, np.ascontiguousarray(b.T) if tb else b,
                  transpose_a=ta, transpose_b=tb).numpy(), got)


@pytest.mark.parametrize("m,k,n,ta,tb,dtype", [
    (1024, 256, 1024, True, False, np.float32),   # a weight gradient, split by rows
    (784, 256, 10, True, False, np.float32),      # skinny
    (300, 64, 200, False, True, np.float64),
    (5, 3, 4, False, False, np.float32),          # tiny: one call
    (6, 0, 4, False, False, np.float32),          # empty inner dimension
])
def test_matmul_update_scales_and_accumulates_in_place(threads, m, k, n, ta, tb, dtype):
    if not parallel._blas_api() or dtype.__name__ not in parallel._gemms:
        pytest.skip("NumPy's BLAS is not OpenBLAS with a CBLAS GEMM")
    r = np.random.default_rng(m + k)
    a = _rand(r, (k, m), dtype).T if ta else _rand(r, (m, k), dtype)
    b = _rand(r, (n, k), dtype).T if tb else _rand(r, (k, n), dtype)
    c = _rand(r, (m, n), dtype)
    want = -0.25 * (a.astype(np.float64) @ b.astype(np.float64)) + 0.9 * c.astype(np.float64)
    rows = []
    out = c.copy()
    assert parallel.matmul_update(a, b, out, -0.25, 0.9, lambda i, j: rows.append((i, j)))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol * (1 + np.sqrt(k)))
    covered = np.zeros(m, int)      # the finish ran once on every row
    for i, j in rows:
        covered[i:j] += 1
    np.testing.assert_array_equal(covered, 1)


def test_matmul_update_declines_what_it_cannot_do_in_place():
    a = np.ones((4, 3), np.float32)
    b = np.ones((3, 5), np.float32)
    for c in (np.zeros((4, 5), np.int32), np.zeros((5, 4), np.float32).T,
              np.zeros((4, 5), np.complex64), np.zeros((4, 6), np.float32)):
        before = c.copy()
        assert parallel.matmul_update(a.astype(c.dtype), b.astype(c.dtype), c, 1, 1) is False
        np.testing.assert_array_equal(c, before)
    c = np.zeros((4, 5), np.float32)
    assert parallel.matmul_update(a.astype(np.float64), b, c, 1, 1) is False   # mixed types


def test_matmul_leaves_other_inputs_to_numpy():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    np.testing.assert_array_equal(parallel.matmul(a, a.T), a @ a.T)
    s = np.ones((4, 3, 5), np.float64)
    np.testing.assert_array_equal(parallel.matmul(s, np.ones((5, 2))), s @ np.ones((5, 2)))


def test_blas_threads_restored_and_nested_calls_do_not_fan_out(monkeypatch):
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "2")
    api = parallel._blas_api()
    before = api[1]() if api else None
    inner = []

    def work(i, j):
        inner.append(parallel.parallel_gemm_for(100, lambda a, b: None, 1))
        if api:
            assert api[1]() == 1  # every GEMM inside the region is single-threaded

    if not api:  # a BLAS we cannot hold to one thread: no split
        assert parallel.parallel_gemm_for(100, work, 1) == 1
        return
    assert parallel.parallel_gemm_for(100, work, 1) == 2
    assert inner == [1, 1]
    assert api[1]() == before
    # One intra-op thread: no fan-out, and BLAS is held to one thread as well.
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "1")
    seen = []
    assert parallel.parallel_gemm_for(100, lambda i, j: seen.append((i, j, api[1]())), 1) == 1
    assert seen == [(0, 100, 1)]
    assert api[1]() == before


def _conv_reference(x, w, stride, dil, pads):
    """Direct (N, H, W, C) x (kh, kw, C, O) cross-correlation in float64."""
    x = np.pad(x.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)])
    kh, kw = w.shape[:2]
    oh = (x.shape[1] - dil * (kh - 1) - 1) // stride + 1
    ow = (x.shape[2] - dil * (kw - 1) - 1) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, w.shape[-1]))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dil:i * dil + (oh - 1) * stride + 1:stride,
                      j * dil:j * dil + (ow - 1) * stride + 1:stride]
            y += patch @ w[i, j].astype(np.float64)
    return y


@pytest.mark.parametrize("stride,dil,padding,explicit", [
    (1, 1, "SAME", None),
    (1, 1, "VALID", None),
    (1, 2, "SAME", None),
    (1, 1, "EXPLICIT", [(1, 3), (0, 2)]),
    (2, 1, "SAME", None),
])
def test_conv_kernels_match_direct_convolution(threads, stride, dil, padding, explicit):
    r = np.random.default_rng(7)
    x, w = _rand(r, (24, 13, 12, 20)), _rand(r, (3, 4, 20, 24))
    st, dl = (stride, stride), (dil, dil)
    out, pads = nn_conv._geometry(x.shape, w.shape[:2], st, dl, padding, explicit)
    y = nn_conv.conv_forward(x, w, st, dl, padding, explicit)
    np.testing.assert_allclose(y, _conv_reference(x, w, stride, dil, pads), rtol=1e-4,
                               atol=1e-3)
    # Gradients: <conv(x, w), dy> is bilinear, so sum(dw * V) = <conv(x, V), dy> for any V,
    # and likewise for dx.
    dy = _rand(r, y.shape)
    dw = nn_conv.conv_filter_grad(x, w.shape, dy, st, dl, padding, explicit)
    dx = nn_conv.conv_input_grad(x.shape, w, dy, st, dl, padding, explicit)
    dy64 = dy.astype(np.float64)
    for _ in range(3):
        v = r.standard_normal(w.shape)
        want = np.sum(_conv_reference(x, v, stride, dil, pads) * dy64)
        np.testing.assert_allclose(np.sum(dw * v), want, rtol=1e-4)
        v = r.standard_normal(x.shape)
        want = np.sum(_conv_reference(v, w, stride, dil, pads) * dy64)
        np.testing.assert_allclose(np.sum(dx * v), want, rtol=1e-4)
    # Repeated calls give identical bits (fixed slicing, fixed summation order).
    np.testing.assert_array_equal(nn_conv.conv_filter_grad(x, w.shape, dy, st, dl, padding,
                                                           explicit), dw)
    np.testing.assert_array_equal(nn_conv.conv_input_grad(x.shape, w, dy, st, dl, padding,
                                                          explicit), dx)


def _train_small_cnn():
    r = np.random.default_rng(3)
    w1 = tf.Variable(_rand(r, (5, 5, 1, 16)) * 0.2)
    w2 = tf.Variable(_rand(r, (3, 3, 16, 32)) * 0.1)
    w3 = tf.Variable(_rand(r, (7 * 7 * 32, 10)) * 0.05)
    x = tf.constant(_rand(r, (40, 28, 28, 1)))
    y = tf.constant(r.integers(0, 10, 40).astype(np.int32))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME")), 2, 2, "VALID")
            h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(h, w2, 1, "SAME")), 2, 2, "VALID")
            logits = tf.matmul(tf.reshape(h, [-1, 7 * 7 * 32]), w3)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=logits))
        for v, g in zip((w1, w2, w3), tape.gradient(loss, [w1, w2, w3])):
            v.assign_sub(0.1 * g)
        return loss

    losses = [float(step()) for _ in range(3)]
    return losses, [v.numpy() for v in (w1, w2, w3)]


def test_compiled_cnn_step_same_with_one_and_two_threads(monkeypatch):
    """A tf.function CNN training step gives the same loss and weights whatever the split."""
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "1")
    l1, v1 = _train_small_cnn()
    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", "2")
    l2, v2 = _train_small_cnn()
    np.testing.assert_allclose(l1, l2, rtol=1e-5)
    assert l1[2] < l1[0]
    for a, b in zip(v1, v2):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("m,k,n", [(256, 300, 512), (40, 200, 1500), (8, 5, 3)])
@pytest.mark.parametrize("act", [(), ("Relu",), ("Relu6",), ("LeakyRelu",)])
def test_fused_matmul_epilogue_per_block(threads, m, k, n, act):
    from tensorflux._src.core.op_def import all_ops

    kernel = all_ops()["_FusedMatMul"].kernel
    r = np.random.default_rng(m * n)
    a, b, bias = _rand(r, (m, k)) * 3, _rand(r, (k, n)), _rand(r, (n,)) * 3
    want = a.astype(np.float64) @ b + bias
    if act == ("Relu",):
        want = np.maximum(want, 0)
    elif act == ("Relu6",):
        want = np.clip(want, 0, 6)
    elif act == ("LeakyRelu",):
        want = np.where(want < 0, 0.3 * want, want)
    for ta, tb in [(False, False), (True, False), (False, True)]:
        got = kernel(np.ascontiguousarray(a.T) if ta else a, np.ascontiguousarray(b.T) if tb
                     else b, [bias], fused_ops=("BiasAdd",) + act, leakyrelu_alpha=0.3,
                     transpose_a=ta, transpose_b=tb)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="as many biases"):
        kernel(a, b, [bias[:-1]], fused_ops=("BiasAdd",))


@pytest.mark.parametrize("threads", ["1", "2"])
def test_batch_one_conv_splits_rows_and_matches_the_batched_path(monkeypatch, threads):
    """A single image splits its output rows over the threads (in bands of im2col rows):
    each image matches its result inside a batch, where the batch is split instead (to
    BLAS's rounding: GEMMs of other row counts may round the last bit differently)."""
    from tensorflux._src.ops import nn_conv as nc

    monkeypatch.setenv("TENSORFLUX_INTRA_OP_THREADS", threads)
    monkeypatch.setattr(nc, "_CHUNK_BYTES", 4096)   # several bands per thread
    r = np.random.default_rng(0)
    for h, c, o, s, d in [(30, 3, 8, 1, 1), (31, 5, 7, 2, 1), (20, 4, 6, 1, 2)]:
        x = r.standard_normal((2, h, h, c)).astype(np.float32)
        w = r.standard_normal((3, 3, c, o)).astype(np.float32)
        both = nc.conv_forward(x, w, [s, s], [d, d], "SAME", None)
        for i in range(2):
            np.testing.assert_allclose(
                nc.conv_forward(x[i:i + 1], w, [s, s], [d, d], "SAME", None)[0], both[i],
                rtol=1e-5, atol=1e-5)
    ref = tf.nn.conv2d(tf.constant(x[:1].astype(np.float64)), tf.constant(w.astype(np.float64)),
                       1, "SAME", dilations=2).numpy()
    np.testing.assert_allclose(nc.conv_forward(x[:1], w, [1, 1], [2, 2], "SAME", None), ref,
                               rtol=1e-4, atol=1e-4)
