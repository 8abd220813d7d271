"""keras.random, keras.config and LossScaleOptimizer (incl. compile's mixed_float16 wrap)."""

import io
import logging
import contextlib

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras


def test_seed_semantics():
    r = keras.random
    a, b = r.normal((4,), seed=7), r.normal((4,), seed=7)
    np.testing.assert_array_equal(a.numpy(), b.numpy())  # int seed: same values each call
    g = r.SeedGenerator(3)
    x, y = r.uniform((4,), seed=g), r.uniform((4,), seed=g)
    assert not np.array_equal(x.numpy(), y.numpy())  # generator advances
    g2 = r.SeedGenerator(3)
    np.testing.assert_array_equal(r.uniform((4,), seed=g2).numpy(), x.numpy())
    assert not np.array_equal(r.normal((4,)).numpy(), r.normal((4,)).numpy())

    @tf.function
    def draw():
        return r.normal((3,), seed=g)

    assert not np.array_equal(draw().numpy(), draw().numpy())  # state advances when traced
    with pytest.raises(ValueError):
        r.normal((2,), seed=1.5)


def test_distributions():
    r = keras.random
    n = 20000
    x = r.normal((n,), mean=2.0, stddev=3.0, seed=1).numpy()
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1
    u = r.uniform((n,), minval=-1.0, maxval=3.0, seed=2).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    t = r.truncated_normal((n,), stddev=1.0, seed=3).numpy()
    assert np.abs(t).max() <= 2.0
    k = r.randint((n,), 2, 7, seed=4)
    assert k.dtype.name == "int32" and set(np.unique(k.numpy())) == {2, 3, 4, 5, 6}
    c = r.categorical(np.log([[0.1, 0.9]]), 5000, seed=5).numpy()
    assert abs(c.mean() - 0.9) < 0.03
    gm = r.gamma((n,), 2.0, seed=6).numpy()
    assert abs(gm.mean() - 2.0) < 0.1
    bn = r.binomial((n,), 10, 0.3, seed=7).numpy()
    assert abs(bn.mean() - 3.0) < 0.1
    bt = r.beta((n,), 2.0, 6.0, seed=8).numpy()
    assert abs(bt.mean() - 0.25) < 0.01
    d = r.dropout(np.ones((100, 100), "float32"), 0.25, seed=9).numpy()
    assert set(np.unique(d)) <= {0.0, np.float32(1 / 0.75)} and abs((d == 0).mean() - 0.25) < 0.03
    s = r.shuffle(np.arange(10), seed=10).numpy()
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))
    assert keras.random.SeedGenerator(5).get_config() == {"seed": 5}


def test_config():
    cfg = keras.config
    assert cfg.backend() == "tensorflow"
    assert cfg.floatx() == "float32" and cfg.epsilon() == 1e-7
    assert cfg.image_data_format() == "channels_last"
    cfg.set_floatx("float64")
    try:
        assert keras.ops.ones((2,)).dtype.name == "float64"
        assert keras.ops.add(np.int32(1), 2.0).dtype.name == "float64"
    finally:
        cfg.set_floatx("float32")
    cfg.set_dtype_policy("mixed_float16")
    try:
        assert cfg.dtype_policy().name == "mixed_float16"
    finally:
        cfg.set_dtype_policy("float32")
    assert cfg.is_nnx_enabled() is False


def test_interactive_logging_routes_progbar(caplog):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.ones((8, 2), "float32")
    keras.config.disable_interactive_logging()
    try:
        assert not keras.config.is_interactive_logging_enabled()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), caplog.at_level(logging.INFO, logger="keras"):
            model.fit(x, x[:, :1], epochs=1, verbose=2)
        assert buf.getvalue() == ""
        assert any("loss" in rec.getMessage() for rec in caplog.records)
    finally:
        keras.config.enable_interactive_logging()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model.fit(x, x[:, :1], epochs=1, verbose=2)
    assert "loss" in buf.getvalue()


