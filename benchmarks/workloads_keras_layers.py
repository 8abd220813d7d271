"""Keras conv/pooling/normalization layer workloads: the layers' traced train step versus
the same step written by hand with ``tf.nn`` ops (the layers should cost nothing extra).

Workloads take the harness ``ctx`` and call ``ctx.emit``. Standalone:
``python benchmarks/workloads_keras_layers.py [workload ...]`` prints examples/s.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def _tf():
    import tensorflux as tf

    return tf


def _cnn_layers(tf, bn):
    from tensorflux.keras.src.layers.conv import Conv2D
    from tensorflux.keras.src.layers.normalization import BatchNormalization
    from tensorflux.keras.src.layers.pooling import MaxPooling2D

    layers = [Conv2D(32, 5, padding="same", activation="relu"), MaxPooling2D(2, 2),
              Conv2D(64, 5, padding="same", activation="relu"), MaxPooling2D(2, 2)]
    if bn:
        layers.insert(1, BatchNormalization())
    w = tf.Variable(np.random.default_rng(0).standard_normal((7 * 7 * 64, 10))
                    .astype("float32") * 0.01)

    def forward(x):
        for layer in layers:
            x = layer(x, training=True)
        return tf.matmul(tf.reshape(x, [-1, 7 * 7 * 64]), w)
    forward(tf.zeros([1, 28, 28, 1]))
    params = [v for layer in layers for v in layer.trainable_weights] + [w]
    return forward, params


def _cnn_by_hand(tf):
    r = np.random.default_rng(0)
    k1 = tf.Variable(r.standard_normal((5, 5, 1, 32)).astype("float32") * 0.1)
    b1 = tf.Variable(np.zeros(32, "float32"))
    k2 = tf.Variable(r.standard_normal((5, 5, 32, 64)).astype("float32") * 0.05)
    b2 = tf.Variable(np.zeros(64, "float32"))
    w = tf.Variable(r.standard_normal((7 * 7 * 64, 10)).astype("float32") * 0.01)

    def forward(x):
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k1, 1, "SAME"), b1))
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k2, 1, "SAME"), b2))
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        return tf.matmul(tf.reshape(x, [-1, 7 * 7 * 64]), w)
    return forward, [k1, b1, k2, b2, w]


def _rate(tf, forward, params, ctx):
    r = np.random.default_rng(ctx.seed)
    x = tf.constant(r.standard_normal((ctx.batch, 28, 28, 1)).astype("float32"))
    y = tf.constant(r.integers(0, 10, ctx.batch).astype("int32"))

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=forward(x)))
        for v, g in zip(params, tape.gradient(loss, params)):
            v.assign_sub(0.01 * g)
        return loss
    for _ in range(ctx.warmup):
        step(x, y)
    t0 = time.perf_counter()
    for _ in range(ctx.steps):
        step(x, y)
    return ctx.steps * ctx.batch / (time.perf_counter() - t0)


def cnn_layers_vs_by_hand(ctx):
    """MNIST-CNN conv stack (Conv2D 5x5 32/64 relu + MaxPooling2D) train step."""
    tf = _tf()
    hand = _rate(tf, *_cnn_by_hand(tf), ctx)
    layers = _rate(tf, *_cnn_layers(tf, bn=False), ctx)
    ctx.emit("examples_per_sec", layers, "examples/s", impl="keras_layers", batch=ctx.batch)
    ctx.emit("examples_per_sec", hand, "examples/s", impl="tf_nn_by_hand", batch=ctx.batch)
    ctx.emit("layers_over_by_hand", layers / hand, "x", batch=ctx.batch)


def cnn_with_batch_norm(ctx):
    """The same stack with BatchNormalization (fused kernel) after the first convolution."""
    tf = _tf()
    ctx.emit("examples_per_sec", _rate(tf, *_cnn_layers(tf, bn=True), ctx), "examples/s",
             impl="keras_layers+bn", batch=ctx.batch)


WORKLOADS = {"cnn_layers_vs_by_hand": cnn_layers_vs_by_hand,
             "cnn_with_batch_norm": cnn_with_batch_norm}


class _Ctx:
    def __init__(self, steps=20, batch=100):
        self.steps, self.batch, self.seed, self.warmup = steps, batch, 0, 3

    def emit(self, metric, value, unit, **extra):
        print(f"  {metric}: {value:,.3f} {unit} {extra}")


if __name__ == "__main__":
    for name in sys.argv[1:] or list(WORKLOADS):
        print(name)
        WORKLOADS[name](_Ctx())
