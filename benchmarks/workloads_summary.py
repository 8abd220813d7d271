"""tf.summary writer cost (no TensorFlow peer workload exists; absolute numbers reported).

Each workload takes the harness ``ctx`` (steps, seed, data_dir) and emits the per-call cost
of a summary write in microseconds and calls/s. Standalone:
``python -m benchmarks.workloads_summary [n]``.
"""

import os
import tempfile
import time

import numpy as np

import tensorflux as tf


def _writer(ctx, name):
    d = getattr(ctx, "data_dir", None) or tempfile.mkdtemp()
    return tf.summary.create_file_writer(os.path.join(d, f"summary_bench_{name}_{os.getpid()}"))


def _timed(ctx, name, call, n):
    w = _writer(ctx, name)
    with w.as_default():
        for i in range(min(100, n)):  # warm-up
            call(i)
        t0 = time.perf_counter()
        for i in range(n):
            call(i)
        elapsed = time.perf_counter() - t0
        t1 = time.perf_counter()
        w.flush()
        flush = time.perf_counter() - t1
    w.close()
    ctx.emit("us_per_call", elapsed / n * 1e6, "us", calls=n, workload=name,
             final_flush_ms=round(flush * 1e3, 2))
    ctx.emit("calls_per_sec", n / elapsed, "calls/s", workload=name)


def scalar_eager(ctx):
    _timed(ctx, "scalar_eager", lambda i: tf.summary.scalar("loss", 0.5, step=i), ctx.steps)


def scalar_tensor_eager(ctx):
    v = tf.constant(0.5)
    _timed(ctx, "scalar_tensor_eager", lambda i: tf.summary.scalar("loss", v, step=i),
           ctx.steps)


def scalar_in_function(ctx):
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def f(x):
        tf.summary.scalar("loss", x, step=step)
        step.assign_add(1)

    x = tf.constant(0.5)
    _timed(ctx, "scalar_in_function", lambda i: f(x), ctx.steps)


def histogram_eager(ctx):
    data = np.random.default_rng(ctx.seed).standard_normal(10_000).astype(np.float32)
    _timed(ctx, "histogram_10k_eager", lambda i: tf.summary.histogram("w", data, step=i),
           max(ctx.steps // 20, 10))


def raw_event_queue(ctx):
    """The writer's own cost: queueing one pre-serialized event (no encoding)."""
    w = _writer(ctx, "queue")
    ev = b"\x09" + bytes(8) + b"\x10\x01"
    q = w._events
    t0 = time.perf_counter()
    for _ in range(ctx.steps):
        q.add_event(ev)
    elapsed = time.perf_counter() - t0
    w.close()
    ctx.emit("us_per_call", elapsed / ctx.steps * 1e6, "us", calls=ctx.steps,
             workload="raw_event_queue")


def _fit_mlp(ctx, callbacks, epochs):
    from tensorflux import keras

    r = np.random.default_rng(ctx.seed)
    x = r.standard_normal((2048, 784), dtype=np.float32)
    y = r.integers(0, 10, 2048).astype(np.int32)
    tf.keras.utils.set_random_seed(ctx.seed)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x[:256], y[:256], batch_size=64, epochs=1, verbose=0)  # trace + warm up
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=64, epochs=epochs, verbose=0, callbacks=callbacks(),
              shuffle=False)
    return epochs * len(x) / (time.perf_counter() - t0)


def keras_fit_tensorboard(ctx):
    """``fit`` of a small MLP (32 batches of 64 per epoch) with and without
    ``keras.callbacks.TensorBoard(update_freq="epoch")``; runs interleaved, best of 5 each."""
    from tensorflux import keras

    epochs = max(ctx.steps // 5000, 2)
    d = getattr(ctx, "data_dir", None) or tempfile.mkdtemp()
    plain, with_cb = [], []
    for i in range(5):
        plain.append(_fit_mlp(ctx, lambda: [], epochs))
        logdir = os.path.join(d, f"fit_tb_{os.getpid()}_{i}")
        with_cb.append(_fit_mlp(ctx, lambda d=logdir: [keras.callbacks.TensorBoard(d)], epochs))
    a, b = max(plain), max(with_cb)
    ctx.emit("examples_per_sec", a, "examples/s", workload="keras_fit_mlp")
    ctx.emit("examples_per_sec", b, "examples/s", workload="keras_fit_mlp_tensorboard")
    ctx.emit("overhead_pct", (a / b - 1) * 100, "%", workload="keras_fit_mlp_tensorboard")


SUMMARY = {"scalar_eager": scalar_eager, "scalar_tensor_eager": scalar_tensor_eager,
           "scalar_in_function": scalar_in_function, "histogram_eager": histogram_eager,
           "raw_event_queue": raw_event_queue, "keras_fit_tensorboard": keras_fit_tensorboard}


class _Ctx:
    def __init__(self, steps):
        self.steps, self.seed, self.data_dir = steps, 0, tempfile.mkdtemp()

    def emit(self, metric, value, unit, **extra):
        print(f"  {metric}: {value:,.2f} {unit} {extra}")


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    ctx = _Ctx(n)
    only = sys.argv[2:] or list(SUMMARY)
    for name, fn in ((k, SUMMARY[k]) for k in only):
        print(name)
        fn(ctx)
