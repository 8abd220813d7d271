"""Normalization and regularization layers through the shared layer harness."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.src.layers import normalization as N
from tests.keras.harness import LayerCase, keras_oracle, run_layer_test

CF = "channels_first"


def _c(cls, kwargs, shape, **kw):
    return LayerCase(cls, kwargs, shape, id=f"{cls.__name__}-{kwargs}", **kw)


NORMALIZATION = [
    _c(N.BatchNormalization, {}, (4, 5, 5, 3), updates_state=True),
    _c(N.BatchNormalization, {"momentum": 0.9, "epsilon": 1e-5, "center": False},
       (4, 5, 5, 3), updates_state=True),
    _c(N.BatchNormalization, {"axis": 1}, (4, 3, 5, 5), updates_state=True),
    _c(N.BatchNormalization, {"scale": False}, (8, 6), updates_state=True),
    _c(N.BatchNormalization, {"epsilon": 1e-6}, (4, 3, 3, 2), updates_state=True),
    _c(N.BatchNormalization, {"axis": -1, "beta_regularizer": "l2"}, (3, 4, 5),
       updates_state=True),
    _c(N.BatchNormalization, {}, (2, 3, 3, 3, 2), updates_state=True),
    _c(N.LayerNormalization, {}, (3, 4, 5)),
    _c(N.LayerNormalization, {"axis": [1, 2], "epsilon": 1e-5}, (3, 4, 5)),
    _c(N.LayerNormalization, {"axis": 1, "center": False}, (3, 4, 5)),
    _c(N.LayerNormalization, {"scale": False, "gamma_regularizer": "l2"}, (3, 6)),
    _c(N.GroupNormalization, {"groups": 2}, (2, 4, 4, 6)),
    _c(N.GroupNormalization, {"groups": -1, "axis": 1}, (2, 3, 5)),
    _c(N.GroupNormalization, {"groups": 3, "center": False, "epsilon": 1e-4}, (2, 5, 6)),
    _c(N.UnitNormalization, {}, (3, 5)),
    _c(N.UnitNormalization, {"axis": [1, 2]}, (2, 3, 4)),
]


@pytest.mark.parametrize("case", NORMALIZATION, ids=str)
def test_normalization_layer(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran == {"config": True, "outputs": True}


def _x(shape, seed=0):
    return tf.constant(np.random.default_rng(seed).standard_normal(shape).astype("float32"))


def test_batch_norm_moving_stats_match_numpy():
    """Keras 3 rule: moving = moving * momentum + batch_stat * (1 - momentum), biased var."""
    x = _x((6, 4, 4, 3))
    bn = N.BatchNormalization(momentum=0.8)
    bn(x, training=True)
    xv = x.numpy().reshape(-1, 3)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.2 * xv.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.8 + 0.2 * xv.var(0), rtol=1e-5)


def test_batch_norm_frozen_runs_in_inference_mode():
    x = _x((4, 3, 3, 2))
    bn = N.BatchNormalization()
    bn(x)
    bn.set_weights([np.full(2, 2.0), np.full(2, 0.5), np.full(2, 1.0), np.full(2, 4.0)])
    bn.trainable = False
    y = bn(x, training=True).numpy()
    want = (x.numpy() - 1.0) / np.sqrt(4.0 + 1e-3) * 2.0 + 0.5
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.ones(2))
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_batch_norm_uses_fused_kernel_for_4d_channels_last():
    bn = N.BatchNormalization()
    x = _x((4, 3, 3, 2))
    bn(x)
    for training in (True, False):
        cf = tf.function(lambda t, tr=training: bn(t, training=tr)).get_concrete_function(x)
        types = [op.type for op in cf.graph.get_operations()]
        assert "FusedBatchNormV3" in types, types
    cf = tf.function(lambda t: N.BatchNormalization(axis=1)(t, training=True)) \
        .get_concrete_function(x)
    assert "FusedBatchNormV3" not in [op.type for op in cf.graph.get_operations()]


def test_batch_norm_mask():
    x = _x((2, 4, 3))
    mask = tf.constant(np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool))
    bn = N.BatchNormalization(momentum=0.0)
    bn(x, training=True, mask=mask)
    sel = np.concatenate([x.numpy()[0, :3], x.numpy()[1, :2]])
    np.testing.assert_allclose(bn.moving_mean.numpy(), sel.mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), sel.var(0), rtol=1e-4, atol=1e-6)


def test_normalization_argument_errors():
    with pytest.raises(ValueError, match="groups"):
        N.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="multiple"):
        N.GroupNormalization(groups=4)(_x((2, 6)))
    with pytest.raises(TypeError, match="axis"):
        N.LayerNormalization(axis="x")
    with pytest.raises(ValueError, match="out of bounds"):
        N.UnitNormalization(axis=3).compute_output_shape((2, 3))


# ---- regularization layers ----------------------------------------------------------------

from tensorflux.keras.src.layers import regularization as G  # noqa: E402

REGULARIZATION = [
    _c(G.SpatialDropout1D, {"rate": 0.5}, (2, 5, 3), random=True),
    _c(G.SpatialDropout2D, {"rate": 0.3}, (2, 4, 4, 3), random=True),
    _c(G.SpatialDropout2D, {"rate": 0.3, "data_format": CF}, (2, 3, 4, 4), random=True),
    _c(G.SpatialDropout3D, {"rate": 0.3, "seed": 1}, (1, 2, 3, 3, 4), random=True),
    _c(G.GaussianNoise, {"stddev": 0.2}, (3, 4), random=True),
    _c(G.GaussianDropout, {"rate": 0.3, "seed": 3}, (3, 4), random=True),
    _c(G.AlphaDropout, {"rate": 0.2}, (3, 4), random=True),
    _c(G.AlphaDropout, {"rate": 0.2, "noise_shape": (None, 1, 4)}, (3, 2, 4), random=True),
    _c(G.ActivityRegularization, {"l1": 0.1, "l2": 0.01}, (3, 4)),
]


@pytest.mark.parametrize("case", REGULARIZATION, ids=str)
def test_regularization_layer(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran == {"config": True, "outputs": True}


def test_spatial_dropout_drops_whole_channels():
    x = tf.ones([8, 5, 5, 16])
    y = G.SpatialDropout2D(0.5)(x, training=True).numpy()
    per_map = y.reshape(8, 25, 16)
    assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # each map all 0 or all 2
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.2 < (y == 0).mean() < 0.8
    y = G.SpatialDropout1D(0.5)(tf.ones([8, 6, 16]), training=True).numpy()
    assert np.all(y.min(axis=1) == y.max(axis=1))


def test_noise_statistics():
    x = tf.ones([200, 100])
    y = G.GaussianNoise(0.5)(x, training=True).numpy()
    assert abs(y.mean() - 1) < 0.02 and abs(y.std() - 0.5) < 0.02
    y = G.GaussianDropout(0.2)(x, training=True).numpy()
    assert abs(y.mean() - 1) < 0.02 and abs(y.std() - 0.5) < 0.02  # sqrt(.2/.8) = .5
    z = tf.constant(np.random.default_rng(0).standard_normal((400, 100)).astype("float32"))
    y = G.AlphaDropout(0.3)(z, training=True).numpy()
    assert abs(y.mean()) < 0.03 and abs(y.std() - 1) < 0.03  # keeps zero mean, unit var
    assert np.array_equal(G.GaussianNoise(0.5)(x).numpy(), x.numpy())  # inference: identity


def test_activity_regularization_loss():
    x = tf.constant([[1.0, -2.0], [3.0, 0.5]])
    layer = G.ActivityRegularization(l1=0.1, l2=0.01)
    layer(x)
    want = (0.1 * np.abs(x.numpy()).sum() + 0.01 * (x.numpy() ** 2).sum()) / 2  # per example
    np.testing.assert_allclose(float(tf.add_n(layer.losses)), want, rtol=1e-6)


def test_rate_errors():
    with pytest.raises(ValueError, match="rate"):
        G.GaussianDropout(1.5)
    with pytest.raises(ValueError, match="stddev"):
        G.GaussianNoise(-1)
