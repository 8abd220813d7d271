"""``python -m tensorflux.profiler``: top-ops table on known traces."""

import gzip
import json
import os
import subprocess
import sys

import pytest

from tensorflux._src.profiler import summary

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _op(name, ts, dur, tid=1):
    return {"ph": "X", "cat": "Op", "name": name, "pid": 1, "tid": tid, "ts": ts, "dur": dur,
            "args": {"name": name.lower(), "op": name}}


# Hand-computed: While 0..100 holds Mul 10..30 and Mul 40..70 => While self = 100-20-30 = 50;
# self total = 50 + (20+30+2.5) + 60 = 162.5 us: MatMul 60/162.5 = 36.92 %, Mul 32.31 %.
KNOWN = {"traceEvents": [
    {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "main"}},
    {"ph": "X", "cat": "Trace", "name": "train", "pid": 1, "tid": 1, "ts": 0, "dur": 200},
    _op("While", 0, 100), _op("Mul", 10, 20), _op("Mul", 40, 30),
    _op("MatMul", 120, 60), _op("Mul", 5, 2.5, tid=2)]}

EXPECTED = """\
Top 2 of 3 op types by self time: 5 op executions, 162.500 us in ops
Op type    Count    Total (us)    Avg (us)  % time
MatMul         1        60.000      60.000   36.92
Mul            3        52.500      17.500   32.31"""


def test_table_on_known_trace(tmp_path, capsys):
    path = tmp_path / "h.trace.json.gz"
    path.write_bytes(gzip.compress(json.dumps(KNOWN).encode()))
    rows = summary.top_ops(summary.read_ops(str(path)))
    assert rows[0][:3] == ("MatMul", 1, 60000) and rows[2][:3] == ("While", 1, 50000)
    assert abs(sum(r[4] for r in rows) - 100.0) < 1e-9
    assert summary.main([str(path), "--top", "2"]) == 0
    out = capsys.readouterr().out
    assert out.replace(f" ({path})", "") == EXPECTED + "\n"


def test_xplane_input_uses_tf_op_naming(tmp_path, capsys):
    from tensorflux._src.proto import xplane_pb2

    space = xplane_pb2.XSpace(hostnames=["h"])
    plane = space.planes.add(id=0, name="/host:CPU")
    for i, (name, disp) in enumerate([("dense/MatMul:MatMul", "MatMul"), ("train", "")], 1):
        plane.event_metadata[i].id, plane.event_metadata[i].name = i, name
        plane.event_metadata[i].display_name = disp
    line = plane.lines.add(id=7, name="tf_Compute", timestamp_ns=1000)
    line.events.add(metadata_id=2, offset_ps=0, duration_ps=9_000_000)
    line.events.add(metadata_id=1, offset_ps=1_000_000, duration_ps=4_000_000)
    line.events.add(metadata_id=1, offset_ps=5_000_000, duration_ps=2_000_000)
    path = tmp_path / "h.xplane.pb"
    path.write_bytes(space.SerializeToString())
    assert summary.read_ops(str(path)) == [((0, 7), 2000, 4000, "MatMul"),
                                           ((0, 7), 6000, 2000, "MatMul")]
    assert summary.main([str(path)]) == 0
    assert "\nMatMul         2         6.000       3.000  100.00\n" in capsys.readouterr().out


def test_cli_on_logdir_subprocess(tmp_path):
    code = ("import tensorflux as tf\n"
            f"tf.profiler.experimental.start({str(tmp_path)!r})\n"
            "x = tf.ones((8, 8))\n"
            "for _ in range(4): x = tf.matmul(x, x) / 8.0\n"
            "tf.profiler.experimental.stop()\n")
    env = dict(os.environ, PYTHONPATH=REPO)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO)
    out = subprocess.run([sys.executable, "-m", "tensorflux.profiler", str(tmp_path)],
                         check=True, env=env, cwd=REPO, capture_output=True, text=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith("Top 2 of 2 op types by self time: 8 op executions")
    assert lines[0].endswith(".trace.json.gz)")
    assert sorted(ln.split()[0] for ln in lines[2:]) == ["MatMul", "RealDiv"]
    assert all(ln.split()[1] == "4" for ln in lines[2:])


def test_cli_missing_path(tmp_path, capsys):
    assert summary.main([str(tmp_path / "nope")]) == 2
    assert "No such profile" in capsys.readouterr().err
    assert summary.main([str(tmp_path)]) == 2
    assert "plugins/profile" in capsys.readouterr().err


@pytest.mark.parametrize("top", [0, 1])
def test_top_option(tmp_path, capsys, top):
    path = tmp_path / "h.trace.json"
    path.write_text(json.dumps(KNOWN))
    summary.main([str(path), "--top", str(top)])
    body = capsys.readouterr().out.splitlines()[2:]
    assert len(body) == (3 if top == 0 else 1)
