"""Shared test harness for Keras layers (used by every Keras layer test).

``run_layer_test(LayerCase(...))`` checks one layer class with one set of constructor
arguments against Keras 3's contract:

1. build on first call; the output's shape and dtype equal ``compute_output_shape`` (also
   with an unknown batch dimension);
2. ``get_config``/``from_config`` round trip, and the config dict equals real keras 3's
   for the same arguments (when keras is importable and has the layer);
3. outputs equal real keras's (numpy backend) with our weights copied in via
   ``set_weights`` - in inference mode, and in training mode for deterministic layers
   (including the non-trainable weights a training call updates, e.g. moving statistics);
4. one training step (``tf.GradientTape`` + plain SGD) changes every trainable weight and
   leaves non-trainable weights alone (or, for layers that update them in a training call,
   changes them all);
5. a weights round trip (``get_weights`` -> fresh layer from the config -> ``set_weights``)
   gives equal outputs;
6. inside ``tf.function`` the layer gives the eager results (inference output, also with an
   unknown batch size, and for deterministic layers the training step's gradients and
   state updates);
7. called on a ``keras.Input`` (functional API) its output has ``compute_output_shape``;
8. saved inside a functional model to a ``.keras`` file it reloads with equal outputs (in
   tensorflux, and in the real keras when its config and outputs matched keras's).

The real ``keras`` is only a test oracle: it is imported with ``KERAS_BACKEND=numpy`` (which
needs ``jax`` installed for the numpy backend's conv/fft helpers). Without it the oracle
checks are skipped and the rest still runs.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import sys

import numpy as np

import tensorflux as tf

_ORACLE = []


def keras_oracle():
    """The real keras 3 package on its numpy backend, or None when it cannot be used."""
    if not _ORACLE:
        mod = None
        if "keras" in sys.modules:
            mod = sys.modules["keras"]
        else:
            os.environ["KERAS_BACKEND"] = "numpy"
            try:
                import keras as mod
            except Exception:  # keras or jax missing, or a broken install
                mod = None
        if mod is not None and getattr(mod.backend, "backend", lambda: "")() != "numpy":
            mod = None
        _ORACLE.append(mod)
    return _ORACLE[0]


@dataclasses.dataclass
class LayerCase:
    """One layer class + constructor kwargs + input, and what to expect of it."""

    cls: type
    kwargs: dict
    input_shape: tuple
    input_dtype: str = "float32"
    keras_name: str | None = None     # name in keras.layers; default cls.__name__; "" = none
    keras_kwargs: dict | None = None  # kwargs for the keras oracle if they must differ
    output_dtype: str | None = None   # default: the layer's compute dtype (Keras autocast)
    random: bool = False              # training-mode output is random (dropout, noise)
    updates_state: bool = False       # a training call changes the non-trainable weights
    atol: float = 1e-5
    rtol: float = 1e-4
    config_ignore: tuple = ()         # config keys not compared with keras
    positive_input: bool = False
    id: str = ""

    def __str__(self):
        return self.id or f"{self.cls.__name__}({self.kwargs})"


def make_input(case, seed=0):
    rng = np.random.default_rng(seed)
    if case.input_dtype.startswith("int"):
        return rng.integers(0, 10, size=case.input_shape).astype(case.input_dtype)
    x = rng.standard_normal(case.input_shape)
    if case.positive_input:
        x = np.abs(x) + 0.1
    return x.astype(case.input_dtype)


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def _build(case, x):
    layer = case.cls(**copy.deepcopy(case.kwargs))
    y = layer(tf.constant(x))
    return layer, y


def _strip_name(cfg):
    cfg = dict(cfg)
    cfg.pop("name", None)
    return cfg


def check_shapes(case, layer, y):
    want = tuple(layer.compute_output_shape(tuple(case.input_shape)))
    assert tuple(y.shape) == want, f"{case}: output shape {tuple(y.shape)} != " \
                                   f"compute_output_shape {want}"
    unknown_batch = (None,) + tuple(case.input_shape[1:])
    got = tuple(layer.compute_output_shape(unknown_batch))
    assert got == (None,) + want[1:], f"{case}: compute_output_shape({unknown_batch}) = {got}"
    out_dtype = case.output_dtype or layer.compute_dtype
    assert y.dtype.name == out_dtype, f"{case}: output dtype {y.dtype.name} != {out_dtype}"


def check_config(case, layer, keras=None):
    cfg = layer.get_config()
    clone = case.cls.from_config(cfg)
    assert _strip_name(clone.get_config()) == _strip_name(cfg), f"{case}: config round trip"
    if keras is None:
        return None
    klayer = _keras_layer(case, keras)
    if klayer is None:
        return None
    klayer(make_input(case))
    kcfg = {k: v for k, v in _strip_name(klayer.get_config()).items()
            if k not in case.config_ignore}
    ours = {k: v for k, v in _strip_name(cfg).items() if k not in case.config_ignore}
    assert ours == kcfg, f"{case}: config differs from keras:\n ours  {ours}\n keras {kcfg}"
    return klayer


def _keras_layer(case, keras):
    name = case.cls.__name__ if case.keras_name is None else case.keras_name
    kcls = getattr(keras.layers, name, None) if name else None
    if kcls is None:
        return None
    kw = case.keras_kwargs if case.keras_kwargs is not None else case.kwargs
    return kcls(**copy.deepcopy(kw))


def check_oracle(case, layer, x, keras):
    """Outputs (and training-call state updates) equal real keras's with the same weights."""
    klayer = _keras_layer(case, keras)
    if klayer is None:
        return False
    klayer(x)
    kw = klayer.get_weights()
    ours = layer.get_weights()
    assert [w.shape for w in kw] == [w.shape for w in ours], \
        f"{case}: weight shapes differ from keras: {[w.shape for w in ours]} vs " \
        f"{[w.shape for w in kw]}"
    assert [v.name for v in klayer.weights] == [_short(v.name) for v in layer.weights], \
        f"{case}: weight names/order differ from keras"
    rng = np.random.default_rng(7)
    fresh = [w + rng.uniform(0.1, 0.5, w.shape).astype(w.dtype) if w.dtype.kind == "f" else w
             for w in ours]
    layer.set_weights(fresh)
    klayer.set_weights(fresh)
    want = np.asarray(klayer(x, training=False))
    got = _np(layer(tf.constant(x), training=False))
    np.testing.assert_allclose(got, want, rtol=case.rtol, atol=case.atol,
                               err_msg=f"{case}: inference output differs from keras")
    if not case.random:
        want = np.asarray(klayer(x, training=True))
        got = _np(layer(tf.constant(x), training=True))
        np.testing.assert_allclose(got, want, rtol=case.rtol, atol=case.atol,
                                   err_msg=f"{case}: training output differs from keras")
        for kv, v in zip(klayer.weights, layer.weights):
            np.testing.assert_allclose(_np(v), np.asarray(kv.numpy()), rtol=case.rtol,
                                       atol=case.atol,
                                       err_msg=f"{case}: weight {v.name} after a training "
                                               "call differs from keras")
    return True


