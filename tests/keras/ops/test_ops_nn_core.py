"""``keras.ops`` nn / core / image / linalg vs the real keras 3.15, plus tracing and
gradients through tensorflux."""

import numpy as np
import pytest

from tests.keras.ops.oracle import assert_same, tf_backend_dtypes

keras = pytest.importorskip("keras")
kops = keras.ops

import tensorflux as tf  # noqa: E402
from tensorflux.keras import ops  # noqa: E402

rng = np.random.RandomState(1)
X = rng.randn(2, 5).astype("float32")
P = np.abs(rng.rand(2, 5)).astype("float32") + 0.05
IMG = rng.randn(2, 6, 6, 3).astype("float32")
SEQ = rng.randn(2, 7, 3).astype("float32")
VOL = rng.randn(1, 4, 4, 4, 2).astype("float32")
Q = rng.randn(2, 4, 2, 8).astype("float32")
K = rng.randn(2, 6, 2, 8).astype("float32")
V = rng.randn(2, 6, 2, 8).astype("float32")
SPD = (lambda a: a @ a.T + 3 * np.eye(3))(rng.randn(3, 3)).astype("float32")


def _mod(name):
    for mod in ("nn", "image", "linalg", None):
        k = getattr(kops, mod) if mod else kops
        if hasattr(k, name):
            return k, getattr(ops, mod) if mod else ops
    raise AttributeError(name)


def check(name, *args, rtol=1e-4, atol=1e-5, check_dtype=True, **kwargs):
    kmod, omod = _mod(name)
    with tf_backend_dtypes():
        expected = getattr(kmod, name)(*args, **kwargs)
    ours = getattr(omod, name)(*args, **kwargs)
    assert_same(ours, expected, rtol, atol, check_dtype)


ACT = ["relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid",
       "leaky_relu", "hard_sigmoid", "hard_silu", "elu", "selu", "celu", "gelu", "glu",
       "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus",
       "sparse_sigmoid", "softmax", "log_softmax"]


@pytest.mark.parametrize("name", ACT)
def test_activations(name):
    x = X[:, :4] if name == "glu" else X
    check(name, x)


def _sparsemax_reference(z):
    """Martins & Astudillo (2016), Algorithm 1, row by row."""
    out = []
    for row in z:
        s = np.sort(row)[::-1]
        k = np.arange(1, len(s) + 1)
        support = 1 + k * s > np.cumsum(s)
        kz = k[support][-1]
        tau = (np.sum(s[:kz]) - 1) / kz
        out.append(np.maximum(row - tau, 0))
    return np.array(out)


