"""Spec rows for tf.io ops (tensorflux/_src/io): parsing, tensor (de)serialization, files."""

import os
import tempfile

import numpy as np

import tensorflux as tf
from tests.ops.harness import OpSpec

# Example{x: float_list [1.5, -2.0]} and Example{x: [3.0, 4.0]} (bytes per the TFRecord spec)
_EX = [bytes.fromhex("0a130a110a0178120c120a0a080000c03f000000c0"),
       bytes.fromhex("0a130a110a0178120c120a0a080000404000008040")]


def _obj(*xs):
    a = np.empty(len(xs), object)
    a[:] = list(xs)
    return a


_FILE = os.path.join(tempfile.gettempdir(), f"tensorflux_specs_io_{os.getpid()}.bin")


def _write_then_read(c):
    tf.io.write_file(_FILE, c)
    return tf.io.read_file(_FILE)


SPECS = [
    OpSpec("parse_example_dense", lambda s: tf.io.parse_example(
        s, {"x": tf.io.FixedLenFeature([2], tf.float32)})["x"],
        lambda s: np.array([[1.5, -2.0], [3.0, 4.0]], np.float32), [_obj(*_EX)],
        unknown_shapes=False),
    OpSpec("serialize_parse_tensor",
           lambda x: tf.io.parse_tensor(tf.io.serialize_tensor(x), tf.float32),
           lambda x: x, [np.array([[1.0, 2.0]], np.float32)], static_shape_exact=False,
           grad=False),
    OpSpec("decode_raw", lambda s: tf.io.decode_raw(s, tf.int16),
           lambda s: np.array([[1, 2]], np.int16), [_obj(b"\x01\x00\x02\x00")],
           static_shape_exact=False),
    OpSpec("read_write_file", _write_then_read, lambda c: c, [np.array(b"x\x00y", object)]),
]


# ---- part 2: sequence examples, CSV, image codecs ---------------------------------------------

# SequenceExample{context{len: [1]}, feature_lists{x: [[7, 8]], w: [[9, 10, 11]]}} (made by TF)
_SEQ = bytes.fromhex("0a0e0a0c0a036c656e12051a030a010112250a0e0a017712090a071a050a03090a0b0a13"
                     "0a0178120e0a0c120a0a080000e04000000041")


def _parse_seq(s):
    ctx, seq, lens = tf.io.parse_sequence_example(
        s, {"len": tf.io.FixedLenFeature([], tf.int64)},
        {"x": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True)})
    return [ctx["len"], seq["x"], lens["x"]]


def _png_bytes(a):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "PNG")
    return buf.getvalue()


def _bmp_bytes(rgb):
    """A bottom-up 24-bit BMP written by hand (BGR rows padded to 4 bytes)."""
    h, w, _ = rgb.shape
    row = (3 * w + 3) // 4 * 4
    px = b"".join(rgb[y, :, ::-1].tobytes().ljust(row, b"\0") for y in range(h - 1, -1, -1))
    info = (40).to_bytes(4, "little") + w.to_bytes(4, "little") + h.to_bytes(4, "little") + \
        (1).to_bytes(2, "little") + (24).to_bytes(2, "little") + bytes(24)
    return b"BM" + (54 + len(px)).to_bytes(4, "little") + bytes(4) + \
        (54).to_bytes(4, "little") + info + px


def _gif_bytes(frames):
    import io

    from PIL import Image

    pal = [255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759
    ims = []
    for f in frames:
        im = Image.new("P", (f.shape[1], f.shape[0]))
        im.putpalette(pal)
        im.putdata(f.reshape(-1).tolist())
        ims.append(im)
    buf = io.BytesIO()
    ims[0].save(buf, "GIF", save_all=True, append_images=ims[1:], disposal=1)
    return buf.getvalue()


_RGB = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 13
_IDX = np.array([[[0, 1, 2], [2, 1, 0]], [[1, 1, 1], [0, 2, 0]]], np.uint8)
_PALETTE = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)
_FLAT = np.full((8, 16, 3), [40, 120, 200], np.uint8)  # flat colour: JPEG reproduces it


def _jpeg_roundtrip(x):
    return tf.io.decode_jpeg(tf.io.encode_jpeg(x, quality=100, chroma_downsampling=False))


def _crop(x):
    return tf.io.decode_and_crop_jpeg(tf.io.encode_jpeg(x, quality=100), [2, 3, 4, 5])


SPECS += [
    OpSpec("decode_csv", lambda r: tf.io.decode_csv(r, [[0], [1.5], ["x"]]),
           lambda r: [np.array([1, 3], np.int32), np.array([2.5, 1.5], np.float32),
                      _obj(b"a", b"b")], [_obj(b"1,2.5,a", b'3,,"b"')]),
    OpSpec("parse_sequence_example", _parse_seq,
           lambda s: [np.array([1], np.int64), np.array([[[7.0, 8.0]]], np.float32),
                      np.array([1], np.int64)], [_obj(_SEQ)], static_shape_exact=False),
    OpSpec("decode_png", lambda s: tf.io.decode_png(s), lambda s: _RGB,
           [np.array(_png_bytes(_RGB), object)], static_shape_exact=False),
    OpSpec("encode_decode_png", lambda x: tf.io.decode_png(tf.io.encode_png(x),
                                                           dtype=tf.uint16),
           lambda x: x, [(np.arange(24, dtype=np.uint16) * 2731).reshape(2, 4, 3)],
           static_shape_exact=False),
    OpSpec("encode_decode_jpeg", _jpeg_roundtrip, lambda x: x, [_FLAT], atol=1.0,
           static_shape_exact=False),  # YCbCr rounding: +-1
    OpSpec("decode_and_crop_jpeg", _crop, lambda x: x[2:6, 3:8], [_FLAT], atol=1.0,
           static_shape_exact=False),
    OpSpec("decode_gif", tf.io.decode_gif, lambda s: _PALETTE[_IDX],
           [np.array(_gif_bytes(_IDX), object)], static_shape_exact=False),
    OpSpec("decode_bmp", lambda s: tf.io.decode_bmp(s, channels=4),
           lambda s: np.concatenate([_RGB, np.full((2, 3, 1), 255, np.uint8)], -1),
           [np.array(_bmp_bytes(_RGB), object)], static_shape_exact=False),
    OpSpec("decode_image", lambda s: tf.io.decode_image(s, dtype=tf.float32,
                                                        expand_animations=False),
           lambda s: _RGB.astype(np.float32) / 255, [np.array(_png_bytes(_RGB), object)],
           static_shape_exact=False),
    OpSpec("extract_jpeg_shape", lambda x: tf.io.extract_jpeg_shape(tf.io.encode_jpeg(x)),
           lambda x: np.array([8, 16, 3], np.int32), [_FLAT]),
]
