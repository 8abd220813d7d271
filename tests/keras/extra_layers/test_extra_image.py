"""Color augmentation layers against real keras 3.15 (numpy backend): inference outputs,
training outputs at deterministic factors, configs; seeded determinism and ranges otherwise."""

import numpy as np
import pytest

from tensorflux import keras as tk
from tensorflux.keras.src.layers import extra_image as E
from tests.keras.harness import LayerCase, keras_oracle, run_layer_test

K = keras_oracle()
needs_keras = pytest.mark.skipif(K is None, reason="real keras (numpy backend) not available")
CF = "channels_first"
IMG = (2, 6, 5, 3)


def _c(cls, kwargs, shape=IMG, **kw):
    return LayerCase(cls, kwargs, shape, positive_input=True, id=f"{cls.__name__}-{kwargs}",
                     **kw)


CASES = [
    _c(E.AutoContrast, {}),
    _c(E.AutoContrast, {"value_range": (0, 1)}),
    _c(E.Solarization, {}),
    _c(E.Solarization, {"value_range": (0, 4)}),
    _c(E.RandomGrayscale, {"factor": 1.0}),
    _c(E.RandomGrayscale, {"factor": 0.0, "data_format": CF}, (2, 3, 6, 5)),
    _c(E.RandomInvert, {"factor": (1.0, 1.0), "value_range": (0, 4)}),
    _c(E.RandomPosterization, {"factor": (3, 3), "value_range": (0, 4)}),
    _c(E.RandomHue, {"factor": (0.0, 0.0), "value_range": (0, 4)}),
    _c(E.RandomSaturation, {"factor": (0.25, 0.25)}),
    _c(E.RandomSaturation, {"factor": (0.75, 0.75), "data_format": CF}, (2, 3, 6, 5)),
    _c(E.RandomSharpness, {"factor": (0.2, 0.2), "value_range": (0, 4)}),
    _c(E.RandomSharpness, {"factor": (0.7, 0.7), "data_format": CF}, (2, 3, 6, 5)),
    _c(E.RandomColorDegeneration, {"factor": (0.4, 0.4), "value_range": (0, 4)}),
    # random settings: inference identity + config vs keras, training shape only
    _c(E.RandomHue, {"factor": 0.5, "seed": 3}, random=True),
    _c(E.RandomInvert, {"seed": 1}, random=True),
    _c(E.RandomPosterization, {"factor": 4, "seed": 1}, random=True),
    _c(E.MixUp, {"alpha": 0.4, "seed": 2}, random=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer_harness(case):
    run_layer_test(case)


RANDOM = [(E.RandomHue, {"factor": 0.5}), (E.RandomSaturation, {"factor": 0.6}),
          (E.RandomSharpness, {"factor": 0.8}), (E.RandomColorDegeneration, {"factor": 0.9}),
          (E.RandomInvert, {}), (E.RandomPosterization, {"factor": (2, 7)}),
          (E.Solarization, {"addition_factor": 0.3, "threshold_factor": 0.7}),
          (E.RandomGrayscale, {}), (E.MixUp, {})]


@pytest.mark.parametrize("cls,kwargs", RANDOM, ids=lambda v: getattr(v, "__name__", str(v)))
def test_seeded_determinism_and_range(cls, kwargs):
    x = np.random.default_rng(0).uniform(0, 255, (8, 5, 4, 3)).astype("float32")
    a = cls(seed=7, **kwargs)(x, training=True).numpy()
    b = cls(seed=7, **kwargs)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32
    assert a.min() >= -1e-3 and a.max() <= 255 + 1e-3
    assert not np.allclose(a, x)
    np.testing.assert_array_equal(cls(seed=7, **kwargs)(x, training=False).numpy(), x)
    single = cls(seed=7, **kwargs)(x[0], training=True).numpy()
    assert single.shape == x[0].shape


@pytest.mark.parametrize("kwargs,shape", [({"value_range": (0, 4)}, IMG),
                                          ({"value_range": (0, 4), "bins": 16,
                                            "data_format": CF}, (2, 3, 6, 5))])
def test_equalization(kwargs, shape):
    """The harness without its oracle (keras's own Equalization returns its input as the
    symbolic output, so keras cannot rebuild a model from it), then keras by hand."""
    case = _c(E.Equalization, kwargs, shape)
    run_layer_test(case, oracle=False)
    if K is None:
        return
    x = np.random.default_rng(5).uniform(0, 4, shape).astype("float32")
    ours, theirs = E.Equalization(**kwargs), K.layers.Equalization(**kwargs)
    np.testing.assert_allclose(ours(x, training=True).numpy(),
                               np.asarray(theirs(x, training=True)), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ours(x, training=False).numpy(), x)
    cfg, kcfg = ours.get_config(), theirs.get_config()
    cfg.pop("name"), kcfg.pop("name")
    assert cfg == kcfg


def test_reference_values():
    x = np.array([[[[10.0], [50.0]], [[90.0], [130.0]]]], "float32")
    np.testing.assert_allclose(tk.layers.AutoContrast()(x).numpy().ravel(),
                               [0, 85, 170, 255], rtol=1e-5)
    np.testing.assert_allclose(tk.layers.RandomPosterization((2, 2))(x).numpy().ravel(),
                               [0, 0, 64, 128])
    np.testing.assert_allclose(tk.layers.Solarization()(x).numpy().ravel(),
                               255 - x.ravel())
    mixed = tk.layers.MixUp(seed=1)(np.stack([np.zeros((2, 2, 3)), np.ones((2, 2, 3))])
                                    .astype("float32")).numpy()
    assert np.all((mixed >= 0) & (mixed <= 1))
    with pytest.raises(ValueError, match="factor"):
        tk.layers.RandomHue(1.5)
    with pytest.raises(ValueError, match="3 channels"):
        tk.layers.RandomColorDegeneration(0.2).compute_output_shape((1, 4, 4, 2))


@needs_keras
def test_random_hue_inverse_rotation_matches_keras_math():
    """A fixed hue shift through our HSV path equals keras's ops on the same images."""
    x = np.random.default_rng(1).uniform(0, 1, (2, 4, 4, 3)).astype("float32")
    ours = tk.layers.RandomHue((0.0, 0.0), value_range=(0, 1))(x).numpy()
    np.testing.assert_allclose(ours, np.asarray(K.ops.image.hsv_to_rgb(
        K.ops.image.rgb_to_hsv(x))), rtol=1e-5, atol=1e-5)
