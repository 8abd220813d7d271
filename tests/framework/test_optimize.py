"""Graph optimization passes: same results on and off, fewer nodes, stateful ops intact."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.core import op_def
from tensorflux._src.framework import context
from tensorflux._src.framework import graph_optimize as go
from tensorflux._src.framework.execute import execute
from tensorflux._src.ops import math_ops

PASSES = ["constant_folding", "common_subexpression_elimination", "arithmetic_optimization",
          "remapping", "pruning"]


@pytest.fixture(autouse=True)
def _options(monkeypatch):
    from tensorflux._src.framework import config

    saved = dict(context.settings.optimizer_options)
    monkeypatch.setattr(config._cfg, "explicit_options", {})
    monkeypatch.setattr(go, "RAISE_ERRORS", True)
    yield
    context.settings.optimizer_options.clear()
    context.settings.optimizer_options.update(saved)


def _set(**opts):
    tf.config.optimizer.set_experimental_options(opts)


def _plan_ops(fn, *args):
    cf = tf.function(fn).get_concrete_function(*args)
    n = len(cf.graph.get_operations())
    ops = cf._get_plan().graph.get_operations()
    assert len(cf.graph.get_operations()) == n  # the traced graph is never rewritten
    return ops


def _types(ops):
    return [op.type for op in ops]


C = tf.constant([1.0, 2.0, 3.0])


def _model(x):
    a = tf.multiply(C, 3.0)                       # constant subgraph
    b = tf.add(a, tf.constant(1.0))
    y = tf.add(tf.multiply(x, b), 0.0)            # x*b + 0
    z = tf.multiply(x, b)                         # duplicate of x*b
    _ = tf.matmul(tf.reshape(x, [1, 3]), tf.reshape(x, [3, 1]))  # dead
    i = tf.identity(tf.identity(y))
    t = tf.transpose(tf.transpose(tf.reshape(i, [3, 1]), [1, 0]), [1, 0])
    return tf.add(tf.reshape(t, [3]), tf.cast(z, tf.float32))


X = np.array([1.0, -2.0, 0.5], np.float32)


def _run(fn, *args):
    out = tf.function(fn)(*args)
    return [o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("off", PASSES + ["all"])
def test_results_identical_with_each_pass_off(off):
    expected = _run(_model, tf.constant(X))
    if off == "all":
        _set(disable_meta_optimizer=True)
    else:
        _set(**{off: False})
    got = _run(_model, tf.constant(X))
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(e, g)
    ref = 2 * X * np.array([4.0, 7.0, 10.0], np.float32)
    np.testing.assert_allclose(got[0], ref, rtol=1e-6)


def test_disable_meta_optimizer_runs_the_traced_graph():
    _set(disable_meta_optimizer=True)
    cf = tf.function(_model).get_concrete_function(tf.TensorSpec([3]))
    assert cf._get_plan().graph is cf.graph


def test_constant_folding():
    def f(x):
        return tf.add(x, tf.add(tf.multiply(C, 3.0), 1.0))

    on = _plan_ops(f, tf.TensorSpec([3]))
    assert _types(on) == ["Placeholder", "Const", "AddV2"]
    np.testing.assert_array_equal(on[1].get_attr("value"), [4.0, 7.0, 10.0])
    _set(constant_folding=False)
    off = _plan_ops(f, tf.TensorSpec([3]))
    assert _types(off).count("Mul") == 1 and _types(off).count("AddV2") == 2


def test_constant_folding_materializes_static_shapes():
    def f(x):
        return (tf.ones_like(x) * tf.cast(tf.size(x), tf.float32) + tf.zeros_like(x),
                tf.shape(x), tf.rank(x))

    ops = _plan_ops(f, tf.TensorSpec([2, 3]))
    assert not {"OnesLike", "ZerosLike", "Size", "Shape", "Rank"} & set(_types(ops))
    out = _run(f, tf.constant(np.zeros((2, 3), np.float32)))
    np.testing.assert_array_equal(out[0], np.full((2, 3), 6.0, np.float32))
    np.testing.assert_array_equal(out[1], [2, 3])
    assert out[1].dtype == np.int32 and out[2] == 2
    # an unknown dimension keeps the node (its value depends on the fed shape)
    dyn = _plan_ops(f, tf.TensorSpec([None, 3]))
    assert "OnesLike" in _types(dyn) and "Shape" in _types(dyn)
    np.testing.assert_array_equal(tf.function(f)(tf.zeros([4, 3]))[1], [4, 3])


def test_constant_folding_skips_large_results(monkeypatch):
    monkeypatch.setattr(go, "MAX_FOLDED_BYTES", 8)

    def f(x):
        return tf.add(x, tf.multiply(C, 3.0))

    assert "Mul" in _types(_plan_ops(f, tf.TensorSpec([3])))


def test_common_subexpression_elimination():
    def f(x):
        a = tf.multiply(x, x)
        b = tf.multiply(x, x)
        c = tf.matmul(tf.reshape(x, [1, 3]), tf.reshape(x, [3, 1]), transpose_a=False)
        d = tf.matmul(tf.reshape(x, [1, 3]), tf.reshape(x, [3, 1]))
        return tf.add(a, b), tf.add(c, d)

    _set(arithmetic_optimization=False, remapping=False)
    on = _types(_plan_ops(f, tf.TensorSpec([3])))
    assert on.count("Mul") == 1 and on.count("MatMul") == 1 and on.count("Reshape") == 2
    _set(common_subexpression_elimination=False)
    off = _types(_plan_ops(f, tf.TensorSpec([3])))
    assert off.count("Mul") == 2 and off.count("MatMul") == 2
    np.testing.assert_array_equal(_run(f, tf.constant(X))[1], [[2 * float(X @ X)]])


def test_pruning_removes_dead_nodes():
    def f(x):
        _ = tf.multiply(x, 5.0)
        _ = tf.reduce_sum(x)
        return tf.add(x, 1.0)

    _set(constant_folding=False)
    assert _types(_plan_ops(f, tf.TensorSpec([3]))) == ["Placeholder", "Const", "AddV2"]
    _set(pruning=False)
    assert "Sum" in _types(_plan_ops(f, tf.TensorSpec([3])))
    _set(pruning=True, disable_model_pruning=True)
    assert "Sum" in _types(_plan_ops(f, tf.TensorSpec([3])))


@pytest.mark.parametrize("expr, removed", [
    (lambda x: tf.multiply(x, 1.0), "Mul"),
    (lambda x: tf.multiply(tf.ones([1, 3]), x), "Mul"),
    (lambda x: tf.add(x, tf.zeros([3])), "AddV2"),
    (lambda x: tf.subtract(x, 0.0), "Sub"),
    (lambda x: tf.identity(tf.identity(x)), "Identity"),
    (lambda x: tf.transpose(tf.transpose(x, [1, 0]), [1, 0]), "Transpose"),
    (lambda x: tf.reshape(x, [2, 3]), "Reshape"),
    (lambda x: execute(math_ops.CAST, (x,), {"DstT": tf.float32}), "Cast"),
])
def test_arithmetic_optimization(expr, removed):
    def f(x):
        return tf.negative(expr(x))

    spec = tf.TensorSpec([2, 3])
    assert removed not in _types(_plan_ops(f, spec))
    _set(arithmetic_optimization=False)
    assert removed in _types(_plan_ops(f, spec))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(_run(f, tf.constant(x))[0], -x)


def test_arithmetic_keeps_shape_changing_neutral_ops():
    def f(x):
        return tf.multiply(x, tf.ones([2, 3]))   # broadcasts [3] -> [2, 3]

    assert "Mul" in _types(_plan_ops(f, tf.TensorSpec([3])))
    out = _run(f, tf.constant(X))[0]
    assert out.shape == (2, 3)


def test_reshape_of_reshape_collapses():
    def f(x):
        return tf.reshape(tf.reshape(x, [3, 2]), [1, 6])

    ops = _plan_ops(f, tf.TensorSpec([2, 3]))
    assert _types(ops).count("Reshape") == 1
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(_run(f, tf.constant(x))[0], x.reshape(1, 6))


def test_stateful_ops_never_removed_merged_or_reordered():
    v = tf.Variable(1.0)

    def f(x):
        r0 = v.read_value()
        v.assign(tf.multiply(tf.constant(2.0), 3.0))
        r1 = v.read_value()
        r1b = v.read_value()            # same inputs as r1: must not be merged
        v.assign_add(x)
        r2 = v.read_value()
        _ = v.read_value()              # unused read: must not be pruned
        return r0, tf.add(r1, r1b), r2

    ops = _plan_ops(f, tf.TensorSpec([]))
    traced = tf.function(f).get_concrete_function(tf.TensorSpec([])).graph.get_operations()
    stateful = [op.type for op in traced if op.op_def.stateful]
    assert [op.type for op in ops if op.op_def.stateful] == stateful
    assert stateful.count("ReadVariableOp") == 5
    v.assign(1.0)
    out = _run(f, tf.constant(0.5))
    assert [float(o) for o in out] == [1.0, 12.0, 6.5]
    assert float(v.numpy()) == 6.5


def test_fetch_of_a_feed_and_folded_fetch():
    def f(x):
        return tf.identity(x), tf.add(tf.constant(1.0), 2.0)

    out = _run(f, tf.constant(X))
    np.testing.assert_array_equal(out[0], X)
    assert float(out[1]) == 3.0


def test_gradients_under_optimization():
    def f(x):
        y = tf.multiply(tf.add(tf.multiply(x, 1.0), 0.0), tf.add(C, 1.0))
        return tf.reduce_sum(tf.multiply(y, y))

    grads = []
    for opts in [{}, {"disable_meta_optimizer": True}]:
        _set(**opts)
        ff = tf.function(f)
        x = tf.constant(X)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = ff(x)
        grads.append(tape.gradient(loss, x).numpy())
    ref = 2 * X * (np.array([2.0, 3.0, 4.0], np.float32) ** 2)
    np.testing.assert_allclose(grads[0], ref, rtol=1e-6)
    np.testing.assert_array_equal(grads[0], grads[1])


def test_failing_pass_falls_back(monkeypatch, caplog):
    monkeypatch.setattr(go, "RAISE_ERRORS", False)

    def boom(g, feeds, fetches):
        raise RuntimeError("boom")

    go._load_passes()
    monkeypatch.setattr(go, "PASSES", go.PASSES + [("constant_folding", boom)])
    cf = tf.function(_model).get_concrete_function(tf.TensorSpec([3]))
    assert cf._get_plan().graph is cf.graph
    assert "boom" in caplog.text


# --- remapping -------------------------------------------------------------------------------
def _bias_add_kernel(x, b, data_format="NHWC"):
    return x + (b if data_format == "NHWC" or x.ndim == 2 else b.reshape(-1, 1, 1))


@pytest.fixture
def nn_ops(monkeypatch):
    """BiasAdd/Relu as registered by the NN family, or stand-ins while it is absent."""
    reg = op_def._REGISTRY
    if "BiasAdd" not in reg:
        monkeypatch.setitem(reg, "BiasAdd", op_def.OpDef(
            "BiasAdd", _bias_add_kernel, inputs=("value: T", "bias: T"),
            outputs=("output: T",), types={"T": ()}, attrs={"data_format": "NHWC"},
            grad=lambda op, g: [g, tf.reduce_sum(g, axis=0)]))
    if "Relu" not in reg:
        monkeypatch.setitem(reg, "Relu", op_def.OpDef(
            "Relu", lambda x: np.maximum(x, 0).astype(x.dtype), inputs=("features: T",),
            outputs=("activations: T",), types={"T": ()}, grad=op_def.NOT_DIFFERENTIABLE))

    def bias_add(x, b, data_format=None):
        return execute(reg["BiasAdd"], (x, b), {"data_format": data_format}
                       if data_format else None)

    def relu(x):
        return execute(reg["Relu"], (x,), None)

    return bias_add, relu


def test_remap_matmul_bias_relu(nn_ops):
    bias_add, relu = nn_ops
    r = np.random.default_rng(0)
    a = r.standard_normal((4, 3)).astype(np.float32)
    w = r.standard_normal((3, 5)).astype(np.float32)
    b = r.standard_normal(5).astype(np.float32)

    def f(x, w, b):
        return relu(bias_add(tf.matmul(x, w), b))

    specs = [tf.TensorSpec([None, 3]), tf.TensorSpec([3, 5]), tf.TensorSpec([5])]
    ops = _plan_ops(f, *specs)
    fused = [op for op in ops if op.type == "_FusedMatMul"]
    assert len(fused) == 1 and "MatMul" not in _types(ops) and "Relu" not in _types(ops)
    assert list(fused[0].get_attr("fused_ops")) == ["BiasAdd", "Relu"]
    got = _run(f, tf.constant(a), tf.constant(w), tf.constant(b))[0]
    np.testing.assert_allclose(got, np.maximum(a @ w + b, 0), rtol=1e-6, atol=1e-6)
    _set(remapping=False)
    assert "_FusedMatMul" not in _types(_plan_ops(f, *specs))
    np.testing.assert_array_equal(_run(f, tf.constant(a), tf.constant(w), tf.constant(b))[0],
                                  got)


def test_remap_skips_when_intermediate_is_used(nn_ops):
    bias_add, relu = nn_ops

    def f(x, w, b):
        m = tf.matmul(x, w)
        return relu(bias_add(m, b)), m

    specs = [tf.TensorSpec([2, 3]), tf.TensorSpec([3, 4]), tf.TensorSpec([4])]
    assert "_FusedMatMul" not in _types(_plan_ops(f, *specs))

    def g(x, w, b):
        y = bias_add(tf.matmul(x, w), b)
        return relu(y), y

    ops = _plan_ops(g, *specs)
    fused = [op for op in ops if op.type == "_FusedMatMul"]
    assert len(fused) == 1 and list(fused[0].get_attr("fused_ops")) == ["BiasAdd"]
    assert "Relu" in _types(ops)


def test_remap_conv_bias(nn_ops):
    if "Conv2D" not in op_def.all_ops():
        pytest.skip("Conv2D is not registered")
    bias_add, relu = nn_ops
    r = np.random.default_rng(1)
    x = r.standard_normal((1, 4, 4, 2)).astype(np.float32)
    k = r.standard_normal((2, 2, 2, 3)).astype(np.float32)
    b = r.standard_normal(3).astype(np.float32)
    conv = op_def.all_ops()["Conv2D"]

    def f(x, k, b):
        c = execute(conv, (x, k), {"strides": [1, 1, 1, 1], "padding": "VALID"})
        return relu(bias_add(c, b))

    specs = [tf.TensorSpec([1, 4, 4, 2]), tf.TensorSpec([2, 2, 2, 3]), tf.TensorSpec([3])]
    ops = _plan_ops(f, *specs)
    assert "_FusedConv2D" in _types(ops) and "Conv2D" not in _types(ops)
    got = _run(f, tf.constant(x), tf.constant(k), tf.constant(b))[0]
    _set(remapping=False)
    want = _run(f, tf.constant(x), tf.constant(k), tf.constant(b))[0]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_fused_kernel_errors():
    from tensorflux._src.framework.optimize_remap import FUSED_MATMUL

    a = tf.constant(np.ones((2, 3), np.float32))
    w = tf.constant(np.ones((3, 4), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="biases"):
        execute(FUSED_MATMUL, (a, w, [tf.constant(np.ones(3, np.float32))]), None)
    with pytest.raises(tf.errors.InvalidArgumentError, match="BiasAdd"):
        execute(FUSED_MATMUL, (a, w, [tf.constant(np.ones(4, np.float32))]),
                {"fused_ops": ["Relu"]})


def test_remap_fuses_add_of_rank1_bias():
    r = np.random.default_rng(2)
    a = r.standard_normal((4, 3)).astype(np.float32)
    w = r.standard_normal((3, 5)).astype(np.float32)
    b = r.standard_normal(5).astype(np.float32)
    x = r.standard_normal((2, 6, 6, 3)).astype(np.float32)
    k = r.standard_normal((3, 3, 3, 4)).astype(np.float32)
    kb = r.standard_normal(4).astype(np.float32)

    def dense(x, w, b):
        return tf.nn.relu(tf.matmul(x, w) + b)

    def conv(x, k, b):
        return tf.nn.relu(b + tf.nn.conv2d(x, k, 1, "SAME"))

    ops = _plan_ops(dense, tf.TensorSpec([None, 3]), tf.TensorSpec([3, 5]), tf.TensorSpec([5]))
    assert "_FusedMatMul" in _types(ops) and "AddV2" not in _types(ops)
    ops = _plan_ops(conv, tf.TensorSpec([2, 6, 6, 3]), tf.TensorSpec([3, 3, 3, 4]),
                    tf.TensorSpec([4]))
    assert "_FusedConv2D" in _types(ops) and "AddV2" not in _types(ops)
    got_d = _run(dense, tf.constant(a), tf.constant(w), tf.constant(b))[0]
    got_c = _run(conv, tf.constant(x), tf.constant(k), tf.constant(kb))[0]
    _set(remapping=False)
    np.testing.assert_allclose(got_d, _run(dense, tf.constant(a), tf.constant(w),
                                           tf.constant(b))[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_c, _run(conv, tf.constant(x), tf.constant(k),
                                           tf.constant(kb))[0], rtol=1e-5, atol=1e-5)


def test_remap_leaves_non_bias_add_alone():
    def f(x, w, y):
        return tf.nn.relu(tf.matmul(x, w) + y)   # y is a full matrix, not a bias

    ops = _plan_ops(f, tf.TensorSpec([4, 3]), tf.TensorSpec([3, 5]), tf.TensorSpec([4, 5]))
    assert "_FusedMatMul" not in _types(ops) and "AddV2" in _types(ops)


def test_remap_chained_layers_leave_no_unfused_copy():
    r = np.random.default_rng(3)
    w1, b1 = tf.Variable(r.standard_normal((6, 5)).astype(np.float32)), tf.Variable(tf.ones([5]))
    w2, b2 = tf.Variable(r.standard_normal((5, 3)).astype(np.float32)), tf.Variable(tf.ones([3]))

    def f(x):
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        return tf.nn.relu(tf.matmul(h, w2) + b2)

    ops = _plan_ops(f, tf.TensorSpec([4, 6]))
    types = _types(ops)
    assert types.count("_FusedMatMul") == 2
    assert "MatMul" not in types and "AddV2" not in types and "Relu" not in types
    x = r.standard_normal((4, 6)).astype(np.float32)
    got = _run(f, tf.constant(x))[0]
    want = np.maximum(np.maximum(x @ w1.numpy() + 1, 0) @ w2.numpy() + 1, 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _mlp_trajectory(update, remapping, steps=3, dims=(300, 256, 130, 10), batch=96):
    """Weights after ``steps`` traced SGD steps of a ReLU MLP (big enough that the GEMMs
    split over threads)."""
    _set(remapping=remapping)
    r = np.random.default_rng(0)
    vs = []
    for i in range(len(dims) - 1):
        vs += [tf.Variable(r.standard_normal(dims[i:i + 2]).astype(np.float32) * 0.1),
               tf.Variable(np.zeros(dims[i + 1], np.float32))]
    m = [tf.Variable(tf.zeros_like(v)) for v in vs]
    s = [tf.Variable(tf.zeros_like(v)) for v in vs]
    x = tf.constant(r.standard_normal((batch, dims[0])).astype(np.float32))
    y = tf.constant(r.integers(0, dims[-1], batch).astype(np.int32))

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            h = x
            for i in range(0, len(vs), 2):
                h = tf.matmul(h, vs[i]) + vs[i + 1]
                if i < len(vs) - 2:
                    h = tf.nn.relu(h)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        for g, v, m1, s1 in zip(tape.gradient(loss, vs), vs, m, s):
            update(g, v, m1, s1)

    for _ in range(steps):
        step()
    types = _types(step.get_concrete_function()._get_plan().graph.get_operations())
    return [v.numpy() for v in vs], types


_UPDATES = {
    "keras_momentum": lambda g, v, m, s: tf.raw_ops.ResourceApplyKerasMomentum(
        var=v, accum=m, lr=0.01, grad=g, momentum=0.9),
    "keras_nesterov": lambda g, v, m, s: tf.raw_ops.ResourceApplyKerasMomentum(
        var=v, accum=m, lr=0.01, grad=g, momentum=0.9, use_nesterov=True),
    "momentum": lambda g, v, m, s: tf.raw_ops.ResourceApplyMomentum(
        var=v, accum=m, lr=0.01, grad=g, momentum=0.9),
    "sgd": lambda g, v, m, s: tf.raw_ops.ResourceApplyGradientDescent(var=v, alpha=0.01,
                                                                       delta=g),
    "adam": lambda g, v, m, s: tf.raw_ops.ResourceApplyAdam(
        var=v, m=m, v=s, beta1_power=0.9, beta2_power=0.99, lr=0.01, beta1=0.9, beta2=0.999,
        epsilon=1e-7, grad=g),
}


# Updates done inside the GEMM (``c = alpha * a @ b + beta * c``) round the product's scaling
# differently from separate NumPy steps; the others run the same ufuncs and are bit-identical.
_IN_GEMM = {"keras_momentum", "momentum", "sgd"}


@pytest.mark.parametrize("update", sorted(_UPDATES))
def test_remap_backward_fusions_match_unfused(update):
    fused, types = _mlp_trajectory(_UPDATES[update], True)
    plain, plain_types = _mlp_trajectory(_UPDATES[update], False)
    # the three weight gradients feed their updates; two ReLU layers take the masked product
    assert types.count("_FusedMatMulApply") == 3 and types.count("_FusedMatMulReluGrad") == 2
    assert "_FusedMatMulApply" not in plain_types
    for a, b in zip(fused, plain):
        if update in _IN_GEMM:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
        else:
            np.testing.assert_array_equal(a, b)


def test_remap_backward_skips_a_product_with_another_consumer():
    v = tf.Variable(np.ones((3, 2), np.float32))
    a = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2))

    @tf.function
    def step(x):
        g = tf.matmul(x, a, transpose_a=True)
        tf.raw_ops.ResourceApplyGradientDescent(var=v, alpha=0.5, delta=g)
        return g  # fetched: the product must exist whole

    g = step(tf.constant(np.eye(3, dtype=np.float32)))
    np.testing.assert_array_equal(g.numpy(), a.numpy())
    np.testing.assert_array_equal(v.numpy(), 1 - 0.5 * a.numpy())
    types = _types(step.get_concrete_function(tf.TensorSpec([3, 3]))._get_plan()
                   .graph.get_operations())
    assert "_FusedMatMulApply" not in types and "ResourceApplyGradientDescent" in types


def test_remap_backward_fusion_with_another_gemm_split_matches_closely():
    # dW1 is 200x600: unfused it is split by columns, fused by rows (rounding may differ)
    fused, types = _mlp_trajectory(_UPDATES["keras_momentum"], True, dims=(200, 600, 10))
    plain, _ = _mlp_trajectory(_UPDATES["keras_momentum"], False, dims=(200, 600, 10))
    assert types.count("_FusedMatMulApply") == 2
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def _conv_bn(training, use_stats=False, act=True):
    r = np.random.default_rng(5)
    w = tf.constant(r.standard_normal((3, 3, 2, 4)).astype(np.float32))
    scale, offset = (tf.constant(r.uniform(0.5, 1.5, 4).astype(np.float32)) for _ in range(2))
    mean = tf.constant(r.standard_normal(4).astype(np.float32))
    var = tf.constant(r.uniform(0.5, 2.0, 4).astype(np.float32))

    def f(x):
        y = tf.nn.conv2d(x, w, 1, "SAME")
        out = tf.raw_ops.FusedBatchNormV3(x=y, scale=scale, offset=offset, mean=mean,
                                          variance=var, epsilon=1e-3, is_training=training)
        z = tf.nn.relu6(out[0]) if act else out[0]
        return (z, out[1]) if use_stats else z
    return f


def test_remap_conv_batch_norm_activation():
    x = tf.constant(np.random.default_rng(1).standard_normal((2, 5, 5, 2)).astype(np.float32)
                    * 3)
    f = _conv_bn(False)
    ops = _plan_ops(f, tf.TensorSpec([2, 5, 5, 2]))
    fused = [op for op in ops if op.type == "_FusedConv2D"]
    assert len(fused) == 1 and not {"Conv2D", "FusedBatchNormV3", "Relu6"} & set(_types(ops))
    assert list(fused[0].get_attr("fused_ops")) == ["FusedBatchNorm", "Relu6"]
    assert fused[0].get_attr("epsilon") == pytest.approx(1e-3)
    got = _run(f, x)[0]
    _set(remapping=False)
    plain = _run(f, x)[0]
    np.testing.assert_array_equal(got, plain)     # the same arithmetic, bit for bit
    assert 0 < (got == 6).sum() and (got == 0).sum() > 0   # the clip did something
    _set(remapping=True)
    # training mode, and a graph that reads the batch statistics, are left alone
    for g in (_conv_bn(True, act=False), _conv_bn(False, use_stats=True)):
        assert "FusedBatchNormV3" in _types(_plan_ops(g, tf.TensorSpec([2, 5, 5, 2])))


@pytest.mark.parametrize("ksize,rows", [(1, 37), (3, 40)])
def test_remap_conv_epilogue_on_many_rows_of_few_channels(ksize, rows):
    """Blocks of many rows and few channels take the widened (rows/k, k*C) view; the
    remainder rows the plain one: the same values as the unfused ops either way."""
    r = np.random.default_rng(9)
    x = tf.constant(r.standard_normal((2, rows, rows, 3)).astype(np.float32) * 3)
    w = tf.constant(r.standard_normal((ksize, ksize, 3, 8)).astype(np.float32))
    b = tf.constant(r.standard_normal(8).astype(np.float32))
    bn = [tf.constant(v) for v in (r.uniform(0.5, 1.5, 8), r.standard_normal(8),
                                   r.standard_normal(8), r.uniform(0.5, 2, 8))]
    bn = [tf.cast(v, tf.float32) for v in bn]

    def f(x):
        y = tf.nn.conv2d(x, w, 1, "SAME")
        n = tf.raw_ops.FusedBatchNormV3(x=y, scale=bn[0], offset=bn[1], mean=bn[2],
                                        variance=bn[3], is_training=False)[0]
        return tf.nn.relu6(n), tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, -w, 1, "SAME"), b))

    types = _types(_plan_ops(f, tf.TensorSpec([2, rows, rows, 3])))
    assert types.count("_FusedConv2D") == 2
    fused = _run(f, x)
    _set(remapping=False)
    for a, b_ in zip(fused, _run(f, x)):
        np.testing.assert_array_equal(a, b_)


def test_remap_depthwise_batch_norm_and_bias():
    r = np.random.default_rng(4)
    x = tf.constant(r.standard_normal((2, 30, 30, 6)).astype(np.float32) * 3)
    w = tf.constant(r.standard_normal((3, 3, 6, 1)).astype(np.float32))
    b = tf.constant(r.standard_normal(6).astype(np.float32))
    bn = [tf.constant(v.astype(np.float32)) for v in (
        r.uniform(0.5, 1.5, 6), r.standard_normal(6), r.standard_normal(6), r.uniform(0.5, 2, 6))]

    def f(x):
        y = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")
        n = tf.raw_ops.FusedBatchNormV3(x=y, scale=bn[0], offset=bn[1], mean=bn[2],
                                        variance=bn[3], is_training=False)[0]
        z = tf.nn.depthwise_conv2d(x, -w, [1, 2, 2, 1], "SAME")
        return tf.nn.relu6(n), tf.nn.relu(tf.nn.bias_add(z, b))

    types = _types(_plan_ops(f, tf.TensorSpec([2, 30, 30, 6])))
    assert types.count("_FusedDepthwiseConv2dNative") == 2 and "FusedBatchNormV3" not in types
    fused = _run(f, x)
    _set(remapping=False)
    for a, b_ in zip(fused, _run(f, x)):
        np.testing.assert_array_equal(a, b_)
