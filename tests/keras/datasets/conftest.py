"""Small fixture files in the real Keras dataset formats, and a local HTTP server."""

import functools
import hashlib
import http.server
import io
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "data")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _seqs(rng, n, vocab):
    out = np.empty(n, dtype=object)
    out[:] = [list(map(int, rng.integers(1, vocab, rng.integers(3, 40)))) for _ in range(n)]
    return out


@pytest.fixture
def files(tmp_path):
    """Fixture files named as Keras names them, under tmp/<dataset>/."""
    rng = np.random.default_rng(0)
    out = {}

    def put(name, fname):
        d = tmp_path / "data" / name
        d.mkdir(parents=True, exist_ok=True)
        out[name] = str(d / fname)
        return out[name]

    np.savez(put("imdb", "imdb.npz"), x_train=_seqs(rng, 30, 500), y_train=rng.integers(0, 2, 30),
             x_test=_seqs(rng, 20, 500), y_test=rng.integers(0, 2, 20))
    np.savez(put("reuters", "reuters.npz"), x=_seqs(rng, 40, 300), y=rng.integers(0, 46, 40))
    np.savez(put("boston_housing", "boston_housing.npz"), x=rng.random((50, 13)),
             y=rng.random(50) * 50)
    np.savez(put("california_housing", "california_housing.npz"),
             x=rng.random((700, 8)).astype(np.float32), y=rng.random(700).astype(np.float32))
    for name, dirname, members in [
            ("cifar10", "cifar-10-batches-py",
             [(f"data_batch_{i}", "labels") for i in range(1, 6)] + [("test_batch", "labels")]),
            ("cifar100", "cifar-100-python", [("train", None), ("test", None)])]:
        path = put(name, f"{dirname.replace('-batches-py', '-python')}.tar.gz"
                   if name == "cifar10" else "cifar-100-python.tar.gz")
        with tarfile.open(path, "w:gz") as tar:
            for member, key in members:
                n = 4
                d = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
                if key:
                    d[key.encode()] = [int(v) for v in rng.integers(0, 10, n)]
                else:
                    d[b"fine_labels"] = [int(v) for v in rng.integers(0, 100, n)]
                    d[b"coarse_labels"] = [int(v) for v in rng.integers(0, 20, n)]
                blob = pickle.dumps(d, protocol=4)
                info = tarfile.TarInfo(f"{dirname}/{member}")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
    out["root"] = str(tmp_path / "data")
    return out


@pytest.fixture
def http_server(tmp_path):
    """``(base_url, directory)``: a server on 127.0.0.1 serving a fresh directory."""
    root = tmp_path / "www"
    root.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()
