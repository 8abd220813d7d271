"""Spec rows for the summary-writing ops (WriteSummary, FlushSummaryWriter); the written
events themselves are checked against TensorBoard's reader in tests/summary/."""

import tempfile

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

_writer = None


def _write_then_identity(x):
    global _writer
    if _writer is None or _writer._closed:
        _writer = tf.summary.create_file_writer(tempfile.mkdtemp(prefix="tfx-spec-summary-"))
    with _writer.as_default(step=1):  # leaving as_default flushes: FlushSummaryWriter
        tf.summary.write("x", x)
    return tf.identity(x)


SPECS = [OpSpec("summary_write", _write_then_identity, lambda x: x,
                [np.arange(6, dtype=np.float32).reshape(2, 3)], grad=False)]


def _encode_wav(audio):
    from tensorflux._src.framework.execute import execute
    from tensorflux._src.summary.summary_ops import ENCODE_WAV

    return execute(ENCODE_WAV, (tf.convert_to_tensor(audio), tf.constant(8000)), {}, None)


def _wav_reference(audio):
    """Python's ``wave`` module writing TF's samples: roundf(x * 32768) clamped to int16."""
    import io
    import wave

    x = audio.astype(np.float64) * 32768
    pcm = np.clip(np.sign(x) * np.floor(np.abs(x) + 0.5), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(audio.shape[1])
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())
    return np.array(buf.getvalue(), dtype=object)


# halves (+-0.5 / 32768) round away from zero; out-of-range samples clamp
_AUDIO = np.array([[0.0, 1.5 / 32768], [-2.5 / 32768, 1.0], [-1.0, 2.0], [0.25, -3.0]],
                  np.float32)
SPECS.append(OpSpec("encode_wav", _encode_wav, _wav_reference, [_AUDIO], grad=False))
