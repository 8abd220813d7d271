"""``infer_mobilenet``: MobileNetV2 (alpha 1.0, 224x224x3, random weights) batch-1 inference
latency, mirroring ``_infer_keras`` of ../shared/bench/peers/tf_impl.py (median ms over
``ctx.steps`` calls after ``ctx.warmup``; modes: eager ``model(x)`` and ``tf.function``).

Standalone::

    python -m benchmarks.workloads_apps [eager|compiled] [steps]
"""

import statistics
import sys
import time

import numpy as np


def _mobilenet(ctx):
    import tensorflux as tf
    from tensorflux import keras

    model = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=1.0,
                                           weights=None, classes=1000)
    r = np.random.default_rng(ctx.seed)
    x = tf.constant(r.standard_normal((ctx.batch, 224, 224, 3), dtype=np.float32))
    return model, x


def _infer(compiled):
    def run(ctx):
        import tensorflux as tf

        model, x = _mobilenet(ctx)
        if compiled:
            g = tf.function(lambda a: model(a, training=False))
            f = lambda: g(x)  # noqa: E731
        else:
            f = lambda: model(x, training=False)  # noqa: E731
        t0 = time.perf_counter()
        f().numpy()
        ctx.emit("first_step_s", time.perf_counter() - t0, "s", steps=1)
        for _ in range(ctx.warmup):
            f().numpy()
        ms, c0 = [], time.process_time()
        for _ in range(ctx.steps):
            t0 = time.perf_counter()
            f().numpy()
            ms.append((time.perf_counter() - t0) * 1000.0)
        # CPU time per call: steadier than wall time on a shared machine (threads add up).
        ctx.emit("cpu_ms_per_call", (time.process_time() - c0) * 1000.0 / ctx.steps, "ms",
                 steps=ctx.steps)
        ms.sort()
        ctx.emit("latency_ms", statistics.median(ms), "ms", steps=len(ms))
        ctx.emit("latency_p90_ms", ms[min(len(ms) - 1, int(0.9 * len(ms)))], "ms",
                 steps=len(ms))
    return run


infer_mobilenet_eager = _infer(False)
infer_mobilenet_compiled = _infer(True)
WORKLOADS = {"eager": infer_mobilenet_eager, "compiled": infer_mobilenet_compiled}


class _Ctx:
    def __init__(self, steps=50, batch=1):
        self.steps, self.batch, self.seed, self.warmup = steps, batch, 0, 3

    def emit(self, metric, value, unit, **extra):
        print(f"  {metric}: {value:,.2f} {unit} {extra}")


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.isdigit()] or list(WORKLOADS)
    steps = next((int(a) for a in sys.argv[1:] if a.isdigit()), 50)
    for name in names:
        print(f"infer_mobilenet/{name}")
        WORKLOADS[name](_Ctx(steps=steps))
