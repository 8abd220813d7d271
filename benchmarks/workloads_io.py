"""tfrecord workloads for tensorflux (mirrors ``_tfr_*`` in ../shared/bench/peers/tf_impl.py).

Each workload takes the harness ``ctx`` (steps, seed, batch, warmup, data_dir) and emits
``examples_per_sec``. ``map_parse``/``batch_parse`` use ``tf.data.TFRecordDataset`` when it
exists and fall back to the record reader + parse ops directly otherwise (``reader`` in the
emitted extras says which). Standalone: ``python -m benchmarks.workloads_io [n]``;
``TF_PYTHON=<python with tensorflow> python -m benchmarks.workloads_io [n] --compare [reps]``
alternates runs with the peer TensorFlow workload (``../shared/bench/peers/tf_impl.py``) and
prints the best of ``reps`` for both and their ratio (the machine is shared: compare only
numbers taken in the same moment).
"""

import math
import os
import time

import numpy as np

import tensorflux as tf
from tensorflux._src.io.tfrecord import RecordReader

FEATURES = None


def _features():
    global FEATURES
    if FEATURES is None:
        FEATURES = {"x": tf.io.FixedLenFeature([784], tf.float32),
                    "y": tf.io.FixedLenFeature([], tf.int64)}
    return FEATURES


def _path(ctx):
    return os.path.join(ctx.data_dir, f"tfrecord_{ctx.steps}_s{ctx.seed}.tensorflux.tfrecord")


def _write(ctx, path):
    r = np.random.default_rng(ctx.seed)
    X = r.standard_normal((ctx.steps, 784), dtype=np.float32)
    Y = r.integers(0, 10, ctx.steps)
    tmp = path + f".tmp{os.getpid()}"
    t0 = time.perf_counter()
    with tf.io.TFRecordWriter(tmp) as w:
        for i in range(ctx.steps):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=X[i].tolist())),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(Y[i])])),
            }))
            w.write(ex.SerializeToString())
    elapsed = time.perf_counter() - t0
    os.replace(tmp, path)
    return elapsed


def tfrecord_write(ctx):
    path = _path(ctx)
    elapsed = _write(ctx, path)
    ctx.emit("examples_per_sec", ctx.steps / elapsed, "examples/s", batch=1,
             file_mb=os.path.getsize(path) / 2 ** 20)


def _dataset_iter(path, vectorized, batch, threads=None):
    feat = _features()
    ds = tf.data.TFRecordDataset(path).repeat()
    if vectorized:
        ds = ds.batch(batch).map(lambda s: tf.io.parse_example(s, feat),
                                 num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(lambda s: tf.io.parse_single_example(s, feat),
                    num_parallel_calls=tf.data.AUTOTUNE).batch(batch)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    if threads:
        opts = tf.data.Options()
        opts.threading.private_threadpool_size = threads
        ds = ds.with_options(opts)
    return iter(ds)


def _direct_iter(path, vectorized, batch):
    """Reader + parse ops without tf.data: the op-level cost of the same pipeline."""
    feat = _features()
    reader = RecordReader(path)
    parse_one = tf.function(lambda s: tf.io.parse_single_example(s, feat))
    while True:
        recs = reader.read_many(batch)
        if len(recs) < batch:
            reader.seek(0)
            recs += reader.read_many(batch - len(recs))
        if vectorized:
            yield tf.io.parse_example(np.array(recs, object), feat)
        else:
            parsed = [parse_one(tf.constant(r)) for r in recs]
            yield {k: tf.stack([p[k] for p in parsed]) for k in feat}


def _read(vectorized):
    def run(ctx):
        path = _path(ctx)
        if not os.path.exists(path):
            _write(ctx, path)
        use_data = hasattr(getattr(tf, "data", None), "TFRecordDataset")
        if use_data:
            it = _dataset_iter(path, vectorized, ctx.batch, getattr(ctx, "threads", None))
        else:
            it = _direct_iter(path, vectorized, ctx.batch)
        for _ in range(ctx.warmup):
            next(it)
        nb = math.ceil(ctx.steps / ctx.batch)
        t0 = time.perf_counter()
        for _ in range(nb):
            b = next(it)
        b["x"].numpy()
        elapsed = time.perf_counter() - t0
        ctx.emit("examples_per_sec", nb * ctx.batch / elapsed, "examples/s",
                 steps=nb * ctx.batch, reader="tf.data" if use_data else "direct")
    return run


TFRECORD = {"write": tfrecord_write, "map_parse": _read(False), "batch_parse": _read(True)}


class _Ctx:
    def __init__(self, steps, data_dir):
        self.steps, self.seed, self.batch, self.warmup, self.threads = steps, 0, 256, 2, 2
        self.data_dir = data_dir

    def emit(self, metric, value, unit, **extra):
        print(f"  {metric}: {value:,.0f} {unit} {extra}")


_TF_DRIVER = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, sys.argv[1])
from peers import tf_impl
class C:
    steps, seed, batch, warmup, threads, inter_op = int(sys.argv[3]), 0, 256, 2, 2, 2
    data_dir = sys.argv[2]
    def emit(self, metric, value, unit, **extra):
        print("RESULT", value)
tf_impl.configure(C())
tf_impl.TFRECORD[sys.argv[4]](C())
"""


def _compare(n, reps, data_dir):
    """Alternates tensorflux and TensorFlow runs of each workload; best of ``reps``."""
    import subprocess

    tf_python = os.environ.get("TF_PYTHON")
    if not tf_python:
        raise SystemExit("set TF_PYTHON to a Python interpreter that has tensorflow installed")
    bench = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench")
    ours = {}
    ctx = _Ctx(n, data_dir)
    ctx.emit = lambda metric, value, unit, **extra: ours.setdefault(mode, []).append(value)
    theirs = {}
    for mode, fn in TFRECORD.items():
        for _ in range(reps):
            fn(ctx)
            out = subprocess.run([tf_python, "-c", _TF_DRIVER, bench, data_dir, str(n), mode],
                                 capture_output=True, text=True, check=True).stdout
            theirs.setdefault(mode, []).append(
                float(out.split("RESULT")[-1].split()[0]))
        a, b = max(ours[mode]), max(theirs[mode])
        print(f"tfrecord/{mode}: tensorflux {a:,.0f}/s  tensorflow {b:,.0f}/s  "
              f"ratio {a / b:.2f}x  (best of {reps}; all ours {[round(v) for v in ours[mode]]}, "
              f"tf {[round(v) for v in theirs[mode]]})")


if __name__ == "__main__":
    import sys
    import tempfile

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 100_000
    with tempfile.TemporaryDirectory() as d:
        if "--compare" in sys.argv:
            _compare(n, int(args[1]) if len(args) > 1 else 3, d)
        else:
            ctx = _Ctx(n, d)
            for mode, fn in TFRECORD.items():
                print(f"tfrecord/{mode} ({n} examples):")
                fn(ctx)
