"""Eager op dispatch overhead over the raw NumPy call, for small tensors (JSON lines).

    python benchmarks/dispatch_overhead.py
"""

import json
import timeit

import numpy as np

import tensorflux as tf


def measure(name, tf_call, np_call, n=100_000, repeat=7):
    t_tf = min(timeit.repeat(tf_call, number=n, repeat=repeat)) / n * 1e6
    t_np = min(timeit.repeat(np_call, number=n, repeat=repeat)) / n * 1e6
    print(json.dumps({"framework": "tensorflux", "workload": "dispatch_overhead", "mode": name,
                      "metric": "overhead_us", "value": round(t_tf - t_np, 3), "unit": "us",
                      "tf_us": round(t_tf, 3), "numpy_us": round(t_np, 3)}))


def main():
    a = np.ones((4, 4), np.float32)
    b = np.ones((4, 4), np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    measure("add", lambda: tf.add(ta, tb), lambda: np.add(a, b))
    measure("operator_add", lambda: ta + tb, lambda: a + b)
    measure("matmul", lambda: tf.matmul(ta, tb), lambda: np.matmul(a, b))
    measure("reduce_sum", lambda: tf.reduce_sum(ta), lambda: np.sum(a))
    measure("mul_python_scalar", lambda: tf.multiply(ta, 2.0), lambda: np.multiply(a, 2.0))


if __name__ == "__main__":
    main()