def test_sparsemax():
    # keras 3.15's numpy sparsemax returns rows not summing to 1: use the paper's algorithm
    out = ops.sparsemax(X).numpy()
    np.testing.assert_allclose(out, _sparsemax_reference(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


NN = [
    ("gelu", (X,), {"approximate": False}), ("softmax", (X,), {"axis": 0}),
    ("softmax", (X,), {"axis": (0, 1)}), ("log_softmax", (X,), {"axis": 0}),
    ("leaky_relu", (X,), {"negative_slope": 0.1}), ("elu", (X,), {"alpha": 0.5}),
    ("threshold", (X, 0.1, -1.0), {}), ("relu", (np.array([-2, 3], "int32"),), {}),
    ("one_hot", (np.array([0, 2, -1, 1]), 3), {}),
    ("one_hot", (np.array([[0, 2], [1, 1]]), 3), {"axis": 1, "dtype": "int32"}),
    ("multi_hot", (np.array([[0, 2], [1, 1]]), 3), {}),
    ("multi_hot", (np.array([0, 2]), 4), {}),
    ("binary_crossentropy", (np.array([[0.0, 1.0]]), np.array([[0.3, 0.8]])), {}),
    ("binary_crossentropy", (np.array([[0.0, 1.0]]), np.array([[-1.0, 2.0]])),
     {"from_logits": True}),
    ("categorical_crossentropy", (np.eye(5, dtype="float32")[[1, 3]], P), {}),
    ("categorical_crossentropy", (np.eye(5, dtype="float32")[[1, 3]], X),
     {"from_logits": True}),
    ("sparse_categorical_crossentropy", (np.array([1, 3]), P), {}),
    ("sparse_categorical_crossentropy", (np.array([[1], [3]]), X), {"from_logits": True}),
    ("moments", (X, [0]), {}), ("moments", (X, (0, 1)), {"keepdims": True}),
    ("batch_normalization", (IMG, np.ones(3, "float32") * 0.1, np.ones(3, "float32") * 2,
                             -1), {"offset": np.ones(3, "float32"),
                                   "scale": np.full(3, 0.5, "float32")}),
    ("normalize", (X,), {}), ("normalize", (X,), {"axis": 0, "order": 1}),
    ("layer_normalization", (X,), {}), ("rms_normalization", (X,), {}),
    ("psnr", (P, P * 0.9, 1.0), {}),
    ("conv", (SEQ, rng.randn(3, 3, 4).astype("float32")), {}),
    ("conv", (SEQ, rng.randn(3, 3, 4).astype("float32")), {"strides": 2, "padding": "same"}),
    ("conv", (IMG, rng.randn(3, 3, 3, 4).astype("float32")), {"dilation_rate": 2}),
    ("conv", (IMG, rng.randn(2, 2, 3, 4).astype("float32")), {"strides": (2, 1),
                                                              "padding": "same"}),
    ("conv", (np.transpose(IMG, (0, 3, 1, 2)), rng.randn(3, 3, 3, 2).astype("float32")),
     {"data_format": "channels_first"}),
    ("conv", (VOL, rng.randn(2, 2, 2, 2, 3).astype("float32")), {}),
    ("depthwise_conv", (IMG, rng.randn(3, 3, 3, 2).astype("float32")), {}),
    ("depthwise_conv", (IMG, rng.randn(3, 3, 3, 1).astype("float32")),
     {"strides": 2, "padding": "same"}),
    ("depthwise_conv", (SEQ, rng.randn(3, 3, 2).astype("float32")), {}),
    ("separable_conv", (IMG, rng.randn(3, 3, 3, 2).astype("float32"),
                        rng.randn(1, 1, 6, 4).astype("float32")), {}),
    ("conv_transpose", (IMG, rng.randn(3, 3, 5, 3).astype("float32")), {}),
    ("conv_transpose", (IMG, rng.randn(3, 3, 5, 3).astype("float32")),
     {"strides": 2, "padding": "same"}),
    ("conv_transpose", (IMG, rng.randn(3, 3, 5, 3).astype("float32")),
     {"strides": 2, "padding": "valid"}),
    ("conv_transpose", (SEQ, rng.randn(3, 2, 3).astype("float32")),
     {"strides": 2, "padding": "same", "output_padding": 1}),
    ("max_pool", (IMG, 2), {"strides": 2}),
    ("max_pool", (IMG, 3), {"strides": 2, "padding": "same"}),
    ("max_pool", (SEQ, 2), {"strides": 2}), ("average_pool", (IMG, 2), {"strides": 2}),
    ("average_pool", (SEQ, 3), {"strides": 1}), ("average_pool", (VOL, 2), {"strides": 2}),
    ("adaptive_average_pool", (IMG, (3, 2)), {}), ("adaptive_max_pool", (IMG, 4), {}),
    ("depth_to_space", (rng.randn(1, 2, 2, 8).astype("float32"), 2), {}),
    ("space_to_depth", (IMG, 2), {}),
    ("dot_product_attention", (Q, K, V), {}),
    ("dot_product_attention", (Q, K, V), {"scale": 0.3, "bias": rng.randn(
        2, 2, 4, 6).astype("float32")}),
    ("dot_product_attention", (Q, K, V), {"mask": rng.rand(2, 2, 4, 6) > 0.3}),
    ("dot_product_attention", (Q, Q, Q), {"is_causal": True}),
("in_top_k", (np.array([1, 3]), X, 2), {}),
    ("segment_sum", (X, np.array([0, 1])), {"num_segments": 3}),
    ("segment_max", (X, np.array([1, 1])), {}),
    ("extract_sequences", (rng.randn(2, 10).astype("float32"), 4, 3), {}),
    ("logdet", (SPD,), {}),
    # image
    ("resize", (IMG, (3, 4)), {}), ("resize", (IMG[0], (9, 8)), {"interpolation": "nearest"}),
    ("resize", (IMG[:, :, :4], (4, 4)), {"crop_to_aspect_ratio": True}),
    ("rgb_to_grayscale", (IMG,), {}), ("rgb_to_hsv", (np.abs(IMG) / 4.0,), {}),
    ("hsv_to_rgb", (np.clip(np.abs(IMG) / 4.0, 0, 1),), {}),
    ("pad_images", (IMG, 1, 2), {"target_height": 9, "target_width": 8}),
    ("crop_images", (IMG, 1, 2), {"target_height": 3, "target_width": 2}),
    ("extract_patches", (IMG, 2), {}), ("extract_patches", (IMG, (3, 2)), {"strides": 1}),
    # linalg
    ("cholesky", (SPD,), {}), ("det", (SPD,), {}), ("inv", (SPD,), {}),
    ("solve", (SPD, X[:, :3].T), {}), ("solve_triangular", (np.tril(SPD), X[:, :3].T),
                                       {"lower": True}),
    ("eigh", (SPD,), {}), ("norm", (X,), {}), ("norm", (X,), {"ord": 1, "axis": 1}),
    ("norm", (X,), {"ord": "fro"}), ("norm", (X,), {"ord": np.inf, "axis": (0, 1)}),
    ("norm", (SPD,), {"ord": 2}), ("norm", (SPD,), {"ord": "nuc"}),
    ("matrix_rank", (np.ones((3, 3), "float32"),), {}), ("pinv", (X,), {}),
    ("lstsq", (X.T, X[0]), {}), ("svd", (SPD,), {"compute_uv": False}),
    ("cholesky_inverse", (np.linalg.cholesky(SPD).astype("float32"),), {}),
]


@pytest.mark.parametrize("case", NN, ids=lambda c: c[0])
def test_table(case):
    name, args, kwargs = case
    check(name, *args, **kwargs)


def test_top_k_and_errors():
    check("top_k", X, 2, check_dtype=False)  # indices int32 like tf.math.top_k
    assert ops.top_k(X, 2)[1].dtype.name == "int32"
    with pytest.raises(ValueError, match="4D"):
        ops.dot_product_attention(Q[0], K[0], V[0])
    with pytest.raises(ValueError, match="interpolation"):
        ops.image.resize(IMG, (3, 3), interpolation="area")
    with pytest.raises(ValueError, match="same rank"):
        ops.binary_crossentropy(X, X[0])


def test_decompositions_reconstruct():
    q, r = ops.qr(SPD)
    np.testing.assert_allclose(q.numpy() @ r.numpy(), SPD, rtol=1e-4, atol=1e-4)
    u, s, vh = ops.svd(X, full_matrices=False)
    np.testing.assert_allclose((u.numpy() * s.numpy()) @ vh.numpy(), X, rtol=1e-4, atol=1e-4)
    lu, piv = ops.lu_factor(SPD)
    import scipy.linalg  # noqa: F401 - keras's numpy lu_factor needs it too

    klu, kpiv = kops.lu_factor(SPD)
    np.testing.assert_allclose(lu.numpy(), np.asarray(klu), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(piv.numpy(), np.asarray(kpiv))


def test_core_ops():
    x = np.arange(12, dtype="float32").reshape(3, 4)
    check("slice", x, (1, 1), (2, 2))
    check("slice_update", x, (1, 2), np.ones((2, 2), "float32"))
    check("scatter", np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0]), (3, 4))
    check("scatter_update", x, np.array([[0, 0], [2, 3]]), np.array([-1.0, -2.0]))
    check("cast", x, "int32")
    check("convert_to_tensor", [1, 2])
    check("convert_to_tensor", [1.5, 2.0])
    check("convert_to_tensor", x, dtype="float64")
    check("saturate_cast", np.array([-300.0, 5.0, 300.0]), "uint8")
    check("unstack", x, axis=1)
    assert ops.shape(x) == (3, 4)
    assert ops.dtype(x) == "float32"
    assert ops.is_tensor(tf.constant(1.0)) and not ops.is_tensor(x)
    assert isinstance(ops.convert_to_numpy(tf.constant([1, 2])), np.ndarray)


def test_control_flow_eager_and_traced():
    def run():
        w = ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0))
        f = ops.fori_loop(0, 4, lambda i, v: v * 2, tf.constant(1.0))
        c = ops.cond(tf.constant(True), lambda: tf.constant(1), lambda: tf.constant(2))
        carry, ys = ops.scan(lambda c, x: (c + x, c * x), tf.constant(0.0),
                             tf.constant([1.0, 2.0, 3.0]))
        m = ops.map(lambda v: v * 2, tf.constant([[1.0], [2.0]]))
        vm = ops.vectorized_map(lambda v: ops.sum(v), tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        sw = ops.switch(1, [lambda a: a + 1, lambda a: a * 10], tf.constant(3))
        asc = ops.associative_scan(lambda a, b: a + b, tf.constant([1, 2, 3, 4]))
        return w, f, c, carry, ys, m, vm, sw, asc

    for fn in (run, tf.function(run)):
        w, f, c, carry, ys, m, vm, sw, asc = fn()
        assert [int(v) for v in w] == [5, 10]
        assert float(f) == 16.0 and int(c) == 1 and int(sw) == 30
        assert float(carry) == 6.0
        np.testing.assert_allclose(ys.numpy(), [0.0, 2.0, 9.0])
        np.testing.assert_allclose(m.numpy(), [[2.0], [4.0]])
        np.testing.assert_allclose(vm.numpy(), [3.0, 7.0])
        np.testing.assert_array_equal(asc.numpy(), [1, 3, 6, 10])
    r = kops.scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(np.asarray(r[1]), [0.0, 2.0, 9.0])


def test_gradients_and_custom_gradient():
    x = tf.Variable([0.5, -1.0, 2.0])
    with tf.GradientTape() as tape:
        y = ops.sum(ops.square(ops.tanh(x)) * ops.sigmoid(x))
    g = tape.gradient(y, x).numpy()
    eps = 1e-3
    for i in range(3):
        xp = x.numpy().copy()
        xm = xp.copy()
        xp[i] += eps
        xm[i] -= eps
        f = lambda v: np.sum(np.tanh(v) ** 2 / (1 + np.exp(-v)))  # noqa: E731
        assert abs((f(xp) - f(xm)) / (2 * eps) - g[i]) < 1e-3

    @ops.custom_gradient
    def clip_grad(v):
        def grad(upstream):
            return ops.clip(upstream, -0.1, 0.1)
        return v * 3.0, grad

    with tf.GradientTape() as tape:
        z = ops.sum(clip_grad(x))
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [0.1, 0.1, 0.1])
    with tf.GradientTape() as tape:
        s = ops.sum(ops.stop_gradient(x) * x)
    np.testing.assert_allclose(tape.gradient(s, x).numpy(), x.numpy())


