"""Pooling and spatial reshaping layers through the shared layer harness."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.src.layers import pooling as P
from tensorflux.keras.src.layers import reshaping as R
from tests.keras.harness import LayerCase, keras_oracle, run_layer_test

CF = "channels_first"


def _c(cls, kwargs, shape, **kw):
    return LayerCase(cls, kwargs, shape, id=f"{cls.__name__}-{kwargs}", **kw)


POOLING = [
    _c(P.MaxPooling1D, {}, (2, 8, 3)),
    _c(P.MaxPooling1D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3)),
    _c(P.MaxPooling1D, {"pool_size": 2, "data_format": CF}, (2, 3, 8)),
    _c(P.MaxPooling2D, {}, (2, 6, 6, 3)),
    _c(P.MaxPooling2D, {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"},
       (2, 7, 5, 3)),
    _c(P.MaxPooling2D, {"pool_size": 2, "data_format": CF}, (2, 3, 6, 6)),
    _c(P.MaxPooling3D, {}, (1, 4, 4, 4, 2)),
    _c(P.MaxPooling3D, {"pool_size": 3, "strides": 2, "padding": "same",
                        "data_format": CF}, (1, 2, 5, 5, 5)),
    _c(P.AveragePooling1D, {"pool_size": 2}, (2, 8, 3)),
    _c(P.AveragePooling1D, {"pool_size": 3, "strides": 1, "padding": "same",
                            "data_format": CF}, (2, 3, 7)),
    _c(P.AveragePooling2D, {"pool_size": 2}, (2, 6, 6, 3)),
    _c(P.AveragePooling2D, {"pool_size": 3, "strides": 2, "padding": "same"},
       (2, 7, 7, 3)),
    _c(P.AveragePooling2D, {"pool_size": (2, 3), "data_format": CF}, (2, 3, 6, 6)),
    _c(P.AveragePooling3D, {"pool_size": 2}, (1, 4, 4, 4, 2)),
    _c(P.AveragePooling3D, {"pool_size": 2, "padding": "same", "data_format": CF},
       (1, 2, 5, 5, 5)),
]
for _cls, _shape, _cf_shape in [
        (P.GlobalMaxPooling1D, (2, 5, 3), (2, 3, 5)),
        (P.GlobalMaxPooling2D, (2, 4, 5, 3), (2, 3, 4, 5)),
        (P.GlobalMaxPooling3D, (1, 3, 4, 5, 2), (1, 2, 3, 4, 5)),
        (P.GlobalAveragePooling1D, (2, 5, 3), (2, 3, 5)),
        (P.GlobalAveragePooling2D, (2, 4, 5, 3), (2, 3, 4, 5)),
        (P.GlobalAveragePooling3D, (1, 3, 4, 5, 2), (1, 2, 3, 4, 5))]:
    POOLING += [_c(_cls, {}, _shape), _c(_cls, {"keepdims": True}, _shape),
                _c(_cls, {"data_format": CF, "keepdims": True}, _cf_shape)]

RESHAPING = [
    _c(R.ZeroPadding1D, {}, (2, 5, 3)),
    _c(R.ZeroPadding1D, {"padding": (1, 2), "data_format": CF}, (2, 3, 5)),
    _c(R.ZeroPadding2D, {}, (2, 4, 5, 3)),
    _c(R.ZeroPadding2D, {"padding": ((1, 0), (2, 3)), "data_format": CF}, (2, 3, 4, 5)),
    _c(R.ZeroPadding3D, {"padding": 2}, (1, 3, 3, 3, 2)),
    _c(R.ZeroPadding3D, {"padding": (1, 2, 0), "data_format": CF}, (1, 2, 3, 3, 3)),
    _c(R.Cropping1D, {}, (2, 6, 3)),
    _c(R.Cropping1D, {"cropping": (2, 0)}, (2, 6, 3)),
    _c(R.Cropping2D, {"cropping": ((1, 2), (0, 1))}, (2, 6, 5, 3)),
    _c(R.Cropping2D, {"cropping": 1, "data_format": CF}, (2, 3, 6, 5)),
    _c(R.Cropping3D, {}, (1, 4, 5, 6, 2)),
    _c(R.Cropping3D, {"cropping": ((0, 1), (1, 0), (2, 2)), "data_format": CF},
       (1, 2, 4, 5, 6)),
    _c(R.UpSampling1D, {}, (2, 4, 3)),
    _c(R.UpSampling1D, {"size": 3}, (2, 4, 3)),
    _c(R.UpSampling2D, {}, (2, 3, 4, 3)),
    _c(R.UpSampling2D, {"size": (2, 3), "data_format": CF}, (2, 3, 3, 4)),
    _c(R.UpSampling2D, {"size": 2, "interpolation": "bilinear"}, (2, 3, 4, 3)),
    _c(R.UpSampling2D, {"size": (3, 2), "interpolation": "bilinear", "data_format": CF},
       (2, 3, 3, 4)),
    _c(R.UpSampling3D, {}, (1, 2, 3, 2, 2)),
    _c(R.UpSampling3D, {"size": (1, 2, 3), "data_format": CF}, (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("case", POOLING + RESHAPING, ids=str)
def test_layer(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran == {"config": True, "outputs": True}


def test_global_average_pooling1d_mask():
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    got = P.GlobalAveragePooling1D()(tf.constant(x), mask=tf.constant(mask)).numpy()
    want = np.stack([x[0, :2].mean(0), x[1, :3].mean(0)])
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_argument_errors():
    with pytest.raises(ValueError, match="pool_size"):
        P.MaxPooling2D(pool_size=(2, 2, 2))
    with pytest.raises(ValueError, match="padding"):
        P.MaxPooling1D(padding="causal")
    with pytest.raises(ValueError, match="cropping"):
        R.Cropping1D((3, 3))(tf.ones([1, 5, 2]))
    with pytest.raises(TypeError, match="integer"):
        R.UpSampling1D(size=2.0)
    with pytest.raises(ValueError, match="interpolation"):
        R.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="padding"):
        R.ZeroPadding2D(padding=(1, 2, 3))
