"""The ``lstm`` workload: Embedding(10000, 128) -> LSTM(128) -> Dense(1), batch 64, seq 80,
Adam(1e-3), binary cross-entropy with logits (mirrors ``../shared/bench/peers/tf_impl.py``
``_lstm_build``/``_lstm_data``), in the custom-loop (eager, tf.function) and ``model.fit``
modes. Workloads take the harness ``ctx`` and call ``ctx.emit``.

Standalone: ``python -m benchmarks.workloads_lstm [mode ...]`` prints steps/s, CPU s/step and
samples/s, and how many of two cores were free just before (the fused LSTM uses two).
"""

from __future__ import annotations

import sys
import time

import numpy as np

VOCAB, EMB, HID, SEQ = 10000, 128, 128, 80


def _tf():
    import tensorflux as tf

    return tf


def _build(tf):
    from tensorflux import keras

    L = keras.layers
    return keras.Sequential([keras.Input((SEQ,), dtype="int32"), L.Embedding(VOCAB, EMB),
                             L.LSTM(HID), L.Dense(1)])


def _data(ctx, n):
    r = np.random.default_rng(ctx.seed)
    x = r.integers(0, VOCAB, (n, SEQ)).astype(np.int32)
    y = r.integers(0, 2, n).astype(np.float32)
    return x, y


def _binary_xent(tf, y, logits):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
        labels=y, logits=tf.reshape(logits, [-1])))


def _report(ctx, elapsed, first, mode, cpu=None):
    ctx.emit("steps_per_sec", ctx.steps / elapsed, "steps/s", mode=mode)
    if cpu is not None:  # process CPU seconds per step: robust on a shared, busy machine
        ctx.emit("cpu_s_per_step", cpu / ctx.steps, "s", mode=mode)
    ctx.emit("samples_per_sec", ctx.steps * ctx.batch / elapsed, "samples/s", mode=mode)
    ctx.emit("first_step_s", first, "s", mode=mode, steps=1)


def _custom(ctx, compiled):
    tf = _tf()
    from tensorflux import keras

    model = _build(tf)
    xs, ys = _data(ctx, ctx.batch)
    x, y = tf.constant(xs), tf.constant(ys)
    model(x, training=False)
    opt = keras.optimizers.Adam(1e-3)
    variables = model.trainable_variables

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = _binary_xent(tf, y, model(x, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss
    if compiled:
        step = tf.function(step)
    t0 = time.perf_counter()
    step(x, y).numpy()
    first = time.perf_counter() - t0
    for _ in range(max(0, ctx.warmup - 1)):
        step(x, y)
    step(x, y).numpy()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(ctx.steps):
        out = step(x, y)
    out.numpy()
    _report(ctx, time.perf_counter() - t0, first, "compiled" if compiled else "eager",
            time.process_time() - c0)


def lstm_eager(ctx):
    """Custom training loop, eager."""
    _custom(ctx, compiled=False)


def lstm_compiled(ctx):
    """Custom training loop inside ``tf.function``."""
    _custom(ctx, compiled=True)


def lstm_keras_fit(ctx):
    """``model.compile(Adam(1e-3), BinaryCrossentropy(from_logits=True))`` + ``model.fit``."""
    tf = _tf()
    from tensorflux import keras

    model = _build(tf)
    xs, ys = _data(ctx, ctx.batch * 10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True))
    warm = max(1, ctx.warmup)
    marks = {}

    class Timer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            marks["start"] = time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            if batch == warm:
                marks["t0"], marks["c0"] = time.perf_counter(), time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                marks["first"] = time.perf_counter() - marks["start"]
            if batch == warm + ctx.steps - 1:
                marks["t1"], marks["c1"] = time.perf_counter(), time.process_time()
    n = (warm + ctx.steps) * ctx.batch
    reps = -(-n // len(xs))
    model.fit(np.tile(xs, (reps, 1))[:n], np.tile(ys, reps)[:n], batch_size=ctx.batch,
              epochs=1, verbose=0, shuffle=False, callbacks=[Timer()])
    _report(ctx, marks["t1"] - marks["t0"], marks["first"], "keras_fit",
            marks["c1"] - marks["c0"])


WORKLOADS = {"eager": lstm_eager, "compiled": lstm_compiled, "keras_fit": lstm_keras_fit}


def free_cores():
    """How many of two cores this process gets right now (2.0 = both; shared machines vary)."""
    import threading

    a = [np.ones((512, 512), np.float32) for _ in range(2)]

    def work(x):
        for _ in range(40):
            np.sin(x, out=x)
    t0 = time.perf_counter()
    work(a[0])
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(x,)) for x in a]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 2 * one / (time.perf_counter() - t0)


class _Ctx:
    def __init__(self, steps=20, batch=64):
        self.steps, self.batch, self.seed, self.warmup = steps, batch, 0, 3

    def emit(self, metric, value, unit, **extra):
        print(f"  {metric}: {value:,.3f} {unit} {extra}")


if __name__ == "__main__":
    for name in sys.argv[1:] or list(WORKLOADS):
        print(f"{name} (cores free: {free_cores():.1f} of 2)")
        WORKLOADS[name](_Ctx())
