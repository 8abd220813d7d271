"""Convolution layers through the shared layer harness (oracle: real keras 3, numpy backend)."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.src.layers import conv as C
from tests.keras.harness import LayerCase, keras_oracle, run_layer_test

CF = "channels_first"


def _c(cls, kwargs, shape, **kw):
    return LayerCase(cls, kwargs, shape, id=f"{cls.__name__}-{kwargs}", **kw)


CASES = [
    _c(C.Conv1D, {"filters": 3, "kernel_size": 2}, (2, 7, 4)),
    _c(C.Conv1D, {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
       (2, 9, 2)),
    _c(C.Conv1D, {"filters": 4, "kernel_size": 3, "padding": "same", "strides": 2,
                  "data_format": CF}, (2, 3, 8)),
    _c(C.Conv1D, {"filters": 4, "kernel_size": 3, "groups": 2, "use_bias": False},
       (2, 8, 4)),
    _c(C.Conv2D, {"filters": 4, "kernel_size": 3, "activation": "relu"}, (2, 6, 6, 3)),
    _c(C.Conv2D, {"filters": 4, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same",
                  "kernel_regularizer": "l2", "activity_regularizer": "l2"}, (2, 7, 6, 3)),
    _c(C.Conv2D, {"filters": 2, "kernel_size": 3, "dilation_rate": 2, "padding": "same",
                  "activation": "tanh"}, (1, 8, 8, 2)),
    _c(C.Conv2D, {"filters": 4, "kernel_size": 2, "data_format": CF, "activation": "relu"},
       (2, 3, 5, 5)),
    _c(C.Conv2D, {"filters": 6, "kernel_size": 3, "groups": 3, "padding": "same"},
       (2, 5, 5, 3)),
    _c(C.Conv3D, {"filters": 2, "kernel_size": 2}, (1, 4, 4, 4, 2)),
    _c(C.Conv3D, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                  "data_format": CF}, (1, 2, 5, 5, 5)),
    _c(C.Conv1DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2)),
    _c(C.Conv1DTranspose, {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"},
       (2, 5, 2)),
    _c(C.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
       (2, 4, 4, 2)),
    _c(C.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2,
                           "output_padding": 1, "activation": "relu"}, (2, 4, 4, 2)),
    _c(C.Conv2DTranspose, {"filters": 2, "kernel_size": 2, "data_format": CF},
       (2, 3, 4, 4)),
    _c(C.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "dilation_rate": 2},
       (1, 4, 4, 2)),
    _c(C.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 3, 3, 3, 2)),
    _c(C.Conv3DTranspose, {"filters": 2, "kernel_size": 3, "padding": "same",
                           "data_format": CF}, (1, 2, 3, 3, 3)),
    _c(C.DepthwiseConv1D, {"kernel_size": 3, "depth_multiplier": 2}, (2, 8, 3)),
    _c(C.DepthwiseConv1D, {"kernel_size": 3, "padding": "same", "data_format": CF},
       (2, 3, 8)),
    _c(C.DepthwiseConv2D, {"kernel_size": 3}, (2, 6, 6, 3)),
    _c(C.DepthwiseConv2D, {"kernel_size": 3, "strides": 2, "padding": "same",
                           "depth_multiplier": 2, "activation": "relu"}, (2, 7, 7, 2)),
    _c(C.DepthwiseConv2D, {"kernel_size": 2, "dilation_rate": 2, "data_format": CF},
       (2, 2, 6, 6)),
    _c(C.SeparableConv1D, {"filters": 4, "kernel_size": 3, "depth_multiplier": 2},
       (2, 8, 3)),
    _c(C.SeparableConv1D, {"filters": 4, "kernel_size": 3, "padding": "same",
                           "data_format": CF}, (2, 3, 8)),
    _c(C.SeparableConv2D, {"filters": 4, "kernel_size": 3, "activation": "relu"},
       (2, 6, 6, 3)),
    _c(C.SeparableConv2D, {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                           "data_format": CF, "use_bias": False}, (2, 3, 7, 7)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_conv_layer(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran == {"config": True, "outputs": True}


def test_conv2d_relu_compiles_to_fused_conv():
    """Conv2D(activation="relu") traces Conv2D -> BiasAdd -> Relu, which the remapper fuses."""
    layer = C.Conv2D(4, 3, activation="relu", padding="same")
    x = tf.constant(np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype("float32"))
    cf = tf.function(lambda t: layer(t)).get_concrete_function(x)
    traced = [op.type for op in cf.graph.get_operations()
              if op.type not in ("Placeholder", "ReadVariableOp")]
    assert traced == ["Conv2D", "BiasAdd", "Relu"], traced
    planned = [op.type for op in cf._get_plan().graph.get_operations()]
    assert "_FusedConv2D" in planned and "Conv2D" not in planned, planned


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="filters"):
        C.Conv2D(0, 3)
    with pytest.raises(ValueError, match="groups"):
        C.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="padding"):
        C.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate"):
        C.Conv2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="output_padding"):
        C.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="kernel_size"):
        C.Conv1D(2, (3, 3))
    with pytest.raises(ValueError, match="evenly divisible"):
        C.Conv2D(4, 3, groups=2)(tf.ones([1, 5, 5, 3]))
    with pytest.raises(ValueError, match="min_ndim=4"):
        C.Conv2D(2, 3)(tf.ones([5, 5, 3]))
    layer = C.Conv2D(2, 3)
    layer(tf.ones([1, 5, 5, 3]))
    with pytest.raises(ValueError, match="axis -1"):
        layer(tf.ones([1, 5, 5, 4]))
    with pytest.raises(ValueError, match="zero or negative"):
        C.Conv2D(2, 5)(tf.ones([1, 3, 3, 1]))


def _plan_counts(forward, params, x):
    import collections

    y = tf.zeros([x.shape[0]], "int32")

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=forward(x)))
        for v, g in zip(params, tape.gradient(loss, params)):
            v.assign_sub(0.01 * g)
        return loss
    plan = step.get_concrete_function(x, y)._get_plan()
    return collections.Counter(op.type for op in plan.graph.get_operations())


def test_layer_train_step_plan_equals_hand_written_tf_nn():
    """A Conv2D/MaxPooling2D stack costs nothing over the same step written with tf.nn."""
    from tensorflux.keras.src.layers.pooling import MaxPooling2D

    x = tf.zeros([2, 8, 8, 1])
    layers = [C.Conv2D(4, 3, padding="same", activation="relu"), MaxPooling2D()]
    w = tf.Variable(np.ones((4 * 4 * 4, 3), "float32"))

    def by_layers(t):
        for layer in layers:
            t = layer(t)
        return tf.matmul(tf.reshape(t, [-1, 64]), w)
    by_layers(x)
    k, b = tf.Variable(layers[0].kernel.numpy()), tf.Variable(np.zeros(4, "float32"))

    def by_hand(t):
        t = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(t, k, 1, "SAME"), b))
        return tf.matmul(tf.reshape(tf.nn.max_pool2d(t, 2, 2, "VALID"), [-1, 64]), w)
    want = _plan_counts(by_hand, [k, b, w], x)
    assert want["_FusedConv2D"] == 1
    assert _plan_counts(by_layers, layers[0].trainable_weights + [w], x) == want
