"""Keras ``model.fit`` workloads (mirror ``_keras_fit`` of ../shared/bench/peers/tf_impl.py).

Each function takes the harness ``ctx`` (batch, steps, warmup, seed, emit) and reports
samples/s of ``model.fit`` over a dataset repeating a few batches. Standalone::

    python -m benchmarks.workloads_keras [cnn|mlp|overhead] [steps]
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


def cnn_keras_fit(ctx):
    from tensorflux import keras

    L = keras.layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)), L.Conv2D(32, 5, padding="same", activation="relu"),
        L.MaxPooling2D(2, 2), L.Conv2D(64, 5, padding="same", activation="relu"),
        L.MaxPooling2D(2, 2), L.Flatten(), L.Dense(1024, activation="relu"), L.Dense(10)])
    r = np.random.default_rng(ctx.seed)
    n = ctx.batch * 10
    x = r.standard_normal((n, 28, 28, 1), dtype=np.float32)
    y = r.integers(0, 10, n).astype(np.int32)
    _keras_fit(ctx, model, keras.optimizers.Adam(1e-4),
               keras.losses.SparseCategoricalCrossentropy(from_logits=True), x, y)


def mlp_keras_fit(ctx):
    from tensorflux import keras

    L = keras.layers
    model = keras.Sequential([keras.Input((784,)), L.Dense(1024, activation="relu"),
                              L.Dense(1024, activation="relu"), L.Dense(10)])
    r = np.random.default_rng(ctx.seed)
    n = ctx.batch * 10
    x = r.standard_normal((n, 784), dtype=np.float32)
    y = r.integers(0, 10, n).astype(np.int32)
    _keras_fit(ctx, model, keras.optimizers.SGD(0.01, momentum=0.9),
               keras.losses.SparseCategoricalCrossentropy(from_logits=True), x, y)


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


WORKLOADS = {"cnn": {"keras_fit": cnn_keras_fit}, "mlp": {"keras_fit": mlp_keras_fit},
             "overhead": {"keras_fit": fit_overhead}}


class _Ctx:
    def __init__(self, batch, steps, warmup=2, seed=0):
        self.batch, self.steps, self.warmup, self.seed = batch, steps, warmup, seed

    def emit(self, name, value, unit, **kw):
        print(f"{name}: {value:.2f} {unit}")


if __name__ == "__main__":
    import sys

    which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else (1000 if which == "overhead" else 20)
    batch = {"cnn": 100, "mlp": 256, "overhead": 32}[which]
    WORKLOADS[which]["keras_fit"](_Ctx(batch, steps))