def _short(name):
    """A variable's own name without scope or ``:0`` (``conv2d/kernel:0`` -> ``kernel``)."""
    return name.split("/")[-1].split(":")[0]


def _sgd_step(layer, x, proj, lr=0.1):
    with tf.GradientTape() as tape:
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * proj)
        if layer.losses:
            loss = loss + tf.add_n(layer.losses)
    grads = tape.gradient(loss, layer.trainable_weights)
    for v, g in zip(layer.trainable_weights, grads):
        v.assign_sub(lr * g)
    return grads


def check_training_step(case, x):
    layer, y = _build(case, x)
    proj = tf.constant(np.random.default_rng(3).standard_normal(tuple(y.shape))
                       .astype(y.dtype.name))
    trainable0 = [_np(v).copy() for v in layer.trainable_weights]
    frozen0 = [_np(v).copy() for v in layer.non_trainable_weights]
    grads = _sgd_step(layer, tf.constant(x), proj)
    for v, g, w0 in zip(layer.trainable_weights, grads, trainable0):
        assert g is not None, f"{case}: no gradient for {v.name}"
        assert not np.allclose(_np(v), w0), f"{case}: training step left {v.name} unchanged"
    for v, w0 in zip(layer.non_trainable_weights, frozen0):
        changed = not np.array_equal(_np(v), w0)
        assert changed == case.updates_state, \
            f"{case}: non-trainable {v.name} {'un' if not changed else ''}changed by training"
    return layer, proj, grads


