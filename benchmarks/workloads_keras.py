"""Keras ``model.fit`` workloads (mirror ``_keras_fit`` of ../shared/bench/peers/tf_impl.py).

Each function takes the harness ``ctx`` (batch, steps, warmup, seed, emit) and reports
samples/s of ``model.fit`` over a dataset repeating a few batches. Standalone::

    python -m benchmarks.workloads_keras [cnn|mlp|overhead] [steps] [--parity]

``--parity`` times, in one process and interleaved, the hand-written step of
``benchmarks/tensorflux_impl.py``, the Keras ``train_function`` and ``fit`` (wall + CPU ms).
"""

import time

import numpy as np


class _FitTimer:
    """Times the steps after ``warm`` batches through a callback."""

    def __init__(self, warm, steps):
        self.warm, self.steps = warm, steps
        self.t0 = self.t1 = self.t_first = None

    def callback(self):
        from tensorflux import keras

        timer = self

        class CB(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                if batch == 0:
                    timer._b0 = time.perf_counter()

            def on_train_batch_end(self, batch, logs=None):
                now = time.perf_counter()
                if batch == 0:
                    timer.t_first = now - timer._b0
                if batch == timer.warm - 1:
                    timer.t0 = now
                if batch == timer.warm + timer.steps - 1:
                    timer.t1 = now
        return CB()


def _keras_fit(ctx, model, opt, loss, xs, ys):
    import tensorflux as tf

    model.compile(optimizer=opt, loss=loss)
    ds = (tf.data.Dataset.from_tensor_slices((xs, ys)).repeat()
          .batch(ctx.batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    warm = max(1, ctx.warmup)
    timer = _FitTimer(warm, ctx.steps)
    model.fit(ds, epochs=1, steps_per_epoch=warm + ctx.steps, verbose=0, shuffle=False,
              callbacks=[timer.callback()])
    elapsed = timer.t1 - timer.t0
    ctx.emit("steps_per_sec", ctx.steps / elapsed, "steps/s")
    ctx.emit("samples_per_sec", ctx.steps * ctx.batch / elapsed, "samples/s")
    ctx.emit("first_step_s", timer.t_first, "s", steps=1)


def _build(which, seed):
    """(model, optimizer, loss, x, y) of the peer harness's CNN or MLP workload."""
    from tensorflux import keras

    L = keras.layers
    r = np.random.default_rng(seed)
    if which == "cnn":
        model = keras.Sequential([
            keras.Input((28, 28, 1)), L.Conv2D(32, 5, padding="same", activation="relu"),
            L.MaxPooling2D(2, 2), L.Conv2D(64, 5, padding="same", activation="relu"),
            L.MaxPooling2D(2, 2), L.Flatten(), L.Dense(1024, activation="relu"), L.Dense(10)])
        opt, n, shape = keras.optimizers.Adam(1e-4), 100 * 10, (28, 28, 1)
    else:
        model = keras.Sequential([keras.Input((784,)), L.Dense(1024, activation="relu"),
                                  L.Dense(1024, activation="relu"), L.Dense(10)])
        opt, n, shape = keras.optimizers.SGD(0.01, momentum=0.9), 256 * 10, (784,)
    x = r.standard_normal((n,) + shape, dtype=np.float32)
    y = r.integers(0, 10, n).astype(np.int32)
    return model, opt, keras.losses.SparseCategoricalCrossentropy(from_logits=True), x, y


def cnn_keras_fit(ctx):
    _keras_fit(ctx, *_build("cnn", ctx.seed))


def mlp_keras_fit(ctx):
    _keras_fit(ctx, *_build("mlp", ctx.seed))


def _hand_step(which, model):
    """The hand-written ``tf.function`` step of ``benchmarks/tensorflux_impl.py`` (tf.nn ops,
    fused ResourceApplyAdam/KerasMomentum) on copies of ``model``'s initial weights."""
    import tensorflux as tf

    vs = [tf.Variable(w) for w in model.get_weights()]
    slots = [tf.Variable(tf.zeros_like(v), trainable=False) for v in vs * 2]
    t = tf.Variable(0.0, trainable=False)

    def forward(x):
        if which == "cnn":
            for w, b in (vs[0:2], vs[2:4]):
                x = tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME") + b)
                x = tf.nn.max_pool2d(x, 2, 2, "VALID")
            x = tf.reshape(x, [-1, 3136])
            dense = vs[4:]
        else:
            dense = vs
        for i in range(0, len(dense), 2):
            x = tf.matmul(x, dense[i]) + dense[i + 1]
            x = tf.nn.relu(x) if i + 2 < len(dense) else x
        return x

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=forward(x)))
        grads = tape.gradient(loss, vs)
        if which == "cnn":
            t.assign_add(1.0)
            tv = t.read_value()
            p1, p2 = tf.pow(0.9, tv), tf.pow(0.999, tv)
            for g, v, m, s in zip(grads, vs, slots[:len(vs)], slots[len(vs):]):
                tf.raw_ops.ResourceApplyAdam(var=v, m=m, v=s, beta1_power=p1, beta2_power=p2,
                                             lr=1e-4, beta1=0.9, beta2=0.999, epsilon=1e-7,
                                             grad=g)
        else:
            for g, v, m in zip(grads, vs, slots):
                tf.raw_ops.ResourceApplyKerasMomentum(var=v, accum=m, lr=0.01, grad=g,
                                                      momentum=0.9)
        return loss
    return step


def _best(fn, n, repeats):
    """Best (wall, cpu) seconds per call of ``fn`` over ``repeats`` runs of ``n`` calls."""
    out = []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn(n)
        out.append(((time.perf_counter() - w) / n, (time.process_time() - c) / n))
    return min(o[0] for o in out), min(o[1] for o in out)


def parity(which, steps, repeats=3, seed=0):
    """Same process, interleaved, best of ``repeats``: the hand-written step, the Keras
    ``train_function`` on one fixed batch, and ``fit`` on the harness's tf.data pipeline.
    Returns {name: (wall_s, cpu_s) per step}."""
    import tensorflux as tf

    model, opt, loss, x, y = _build(which, seed)
    model.compile(optimizer=opt, loss=loss)
    bs = 100 if which == "cnn" else 256
    hand = _hand_step(which, model)
    bx, by = tf.constant(x[:bs]), tf.constant(y[:bs])
    ds = (tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(bs, drop_remainder=True)
          .prefetch(tf.data.AUTOTUNE))
    model.fit(ds, steps_per_epoch=2, verbose=0)
    train = model.train_function
    hand(bx, by)

    def run_hand(n):
        for _ in range(n):
            hand(bx, by)

    def run_train(n):
        for _ in range(n):
            train((bx, by))

    def run_fit(n):
        model.fit(ds, steps_per_epoch=n, verbose=0)

    res = {"hand_step": [], "keras_train_function": [], "keras_fit": []}
    for _ in range(repeats):
        for name, fn in zip(res, (run_hand, run_train, run_fit)):
            res[name].append(_best(fn, steps, 1))
    return {k: (min(v[0] for v in r), min(v[1] for v in r)) for k, r in res.items()}


def _fit_parity(which):
    def run(ctx):
        res = parity(which, ctx.steps, seed=ctx.seed)
        hand = res["hand_step"][0]
        for name, (wall, cpu) in res.items():
            ctx.emit(f"{name}_ms", wall * 1e3, "ms", cpu_ms=cpu * 1e3)
        ctx.emit("fit_over_hand", res["keras_fit"][0] / hand, "x")
    return run


def fit_overhead(ctx):
    """Per-step Python overhead of ``fit`` besides the traced step: Dense(1) on batch 32
    (``ctx.steps`` steps; best of 3 interleaved repeats of fit vs. calling
    ``model.train_function`` on pre-made batches)."""
    import tensorflux as tf
    from tensorflux import keras

    n, bs = ctx.steps, 32
    rs = np.random.RandomState(ctx.seed)
    x, y = rs.rand(n * bs, 8).astype("float32"), rs.rand(n * bs, 1).astype("float32")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x[:2 * bs], y[:2 * bs], batch_size=bs, verbose=0)
    fn = model.train_function
    batches = [(tf.constant(x[i:i + bs]), tf.constant(y[i:i + bs])) for i in range(0, n * bs, bs)]
    fit_t, step_t = [], []
    for _ in range(3):
        t = time.perf_counter()
        for b in batches:
            fn(b)
        step_t.append((time.perf_counter() - t) / n)
        t = time.perf_counter()
        model.fit(x, y, batch_size=bs, verbose=0)
        fit_t.append((time.perf_counter() - t) / n)
    ctx.emit("fit_step_us", min(fit_t) * 1e6, "us")
    ctx.emit("train_function_call_us", min(step_t) * 1e6, "us")
    ctx.emit("fit_overhead_us", (min(fit_t) - min(step_t)) * 1e6, "us")


