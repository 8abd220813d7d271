"""tf.profiler.experimental: session API, errors, what gets recorded."""

import os
import re
import threading

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework import execute, executor
from tensorflux._src.profiler import trace as trace_mod
from tests.profiler.helpers import contains, load_trace, partial_overlaps, run_files, x_events

prof = tf.profiler.experimental


@pytest.fixture(autouse=True)
def _no_session_left():
    yield
    if trace_mod._recorder is not None:
        prof.stop(save=False)


def profile(logdir, body, options=None):
    prof.start(str(logdir), options)
    try:
        body()
    finally:
        prof.stop()
    return load_trace(run_files(str(logdir))[1])


def test_errors_match_tensorflow(tmp_path):
    with pytest.raises(tf.errors.UnavailableError, match="No profiler is running"):
        prof.stop()
    prof.start(str(tmp_path))
    with pytest.raises(tf.errors.AlreadyExistsError, match="Another profiler is running"):
        prof.start(str(tmp_path))
    assert trace_mod.enabled()  # the first session survives
    prof.stop(save=False)
    assert not os.path.exists(tmp_path / "plugins")
    with pytest.raises(tf.errors.UnavailableError):
        prof.stop()
    with pytest.raises(tf.errors.UnimplementedError, match="in-process"):
        prof.server.start(6009)
    with pytest.raises(tf.errors.UnimplementedError):
        prof.client.trace("grpc://localhost:6009", str(tmp_path), 1000)
    with pytest.raises(tf.errors.UnimplementedError):
        prof.client.monitor("grpc://localhost:6009", 1000)
    with pytest.raises(TypeError, match="ProfilerOptions"):
        prof.start(str(tmp_path), {"host_tracer_level": 2})
    with pytest.raises(tf.errors.InvalidArgumentError, match="host_tracer_level"):
        prof.start(str(tmp_path), prof.ProfilerOptions(host_tracer_level=-1))
    assert trace_mod._recorder is None


def test_options_defaults_as_tf():
    o = prof.ProfilerOptions()
    assert (o.host_tracer_level, o.python_tracer_level, o.device_tracer_level, o.delay_ms) == \
        (2, 0, 1, None)
    assert repr(o) == ("ProfilerOptions(host_tracer_level=2, python_tracer_level=0, "
                       "device_tracer_level=1, delay_ms=None)")


def test_hooks_only_while_profiling(tmp_path):
    assert execute.profiler_hook is None and executor.profiler_hook is None
    assert not trace_mod.enabled()
    prof.start(str(tmp_path))
    assert execute.profiler_hook is not None and executor.profiler_hook is not None
    prof.stop(save=False)
    assert execute.profiler_hook is None and executor.profiler_hook is None


def test_eager_and_graph_ops_with_shapes(tmp_path):
    @tf.function
    def f(x):
        return tf.matmul(x, x) + 1.0

    x = tf.ones((4, 4))
    f(x)  # trace outside the profile

    def body():
        for step in range(2):
            with prof.Trace("train", step_num=step, _r=1):
                f(x)
                tf.add(x, x, name="my_add")

    tr = profile(tmp_path, body)
    ops = x_events(tr, "Op")
    graph = [e for e in ops if e["args"]["is_eager"] == 0]
    eager = [e for e in ops if e["args"]["is_eager"] == 1]
    assert [e["name"] for e in graph] == ["MatMul", "AddV2"] * 2
    assert graph[0]["args"]["input0"] == "float32[4,4]"
    assert graph[1]["args"]["input1"] == "float32[]"
    assert [e["args"]["name"] for e in eager] == ["my_add", "my_add"]
    assert eager[0]["args"]["long_name"] == "my_add:AddV2"
    funcs = x_events(tr, "Function")
    steps = x_events(tr, "Trace")
    assert [f_["name"] for f_ in funcs] == ["f", "f"]
    assert [s["args"]["step_num"] for s in steps] == [0, 1]
    for s, fn in zip(steps, funcs):
        assert contains(s, fn)
        inside = [o for o in ops if contains(s, o)]
        assert len(inside) == 3  # MatMul, AddV2 in f + eager add
        assert all(contains(fn, o) for o in inside if o["args"]["is_eager"] == 0)
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in ops)
    assert partial_overlaps(tr["traceEvents"]) == []


