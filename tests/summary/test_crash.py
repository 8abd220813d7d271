"""A writer killed mid-run (os._exit / SIGKILL) leaves every flushed record readable."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.summary.util import accumulator, values

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

_SCRIPT = textwrap.dedent("""
    import os, sys, time
    import tensorflux as tf
    w = tf.summary.create_file_writer(sys.argv[1], max_queue=1000, flush_millis=10**7)
    with w.as_default():
        for i in range(20):
            tf.summary.scalar("loss", float(i), step=i)
            tf.summary.histogram("h", [float(i), 1.0], step=i)
            if i == 9:
                w.flush()
                print("flushed", flush=True)
        if sys.argv[2] == "exit":
            os._exit(1)
        print("waiting", flush=True)
        time.sleep(60)
""")


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_killed_writer_keeps_flushed_records(tmp_path, how):
    env = dict(os.environ, PYTHONPATH=_REPO)
    p = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(tmp_path), how], env=env,
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "flushed"
        if how == "kill":
            assert p.stdout.readline().strip() == "waiting"
            os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    acc = accumulator(str(tmp_path))
    steps, vals = values(acc, "loss")
    assert steps == list(range(10)) and [float(v) for v in vals] == list(map(float, range(10)))
    assert values(acc, "h")[0] == list(range(10))
