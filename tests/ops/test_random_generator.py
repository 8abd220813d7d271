"""tf.random.Generator: reproducibility, state advancement, tf.function, split, global."""

import numpy as np
import pytest

import tensorflux as tf


def _np(x):
    return np.asarray(x.numpy())


def test_create_rng_state():
    assert tf.random.create_rng_state(1234, "philox").tolist() == [1234, 0, 0]
    assert tf.random.create_rng_state([12, 34], "threefry").tolist() == [12, 34]
    assert tf.random.create_rng_state(2**64 + 5, "philox").tolist() == [5, 1, 0]
    assert tf.random.experimental.create_rng_state(7, 1).tolist() == [7, 0, 0]


def test_from_seed_is_reproducible_and_state_advances():
    g1 = tf.random.Generator.from_seed(1)
    g2 = tf.random.Generator.from_seed(1)
    s0 = _np(g1.state).copy()
    a = _np(g1.normal([4]))
    assert not np.array_equal(_np(g1.state), s0)
    b = _np(g1.normal([4]))
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(_np(g2.normal([4])), a)
    np.testing.assert_array_equal(_np(g2.normal([4])), b)
    assert g1.state.dtype == tf.int64 and g1.algorithm == 1
    assert not g1.state.trainable


def test_from_state_and_reset():
    g = tf.random.Generator.from_seed(5)
    st = _np(g.state).copy()
    a = _np(g.uniform([3]))
    h = tf.random.Generator.from_state(st, alg="philox")
    np.testing.assert_array_equal(_np(h.uniform([3])), a)
    g.reset(st)
    np.testing.assert_array_equal(_np(g.uniform([3])), a)
    g.reset_from_seed(5)
    np.testing.assert_array_equal(_np(g.uniform([3])), a)
    c = tf.random.Generator(copy_from=h)
    np.testing.assert_array_equal(_np(c.state), _np(h.state))
    with pytest.raises(ValueError):
        tf.random.Generator(state=None, alg=None)


def test_distributions():
    g = tf.random.Generator.from_seed(3)
    u = _np(g.uniform([100_000], minval=2.0, maxval=3.0))
    assert u.min() >= 2.0 and u.max() < 3.0 and abs(u.mean() - 2.5) < 0.01
    n = _np(g.normal([100_000], mean=1.0, stddev=2.0, dtype=tf.float64))
    assert n.dtype == np.float64 and abs(n.mean() - 1.0) < 0.03 and abs(n.std() - 2.0) < 0.03
    t = _np(g.truncated_normal([100_000]))
    assert np.abs(t).max() <= 2.0
    i = _np(g.uniform([1000], minval=0, maxval=3, dtype=tf.int32))
    assert i.dtype == np.int32 and set(np.unique(i).tolist()) == {0, 1, 2}
    f = g.uniform_full_int([4])
    assert f.dtype == tf.uint64
    assert g.uniform([3], dtype=tf.int64, minval=None, maxval=None).dtype == tf.int64
    b = _np(g.binomial([10_000], counts=20.0, probs=0.25))
    assert abs(b.mean() - 5.0) < 0.1
    with pytest.raises(ValueError, match="both"):
        g.uniform([2], dtype=tf.int32)


def test_generator_in_tf_function_advances_state():
    g = tf.random.Generator.from_seed(9)
    ref = tf.random.Generator.from_seed(9)

    @tf.function
    def f():
        return g.normal([3])

    a = _np(f())
    b = _np(f())
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, _np(ref.normal([3])))
    np.testing.assert_array_equal(b, _np(ref.normal([3])))
    np.testing.assert_array_equal(_np(g.state), _np(ref.state))


def test_make_seeds_and_split():
    g = tf.random.Generator.from_seed(2)
    seeds = g.make_seeds(3)
    assert seeds.shape == [2, 3] and seeds.dtype == tf.int64
    x = tf.random.stateless_normal([2], seed=tf.reshape(tf.gather(seeds, [0], axis=1), [2]))
    assert x.shape == [2]
    kids = g.split(2)
    assert len(kids) == 2
    assert not np.array_equal(_np(kids[0].normal([4])), _np(kids[1].normal([4])))
    again = tf.random.Generator.from_seed(2)
    again.make_seeds(3)
    kids2 = again.split(2)
    assert _np(kids2[0].state)[2] == _np(kids[0].state)[2]
    assert _np(kids2[0].key) == _np(kids[0].key)


def test_skip():
    g = tf.random.Generator.from_seed(4)
    h = tf.random.Generator.from_seed(4)
    g.normal([2])
    g.normal([2])
    old = h.skip(2)
    assert _np(old).tolist() == [4, 0, 0]
    np.testing.assert_array_equal(_np(g.normal([2])), _np(h.normal([2])))


def test_global_generator():
    old = tf.random.get_global_generator()
    assert old is tf.random.get_global_generator()
    try:
        tf.random.set_global_generator(tf.random.Generator.from_seed(8))
        a = _np(tf.random.get_global_generator().normal([2]))
        tf.random.set_global_generator(tf.random.Generator.from_seed(8))
        np.testing.assert_array_equal(_np(tf.random.get_global_generator().normal([2])), a)
    finally:
        tf.random.set_global_generator(old)
    assert tf.random.experimental.Generator is tf.random.Generator


def test_nondeterministic_generators_differ():
    a = tf.random.Generator.from_non_deterministic_state()
    b = tf.random.Generator.from_non_deterministic_state()
    assert not np.array_equal(_np(a.normal([4])), _np(b.normal([4])))