def test_keras_ops_in_custom_layer_and_fit():
    from tensorflux import keras as tk

    class Scale(tk.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return ops.relu(ops.multiply(x, self.w)) + ops.mean(x, axis=-1, keepdims=True)

    model = tk.Sequential([tk.Input((4,)), Scale(), tk.layers.Dense(1)])
    model.compile("sgd", "mse")
    xs = np.random.RandomState(0).randn(32, 4).astype("float32")
    hist = model.fit(xs, xs.sum(1, keepdims=True), epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_namespaces_cover_keras():
    from tensorflux.keras.src.ops import api

    for ours, names in ((ops, api.OPS), (ops.nn, api.NN), (ops.linalg, api.LINALG),
                        (ops.numpy, api.NUMPY), (ops.image, api.IMAGE)):
        assert set(ours.__all__) <= set(names) | {"image", "linalg", "nn", "numpy"}
        for n in ours.__all__:
            assert callable(getattr(ours, n)) or n in ("image", "linalg", "nn", "numpy")
    assert len(ops.__all__) >= 300


def test_jvp_matches_analytic_derivative():
    out, tangent = ops.linalg.jvp(lambda v: v ** 3, (tf.constant([1.0, 2.0]),),
                                  (tf.constant([1.0, 0.5]),))
    np.testing.assert_allclose(out.numpy(), [1.0, 8.0])
    np.testing.assert_allclose(tangent.numpy(), [3.0, 6.0])
