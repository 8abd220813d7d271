"""Helpers: load logdirs with TensorBoard's own reader (the test oracle)."""

import glob
import os
import struct

import numpy as np


def accumulator(run_dir):
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator

    acc = EventAccumulator(run_dir, size_guidance={"tensors": 0, "graph": 0})
    acc.Reload()
    return acc


def values(acc, tag):
    """(steps, arrays) of a tag, arrays decoded by TensorBoard's tensor_util."""
    from tensorboard.util import tensor_util

    evs = acc.Tensors(tag)
    return [e.step for e in evs], [tensor_util.make_ndarray(e.tensor_proto) for e in evs]


def event_files(logdir):
    return sorted(glob.glob(os.path.join(logdir, "*tfevents*")))


def raw_events(path):
    """Every record of an event file parsed with TensorBoard's Event proto."""
    from tensorboard.compat.proto import event_pb2

    data = open(path, "rb").read()
    out, off = [], 0
    while off + 12 <= len(data):
        (n,) = struct.unpack_from("<Q", data, off)
        if off + 16 + n > len(data):
            break
        out.append(event_pb2.Event.FromString(data[off + 12:off + 12 + n]))
        off += n + 16
    return out


def reference_buckets(x, k=30):
    """TensorBoard's TF2 histogram bucketing in plain NumPy (spec section 5.2)."""
    x = np.asarray(x, np.float64).reshape(-1)
    if x.size == 0 or k <= 0:
        return np.zeros((max(k, 0), 3))
    lo, hi = x.min(), x.max()
    if lo == hi:
        counts = np.zeros(k)
        counts[-1] = x.size
        return np.stack([np.full(k, hi), np.full(k, hi), counts], 1)
    idx = np.minimum(np.floor((x - lo) / ((hi - lo) / k)).astype(int), k - 1)
    counts = np.bincount(idx, minlength=k).astype(np.float64)
    edges = np.linspace(lo, hi, k + 1)
    edges[-1] = hi
    return np.stack([edges[:-1], edges[1:], counts], 1)