def test_worker_thread_gets_its_own_track(tmp_path):
    x = tf.constant(np.arange(6, dtype=np.int32).reshape(2, 3))

    def work():
        for _ in range(3):
            tf.reduce_sum(x)

    def body():
        tf.abs(x)
        t = threading.Thread(target=work, name="worker-7")
        t.start()
        t.join()

    tr = profile(tmp_path, body)
    names = {e["tid"]: e["args"]["name"] for e in tr["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}
    ops = x_events(tr, "Op")
    by_thread = {}
    for e in ops:
        by_thread.setdefault(names[e["tid"]], []).append(e["name"])
    assert by_thread["worker-7"] == ["Sum"] * 3
    assert "Abs" in by_thread[threading.main_thread().name]
    assert len({e["tid"] for e in ops}) == 2
    assert ops[-1]["args"]["input0"] == "int32[2,3]"


def test_control_flow_graph_ops_nest(tmp_path):
    @tf.function
    def g(x):
        return tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2.0), [0, x])[1]

    x = tf.constant([1.0, 2.0])
    g(x)
    tr = profile(tmp_path, lambda: g(x))
    ops = x_events(tr, "Op")
    assert sum(e["name"] == "Mul" for e in ops) == 3
    assert partial_overlaps(tr["traceEvents"]) == []
    outer = [f_ for f_ in x_events(tr, "Function") if f_["name"] == "g"]
    assert len(outer) == 1 and all(contains(outer[0], e) for e in ops)


def test_errors_still_raised_while_profiling(tmp_path):
    prof.start(str(tmp_path))
    with pytest.raises(tf.errors.InvalidArgumentError, match="MatMul"):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    prof.stop()
    assert x_events(load_trace(run_files(str(tmp_path))[1]), "Op")[-1]["name"] == "MatMul"


def test_trace_as_decorator_and_profile_context(tmp_path):
    @prof.Trace("preprocess", batch=3)
    def pre(v):
        seen.append(trace_mod.enabled())
        return tf.square(v)

    seen = []

    assert pre(tf.constant(2.0)).numpy() == 4.0  # no session: plain call
    with prof.Profile(str(tmp_path)):
        pre(tf.constant(3.0))
        with prof.Trace("outer") as t:
            t.set_metadata(size=10)
    assert seen == [False, True]
    tr = load_trace(run_files(str(tmp_path))[1])
    ranges = {e["name"]: e for e in x_events(tr, "Trace")}
    assert ranges["preprocess"]["args"] == {"batch": 3}
    assert ranges["outer"]["args"] == {"size": 10}
    sq = [e for e in x_events(tr, "Op") if e["name"] == "Square"]
    assert len(sq) == 1 and contains(ranges["preprocess"], sq[0])
    assert trace_mod._recorder is None


def test_host_tracer_levels(tmp_path):
    def body():
        with prof.Trace("user"):
            tf.add(1.0, 2.0)

    tr = profile(tmp_path / "l1", body, prof.ProfilerOptions(host_tracer_level=1))
    assert [e["name"] for e in x_events(tr)] == ["user"]
    tr = profile(tmp_path / "l0", body, prof.ProfilerOptions(host_tracer_level=0))
    assert x_events(tr) == []


def test_python_tracer(tmp_path):
    def helper_fn():
        return tf.add(1.0, 2.0)

    tr = profile(tmp_path, helper_fn, prof.ProfilerOptions(python_tracer_level=1))
    py = [e for e in x_events(tr, "Python") if e["name"].endswith(" test_python_tracer."
                                                                  "<locals>.helper_fn")]
    assert len(py) == 1 and py[0]["name"].startswith("$test_session.py:")
    add = [e for e in x_events(tr, "Op") if e["name"] == "AddV2"]
    assert len(add) == 1 and contains(py[0], add[0])
    assert partial_overlaps(tr["traceEvents"]) == []
    import sys
    assert sys.getprofile() is None


def test_delay_drops_early_events(tmp_path):
    import time

    def body():
        tf.add(1.0, 2.0)
        time.sleep(0.06)
        tf.multiply(1.0, 2.0)

    tr = profile(tmp_path, body, prof.ProfilerOptions(delay_ms=30))
    assert [e["name"] for e in x_events(tr)] == ["Mul"]


def test_run_dir_layout_and_atomic_files(tmp_path):
    prof.start(str(tmp_path))
    tf.add(1, 2)
    prof.stop()
    prof.start(str(tmp_path))
    prof.stop()
    runs = sorted(os.listdir(tmp_path / "plugins" / "profile"))
    assert len(runs) == 2  # same second: the second run gets a suffix instead of clobbering
    assert re.fullmatch(r"\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d", runs[0])
    for r in runs:
        files = sorted(os.listdir(tmp_path / "plugins" / "profile" / r))
        assert len(files) == 2 and files[0].endswith(".trace.json.gz")
        assert files[1].endswith(".xplane.pb")
