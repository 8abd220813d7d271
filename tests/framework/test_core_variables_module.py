"""tf.Variable and tf.Module."""

import numpy as np
import pytest

import tensorflux as tf


def test_variable_basics():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and v.dtype == tf.float32 and v.shape == [2] and v.trainable
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    np.testing.assert_allclose(v.numpy(), [3.5, 4.5])
    assert "tf.Variable 'w:0'" in repr(v)
    with pytest.raises(ValueError):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        v.assign(tf.constant([1, 2]))


def test_variable_read_is_a_snapshot():
    v = tf.Variable(1.0)
    before = v.read_value()
    v.assign(5.0)
    assert float(before) == 1.0 and float(v.read_value()) == 5.0


def test_variable_initial_value_callable_and_dtype():
    v = tf.Variable(lambda: tf.ones([2]), dtype=tf.float32)
    assert v.numpy().tolist() == [1.0, 1.0]
    assert tf.Variable(1, dtype=tf.float64).dtype == tf.float64


def test_scatter_updates():
    v = tf.Variable(np.zeros((4, 2), np.float32))
    v.scatter_update(tf.IndexedSlices(tf.ones([2, 2]), tf.constant([0, 2])))
    v.scatter_add(tf.IndexedSlices(tf.ones([1, 2]), tf.constant([0])))
    np.testing.assert_array_equal(v.numpy()[:, 0], [2, 0, 1, 0])
    v.scatter_nd_update(tf.constant([[3, 1]]), tf.constant([7.0]))
    assert v.numpy()[3, 1] == 7.0


def test_variable_in_function_reads_and_writes_in_program_order():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        a = v.read_value()
        v.assign_add(10.0)
        b = v.read_value()
        v.assign(tf.multiply(b, 2.0))
        return a, b

    a, b = f()
    assert float(a) == 1.0 and float(b) == 11.0 and float(v.numpy()) == 22.0
    a, b = f()
    assert float(a) == 22.0 and float(v.numpy()) == 64.0


def test_variable_created_once_inside_function():
    class M(tf.Module):
        def __init__(self):
            super().__init__()
            self.v = None

        @tf.function
        def __call__(self, x):
            if self.v is None:
                self.v = tf.Variable(tf.ones([2]))
            return tf.multiply(x, self.v)

    m = M()
    np.testing.assert_allclose(m(tf.constant([2.0, 3.0])).numpy(), [2.0, 3.0])
    assert len(m.trainable_variables) == 1


def test_module_tracks_nested_variables():
    class Dense(tf.Module):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.w = tf.Variable(tf.ones([2, 2]), name="w")
            self.b = tf.Variable(tf.zeros([2]), name="b", trainable=False)

    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.layers = [Dense("d1"), Dense("d2")]
            self.extra = {"scale": tf.Variable(1.0)}

    n = Net()
    assert n.name == "net"
    assert len(n.variables) == 5
    assert len(n.trainable_variables) == 3
    assert len(n.non_trainable_variables) == 2
    assert {m.name for m in n.submodules} == {"d1", "d2"}
    with pytest.raises(ValueError):
        tf.Module(name="bad name!")


def test_name_scope_prefixes_graph_ops():
    @tf.function
    def f(x):
        with tf.name_scope("layer1"):
            y = tf.multiply(x, 2.0, name="scale")
        with tf.name_scope("layer1"):
            z = tf.add(y, 1.0)
        return z

    cf = f.get_concrete_function(tf.constant(1.0))
    names = [op.name for op in cf.graph.get_operations()]
    assert "layer1/scale" in names
    assert any(n.startswith("layer1_1/") for n in names)


def test_module_default_names_follow_tensorflow():
    class MLP(tf.Module):
        pass

    class HTTPServer(tf.Module):
        pass

    class DenseLayer2D(tf.Module):
        pass

    assert MLP().name == "mlp"
    assert HTTPServer().name == "http_server"
    assert DenseLayer2D().name == "dense_layer2_d"
