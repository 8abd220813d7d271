"""Optimizer behaviour beyond single trajectories: sparse == dense, tf.function == eager,
state, config round trips, errors, weight decay/constraints, and a training loop."""

import warnings

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import optimizers
from tensorflux.keras.src.optimizers.base_optimizer import to_snake_case

ALL = ["SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta", "Ftrl",
       "Lion", "Adafactor"]
KWARGS = {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.5, "centered": True}}


def make(cls_name, **kw):
    return getattr(optimizers, cls_name)(**{**KWARGS.get(cls_name, {}), **kw})


def run(opt, var, grads, traced=False):
    def step(g):
        opt.apply_gradients([(g, var)])

    fn = tf.function(step) if traced else step
    for g in grads:
        fn(g)
    return var.numpy()


@pytest.mark.parametrize("name", ALL + ["SGD0"])
def test_sparse_with_duplicate_indices_equals_dense(name):
    shape, idx = (6, 3), np.array([4, 1, 4, 0])
    init = np.random.RandomState(0).normal(size=shape).astype(np.float32)
    vals = [np.random.RandomState(s).normal(size=(4, 3)).astype(np.float32) for s in range(3)]
    dense = []
    for v in vals:
        d = np.zeros(shape, np.float32)
        np.add.at(d, idx, v)
        dense.append(tf.constant(d))
    make_opt = (lambda: optimizers.SGD(0.1)) if name == "SGD0" else (lambda: make(name))
    want = run(make_opt(), tf.Variable(init), dense)
    for traced in (False, True):
        sparse = [tf.IndexedSlices(tf.constant(v), tf.constant(idx), tf.constant(shape))
                  for v in vals]
        got = run(make_opt(), tf.Variable(init), sparse, traced)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ALL)
def test_function_matches_eager_and_creates_slots_once(name):
    init = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    grads = [tf.constant(np.cos(np.arange(12) * (s + 1)).reshape(3, 4).astype(np.float32))
             for s in range(4)]
    eager = run(make(name), tf.Variable(init), grads)
    opt, var = make(name), tf.Variable(init)
    step = tf.function(lambda g: opt.apply_gradients([(g, var)]))
    step(grads[0])
    n = len(opt.variables)
    for g in grads[1:]:
        step(g)
    assert len(opt.variables) == n and int(opt.iterations.numpy()) == 4
    assert opt.iterations.dtype == tf.int64
    np.testing.assert_allclose(var.numpy(), eager, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ALL)
def test_config_round_trip(name):
    opt = make(name, learning_rate=0.25, clipnorm=1.5, name="my_opt")
    config = opt.get_config()
    assert config["learning_rate"] == 0.25 and config["name"] == "my_opt"
    again = type(opt).from_config(config)
    assert again.get_config() == config
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert type(restored) is type(opt) and restored.get_config() == config


def test_schedule_round_trip_and_use():
    sched = optimizers.schedules.PiecewiseConstantDecay([2], [0.5, 0.1])
    opt = optimizers.SGD(learning_rate=sched)
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(restored._learning_rate, optimizers.schedules.PiecewiseConstantDecay)
    var = tf.Variable([0.0])
    seen = []
    for _ in range(4):
        seen.append(float(opt.learning_rate.numpy()))
        opt.apply_gradients([(tf.constant([1.0]), var)])
    assert seen == [0.5, 0.5, 0.5, 0.10000000149011612]
    np.testing.assert_allclose(var.numpy(), [-(0.5 * 3 + 0.1)], rtol=1e-6)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.3


def test_get_identifiers():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get({"class_name": "SGD", "config": {"momentum": 0.5}}),
                      optimizers.SGD)
    opt = optimizers.Lion()
    assert optimizers.get(opt) is opt and optimizers.get(None) is None
    with pytest.raises(ValueError):
        optimizers.get(3)
    with pytest.raises((ValueError, TypeError)):
        optimizers.get("no_such_optimizer")


def test_names_and_defaults():
    assert to_snake_case("RMSprop") == "rm_sprop" and to_snake_case("AdamW") == "adam_w"
    a, b = optimizers.Ftrl(), optimizers.Ftrl()
    assert a.name != b.name and b.name.startswith("ftrl")
    assert optimizers.Adam().get_config()["epsilon"] == 1e-7
    assert optimizers.AdamW().weight_decay == 0.004
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)


@pytest.mark.parametrize("kwargs,error", [
    ({"learning_rate": 1}, ValueError),
    ({"clipnorm": 1.0, "clipvalue": 1.0}, ValueError),
    ({"gradient_accumulation_steps": 1}, ValueError),
    ({"use_ema": True, "ema_momentum": 2.0}, ValueError),
    ({"bogus": 1}, ValueError),
])
def test_argument_errors(kwargs, error):
    with pytest.raises(error):
        optimizers.Adam(**kwargs)


def test_other_errors():
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ImportError, match="legacy"):
        optimizers.legacy.Adam()
    opt = optimizers.SGD()
    with pytest.raises(ValueError, match="build"):
        opt.apply([tf.constant(1.0)])
    v, other = tf.Variable(1.0), tf.Variable(2.0)
    opt.apply([tf.constant(1.0)], [v])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply([tf.constant(1.0)], [other])


