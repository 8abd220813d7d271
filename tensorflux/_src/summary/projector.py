"""The embedding projector (``tensorboard.plugins.projector``): ``projector_config.pbtxt``
plus helpers for the TSV tensor, metadata TSV and sprite files it points to.

Until tensorflux has ``tf.train.Checkpoint``, give embeddings as TSV files via
``EmbeddingInfo.tensor_path`` (``write_embedding_tsv``).
"""

from __future__ import annotations

import math
import os
import tempfile

import numpy as np

PROJECTOR_FILENAME = "projector_config.pbtxt"
PLUGIN_ASSETS_NAME = "org_tensorflow_tensorboard_projector"


def _write_atomic(path, data: bytes):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def visualize_embeddings(logdir, config):
    """Writes ``config`` (a ``ProjectorConfig``) as ``<logdir>/projector_config.pbtxt``.

    ``logdir`` may also be a writer with ``get_logdir()`` (TF1 ``FileWriter``). Paths in the
    config are resolved relative to ``logdir`` and must stay inside it.
    """
    from google.protobuf import text_format

    if logdir is None:
        raise ValueError("Expected logdir to be a path, but got None")
    if hasattr(logdir, "get_logdir"):
        logdir = logdir.get_logdir()
    path = os.path.join(os.fspath(logdir), PROJECTOR_FILENAME)
    _write_atomic(path, text_format.MessageToString(config).encode("utf-8"))
    return path


def write_embedding_tsv(path, embeddings):
    """Writes a ``[N, D]`` array as the projector's tensor TSV (one point per line)."""
    a = np.asarray(embeddings, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"embeddings must be 2-D [N, D], got shape {a.shape}")
    lines = ["\t".join(repr(float(x)) for x in row) for row in a]
    _write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))


def write_metadata_tsv(path, labels):
    """Writes point labels: a list (one column, no header) or a dict of equal-length columns
    (header line with the column names)."""
    def clean(x):
        x = x.decode("utf-8") if isinstance(x, bytes) else str(x)
        return x.replace("\t", " ").replace("\n", " ")

    if isinstance(labels, dict):
        names = list(labels)
        cols = [list(labels[n]) for n in names]
        if len({len(c) for c in cols}) > 1:
            raise ValueError("all metadata columns must have the same length")
        rows = ["\t".join(clean(n) for n in names)]
        rows += ["\t".join(clean(c[i]) for c in cols) for i in range(len(cols[0]))]
    else:
        rows = [clean(x) for x in labels]
    _write_atomic(path, ("\n".join(rows) + "\n").encode("utf-8"))


def write_sprite(path, images):
    """Tiles ``[N, h, w]`` or ``[N, h, w, c]`` images into the square sprite PNG the
    projector expects; returns ``[w, h]`` for ``SpriteMetadata.single_image_dim``."""
    from tensorflux._src.summary.encode import encode_png, to_uint8

    a = to_uint8(np.asarray(images))
    if a.ndim == 3:
        a = a[..., None]
    if a.ndim != 4 or a.shape[-1] not in (1, 3, 4):
        raise ValueError(f"images must be [N, h, w] or [N, h, w, 1|3|4], got {a.shape}")
    n, h, w, c = a.shape
    side = max(1, math.ceil(math.sqrt(n)))
    if side * max(h, w) > 8192:
        raise ValueError(f"sprite would be {side * w}x{side * h} px; the projector allows at "
                         "most 8192x8192: use smaller thumbnails")
    grid = np.zeros((side * h, side * w, c), np.uint8)
    for i in range(n):
        r, col = divmod(i, side)
        grid[r * h:(r + 1) * h, col * w:(col + 1) * w] = a[i]
    _write_atomic(path, encode_png(grid))
    return [w, h]
