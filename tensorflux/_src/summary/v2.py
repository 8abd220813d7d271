"""TensorBoard's plugin summaries as TF 2 writes them: ``scalar``, ``histogram``, ``image``,
``audio``, ``text`` (tensor payloads plus plugin metadata, see specs/tensorboard-events.md)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.context import state as _ctx
from tensorflux._src.summary import summary_ops, wire
from tensorflux._src.summary.writer import _eager_array, _state, summary_tag, write

DEFAULT_BUCKET_COUNT = 30
_AUDIO_CONTENT_WAV = b"\x10\x0b"  # AudioPluginData{encoding: WAV (11)}
_md_cache: dict = {}


def _metadata(plugin: str, description, content: bytes = b"") -> bytes:
    key = (plugin, description, content)
    md = _md_cache.get(key)
    if md is None:
        md = wire.summary_metadata(plugin, content, description=description or "")
        if len(_md_cache) < 1024:
            _md_cache[key] = md
    return md


def scalar(name, data, step=None, description=None):
    """Writes a scalar summary (``tf.summary.scalar``); the value is stored as float32.

    Returns True on success, False when no default writer is set.
    """
    if _ctx.graph is None and _state.writer is not None:
        value = np.asarray(_eager_array(data), dtype=np.float32)
        if value.ndim != 0:
            raise ValueError(f"Expected scalar shape for tf.summary.scalar {name!r} data, saw "
                             f"shape: {value.shape}.")
        data = value
    else:
        from tensorflux._src.ops.math_ops import cast
        from tensorflux._src.ops.op_util import tensor

        data = cast(tensor(data), "float32")
        if data.shape.rank not in (None, 0):
            raise ValueError(f"Expected scalar shape for tf.summary.scalar {name!r} data, saw "
                             f"shape: {data.shape}.")
    return write(summary_tag(name), data, step, _metadata("scalars", description))


def text(name, data, step=None, description=None):
    """Writes a Markdown text summary (``tf.summary.text``); ``data`` is a string tensor."""
    if _ctx.graph is None:
        value = _eager_array(data)
        if value.dtype.kind not in "OSU":
            raise TypeError(f"tf.summary.text {name!r} expects string data, got {value.dtype}")
        data = np.asarray(value, dtype=object)
    return write(summary_tag(name), data, step, _metadata("text", description))


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram (``tf.summary.histogram``): a float64 ``[k, 3]`` tensor of
    ``(left_edge, right_edge, count)`` rows, ``k = buckets`` (default 30)."""
    def lazy():
        return buckets_tensor(data, buckets)

    return write(summary_tag(name), lazy, step, _metadata("histograms", description))


def buckets_tensor(data, bucket_count=None):
    """TensorBoard's histogram bucketing, written with tensorflux ops (eager and traced)."""
    import tensorflux as tf

    k = DEFAULT_BUCKET_COUNT if bucket_count is None else bucket_count
    if isinstance(k, (int, np.integer)):
        k = max(int(k), 0)
    else:
        k = tf.maximum(tf.cast(k, tf.int32), 0)
    data = tf.cast(tf.reshape(data, [-1]), tf.float64)
    size = tf.size(data)
    is_empty = tf.logical_or(tf.equal(size, 0), tf.less_equal(k, 0))

    def when_empty():
        return tf.zeros(tf.stack([k, 3]), dtype=tf.float64)

    def when_nonempty():
        lo = tf.reduce_min(data)
        hi = tf.reduce_max(data)
        span = hi - lo

        def multiple():
            width = span / tf.cast(k, tf.float64)
            idx = tf.cast(tf.floor((data - lo) / width), tf.int32)
            idx = tf.minimum(idx, k - 1)
            counts = tf.math.unsorted_segment_sum(tf.ones_like(data), idx, k)
            edges = tf.linspace(lo, hi, k + 1)
            edges = tf.concat([edges[:-1], tf.reshape(hi, [1])], 0)
            return tf.transpose(tf.stack([edges[:-1], edges[1:], counts]))

        def single():
            edges = tf.fill(tf.reshape(k, [1]), hi)
            zeros = tf.zeros(tf.reshape(k, [1]), tf.float64)
            counts = tf.concat([zeros[:-1], tf.reshape(tf.cast(size, tf.float64), [1])],
                               0)[:k]
            return tf.transpose(tf.stack([edges, edges, counts]))

        return tf.cond(tf.equal(span, 0), single, multiple)

    return tf.cond(is_empty, when_empty, when_nonempty)