def _reference_lso(grads_seq, lr, scale, growth):
    """Keras 3's LossScaleOptimizer rules, written out with NumPy (inner: plain SGD)."""
    w, counter, its, out = np.array([1.0, 2.0]), 0, 0, []
    for g in grads_seq:
        g = np.asarray(g, np.float64)
        if np.all(np.isfinite(g)):
            w = w - lr * g / scale
            its += 1
            if counter == growth - 1:
                counter, scale = 0, scale * 2
            else:
                counter += 1
        else:
            counter, scale = 0, scale / 2
        out.append((w.copy(), scale, counter, its))
    return out


@pytest.mark.parametrize("traced", [False, True])
def test_loss_scale_optimizer_dynamics(traced):
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=8.0,
                                              dynamic_growth_steps=2)
    v = tf.Variable([1.0, 2.0])
    seq = [[8.0, 8.0], [np.inf, 1.0], [4.0, 4.0], [4.0, 4.0], [8.0, np.nan], [2.0, 2.0]]

    def step(g):
        opt.apply([g], [v])

    step_fn = tf.function(step) if traced else step
    for g, (w, scale, counter, its) in zip(seq, _reference_lso(seq, 0.1, 8.0, 2)):
        step_fn(tf.constant(g, "float32"))
        np.testing.assert_allclose(v.numpy(), w, rtol=1e-6)
        assert float(opt.dynamic_scale.numpy()) == scale
        assert int(opt.step_counter.numpy()) == counter
        assert int(opt.iterations.numpy()) == its
    assert float(opt.scale_loss(tf.constant(2.0)).numpy()) == 2.0 * scale


def test_loss_scale_optimizer_config_and_variables():
    import os

    os.environ.setdefault("KERAS_BACKEND", "numpy")
    real = pytest.importorskip("keras")
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(1e-3, name="adam"),
                                              name="loss_scale_optimizer")
    ref = real.optimizers.LossScaleOptimizer(real.optimizers.Adam(1e-3, name="adam"),
                                             name="loss_scale_optimizer")
    assert opt.get_config() == ref.get_config()
    assert keras.optimizers.serialize(opt) == real.optimizers.serialize(ref)
    back = keras.optimizers.deserialize(real.optimizers.serialize(ref))
    assert isinstance(back, keras.optimizers.LossScaleOptimizer)
    assert isinstance(back.inner_optimizer, keras.optimizers.Adam)
    assert keras.mixed_precision.LossScaleOptimizer is keras.optimizers.LossScaleOptimizer
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="d")], name="s")
    ref_model = real.Sequential([real.Input((3,)), real.layers.Dense(2, name="d")], name="s")
    opt.build(model.trainable_weights)
    ref.build(ref_model.trainable_weights)
    assert [v.path for v in opt.variables] == [v.path for v in ref.variables]
    assert [tuple(v.shape) for v in opt.variables] == [tuple(v.shape) for v in ref.variables]
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(), dynamic=False)


def test_compile_wraps_for_mixed_float16_and_trains():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, dtype="float32")])
        model.compile(keras.optimizers.SGD(0.05), "mse")
    finally:
        keras.config.set_dtype_policy("float32")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.optimizer.name == "loss_scale_optimizer"
    rng = np.random.RandomState(0)
    x = rng.randn(64, 4).astype("float32")
    y = x.sum(1, keepdims=True)
    hist = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    # float16 gradients of the 2**15-scaled loss may overflow: each such step is skipped and
    # halves the scale (no growth within 2000 steps), so applied steps + halvings == 16
    halvings = int(np.log2(2.0 ** 15 / float(model.optimizer.dynamic_scale.numpy())))
    assert int(model.optimizer.iterations.numpy()) + halvings == 16
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    plain.compile("sgd", "mse")
    assert not isinstance(plain.optimizer, keras.optimizers.LossScaleOptimizer)
    keras.config.set_dtype_policy("mixed_float16")
    try:
        m2 = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        m2.compile("sgd", "mse", auto_scale_loss=False)
    finally:
        keras.config.set_dtype_policy("float32")
    assert not isinstance(m2.optimizer, keras.optimizers.LossScaleOptimizer)


def test_optimizer_variable_paths():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dense")],
                             name="sequential")
    opt = keras.optimizers.Adam(name="adam")
    opt.build(model.trainable_weights)
    assert [v.path for v in opt.variables][:3] == ["adam/iteration", "adam/learning_rate",
                                                  "adam/sequential_dense_kernel_momentum"]
