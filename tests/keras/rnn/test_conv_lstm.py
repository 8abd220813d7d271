"""ConvLSTM1D/2D/3D through the shared Keras layer harness (real keras as oracle), plus
shapes, states and the unknown-time-dimension path."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers as L
from tests.keras.harness import LayerCase, keras_oracle, run_layer_test

CASES = [
    LayerCase(L.ConvLSTM1D, {"filters": 2, "kernel_size": 3}, (2, 3, 6, 3)),
    LayerCase(L.ConvLSTM1D, {"filters": 2, "kernel_size": 2, "padding": "same",
                             "return_sequences": True, "go_backwards": True}, (2, 3, 5, 2)),
    LayerCase(L.ConvLSTM2D, {"filters": 2, "kernel_size": 3}, (2, 3, 5, 4, 2)),
    LayerCase(L.ConvLSTM2D, {"filters": 3, "kernel_size": (2, 3), "strides": 2,
                             "padding": "same", "return_sequences": True}, (2, 3, 5, 6, 2)),
    LayerCase(L.ConvLSTM2D, {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                             "use_bias": False, "unit_forget_bias": False}, (1, 2, 6, 5, 2)),
    LayerCase(L.ConvLSTM2D, {"filters": 2, "kernel_size": 3, "data_format": "channels_first",
                             "padding": "same"}, (2, 3, 2, 5, 4), id="convlstm2d_nchw"),
    LayerCase(L.ConvLSTM2D, {"filters": 2, "kernel_size": 3, "dropout": 0.3,
                             "recurrent_dropout": 0.3}, (2, 3, 5, 5, 2), random=True,
              id="convlstm2d_dropout"),
    LayerCase(L.ConvLSTM3D, {"filters": 2, "kernel_size": 2}, (1, 2, 3, 4, 3, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran["config"], f"{case}: keras config not compared"
        assert ran["outputs"], f"{case}: keras outputs not compared"


def test_return_state_and_shapes():
    layer = L.ConvLSTM2D(4, 3, padding="same", return_sequences=True, return_state=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5, 2)).astype("float32")
    out, h, c = layer(x)
    assert out.shape == (2, 3, 5, 5, 4) and h.shape == c.shape == (2, 5, 5, 4)
    np.testing.assert_allclose(out.numpy()[:, -1], h.numpy(), rtol=1e-6)
    assert layer.compute_output_shape((2, 3, 5, 5, 2)) == (
        (2, 3, 5, 5, 4), (2, 5, 5, 4), (2, 5, 5, 4))
    assert [w.shape for w in layer.weights] == [(3, 3, 2, 16), (3, 3, 4, 16), (16,)]
    np.testing.assert_array_equal(layer.cell.bias.numpy()[4:8], np.ones(4, "float32"))


def test_unknown_time_dimension_matches_static():
    x = np.random.default_rng(1).standard_normal((2, 4, 5, 3)).astype("float32")
    layer = L.ConvLSTM1D(2, 3, return_sequences=True)
    static = layer(x).numpy()
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, None, 5, 3], tf.float32)])
    np.testing.assert_allclose(fn(tf.constant(x)).numpy(), static, rtol=1e-5, atol=1e-6)


def test_training_in_a_model_reduces_loss():
    r = np.random.default_rng(2)
    x = r.standard_normal((16, 3, 6, 6, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3, 4)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((3, 6, 6, 1)), L.ConvLSTM2D(4, 3),
                              L.Flatten(), L.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    hist = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_invalid_arguments():
    with pytest.raises(ValueError, match="dilation_rate"):
        L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="static input shapes"):
        L.ConvLSTM2D(2, 3).build((None, 3, None, 5, 2))
