"""Remote profiling (``client.trace/monitor``, ``server.start``): needs TF's gRPC profiler
service, which tensorflux does not implement. Profile in-process with ``start``/``stop``."""

from tensorflux._src.core import errors

_HOW = ("tensorflux has no profiler gRPC service. Profile in-process instead: "
        "tf.profiler.experimental.start(logdir) ... tf.profiler.experimental.stop(), or "
        "`with tf.profiler.experimental.Profile(logdir):`.")


def start(port):
    """``server.start(port)``: raises UnimplementedError."""
    raise errors.UnimplementedError(
        None, None, f"tf.profiler.experimental.server.start(port={port}) is not supported: {_HOW}")


def trace(service_addr, logdir, duration_ms, worker_list="", num_tracing_attempts=3,
          options=None):
    """``client.trace(...)``: raises UnimplementedError."""
    raise errors.UnimplementedError(
        None, None, f"tf.profiler.experimental.client.trace({service_addr!r}) is not supported:"
        f" {_HOW}")


def monitor(service_addr, duration_ms, level=1):
    """``client.monitor(...)``: raises UnimplementedError."""
    raise errors.UnimplementedError(
        None, None, f"tf.profiler.experimental.client.monitor({service_addr!r}) is not "
        f"supported: {_HOW}")
