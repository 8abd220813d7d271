"""The summary ops (TF raw-op names): ``WriteSummary``, ``FlushSummaryWriter`` and
``EncodeWav`` (``tf.audio.encode_wav``, used by ``tf.summary.audio``).

Inside ``tf.function`` a summary call becomes one of these stateful nodes; its kernel hands
the values to the writer captured when the function was traced (the ``writer`` attr names
it in the registry below, where TensorFlow passes a resource handle). Eagerly, the public
functions call the writer directly, which is what the kernel does.
"""

from __future__ import annotations

import itertools
import weakref

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.summary.encode import encode_wav

_ids = itertools.count(1)
_writers: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def register_writer(writer) -> int:
    """Gives ``writer`` an id for the ``writer`` attr of the ops below."""
    wid = next(_ids)
    _writers[wid] = writer
    return wid


def lookup_writer(wid: int):
    w = _writers.get(wid)
    if w is None or w._closed:
        raise errors.FailedPreconditionError(
            None, None, f"The summary writer (id {wid}) used by this function was closed or "
            "deleted; create the writer again and retrace the function.")
    return w


def _item(x):
    return x.item() if hasattr(x, "item") else x


def _write_summary_kernel(step, tensor, tag, summary_metadata, writer=0):
    tag = _item(tag)
    md = _item(summary_metadata)
    lookup_writer(writer).write_tensor(
        int(step), tensor, tag.decode("utf-8") if isinstance(tag, bytes) else str(tag),
        md if isinstance(md, bytes) else str(md).encode())
    return ()


def _flush_kernel(writer=0):
    lookup_writer(writer).flush()
    return ()


WRITE_SUMMARY = defop("WriteSummary", _write_summary_kernel,
                      inputs=("step: int64", "tensor: T", "tag: string",
                              "summary_metadata: string"),
                      outputs=(), types={"T": ()}, attrs={"writer": 0},
                      grad=NOT_DIFFERENTIABLE, stateful=True)

FLUSH_SUMMARY_WRITER = defop("FlushSummaryWriter", _flush_kernel, outputs=(),
                             attrs={"writer": 0}, grad=NOT_DIFFERENTIABLE, stateful=True)


def _encode_wav_kernel(audio, sample_rate):
    if audio.ndim != 2:
        raise errors.InvalidArgumentError(
            None, None, f"audio must be 2-dimensional [frames, channels], got shape "
            f"[{','.join(map(str, audio.shape))}]; reshape or expand_dims it first")
    if np.ndim(sample_rate) != 0:
        raise errors.InvalidArgumentError(None, None, "sample_rate must be a scalar")
    rate = int(sample_rate)
    if not 0 < rate < 2**31 or audio.shape[1] == 0:
        raise errors.InvalidArgumentError(
            None, None, f"sample_rate must be positive and audio must have at least one "
            f"channel, got sample_rate={rate}, channels={audio.shape[1]}")
    return np.array(encode_wav(audio, rate), dtype=object)


ENCODE_WAV = defop("EncodeWav", _encode_wav_kernel,
                   inputs=("audio: float32", "sample_rate: int32"),
                   outputs=("contents: string",), infer=lambda ic: ((), _dt.string),
                   grad=NOT_DIFFERENTIABLE, doc="16-bit PCM WAV of [frames, channels] audio.")