def check_weights_round_trip(case, layer, x):
    clone = case.cls.from_config(layer.get_config())
    clone(tf.constant(x))
    clone.set_weights(layer.get_weights())
    for a, b in zip(clone.get_weights(), layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(_np(clone(tf.constant(x), training=False)),
                               _np(layer(tf.constant(x), training=False)), rtol=1e-6,
                               atol=1e-6, err_msg=f"{case}: outputs after weight round trip")


def check_tf_function(case, x):
    layer, _ = _build(case, x)
    xt = tf.constant(x)
    eager = _np(layer(xt, training=False))
    traced = _np(tf.function(lambda t: layer(t, training=False))(xt))
    np.testing.assert_allclose(traced, eager, rtol=1e-5, atol=1e-6,
                               err_msg=f"{case}: tf.function inference output")
    spec = tf.TensorSpec([None] + list(x.shape[1:]), xt.dtype)
    relaxed = tf.function(lambda t: layer(t, training=False), input_signature=[spec])
    np.testing.assert_allclose(_np(relaxed(xt)), eager, rtol=1e-5, atol=1e-6,
                               err_msg=f"{case}: tf.function with an unknown batch size")
    if case.random:
        out = tf.function(lambda t: layer(t, training=True))(xt)
        assert tuple(out.shape) == tuple(eager.shape)
        return
    twin = case.cls.from_config(layer.get_config())
    twin(xt)
    twin.set_weights(layer.get_weights())
    proj = tf.constant(np.random.default_rng(4).standard_normal(eager.shape)
                       .astype(eager.dtype))
    g_eager = _sgd_step(layer, xt, proj)
    g_traced = tf.function(lambda t, p: _sgd_step(twin, t, p))(xt, proj)
    for a, b in zip(g_traced, g_eager):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-5,
                                   err_msg=f"{case}: tf.function gradients")
    for a, b in zip(twin.weights, layer.weights):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-5,
                                   err_msg=f"{case}: tf.function training step state")


def check_symbolic(case):
    """Called on a ``keras.Input`` (functional API) the output has compute_output_shape."""
    from tensorflux.keras.src.engine.input_layer import Input

    layer = case.cls(**copy.deepcopy(case.kwargs))
    out = layer(Input(shape=tuple(case.input_shape[1:]), dtype=case.input_dtype))
    want = tuple(layer.compute_output_shape((None,) + tuple(case.input_shape[1:])))
    assert tuple(out.shape) == want, f"{case}: symbolic output shape {tuple(out.shape)} " \
                                     f"!= {want}"


def check_keras_file_round_trip(case, layer, x, keras=None):
    """(Saving) In a functional model saved to ``.keras``, the layer reloads with equal
    inference outputs in tensorflux and, when ``keras`` is given, in the real keras."""
    import tempfile

    from tensorflux import keras as tfk

    inp = tfk.Input(shape=tuple(x.shape[1:]), dtype=case.input_dtype)
    model = tfk.Model(inp, layer(inp))
    want = _np(model(tf.constant(x), training=False))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "layer.keras")
        model.save(path)
        got = _np(tfk.models.load_model(path)(tf.constant(x), training=False))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6,
                                   err_msg=f"{case}: output after .keras save/load")
        if keras is not None:
            kout = np.asarray(keras.models.load_model(path)(x, training=False))
            np.testing.assert_allclose(kout, want, rtol=case.rtol, atol=case.atol,
                                       err_msg=f"{case}: real keras loading our .keras file")


def run_layer_test(case, oracle=True):
    """All checks for one case; returns which oracle checks ran (for reporting)."""
    x = make_input(case)
    layer, y = _build(case, x)
    check_shapes(case, layer, y)
    keras = keras_oracle() if oracle else None
    ran = {"config": check_config(case, layer, keras) is not None}
    ran["outputs"] = bool(keras is not None and check_oracle(case, layer, x, keras))
    trained, _, _ = check_training_step(case, x)
    check_weights_round_trip(case, trained, x)
    check_tf_function(case, x)
    check_symbolic(case)
    check_keras_file_round_trip(case, trained, x,
                                keras if ran["config"] and ran["outputs"] else None)
    return ran
