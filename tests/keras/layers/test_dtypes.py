"""Layer dtype policies (float64, mixed_float16) and Keras's input autocasting."""

import pytest

from tensorflux.keras.src.layers import conv as C
from tensorflux.keras.src.layers import normalization as N
from tensorflux.keras.src.layers import pooling as P
from tensorflux.keras.src.layers import regularization as G
from tests.keras.harness import LayerCase, keras_oracle, run_layer_test

MIXED = {"dtype": "mixed_float16"}
LOOSE = {"atol": 1e-2, "rtol": 1e-2}

CASES = [
    # keras's numpy backend convolves in float32 (jax without x64): compare at that precision
    LayerCase(C.Conv2D, {"filters": 3, "kernel_size": 2, "dtype": "float64"}, (2, 5, 5, 2),
              input_dtype="float64", atol=1e-6, id="Conv2D-float64"),
    LayerCase(N.BatchNormalization, {"dtype": "float64"}, (4, 3, 3, 2), input_dtype="float64",
              updates_state=True, id="BatchNormalization-float64"),
    LayerCase(P.MaxPooling2D, {}, (2, 4, 4, 1), input_dtype="float64",
              id="MaxPooling2D-float64-input-autocast"),
    LayerCase(C.Conv2D, {"filters": 3, "kernel_size": 2, **MIXED}, (2, 5, 5, 2), **LOOSE,
              id="Conv2D-mixed"),
    LayerCase(C.Conv1DTranspose, {"filters": 3, "kernel_size": 2, **MIXED}, (2, 5, 2),
              **LOOSE, id="Conv1DTranspose-mixed"),
    LayerCase(C.SeparableConv2D, {"filters": 3, "kernel_size": 2, **MIXED}, (2, 5, 5, 2),
              **LOOSE, id="SeparableConv2D-mixed"),
    LayerCase(C.DepthwiseConv2D, {"kernel_size": 2, **MIXED}, (2, 5, 5, 2), **LOOSE,
              id="DepthwiseConv2D-mixed"),
    LayerCase(N.BatchNormalization, MIXED, (4, 3, 3, 2), updates_state=True, **LOOSE,
              id="BatchNormalization-mixed"),
    LayerCase(N.LayerNormalization, MIXED, (4, 3), **LOOSE, id="LayerNormalization-mixed"),
    LayerCase(N.GroupNormalization, {"groups": 2, **MIXED}, (4, 4), **LOOSE,
              id="GroupNormalization-mixed"),
    LayerCase(P.GlobalAveragePooling2D, MIXED, (2, 4, 4, 1), **LOOSE,
              id="GlobalAveragePooling2D-mixed"),
    LayerCase(G.GaussianNoise, {"stddev": 0.1, **MIXED}, (2, 4), random=True,
              id="GaussianNoise-mixed"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_dtype_policy(case):
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran == {"config": True, "outputs": True}
