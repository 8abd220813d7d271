"""Input-pipeline stages in the profiler's Chrome trace (TensorFlow's ``Iterator::`` names)."""

import glob
import gzip
import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.profiler import trace


def _profile(tmp_path, body):
    tf.profiler.experimental.start(str(tmp_path))
    try:
        body()
    finally:
        tf.profiler.experimental.stop()
    (f,) = glob.glob(os.path.join(str(tmp_path), "plugins/profile/*/*.trace.json.gz"))
    with gzip.open(f) as fh:
        j = json.load(fh)
    tname = {e["tid"]: e["args"]["name"] for e in j["traceEvents"]
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    evs = [dict(e, thread=tname[e["tid"]]) for e in j["traceEvents"] if e["ph"] == "X"]
    return evs


def _inside(child, parents):
    """``child`` lies within one of ``parents`` (same thread)."""
    eps = 1e-3
    return any(p["tid"] == child["tid"] and p["ts"] - eps <= child["ts"] and
               child["ts"] + child["dur"] <= p["ts"] + p["dur"] + eps for p in parents)


def _named(evs, name):
    return [e for e in evs if e["name"] == name]


ROOT = "Iterator::Root"


@pytest.mark.parametrize("fused", [True, False])
def test_parallel_map_prefetch_stages_threads_and_nesting(tmp_path, fused):
    x = np.arange(400, dtype=np.float32).reshape(100, 4)

    def f(v):
        return tf.tanh(v) * 2.0

    ds = (tf.data.Dataset.from_tensor_slices(x).map(f, num_parallel_calls=2)
          .batch(4).prefetch(2))
    if not fused:
        opts = tf.data.Options()
        opts.experimental_optimization.map_and_batch_fusion = False
        ds = ds.with_options(opts)
    out = []
    evs = _profile(tmp_path, lambda: out.extend(b.numpy() for b in ds))
    np.testing.assert_allclose(np.concatenate(out), np.tanh(x) * 2, rtol=1e-6)
    pf = ROOT + "::Prefetch"
    # TF 2.21 (map_and_batch_fusion on by default) records Iterator::Root::Prefetch::
    # MapAndBatch::TensorSlice and MapAndBatchProduce on its worker threads.
    if fused:
        bt = pm = pf + "::MapAndBatch"
        chain = ((bt, "PrefetchProduce", 26), (pm + "::TensorSlice", pm, 101))
        produce_name = "MapAndBatchProduce"
    else:
        bt = pf + "::BatchV2"
        pm = bt + "::ParallelMapV2"
        chain = ((bt, "PrefetchProduce", 26), (pm, bt, 101), (pm + "::TensorSlice", pm, 101))
        produce_name = "ParallelMapProduce"
    # the consumer: one root and one Prefetch range per get_next (25 batches + end)
    assert len(_named(evs, ROOT)) == 26 and len(_named(evs, pf)) == 26
    assert {e["thread"] for e in _named(evs, pf)} == {"MainThread"}
    assert all(_inside(e, _named(evs, ROOT)) for e in _named(evs, pf))
    # the prefetch thread runs the stages below the prefetch, nested in PrefetchProduce
    for name, parent, n in chain:
        got = _named(evs, name)
        assert len(got) == n, name
        assert {e["thread"] for e in got} == {"tf_data_prefetch"}, name
        assert all(_inside(e, _named(evs, parent)) for e in got), name
    # map calls on the worker threads, with the function's ops inside
    produce = _named(evs, produce_name)
    assert len(produce) == 100
    assert {e["thread"] for e in produce} <= {"tf_data_map_0", "tf_data_map_1"}
    tanh = [e for e in evs if e["cat"] == "Op" and e["name"] == "Tanh"]
    assert len(tanh) == 100 and all(_inside(e, produce) for e in tanh)
    assert all(e["cat"] == "Trace" for e in produce + _named(evs, pm))


def test_serial_map_ops_nest_in_stage_and_reader_names(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    with tf.io.TFRecordWriter(path) as w:
        for i in range(5):
            w.write(b"rec%d" % i)
    ds = tf.data.TFRecordDataset(path).map(tf.strings.length).repeat(2)
    evs = _profile(tmp_path / "logs", lambda: [x.numpy() for x in ds])
    rep = ROOT + "::Repeat"
    mp = rep + "::Map"
    rec = mp + "::TFRecord"
    # the Repeat's second epoch builds new iterators: they get the same names
    assert len(_named(evs, mp)) == 12 and len(_named(evs, rec)) == 12  # 2 x (5 + end)
    assert all(_inside(e, _named(evs, mp)) for e in _named(evs, rec))
    ops = [e for e in evs if e["cat"] == "Op" and e["name"] == "StringLength"]
    assert len(ops) == 10 and all(_inside(e, _named(evs, mp)) for e in ops)
    assert all(_inside(e, _named(evs, rep)) for e in _named(evs, mp))


def test_parallel_interleave_threads(tmp_path):
    ds = tf.data.Dataset.range(3).interleave(
        lambda i: tf.data.Dataset.range(4).map(lambda v: v + i), cycle_length=3,
        num_parallel_calls=3)
    got = []
    evs = _profile(tmp_path, lambda: got.extend(int(v) for v in ds))
    assert sorted(got) == sorted(v + i for i in range(3) for v in range(4))
    inner = _named(evs, ROOT + "::ParallelInterleaveV4::Map")
    assert len(inner) == 15  # 3 x (4 elements + end)
    produce = _named(evs, "ParallelInterleaveProduce")
    assert all(_inside(e, produce) for e in inner)
    assert {e["thread"] for e in inner} == {"tf_data_prefetch"}
    assert len({e["tid"] for e in inner}) == 3


def test_started_late_and_zero_cost_after_stop(tmp_path):
    ds = tf.data.Dataset.range(10).map(lambda v: v * 2).batch(2)
    it = iter(ds)
    next(it)
    stages = [s for s in it._reg.its]
    assert {s._stage for s in stages} == {ROOT + "::MapAndBatch",
                                          ROOT + "::MapAndBatch::Range"}
    assert all("next" not in s.__dict__ for s in stages)   # nothing wrapped while off
    evs = _profile(tmp_path, lambda: next(it))
    assert len(_named(evs, ROOT + "::MapAndBatch::Range")) == 2
    assert trace.active_recorder() is None
    # the first get_next after stop() removes the wrappers again
    assert [int(v) for v in next(it)] == [8, 10]
    assert all("next" not in s.__dict__ for s in stages)
    assert not it._reg.on


@pytest.mark.parametrize("level", [0])
def test_host_tracer_level_0_records_no_stages(tmp_path, level):
    opts = tf.profiler.experimental.ProfilerOptions(host_tracer_level=level)
    tf.profiler.experimental.start(str(tmp_path), options=opts)
    try:
        it = iter(tf.data.Dataset.range(3).map(lambda v: v + 1))
        assert [int(v) for v in it] == [1, 2, 3]
        assert not it._reg.on
    finally:
        tf.profiler.experimental.stop()
