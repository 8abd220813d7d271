"""tensorflux workloads for the shared peer harness (../shared/bench).

Same shapes, seeds and step counts as the TensorFlow/PyTorch/JAX implementations; run
side by side with::

    BENCH_IMPL_PATH=benchmarks BENCH_PYTHON_TENSORFLUX=$(which python3) \\
      python3 ../shared/bench/compare.py --frameworks tf,torch,jax,tensorflux --workloads cnn,mlp

cnn/mlp ``eager`` and ``compiled`` are written with tf.Variable + tf.nn and TensorFlow's fused
update ops (tf.raw_ops.ResourceApplyAdam / ResourceApplyKerasMomentum), as Keras optimizers
apply them; ``keras_fit`` is ``model.compile`` + ``model.fit`` on a repeated tf.data pipeline.
The other workloads live beside this file in ``workloads_<area>.py`` (loaded on first use:
the harness imports this module alone): lstm (workloads_lstm), tfrecord (workloads_io),
infer_mobilenet (workloads_apps).
"""

import numpy as np

from . import common
from .common import Skip  # noqa: F401

FRAMEWORK = "tensorflux"
IMPORT_SNIPPET = "import tensorflux"

tf = None


def static_version():
    return common.dist_versions("tensorflux", "numpy")


def configure(ctx):
    global tf
    import tensorflux
    tf = tensorflux


def version():
    return f"tensorflux {tf.__version__}, numpy {np.__version__}"


def _glorot(r, shape, fan_in, fan_out):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return tf.Variable(r.uniform(-lim, lim, shape).astype(np.float32))


class _Adam:
    """Adam as Keras applies it: one fused ResourceApplyAdam per variable."""

    def __init__(self, variables, lr, b1=0.9, b2=0.999, eps=1e-7):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.t = tf.Variable(0.0, trainable=False)
        self.m = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self.v = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]

    def apply(self, grads, variables):
        self.t.assign_add(1.0)
        t = self.t.read_value()
        p1, p2 = tf.pow(self.b1, t), tf.pow(self.b2, t)
        for g, var, m, v in zip(grads, variables, self.m, self.v):
            tf.raw_ops.ResourceApplyAdam(var=var, m=m, v=v, beta1_power=p1, beta2_power=p2,
                                         lr=self.lr, beta1=self.b1, beta2=self.b2,
                                         epsilon=self.eps, grad=g)


class _SGDMomentum:
    """Keras SGD(momentum): one fused ResourceApplyKerasMomentum per variable."""

    def __init__(self, variables, lr, momentum):
        self.lr, self.mom = lr, momentum
        self.vel = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]

    def apply(self, grads, variables):
        for g, var, vel in zip(grads, variables, self.vel):
            tf.raw_ops.ResourceApplyKerasMomentum(var=var, accum=vel, lr=self.lr, grad=g,
                                                  momentum=self.mom)


def _xent(y, logits):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


def _train(ctx, forward, variables, opt, x, y, compiled):
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = _xent(y, forward(x))
        grads = tape.gradient(loss, variables)
        opt.apply(grads, variables)
        return loss

    if compiled:
        step = tf.function(step)
    f = lambda: step(x, y)  # noqa: E731
    sync = lambda r: r.numpy()  # noqa: E731
    first, _ = common.time_first(f, sync)
    for _ in range(max(0, ctx.warmup - 1)):
        f()
    ctx.report_train(common.time_loop(f, ctx.steps, sync), first)


def _cnn(compiled):
    def run(ctx):
        r = np.random.default_rng(ctx.seed)
        w1, b1 = _glorot(r, [5, 5, 1, 32], 25, 800), tf.Variable(tf.zeros([32]))
        w2, b2 = _glorot(r, [5, 5, 32, 64], 800, 1600), tf.Variable(tf.zeros([64]))
        w3, b3 = _glorot(r, [3136, 1024], 3136, 1024), tf.Variable(tf.zeros([1024]))
        w4, b4 = _glorot(r, [1024, 10], 1024, 10), tf.Variable(tf.zeros([10]))
        variables = [w1, b1, w2, b2, w3, b3, w4, b4]

        def forward(x):
            x = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, w1, 1, "SAME") + b1), 2, 2, "VALID")
            x = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, w2, 1, "SAME") + b2), 2, 2, "VALID")
            x = tf.nn.relu(tf.matmul(tf.reshape(x, [-1, 3136]), w3) + b3)
            return tf.matmul(x, w4) + b4

        x = tf.constant(r.standard_normal((ctx.batch, 28, 28, 1), dtype=np.float32))
        y = tf.constant(r.integers(0, 10, ctx.batch).astype(np.int32))
        _train(ctx, forward, variables, _Adam(variables, 1e-4), x, y, compiled)
    return run


def _mlp(compiled):
    def run(ctx):
        r = np.random.default_rng(ctx.seed)
        w1, b1 = _glorot(r, [784, 1024], 784, 1024), tf.Variable(tf.zeros([1024]))
        w2, b2 = _glorot(r, [1024, 1024], 1024, 1024), tf.Variable(tf.zeros([1024]))
        w3, b3 = _glorot(r, [1024, 10], 1024, 10), tf.Variable(tf.zeros([10]))
        variables = [w1, b1, w2, b2, w3, b3]

        def forward(x):
            x = tf.nn.relu(tf.matmul(x, w1) + b1)
            x = tf.nn.relu(tf.matmul(x, w2) + b2)
            return tf.matmul(x, w3) + b3

        x = tf.constant(r.standard_normal((ctx.batch, 784), dtype=np.float32))
        y = tf.constant(r.integers(0, 10, ctx.batch).astype(np.int32))
        _train(ctx, forward, variables, _SGDMomentum(variables, 0.01, 0.9), x, y, compiled)
    return run


def _gemm(ctx):
    n = ctx.batch
    a = tf.ones([n, n])
    b = tf.ones([n, n])
    for _ in range(ctx.warmup):
        tf.matmul(a, b)
    ts = common.per_call_times(lambda: tf.matmul(a, b), ctx.steps)
    ctx.emit("gflops", common.gemm_flops(n) / sorted(ts)[len(ts) // 2] / 1e9, "GFLOP/s")
    ctx.emit("gflops_best", common.gemm_flops(n) / min(ts) / 1e9, "GFLOP/s")


def _sibling(area, *keys):
    """The workload ``WORKLOADS``/table entry ``keys`` of ``workloads_<area>.py``, loaded lazily."""
    def run(ctx):
        import importlib.util
        import os

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"workloads_{area}.py")
        spec = importlib.util.spec_from_file_location(f"tensorflux_workloads_{area}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        entry = getattr(mod, keys[0])
        for k in keys[1:]:
            entry = entry[k]
        return entry(ctx)
    return run


WORKLOADS = {
    "gemm_peak": {"default": _gemm},
    "cnn": {"eager": _cnn(False), "compiled": _cnn(True),
            "keras_fit": _sibling("keras", "WORKLOADS", "cnn", "keras_fit")},
    "mlp": {"eager": _mlp(False), "compiled": _mlp(True),
            "keras_fit": _sibling("keras", "WORKLOADS", "mlp", "keras_fit")},
    "lstm": {m: _sibling("lstm", "WORKLOADS", m) for m in ("eager", "compiled", "keras_fit")},
    "tfrecord": {m: _sibling("io", "TFRECORD", m) for m in ("write", "map_parse", "batch_parse")},
    "infer_mobilenet": {m: _sibling("apps", "WORKLOADS", m) for m in ("eager", "compiled")},
}
