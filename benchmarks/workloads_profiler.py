"""Profiler cost: eager op and tf.function call time with the profiler off and on (JSON lines).

    python benchmarks/workloads_profiler.py

"off" is the normal path (one ``profiler_hook is None`` check per eager op and per graph run);
"on" records every op with its input shapes.
"""

import json
import tempfile
import timeit

import tensorflux as tf


def _time(fn, n, repeat=5):
    return min(timeit.repeat(fn, number=n, repeat=repeat)) / n * 1e6


def main():
    a = tf.ones((4, 4))
    w1, w2 = tf.ones((32, 64)) * 0.01, tf.ones((64, 10)) * 0.01
    x = tf.ones((16, 32))

    @tf.function
    def mlp(x):
        return tf.nn.softmax(tf.matmul(tf.nn.relu(tf.matmul(x, w1)), w2))

    mlp(x)
    cases = {"eager_add": (lambda: tf.add(a, a), 20_000),
             "tf_function_mlp": (lambda: mlp(x), 5_000)}
    with tempfile.TemporaryDirectory() as logdir:
        for name, (fn, n) in cases.items():
            off = _time(fn, n)
            tf.profiler.experimental.start(logdir)
            on = _time(fn, n)
            tf.profiler.experimental.stop(save=False)
            print(json.dumps({"framework": "tensorflux", "workload": "profiler_overhead",
                              "mode": name, "metric": "us_per_call", "off_us": round(off, 3),
                              "on_us": round(on, 3), "unit": "us"}))


if __name__ == "__main__":
    main()
