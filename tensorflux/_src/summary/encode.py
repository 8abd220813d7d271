"""Encoders for image/audio summaries: PNG (the io package's encoder, as ``EncodePng``) and
16-bit WAV (the ``EncodeWav`` kernel, in ``summary_ops``)."""

from __future__ import annotations

import struct

import numpy as np


def encode_png(image: np.ndarray, compression: int = -1) -> bytes:
    """A PNG of a ``[height, width, channels]`` uint8 array (1-4 channels)."""
    from tensorflux._src.io import png

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (1, 2, 3, 4) or image.dtype != np.uint8:
        raise ValueError(f"encode_png expects a uint8 [height, width, 1-4] array, got "
                         f"{image.dtype} {image.shape}")
    return png.encode(image, compression)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """``tf.image.convert_image_dtype(images, tf.uint8, saturate=True)``."""
    a = np.asarray(images)
    if a.dtype == np.uint8:
        return a
    if a.dtype.kind == "f":
        return np.clip(a.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    if a.dtype.kind in "iu":
        shift = (int(np.iinfo(a.dtype).max) + 1) // 256
        return np.clip(a // shift, 0, 255).astype(np.uint8)
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * 255
    raise TypeError(f"image data must be numeric, got {a.dtype}")


def encode_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV of ``[frames, channels]`` float samples in [-1, 1]; each sample is
    ``roundf(x * 32768)`` (halves away from zero) clamped to int16, as TF's wav_io."""
    a = np.asarray(audio, dtype=np.float32)
    if a.ndim != 2:
        raise ValueError(f"encode_wav expects [frames, channels] samples, got shape {a.shape}")
    frames, channels = a.shape
    scaled = a.astype(np.float64) * 32768.0  # exact: a power-of-two scale
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    pcm = np.clip(np.nan_to_num(rounded), -32768, 32767).astype("<i2").tobytes()
    sample_rate = int(sample_rate)
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * channels * 2,
                      channels * 2, 16)
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
            + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(pcm))
            + pcm)
