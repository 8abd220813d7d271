"""tf.random: distributions (moments, ranges) and TensorFlow's seeding/determinism rules."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.ops import random_seed

N = 100_000


@pytest.fixture(autouse=True)
def _reset_seed():
    yield
    tf.random.set_seed(None)


def _np(x):
    return np.asarray(x.numpy())


# ---- distributions ---------------------------------------------------------------------------


def test_uniform_moments_and_range():
    x = _np(tf.random.uniform([N], minval=-2.0, maxval=4.0, seed=1))
    assert x.dtype == np.float32 and x.min() >= -2.0 and x.max() < 4.0
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.std() - 6 / np.sqrt(12)) < 0.03


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float64])
def test_uniform_low_precision_stays_below_one(dtype):
    x = tf.random.uniform([N], dtype=dtype, seed=3)
    assert x.dtype == dtype
    v = np.asarray(x.numpy(), np.float64)
    assert v.min() >= 0.0 and v.max() < 1.0 and abs(v.mean() - 0.5) < 0.01


def test_uniform_int():
    x = _np(tf.random.uniform([N], minval=-3, maxval=4, dtype=tf.int32, seed=2))
    assert x.dtype == np.int32
    assert set(np.unique(x).tolist()) == set(range(-3, 4))
    counts = np.bincount(x + 3) / N
    np.testing.assert_allclose(counts, 1 / 7, atol=0.01)


def test_uniform_int_requires_maxval_and_checks_range():
    with pytest.raises(ValueError, match="maxval"):
        tf.random.uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="minval < maxval"):
        tf.random.uniform([2], minval=5, maxval=5, dtype=tf.int32)
    # Empty outputs never check the range (as in TensorFlow).
    assert tf.random.uniform([0], minval=5, maxval=5, dtype=tf.int32).shape == [0]
    with pytest.raises(ValueError, match="dtype"):
        tf.random.uniform([2], dtype=tf.string)


def test_normal_moments():
    x = _np(tf.random.normal([N], mean=3.0, stddev=2.0, seed=4))
    assert abs(x.mean() - 3.0) < 0.03 and abs(x.std() - 2.0) < 0.03


def test_truncated_normal_within_two_stddev():
    x = _np(tf.random.truncated_normal([N], mean=1.0, stddev=0.5, seed=5))
    assert x.min() >= 0.0 and x.max() <= 2.0
    assert abs(x.mean() - 1.0) < 0.01
    # Std of a standard normal truncated to [-2, 2] is about 0.8796.
    assert abs(x.std() - 0.5 * 0.8796) < 0.01


def test_categorical_frequencies_match_softmax():
    logits = np.array([[0.0, 1.0, 2.0], [2.0, -np.inf, 0.0]], np.float32)
    s = _np(tf.random.categorical(logits, N, seed=6))
    assert s.shape == (2, N) and s.dtype == np.int64
    for row in range(2):
        p = np.exp(logits[row] - logits[row].max())
        p /= p.sum()
        freq = np.bincount(s[row], minlength=3) / N
        np.testing.assert_allclose(freq, p, atol=0.01)
    assert not np.any(s[1] == 1)  # zero probability never drawn


def test_categorical_errors():
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="rank 2|matrix"):
        tf.random.categorical([0.0, 1.0], 3)
    assert tf.random.categorical([[0.0, 1.0]], 3, dtype=tf.int32).dtype == tf.int32


def test_shuffle_is_permutation_along_first_axis():
    x = np.arange(20, dtype=np.int32).reshape(10, 2)
    y = _np(tf.random.shuffle(x, seed=7))
    assert sorted(y[:, 0].tolist()) == list(range(0, 20, 2))
    np.testing.assert_array_equal(y[:, 1], y[:, 0] + 1)
    assert _np(tf.random.shuffle(tf.constant(5))) == 5


def test_gamma_moments_and_shape():
    alpha = np.array([0.5, 4.0], np.float32)
    beta = np.array([[1.0], [2.0]], np.float32)
    x = _np(tf.random.gamma([N], alpha, beta, seed=8))
    assert x.shape == (N, 2, 2) and x.min() > 0
    np.testing.assert_allclose(x.mean(0), alpha[None, :] / beta, rtol=0.03)
    np.testing.assert_allclose(x.var(0), alpha[None, :] / beta ** 2, rtol=0.06)


def test_gamma_gradient_wrt_alpha_and_beta():
    # E[dx/dalpha] = d E[x] / dalpha = 1 / beta; E[dx/dbeta] = -alpha / beta^2.
    alpha = tf.constant([0.7, 3.0], tf.float64)
    beta = tf.constant(2.0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch([alpha, beta])
        x = tf.random.gamma([20000], alpha, beta, dtype=tf.float64, seed=9)
        loss = tf.reduce_sum(x)
    ga, gb = tape.gradient(loss, [alpha, beta])
    np.testing.assert_allclose(ga.numpy() / 20000, [0.5, 0.5], rtol=0.05)
    np.testing.assert_allclose(gb.numpy() / 20000, -(0.7 + 3.0) / 4, rtol=0.05)


def test_poisson_moments():
    lam = np.array([0.5, 10.0], np.float32)
    x = _np(tf.random.poisson([N], lam, seed=10))
    assert x.dtype == np.float32 and x.shape == (N, 2)
    np.testing.assert_allclose(x.mean(0), lam, rtol=0.03)
    np.testing.assert_allclose(x.var(0), lam, rtol=0.05)
    assert tf.random.poisson([2], [1.0], dtype=tf.int32).dtype == tf.int32


def test_stateless_distributions():
    s = [1, 2]
    u = _np(tf.random.stateless_uniform([N], s))
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = _np(tf.random.stateless_normal([N], s, mean=-1.0, stddev=3.0))
    assert abs(n.mean() + 1.0) < 0.05 and abs(n.std() - 3.0) < 0.05
    t = _np(tf.random.stateless_truncated_normal([N], s))
    assert np.abs(t).max() <= 2.0
    i = _np(tf.random.stateless_uniform([N], s, minval=0, maxval=5, dtype=tf.int64))
    assert i.dtype == np.int64 and set(np.unique(i).tolist()) == set(range(5))
    c = _np(tf.random.stateless_categorical(np.log([[0.2, 0.8]]), N, s))
    assert abs(c.mean() - 0.8) < 0.01
    b = _np(tf.random.stateless_binomial([N], s, counts=10.0, probs=0.3))
    assert b.dtype == np.int32 and abs(b.mean() - 3.0) < 0.05
    p = _np(tf.random.stateless_poisson([N], s, lam=4.0))
    assert abs(p.mean() - 4.0) < 0.05
    g = _np(tf.random.stateless_gamma([N], s, alpha=2.0, beta=4.0))
    assert abs(g.mean() - 0.5) < 0.01


def test_stateless_argument_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="seed must have shape"):
        tf.random.stateless_uniform([2], seed=[1, 2, 3])
    with pytest.raises(ValueError, match="both None"):
        tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.int32, maxval=None)
    with pytest.raises(ValueError, match="unsigned"):
        tf.random.stateless_uniform([2], seed=[1, 2], minval=0, maxval=3, dtype=tf.uint32)
    with pytest.raises(ValueError, match="alg"):
        tf.random.stateless_uniform([2], seed=[1, 2], alg="mersenne")


# ---- seeding rules ---------------------------------------------------------------------------


def test_get_seed_rules():
    tf.random.set_seed(None)
    assert random_seed.get_seed(None) == (None, None)
    assert random_seed.get_seed(5) == (random_seed.DEFAULT_GRAPH_SEED, 5)
    tf.random.set_seed(3)
    s1, s2 = random_seed.get_seed(None)
    assert s1 == 3 and isinstance(s2, int)
    assert random_seed.get_seed(7) == (3, 7)
    tf.random.set_seed(0)
    assert random_seed.get_seed(0) == (0, 2**31 - 1)


def test_global_seed_reproduces_sequence():
    tf.random.set_seed(1234)
    a = [_np(tf.random.uniform([3])) for _ in range(3)] + [_np(tf.random.normal([2]))]
    tf.random.set_seed(1234)
    b = [_np(tf.random.uniform([3])) for _ in range(3)] + [_np(tf.random.normal([2]))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], a[1])


def test_op_seed_alone_is_deterministic_and_advances():
    tf.random.set_seed(None)
    a1 = _np(tf.random.uniform([3], seed=1))
    a2 = _np(tf.random.uniform([3], seed=1))
    assert not np.array_equal(a1, a2)  # same kernel, the stream continues
    tf.random.set_seed(None)  # resets the kernels' state
    np.testing.assert_array_equal(_np(tf.random.uniform([3], seed=1)), a1)
    np.testing.assert_array_equal(_np(tf.random.uniform([3], seed=1)), a2)


def test_unseeded_ops_differ():
    tf.random.set_seed(None)
    assert not np.array_equal(_np(tf.random.uniform([8])), _np(tf.random.uniform([8])))


def test_tf_function_draws_fresh_numbers_and_replays_after_set_seed():
    def body():
        return tf.random.uniform([2]), tf.random.normal([2])

    tf.random.set_seed(42)
    f = tf.function(body)
    r1 = [_np(t) for t in f()]
    r2 = [_np(t) for t in f()]
    assert not np.array_equal(r1[0], r2[0])
    # A second function traced under the same global seed replays the same sequence.
    g = tf.function(body)
    np.testing.assert_array_equal(_np(g()[0]), r1[0])
    # set_seed resets every kernel: the first function starts over.
    tf.random.set_seed(42)
    np.testing.assert_array_equal(_np(f()[0]), r1[0])


def test_tf_function_op_seeds_are_distinct_per_op():
    tf.random.set_seed(7)

    @tf.function
    def f():
        return tf.random.uniform([4]), tf.random.uniform([4])

    a, b = f()
    assert not np.array_equal(_np(a), _np(b))


def test_tf_function_same_explicit_seed_nodes_match():
    # Two nodes with identical seeds start identical streams (TF's per-kernel state).
    tf.random.set_seed(5)

    @tf.function
    def f():
        return tf.random.uniform([3], seed=9), tf.random.uniform([3], seed=9)

    a, b = f()
    np.testing.assert_array_equal(_np(a), _np(b))


def test_stateless_same_in_eager_and_function_and_with_int64_seed():
    eager = _np(tf.random.stateless_normal([5], seed=[4, 5]))
    traced = tf.function(lambda s: tf.random.stateless_normal([5], seed=s))
    np.testing.assert_array_equal(_np(traced(tf.constant([4, 5]))), eager)
    np.testing.assert_array_equal(_np(traced(tf.constant([4, 5]))), eager)
    np.testing.assert_array_equal(
        _np(tf.random.stateless_normal([5], seed=tf.constant([4, 5], tf.int64))), eager)
    assert not np.array_equal(_np(tf.random.stateless_normal([5], seed=[4, 6])), eager)


def test_split_and_fold_in():
    s = tf.random.split([1, 2], num=3)
    assert s.shape == [3, 2] and s.dtype == tf.int32
    assert len({tuple(r) for r in _np(s).tolist()}) == 3
    f1 = tf.random.fold_in([1, 2], 1)
    f2 = tf.random.fold_in([1, 2], 2)
    assert f1.shape == [2] and not np.array_equal(_np(f1), _np(f2))
    np.testing.assert_array_equal(_np(tf.random.experimental.stateless_split([1, 2], 3)), _np(s))
    np.testing.assert_array_equal(_np(tf.random.experimental.stateless_fold_in([1, 2], 1)),
                                  _np(f1))


def test_dropout_helper():
    from tensorflux._src.ops.random_ops import random_uniform

    x = random_uniform([4, 3], tf.float64, seed=1)
    assert x.dtype == tf.float64 and x.shape == [4, 3]


def test_shape_from_tensor_and_dynamic_shape_in_function():
    assert tf.random.uniform(tf.constant([2, 3])).shape == [2, 3]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return tf.random.normal(tf.shape(x))

    assert f(tf.zeros([5])).shape == [5]
    cf = f.get_concrete_function()
    assert cf.outputs[0].shape.as_list() == [None]


def test_index_shuffle_is_a_bijection_and_seeded():
    seed = [4, 5, 6]
    p = _np(tf.random.experimental.index_shuffle(tf.range(100), seed, 99))
    assert sorted(p.tolist()) == list(range(100)) and not np.array_equal(p, np.arange(100))
    q = _np(tf.random.experimental.index_shuffle(tf.range(100), [4, 5, 7], 99))
    assert not np.array_equal(p, q)
    one = tf.random.experimental.index_shuffle(tf.constant(17), seed, tf.constant(99))
    assert int(one) == p[17]
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.experimental.index_shuffle(tf.constant(5), seed, tf.constant(3))


def test_stateless_shuffle_permutation_and_deterministic():
    x = tf.reshape(tf.range(20), [10, 2])
    a = _np(tf.random.experimental.stateless_shuffle(x, [1, 2]))
    b = _np(tf.random.experimental.stateless_shuffle(x, [1, 2]))
    np.testing.assert_array_equal(a, b)
    assert sorted(a[:, 0].tolist()) == list(range(0, 20, 2))


def test_gammainc_numpy_fallback_matches_closed_form():
    from tensorflux._src.ops.random_gamma_grad import _gammainc_numpy

    x = np.array([0.0, 0.1, 1.0, 2.5, 3.0, 10.0, 40.0])
    np.testing.assert_allclose(_gammainc_numpy(2.0, x), 1 - np.exp(-x) * (1 + x), atol=1e-13)
    np.testing.assert_allclose(_gammainc_numpy(1.0, x), 1 - np.exp(-x), atol=1e-13)
    np.testing.assert_allclose(_gammainc_numpy(3.0, x),
                               1 - np.exp(-x) * (1 + x + x ** 2 / 2), atol=1e-13)