def test_learning_rate_variable_and_setter():
    opt = optimizers.SGD(learning_rate=0.5)
    assert opt.variables[1] is opt.learning_rate and opt.learning_rate.dtype == tf.float32
    opt.learning_rate = 0.25
    v = tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.75])
    opt.learning_rate = optimizers.schedules.ExponentialDecay(1.0, 1, 0.5)
    assert len(opt.variables) == 1        # the learning-rate variable is untracked
    opt.apply_gradients([(tf.constant([1.0]), v)])   # lr = 0.5 ** iterations(1)
    np.testing.assert_allclose(v.numpy(), [0.25])


def test_none_gradients_are_skipped_with_warning():
    opt = optimizers.SGD(0.1)
    a, b = tf.Variable(1.0, name="a"), tf.Variable(1.0, name="b")
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(tf.constant(1.0), a), (None, b)])
    assert a.numpy() == pytest.approx(0.9) and b.numpy() == 1.0
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply_gradients([(None, a)])


def test_weight_decay_exclusion_and_constraint():
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    kernel = tf.Variable([2.0], name="kernel")
    bias = tf.Variable([2.0], name="bias")
    clipped = tf.Variable([2.0], name="clipped", constraint=lambda x: tf.minimum(x, 1.5))
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant([0.0]), kernel), (tf.constant([0.0]), bias),
                         (tf.constant([-10.0]), clipped)])
    np.testing.assert_allclose(kernel.numpy(), [2.0 - 2.0 * 0.5 * 0.1])
    np.testing.assert_allclose(bias.numpy(), [2.0])
    np.testing.assert_allclose(clipped.numpy(), [1.5])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])


def test_state_save_load_and_set_weights():
    v = tf.Variable(np.ones((2, 2), np.float32))
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(tf.ones((2, 2)), v)])
    store = {}
    opt.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"]
    fresh = optimizers.Adam(0.1)
    fresh.build([v])
    fresh.load_own_variables(store)
    for a, b in zip(fresh.variables, opt.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh.set_weights([w * 0 for w in store.values()])
    assert all(not np.any(x.numpy()) for x in fresh.variables)
    with pytest.raises(ValueError, match="shape"):
        fresh.set_weights([np.zeros(()), np.zeros(()), np.zeros((3,))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizers.Adam().load_own_variables(store)
    assert "Skipping variable loading" in str(caught[0].message)


def test_float64_variables_keep_their_dtype():
    v = tf.Variable(np.array([1.0, -1.0]), dtype=tf.float64)
    for name in ALL:
        opt = make(name, learning_rate=0.1)
        opt.apply_gradients([(tf.constant([0.5, -0.5], tf.float64), v)])
        slots = [x for x in opt.variables[2:] if x.shape.rank]
        assert v.dtype == tf.float64 and all(s.dtype == tf.float64 for s in slots), name


def test_loss_scale_and_gradient_accumulation():
    opt = optimizers.SGD(0.1, loss_scale_factor=8.0)
    assert float(opt.scale_loss(tf.constant(2.0))) == 16.0
    v = tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([8.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.9])
    acc = optimizers.SGD(0.1, gradient_accumulation_steps=3)
    w = tf.Variable([0.0])
    history = []
    for g in (1.0, 2.0, 6.0, 3.0):
        acc.apply_gradients([(tf.constant([g]), w)])
        history.append(float(w.numpy()[0]))
    np.testing.assert_allclose(history, [0.0, 0.0, -0.3, -0.3], rtol=1e-6)
    assert int(acc.iterations.numpy()) == 1


def test_trains_a_linear_model_in_tf_function():
    rs = np.random.RandomState(0)
    x = rs.normal(size=(64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    w, b = tf.Variable(tf.zeros((3, 1))), tf.Variable(tf.zeros((1,)))
    opt = optimizers.Adam(learning_rate=optimizers.schedules.ExponentialDecay(0.1, 100, 0.5))

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(xb @ w + b - yb))
        opt.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        return loss

    for _ in range(300):
        loss = train_step(x, y)
    assert float(loss) < 1e-3
    np.testing.assert_allclose(w.numpy().ravel(), [1.0, -2.0, 0.5], atol=0.03)


def test_embedding_gradient_updates_only_touched_rows():
    table = tf.Variable(np.ones((5, 2), np.float32))
    opt = optimizers.Adagrad(0.1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(table, [1, 3, 1]))
    grad = tape.gradient(loss, table)
    assert isinstance(grad, tf.IndexedSlices)
    opt.apply_gradients([(grad, table)])
    got = table.numpy()
    np.testing.assert_array_equal(got[[0, 2, 4]], 1.0)
    acc = opt.variables[2].numpy()
    np.testing.assert_allclose(acc[[1, 3]], [[4.1, 4.1], [1.1, 1.1]], rtol=1e-6)
    np.testing.assert_allclose(got[1], 1 - 0.1 * 2 / np.sqrt(4.1 + 1e-7), rtol=1e-6)
