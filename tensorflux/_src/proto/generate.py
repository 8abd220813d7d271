"""Regenerates the ``*_pb2.py`` modules from the ``.proto`` files beside this file.

Usage (development only; needs ``grpcio-tools``)::

    python -m tensorflux._src.proto.generate

Use grpcio-tools 1.63 or 1.64 (protoc 26.x): their generated code runs on every
protobuf runtime from 5.26 on. Newer protoc versions emit a runtime version check that
rejects runtimes older than the generator. The generated code is then edited to use the
private descriptor pool of ``_pool.py``.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
DEFAULT_POOL = "_descriptor_pool.Default().AddSerializedFile("
PRIVATE_POOL = "_pool.POOL.AddSerializedFile("
POOL_IMPORT = "from tensorflux._src.proto import _pool\n"


def main() -> int:
    protos = sorted(glob.glob(os.path.join(HERE, "*.proto")))
    rel = [os.path.relpath(p, ROOT) for p in protos]
    subprocess.check_call([sys.executable, "-m", "grpc_tools.protoc", "-I.",
                           "--python_out=.", *rel], cwd=ROOT)
    for p in protos:
        out = p[:-len(".proto")] + "_pb2.py"
        with open(out) as f:
            src = f.read()
        if DEFAULT_POOL not in src:
            raise RuntimeError(f"unexpected generated code in {out}")
        src = src.replace(DEFAULT_POOL, PRIVATE_POOL)
        marker = "# @@protoc_insertion_point(imports)\n"
        src = src.replace(marker, POOL_IMPORT + marker, 1)
        with open(out, "w") as f:
            f.write(src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
