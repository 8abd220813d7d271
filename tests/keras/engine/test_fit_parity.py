"""The Keras train step costs what a hand-written step costs: no dtype round trips, a fused
Mean for the loss reduction, the logged loss still Keras's running mean; numerics unchanged."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras.src import losses as losses_mod

L = keras.layers


@pytest.fixture(scope="module")
def rk():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    return pytest.importorskip("keras")


def _np_sparse_xent(labels, logits):
    z = logits.astype(np.float64) - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -logp[np.arange(len(labels)), labels.astype(np.int64)]


def _plan_types(fn, *args):
    plan = fn.get_concrete_function(*args)._get_plan()
    return [step[0].type for step in plan.steps]


# ---- losses hot path -----------------------------------------------------------------------
@pytest.mark.parametrize("label_dtype", ["int32", "int64", "uint8", "float32"])
def test_sparse_xent_labels_any_dtype_same_value(label_dtype, rk):
    r = np.random.default_rng(1)
    logits = r.standard_normal((37, 5)).astype(np.float32)
    labels = r.integers(0, 5, 37).astype(label_dtype)
    ref = np.mean(_np_sparse_xent(labels, logits))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    got = loss(tf.constant(labels), tf.constant(logits)).numpy()
    # Keras's own path casts integer labels to float32 and back: the same loss, bit for bit.
    via_float = loss(tf.constant(labels.astype(np.float32)), tf.constant(logits)).numpy()
    assert got.dtype == np.float32 and got == via_float
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    oracle = rk.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    np.testing.assert_allclose(got, np.asarray(oracle), rtol=1e-6)
    fn = keras.losses.get("sparse_categorical_crossentropy")
    wrapped = losses_mod.LossFunctionWrapper(fn, from_logits=True)
    assert wrapped(tf.constant(labels), tf.constant(logits)).numpy() == got


def test_sparse_xent_traced_has_no_casts_for_int_labels():
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    f = tf.function(lambda y, p: loss(y, p))
    y, p = tf.constant([1, 0, 2], tf.int32), tf.constant(np.eye(3, dtype=np.float32))
    types = _plan_types(f, y, p)
    assert "Cast" not in types and types.count("Mean") == 1, types
    yf = tf.constant([1.0, 0.0, 2.0])
    assert "Cast" in _plan_types(f, yf, p)   # float labels: Keras's cast to int64 stays


@pytest.mark.parametrize("n", [1, 7, 256, 1000, 4097])
def test_fused_mean_equals_sum_divide_no_nan_bitwise(n):
    v = tf.constant(np.random.default_rng(n).standard_normal(n).astype(np.float32) * 3)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(v)
        fused = losses_mod.reduce_values(v)
        keras_form = tf.math.divide_no_nan(tf.reduce_sum(v), tf.constant(float(n)))
    assert fused.numpy() == keras_form.numpy()
    np.testing.assert_array_equal(tape.gradient(fused, v).numpy(),
                                  tape.gradient(keras_form, v).numpy())


def test_reduction_keeps_divide_no_nan_semantics_where_mean_differs():
    f = tf.function(lambda v: losses_mod.reduce_values(v),
                    input_signature=[tf.TensorSpec([None], tf.float32)])
    assert f(tf.zeros([0])).numpy() == 0.0            # empty batch: 0, not NaN
    assert f(tf.constant([1.0, 2.0, 4.0])).numpy() == np.float32(7.0) / np.float32(3.0)
    v, sw = tf.constant([1.0, 2.0, 4.0]), tf.constant([1.0, 0.0, 3.0])
    got = losses_mod.reduce_values(v * sw, sw, "mean_with_sample_weight").numpy()
    assert got == np.float32(13.0) / np.float32(4.0)
    sq = losses_mod.reduce_values(tf.ones([2, 3]))    # rank 2: the Sum + DivNoNan form
    assert sq.numpy() == 1.0
    half = losses_mod.reduce_values(tf.constant([1.0, 2.0], tf.float16))
    assert half.dtype == tf.float16 and half.numpy() == np.float16(1.5)


def test_weighted_sparse_xent_unchanged():
    logits = np.random.default_rng(3).standard_normal((6, 4)).astype(np.float32)
    labels = np.array([0, 3, 1, 2, 2, 0], np.int32)
    sw = np.array([1, 0.5, 0, 2, 1, 1], np.float32)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    got = loss(labels, logits, sample_weight=sw).numpy()
    ref = np.sum(_np_sparse_xent(labels, logits) * sw) / 6
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    ic = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)
    keep = labels != 2
    ref_ic = np.sum(_np_sparse_xent(labels[keep], logits[keep])) / keep.sum()
    np.testing.assert_allclose(ic(labels, logits).numpy(), ref_ic, rtol=1e-6)


# ---- the train step ------------------------------------------------------------------------
def _mlp(opt):
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"), L.Dense(3)])
    model.compile(optimizer=opt, loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    return model


def test_train_step_plan_has_only_keras_extras():
    """Besides the hand-written step's ops, the Keras step has only what Keras semantics
    need: the loss tracker (Mul, 2 AssignAdd, 2 reads, DivNoNan) and the optimizer's
    iteration counter and learning-rate read."""
    model = _mlp(keras.optimizers.SGD(0.01, momentum=0.9))
    x = tf.constant(np.ones((4, 8), np.float32))
    y = tf.constant(np.array([0, 1, 2, 1], np.int32))
    fn = model.make_train_function()
    fn((x, y))
    types = _plan_types(fn, (x, y))
    assert "Cast" not in types, types
    assert types.count("Mean") == 1 and types.count("DivNoNan") == 1, types
    assert types.count("AssignAddVariableOp") == 3, types   # total, count, iterations
    # kernels updated as their gradient GEMM produces them, biases on their own
    assert types.count("_FusedMatMulApply") == 2, types
    assert types.count("ResourceApplyKerasMomentum") == 2, types


def test_fit_logs_running_mean_of_batch_losses():
    model = _mlp(keras.optimizers.SGD(0.0))           # weights fixed: batch losses known
    r = np.random.default_rng(0)
    x = r.standard_normal((10, 8)).astype(np.float32)
    y = r.integers(0, 3, 10).astype(np.int32)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)   # batches of 4, 4, 2
    seen = []

    class Log(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    hist = model.fit(ds, epochs=2, verbose=0, callbacks=[Log()])
    per = [np.mean(_np_sparse_xent(y[i:i + 4], model.predict(x[i:i + 4], verbose=0)))
           for i in (0, 4, 8)]
    running = [per[0], (4 * per[0] + 4 * per[1]) / 8, (4 * per[0] + 4 * per[1] + 2 * per[2]) / 10]
    np.testing.assert_allclose(seen, running * 2, rtol=1e-5)
    np.testing.assert_allclose(hist.history["loss"], [running[-1]] * 2, rtol=1e-5)


def test_fit_dataset_same_weights_as_train_on_batch():
    r = np.random.default_rng(5)
    x = r.standard_normal((12, 8)).astype(np.float32)
    y = r.integers(0, 3, 12).astype(np.int64)
    a = _mlp(keras.optimizers.Adam(1e-2))
    b = _mlp(keras.optimizers.Adam(1e-2))
    b.set_weights(a.get_weights())
    a.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), epochs=2, verbose=0)
    for _ in range(2):
        for i in range(0, 12, 4):
            b.train_on_batch(x[i:i + 4], y[i:i + 4])
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)


def test_train_on_batch_uses_every_sample():
    r = np.random.default_rng(6)
    x = r.standard_normal((5, 8)).astype(np.float32)
    y = r.integers(0, 3, 5).astype(np.int32)
    model = _mlp(keras.optimizers.SGD(0.1))
    w0 = model.get_weights()
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x))
    grads = tape.gradient(loss, model.trainable_weights)
    logged = model.train_on_batch(x, y)
    np.testing.assert_allclose(logged, loss.numpy(), rtol=1e-6)
    for w, g, new in zip(w0, grads, model.get_weights()):
        np.testing.assert_allclose(new, w - 0.1 * g.numpy(), rtol=1e-5, atol=1e-7)


# ---- allocator settings of graph execution -------------------------------------------------
def _tune_in_subprocess(env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                        "TENSORFLUX_MALLOC_TUNING")}
    env.update(env_extra)
    code = ("from tensorflux._src.framework import malloc_tuning as m; "
            "print(m.tune(), m.tune())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_malloc_tuning_applies_once_and_respects_user_settings():
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert _tune_in_subprocess({}) == ["True", "True"]
    assert _tune_in_subprocess({"TENSORFLUX_MALLOC_TUNING": "0"}) == ["False", "False"]
    assert _tune_in_subprocess({"MALLOC_MMAP_THRESHOLD_": "1048576"}) == ["False", "False"]
