"""Keras ``model.fit`` workloads (mirror ``_keras_fit`` of ../shared/bench/peers/tf_impl.py).

Each function takes the harness ``ctx`` (batch, steps, warmup, seed, emit) and reports
samples/s of ``model.fit`` over a dataset repeating a few batches. Standalone::

    python -m benchmarks.workloads_keras [cnn|mlp] [steps]
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


WORKLOADS = {"cnn": {"keras_fit": cnn_keras_fit}, "mlp": {"keras_fit": mlp_keras_fit}}


class _Ctx:
    def __init__(self, batch, steps, warmup=2, seed=0):
        self.batch, self.steps, self.warmup, self.seed = batch, steps, warmup, seed

    def emit(self, name, value, unit, **kw):
        print(f"{name}: {value:.2f} {unit}")


if __name__ == "__main__":
    import sys

    which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    batch = {"cnn": 100, "mlp": 256}[which]
    WORKLOADS[which]["keras_fit"](_Ctx(batch, steps))
