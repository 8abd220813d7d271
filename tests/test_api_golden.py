"""Golden list of the public API: names must not disappear silently.

Regenerate after an intended change with:
    TENSORFLUX_UPDATE_GOLDEN=1 python -m pytest tests/test_api_golden.py
"""

import os
import types

import tensorflux as tf

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "api.txt")

# Names the core issue requires, spelled as TensorFlow spells them.
REQUIRED = """
tf.constant tf.convert_to_tensor tf.Variable tf.Module tf.name_scope tf.device tf.identity
tf.stop_gradient tf.print tf.function tf.TensorSpec tf.GradientTape tf.gradients
tf.custom_gradient tf.TensorShape tf.as_dtype tf.IndexedSlices tf.SparseTensor tf.RaggedTensor
tf.cond tf.case tf.switch_case tf.while_loop tf.map_fn tf.scan tf.foldl tf.foldr tf.TensorArray
tf.reshape tf.transpose tf.concat tf.stack tf.unstack tf.split tf.gather tf.gather_nd
tf.scatter_nd tf.tensor_scatter_nd_update tf.tensor_scatter_nd_add tf.slice tf.strided_slice
tf.pad tf.tile tf.repeat tf.where tf.one_hot tf.expand_dims tf.squeeze tf.broadcast_to tf.cast
tf.bitcast tf.range tf.fill tf.zeros tf.ones tf.zeros_like tf.ones_like tf.eye tf.linspace
tf.meshgrid tf.boolean_mask tf.unique tf.sort tf.argsort tf.reverse tf.roll tf.searchsorted
tf.clip_by_value tf.clip_by_norm tf.clip_by_global_norm tf.reduce_sum tf.reduce_mean
tf.reduce_max tf.reduce_min tf.reduce_prod tf.reduce_all tf.reduce_any tf.reduce_logsumexp
tf.argmax tf.argmin tf.einsum tf.norm tf.tensordot tf.matmul
tf.math.cumsum tf.math.cumprod tf.math.segment_sum tf.math.unsorted_segment_sum
tf.math.bincount tf.math.reduce_std tf.math.reduce_variance tf.math.count_nonzero
tf.linalg.matmul tf.linalg.einsum tf.linalg.inv tf.linalg.det tf.linalg.slogdet
tf.linalg.cholesky tf.linalg.qr tf.linalg.svd tf.linalg.eigh tf.linalg.solve
tf.linalg.triangular_solve tf.linalg.lstsq tf.linalg.norm tf.linalg.trace tf.linalg.diag
tf.linalg.band_part tf.linalg.tensordot
tf.nn.conv1d tf.nn.conv2d tf.nn.conv3d tf.nn.conv1d_transpose tf.nn.conv2d_transpose
tf.nn.conv3d_transpose tf.nn.depthwise_conv2d tf.nn.separable_conv2d tf.nn.max_pool1d
tf.nn.max_pool2d tf.nn.max_pool3d tf.nn.avg_pool1d tf.nn.avg_pool2d tf.nn.avg_pool3d
tf.nn.relu tf.nn.relu6 tf.nn.leaky_relu tf.nn.elu tf.nn.selu tf.nn.gelu tf.nn.silu
tf.nn.softplus tf.nn.softsign tf.nn.sigmoid tf.nn.tanh tf.nn.log_sigmoid tf.nn.softmax
tf.nn.log_softmax tf.nn.softmax_cross_entropy_with_logits
tf.nn.sparse_softmax_cross_entropy_with_logits tf.nn.sigmoid_cross_entropy_with_logits
tf.nn.weighted_cross_entropy_with_logits tf.nn.batch_normalization tf.nn.fused_batch_norm
tf.nn.moments tf.nn.dropout tf.nn.l2_normalize tf.nn.bias_add tf.nn.embedding_lookup
tf.nn.top_k tf.nn.in_top_k tf.nn.local_response_normalization tf.nn.space_to_depth
tf.nn.depth_to_space
tf.random.uniform tf.random.normal tf.random.truncated_normal tf.random.categorical
tf.random.shuffle tf.random.gamma tf.random.poisson tf.random.stateless_uniform
tf.random.stateless_normal tf.random.Generator tf.random.set_seed
tf.strings.length tf.strings.lower tf.strings.upper tf.strings.split tf.strings.join
tf.strings.regex_replace tf.strings.substr tf.strings.to_number
tf.image.resize tf.image.flip_left_right tf.image.flip_up_down tf.image.central_crop
tf.image.crop_to_bounding_box tf.image.pad_to_bounding_box tf.image.adjust_brightness
tf.image.adjust_contrast tf.image.convert_image_dtype tf.image.rgb_to_grayscale
tf.image.per_image_standardization
tf.sparse.from_dense tf.sparse.to_dense tf.sparse.sparse_dense_matmul tf.sparse.reduce_sum
tf.sparse.concat tf.ragged.constant
tf.debugging.assert_equal tf.debugging.check_numerics tf.debugging.enable_check_numerics
tf.config.run_functions_eagerly tf.errors.InvalidArgumentError
""".split()


def _resolve(name):
    obj = tf
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def public_api():
    names = set()
    seen = set()

    def walk(mod, prefix):
        for n in sorted(dir(mod)):
            if n.startswith("_"):
                continue
            try:
                v = getattr(mod, n)
            except AttributeError:
                continue
            if isinstance(v, types.ModuleType):
                # Walk a namespace only under its own path (tf.linalg as tf.linalg, even when
                # another namespace re-exports it; never keras's private ``src``, nor tensorflux.plugins,
                # which mirrors tensorboard's plugin modules and loads only when imported), so the
                # list does not depend on what earlier code imported.
                if (v.__name__ == "tensorflux." + f"{prefix}{n}"[len("tf."):]
                        and ".src." not in v.__name__ + "." and id(v) not in seen
                        and not v.__name__.startswith("tensorflux.plugins")):
                    seen.add(id(v))
                    walk(v, f"{prefix}{n}.")
                continue
            names.add(prefix + n)

    walk(tf, "tf.")
    return sorted(names)


def test_required_names_exist():
    missing = []
    for name in REQUIRED:
        try:
            _resolve(name)
        except AttributeError:
            missing.append(name)
    assert not missing, f"missing public names: {missing}"


def test_golden_api_list():
    current = public_api()
    if os.environ.get("TENSORFLUX_UPDATE_GOLDEN"):
        with open(GOLDEN, "w") as f:
            f.write("\n".join(current) + "\n")
    with open(GOLDEN) as f:
        golden = f.read().split()
    removed = sorted(set(golden) - set(current))
    added = sorted(set(current) - set(golden))
    assert not removed, f"public names removed: {removed} (update the golden list if intended)"
    assert not added, f"public names added: {added[:20]}... (regenerate the golden list)"