WORKLOADS = {"cnn": {"keras_fit": cnn_keras_fit, "parity": _fit_parity("cnn")},
             "mlp": {"keras_fit": mlp_keras_fit, "parity": _fit_parity("mlp")},
             "overhead": {"keras_fit": fit_overhead}}


class _Ctx:
    def __init__(self, batch, steps, warmup=2, seed=0):
        self.batch, self.steps, self.warmup, self.seed = batch, steps, warmup, seed

    def emit(self, name, value, unit, **kw):
        extra = "".join(f"  {k}={v:.2f}" for k, v in kw.items() if isinstance(v, float))
        print(f"{name}: {value:.2f} {unit}{extra}")


# batch, warmup, steps of ../shared/bench/peers/common.py (overhead: batch 32, 1000 steps)
_SIZES = {"cnn": (100, 5, 40), "mlp": (256, 10, 150), "overhead": (32, 2, 1000)}

if __name__ == "__main__":
    import sys

    which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
    mode = "parity" if "--parity" in sys.argv else "keras_fit"
    nums = [a for a in sys.argv[2:] if a.isdigit()]
    batch, warmup, steps = _SIZES[which]
    if mode == "parity":
        steps = {"cnn": 10, "mlp": 30}[which]
    steps = int(nums[0]) if nums else steps
    WORKLOADS[which][mode](_Ctx(batch, steps, warmup))
