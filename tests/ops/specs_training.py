"""Spec rows for the fused optimizer updates (ResourceApply*), against NumPy formulas."""

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

r = np.random.default_rng(5)
W = r.standard_normal((3, 2)).astype(np.float32)
G = r.standard_normal((3, 2)).astype(np.float32)
A = np.abs(r.standard_normal((3, 2))).astype(np.float32)   # slot values (accum, m)
V = np.abs(r.standard_normal((3, 2))).astype(np.float32)   # second-moment slot

_var, _s1, _s2 = (tf.Variable(np.zeros((3, 2), np.float32)) for _ in range(3))


def _load(w, a=None, v=None):
    _var.assign(w)
    if a is not None:
        _s1.assign(a)
    if v is not None:
        _s2.assign(v)


def gd(w, g):
    _load(w)
    tf.raw_ops.ResourceApplyGradientDescent(var=_var, alpha=0.1, delta=g)
    return tf.identity(_var.read_value())


def momentum(nesterov, keras):
    def f(w, a, g):
        _load(w, a)
        op = tf.raw_ops.ResourceApplyKerasMomentum if keras else tf.raw_ops.ResourceApplyMomentum
        op(var=_var, accum=_s1, lr=0.1, grad=g, momentum=0.9, use_nesterov=nesterov)
        return tf.identity(_var.read_value()), tf.identity(_s1.read_value())
    return f


def momentum_ref(nesterov, keras):
    def f(w, a, g):
        if keras:
            a = a * 0.9 - 0.1 * g
            w = w + (0.9 * a - 0.1 * g if nesterov else a)
        else:
            a = a * 0.9 + g
            w = w - (0.1 * g + 0.1 * 0.9 * a if nesterov else 0.1 * a)
        return w.astype(np.float32), a.astype(np.float32)
    return f


def adam(nesterov):
    def f(w, m, v, g):
        _load(w, m, v)
        tf.raw_ops.ResourceApplyAdam(var=_var, m=_s1, v=_s2, beta1_power=0.81, beta2_power=0.998,
                                     lr=0.01, beta1=0.9, beta2=0.999, epsilon=1e-7, grad=g,
                                     use_nesterov=nesterov)
        return (tf.identity(_var.read_value()), tf.identity(_s1.read_value()),
                tf.identity(_s2.read_value()))
    return f


def adam_ref(nesterov):
    def f(w, m, v, g):
        lr_t = 0.01 * np.sqrt(1 - 0.998) / (1 - 0.81)
        m = m + (g - m) * (1 - 0.9)
        v = v + (g * g - v) * (1 - 0.999)
        num = m * 0.9 + g * 0.1 if nesterov else m
        w = w - lr_t * num / (np.sqrt(v) + 1e-7)
        return w.astype(np.float32), m.astype(np.float32), v.astype(np.float32)
    return f


_kw = dict(grad=False, unknown_shapes=False, atol=1e-6)
SPECS = [
    OpSpec("train_gradient_descent", gd, lambda w, g: (w - 0.1 * g).astype(np.float32),
           [W, G], **_kw),
    OpSpec("train_momentum", momentum(False, False), momentum_ref(False, False), [W, A, G],
           **_kw),
    OpSpec("train_momentum_nesterov", momentum(True, False), momentum_ref(True, False),
           [W, A, G], **_kw),
    OpSpec("train_keras_momentum", momentum(False, True), momentum_ref(False, True), [W, A, G],
           **_kw),
    OpSpec("train_keras_momentum_nesterov", momentum(True, True), momentum_ref(True, True),
           [W, A, G], **_kw),
    OpSpec("train_adam", adam(False), adam_ref(False), [W, A, V, G], **_kw),
    OpSpec("train_adam_nesterov", adam(True), adam_ref(True), [W, A, V, G], **_kw),
]


def keras_adam(w, m, v, g):
    from tensorflux._src.ops import training_ops    # internal op: not in tf.raw_ops

    _load(w, m, v)
    training_ops.apply(training_ops.KERAS_ADAM, [_var, _s1, _s2], [0.05, 0.1, 0.001, 1e-7, g])
    return (tf.identity(_var.read_value()), tf.identity(_s1.read_value()),
            tf.identity(_s2.read_value()))


def keras_adam_ref(w, m, v, g):
    m = m + (g - m) * np.float32(0.1)
    v = v + (g * g - v) * np.float32(0.001)
    w = w - m * np.float32(0.05) / (np.sqrt(v) + np.float32(1e-7))
    return w.astype(np.float32), m.astype(np.float32), v.astype(np.float32)


SPECS.append(OpSpec("train_keras_adam", keras_adam, keras_adam_ref, [W, A, V, G], **_kw))
