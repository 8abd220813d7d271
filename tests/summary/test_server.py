"""A real ``tensorboard`` server (Rust and Python loaders) serves what tensorflux wrote."""

import json
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.plugins import projector
from tensorflux.plugins.hparams import api as hp

pytestmark = pytest.mark.slow


def _write_logdir(root):
    with tf.summary.create_file_writer(str(root)).as_default():
        hp.hparams_config([hp.HParam("lr", hp.RealInterval(0.001, 0.1))],
                          [hp.Metric("loss")])
    run = root / "run1"
    w = tf.summary.create_file_writer(str(run))
    f = tf.function(lambda x: tf.nn.relu(x * 2.0))
    with w.as_default():
        hp.hparams({"lr": 0.01}, trial_id="t")
        for step in range(3):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
            tf.summary.histogram("w", np.arange(10.0) + step, step=step)
        tf.summary.image("img", np.ones((1, 2, 3, 3), np.float32), step=0)
        tf.summary.text("note", "**hi**", step=0)
        tf.summary.graph(f.get_concrete_function(tf.constant([1.0])))
    w.close()
    projector.write_embedding_tsv(str(run / "emb.tsv"), np.eye(3))
    cfg = projector.ProjectorConfig()
    cfg.embeddings.add(tensor_name="emb", tensor_path="emb.tsv")
    projector.visualize_embeddings(str(run), cfg)


class _Server:
    def __init__(self, logdir, load_fast):
        exe = shutil.which("tensorboard") or sys.executable
        args = [] if exe != sys.executable else ["-m", "tensorboard.main"]
        self.proc = subprocess.Popen(
            [exe, *args, "--logdir", str(logdir), "--host", "127.0.0.1", "--port", "0",
             f"--load_fast={load_fast}", "--reload_interval", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        found = threading.Event()

        def reader():
            for line in self.proc.stdout:
                m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    found.set()
        threading.Thread(target=reader, daemon=True).start()
        if not found.wait(60):
            self.stop()
            pytest.fail("tensorboard did not report its port")

    def get(self, path, body=None):
        url = f"http://127.0.0.1:{self.port}{path}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, headers={"Accept-Encoding": "identity",
                                                          "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
        return raw if path.startswith("/data/plugin/projector/tensor") else json.loads(raw)

    def wait_for(self, path, pred, timeout=45):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.get(path)
                if pred(last):
                    return last
            except Exception as e:  # noqa: BLE001 - server still loading
                last = e
            time.sleep(0.5)
        pytest.fail(f"{path}: no expected answer within {timeout}s, last: {last!r}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.parametrize("load_fast", ["true", "false"])
def test_tensorboard_http_api(tmp_path, load_fast):
    _write_logdir(tmp_path)
    s = _Server(tmp_path, load_fast)
    try:
        q = urllib.parse.urlencode
        scalars = s.wait_for("/data/plugin/scalars/scalars?" + q({"run": "run1", "tag": "loss"}),
                             lambda r: isinstance(r, list) and len(r) == 3)
        assert [p[1] for p in scalars] == [0, 1, 2]
        assert np.allclose([p[2] for p in scalars], [1.0, 0.5, 1 / 3])
        hist = s.get("/data/plugin/histograms/histograms?" + q({"run": "run1", "tag": "w"}))
        assert len(hist) == 3 and len(hist[0][2]) == 30 and sum(b[2] for b in hist[0][2]) == 10
        images = s.get("/data/plugin/images/images?" + q({"run": "run1", "tag": "img"}))
        png = urllib.request.urlopen(f"http://127.0.0.1:{s.port}/data/plugin/images/"
                                     f"individualImage?{images[0]['query']}", timeout=10).read()
        assert png.startswith(b"\x89PNG")
        text = s.get("/data/plugin/text/text?" + q({"run": "run1", "tag": "note"}))
        assert "<strong>hi</strong>" in text[0]["text"]
        info = s.get("/data/plugin/graphs/info")
        assert info["run1"]["run_graph"] is True
        exp = s.get("/data/plugin/hparams/experiment", {"experimentName": ""})
        assert exp["hparamInfos"][0]["name"] == "lr"
        groups = s.get("/data/plugin/hparams/session_groups", {
            "experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS",
                                                      "STATUS_FAILURE", "STATUS_RUNNING"],
            "colParams": [], "startIndex": 0, "sliceSize": 10})
        assert groups["sessionGroups"][0]["name"] == "t"
        s.wait_for("/data/plugin/projector/runs", lambda r: "run1" in r)
        tensor = s.get("/data/plugin/projector/tensor?" + q({"run": "run1", "name": "emb"}))
        np.testing.assert_array_equal(np.frombuffer(tensor, "<f4").reshape(3, 3), np.eye(3))
    finally:
        s.stop()