def _encode_each(fn, elems, name):
    """``tf.map_fn(fn, elems)`` to a string vector (an empty one when there is nothing)."""
    import tensorflux as tf

    if elems.shape[0] == 0:
        return tf.constant(np.empty(0, dtype=object), tf.string)
    return tf.map_fn(fn, elems, fn_output_signature=tf.string, name=name)


def _image_tensor(name, data, max_outputs):
    """TF's image summary tensor ``[width, height, png...]`` built from ops (``EncodePng``
    per image), so the same code runs eagerly and inside ``tf.function``."""
    import tensorflux as tf

    images = tf.convert_to_tensor(data)
    if images.shape.rank not in (None, 4):
        raise ValueError(f"tf.summary.image {name!r} expects rank-4 data [k, h, w, c], got "
                         f"shape {images.shape}")
    images = tf.image.convert_image_dtype(images, tf.uint8, saturate=True)
    encoded = _encode_each(tf.io.encode_png, images[:max_outputs], "encode_each_image")
    shape = tf.shape(images)
    dims = tf.stack([tf.strings.as_string(shape[2]), tf.strings.as_string(shape[1])])
    return tf.concat([dims, encoded], 0)


def _audio_tensor(name, data, sample_rate, max_outputs):
    """TF's audio summary tensor ``[k, 2]`` of (WAV bytes, label ``b""``) from ``EncodeWav``
    ops, eager and in ``tf.function``."""
    import tensorflux as tf
    from tensorflux._src.framework.execute import execute

    audio = tf.cast(tf.convert_to_tensor(data), tf.float32)
    if audio.shape.rank not in (None, 3):
        raise ValueError(f"tf.summary.audio {name!r} expects rank-3 data "
                         f"[k, frames, channels], got shape {audio.shape}")
    rate = tf.cast(sample_rate, tf.int32)
    encoded = _encode_each(lambda clip: execute(summary_ops.ENCODE_WAV, (clip, rate), {}, None),
                           audio[:max_outputs], "encode_each_audio")
    labels = tf.tile(tf.constant([""]), tf.shape(encoded)[:1])
    return tf.transpose(tf.stack([encoded, labels]))


def _check_max_outputs(max_outputs):
    if isinstance(max_outputs, (int, np.integer)) and max_outputs < 0:
        raise ValueError(f"max_outputs must be non-negative, got {max_outputs}")


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to ``max_outputs`` images of ``data`` (``[k, h, w, c]``, c in 1..4) as PNGs
    (``tf.summary.image``); floats are scaled from [0, 1] to uint8 like TensorFlow."""
    _check_max_outputs(max_outputs)
    return write(summary_tag(name), lambda: _image_tensor(name, data, max_outputs), step,
                 _metadata("images", description))


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None,
          description=None):
    """Writes up to ``max_outputs`` clips of ``data`` (``[k, frames, channels]`` floats in
    [-1, 1]) as 16-bit WAV (``tf.summary.audio``)."""
    if encoding is None:
        encoding = "wav"
    if encoding != "wav":
        raise ValueError(f"Unknown encoding: {encoding!r}; only 'wav' is supported")
    _check_max_outputs(max_outputs)
    return write(summary_tag(name),
                 lambda: _audio_tensor(name, data, sample_rate, max_outputs), step,
                 _metadata("audio", description, _AUDIO_CONTENT_WAV))
