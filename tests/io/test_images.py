"""Image codecs: round trips, Pillow as the independent decoder/encoder, and pixel values
recorded from TensorFlow 2.21 (tf.io.decode_* on the same bytes)."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import tensorflux as tf
from tensorflux._src.io import png

RNG = np.random.default_rng(0)
# an 8x8 JPEG written by Pillow (quality 90); TF 2.21 decode_jpeg(dct_method="INTEGER_ACCURATE")
SMALL_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb0043000302020302020303030304030304050805050404050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f171816141812141514ffdb00430103040405040509050509140d0b0d1414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414141414ffc00011080008000803012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f0100030101010101010101010000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f006be971c171a6c9e20bd16f1e9d7ec6f3448355b88521bf5513436d6e73c799712ee1333aa4676f98728af294515c39bf1062b2b8518e1e31b4afa7bd6d2dda4b5d6cdbbb76576dddbf36ae21c230af35cd2a8949be69ad651527f04a2b793deefab6db6dff00ffd9")
TF_JPEG_TOP_LEFT = [[[215, 92, 138], [128, 54, 77]], [[190, 94, 121], [130, 69, 87]]]
TF_JPEG_GRAY_TOP_LEFT = [[134, 79], [126, 89]]
# tf.io.encode_png(arange(24, uint16).reshape(2, 4, 3) * 1000) written by TF 2.21 (libpng)
TF_PNG16 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000004000000021002000000a05a36770000001d49444154789c"
    "636460607ec17e817b070f0ae4dec1a4f7401f0382c400d4d3155a23cd87680000000049454e44ae426082")


def _pil_bytes(img, fmt="PNG", **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _pil_decode(data):
    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize("c,mode", [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")])
def test_encode_png_decoded_by_pillow(c, mode):
    a = RNG.integers(0, 256, (5, 7, c)).astype(np.uint8)
    data = tf.io.encode_png(a).numpy()
    im = Image.open(io.BytesIO(data))
    assert im.mode == mode
    np.testing.assert_array_equal(np.asarray(im).reshape(a.shape), a)
    np.testing.assert_array_equal(tf.io.decode_png(data).numpy(), a)


def test_png16_round_trips_and_tf_bytes():
    g = RNG.integers(0, 65536, (4, 6, 1)).astype(np.uint16)
    data = tf.io.encode_png(g, compression=9).numpy()
    np.testing.assert_array_equal(_pil_decode(data), g[..., 0])  # Pillow reads 16-bit grey
    rgb = RNG.integers(0, 65536, (3, 5, 3)).astype(np.uint16)
    back = tf.io.decode_png(tf.io.encode_png(rgb), dtype=tf.uint16).numpy()
    np.testing.assert_array_equal(back, rgb)
    want = np.arange(24, dtype=np.uint16).reshape(2, 4, 3) * 1000
    np.testing.assert_array_equal(tf.io.decode_png(TF_PNG16, dtype=tf.uint16).numpy(), want)
    np.testing.assert_array_equal(tf.io.decode_png(TF_PNG16).numpy(), want >> 8)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def test_png_decoder_all_filters():
    """A 16-bit RGBA PNG whose rows use filters 0-4, filtered by a straightforward reference."""
    img = RNG.integers(0, 65536, (5, 4, 4)).astype(np.uint16)
    raw = img.astype(">u2").view(np.uint8).reshape(5, -1).astype(int)
    bpp, rows = 8, []
    for y, ft in enumerate([0, 1, 2, 3, 4]):
        prev = raw[y - 1] if y else np.zeros_like(raw[0])
        line = []
        for x in range(raw.shape[1]):
            a = raw[y, x - bpp] if x >= bpp else 0
            c = prev[x - bpp] if x >= bpp else 0
            pred = [0, a, prev[x], (a + prev[x]) // 2, _paeth(a, prev[x], c)][ft]
            line.append((raw[y, x] - pred) % 256)
        rows.append(bytes([ft] + line))
    ihdr = struct.pack(">IIBBBBB", 4, 5, 16, 6, 0, 0, 0)

    def chunk(k, d):
        return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))

    data = (png.SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))
    np.testing.assert_array_equal(tf.io.decode_png(data, dtype=tf.uint16).numpy(), img)


def test_png_modes_match_tensorflow():
    p = Image.new("P", (3, 2))
    p.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    p.putdata([0, 1, 2, 2, 1, 0])
    plain = _pil_bytes(p)
    alpha = _pil_bytes(p, transparency=1)
    assert tf.io.decode_png(alpha).numpy().reshape(-1)[:8].tolist() == [255, 0, 0, 255,
                                                                         0, 255, 0, 0]
    assert tf.io.decode_png(plain).shape == (2, 3, 3)
    assert tf.io.decode_png(plain, channels=1).numpy()[..., 0].tolist() == [[76, 149, 29],
                                                                           [29, 149, 76]]
    assert tf.io.decode_png(plain, dtype=tf.uint16).numpy()[0, 0].tolist() == [65535, 0, 0]
    rgb = np.array([[[155, 27, 92], [161, 195, 97], [6, 184, 128]],
                    [[166, 40, 109], [225, 221, 80], [161, 21, 206]]], np.uint8)
    gray = tf.io.decode_png(_pil_bytes(Image.fromarray(rgb)), channels=1).numpy()[..., 0]
    assert gray.tolist() == [[72, 173, 124], [85, 206, 83]]  # TF 2.21 values
    la = RNG.integers(0, 256, (2, 3, 2)).astype(np.uint8)
    data = _pil_bytes(Image.fromarray(la, "LA"))
    np.testing.assert_array_equal(tf.io.decode_png(data, channels=3).numpy(),
                                  np.repeat(la[..., :1], 3, -1))
    four = tf.io.decode_png(data, channels=4).numpy()
    np.testing.assert_array_equal(four[..., 3], la[..., 1])


def test_jpeg_decode_matches_tensorflow_accurate_dct_and_pillow():
    img = tf.io.decode_jpeg(SMALL_JPEG, dct_method="INTEGER_ACCURATE").numpy()
    assert img.shape == (8, 8, 3) and img[:2, :2].tolist() == TF_JPEG_TOP_LEFT
    np.testing.assert_array_equal(img, _pil_decode(SMALL_JPEG))
    gray = tf.io.decode_jpeg(SMALL_JPEG, channels=1).numpy()
    assert gray.shape == (8, 8, 1) and gray[:2, :2, 0].tolist() == TF_JPEG_GRAY_TOP_LEFT
    half = tf.io.decode_jpeg(SMALL_JPEG, ratio=2).numpy()
    ref = Image.open(io.BytesIO(SMALL_JPEG))
    ref.draft("RGB", (4, 4))
    np.testing.assert_array_equal(half, np.asarray(ref))
    assert tf.io.decode_jpeg(SMALL_JPEG, channels=4).shape == (8, 8, 4)


def test_encode_jpeg_options_read_by_pillow():
    a = RNG.integers(0, 256, (16, 16, 3)).astype(np.uint8)
    lo = tf.io.encode_jpeg(a, quality=10).numpy()
    hi = tf.io.encode_jpeg(a, quality=100, chroma_downsampling=False).numpy()
    assert len(lo) < len(hi)
    assert np.abs(_pil_decode(hi).astype(int) - a).max() <= 8
    prog = tf.io.encode_jpeg(a, progressive=True, optimize_size=True).numpy()
    assert b"\xff\xc2" in prog and Image.open(io.BytesIO(prog)).info.get("progressive")
    cm = Image.open(io.BytesIO(tf.io.encode_jpeg(a, density_unit="cm", x_density=50,
                                                 y_density=60).numpy()))
    assert cm.info["jfif_unit"] == 2 and cm.info["jfif_density"] == (50, 60)
    xmp = Image.open(io.BytesIO(tf.io.encode_jpeg(a, xmp_metadata="<x/>").numpy()))
    assert xmp.info["xmp"] == b"<x/>"
    g = tf.io.encode_jpeg(np.full((8, 8, 1), 77, np.uint8), format="grayscale").numpy()
    assert Image.open(io.BytesIO(g)).mode == "L"
    assert tf.io.decode_jpeg(g).numpy().reshape(-1).tolist() == [77] * 64
    with pytest.raises(tf.errors.InvalidArgumentError, match="1 or 3 channels, got"):
        tf.io.encode_jpeg(np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have 3 channels"):
        tf.io.encode_jpeg(np.zeros((2, 2, 1), np.uint8), format="rgb")


def test_gif_bmp_and_decode_image():
    frames = [RNG.integers(0, 256, (4, 5, 3)).astype(np.uint8) for _ in range(2)]
    ims = [Image.fromarray(f).convert("P", palette=Image.ADAPTIVE) for f in frames]
    gif = _pil_bytes(ims[0], "GIF", save_all=True, append_images=ims[1:])
    ref = Image.open(io.BytesIO(gif))
    want = []
    for i in range(2):
        ref.seek(i)
        want.append(np.asarray(ref.convert("RGB")))
    np.testing.assert_array_equal(tf.io.decode_gif(gif).numpy(), np.stack(want))
    np.testing.assert_array_equal(tf.io.decode_image(gif).numpy(), np.stack(want))
    np.testing.assert_array_equal(tf.io.decode_image(gif, expand_animations=False).numpy(),
                                  want[0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Got 2 frames"):
        tf.io.decode_png(gif)
    for c, mode in [(3, "RGB"), (4, "RGBA")]:
        a = RNG.integers(0, 256, (3, 5, c)).astype(np.uint8)
        data = _pil_bytes(Image.fromarray(a, mode), "BMP")
        np.testing.assert_array_equal(tf.io.decode_bmp(data).numpy()[..., :3], a[..., :3])
        np.testing.assert_array_equal(tf.io.decode_image(data, channels=3).numpy(), a[..., :3])
    jpg = tf.io.decode_image(SMALL_JPEG, dtype=tf.uint16).numpy()
    np.testing.assert_array_equal(jpg, _pil_decode(SMALL_JPEG).astype(np.uint16) * 256)
    f = tf.io.decode_image(SMALL_JPEG, dtype=tf.float32).numpy()
    np.testing.assert_allclose(f, _pil_decode(SMALL_JPEG) / 255.0, rtol=1e-6)


@pytest.mark.parametrize("data,fn,msg", [
    (b"", tf.io.decode_image, "Input is empty"),
    (b"garbage!", tf.io.decode_png, "Unknown image file format"),
    (SMALL_JPEG[:200], tf.io.decode_jpeg, "jpeg::Uncompress failed"),
    (TF_PNG16[:50], tf.io.decode_png, "Invalid PNG data, size 50"),
    (SMALL_JPEG, tf.io.decode_bmp, "Trying to decode JPEG format using DecodeBmp op"),
    (b"BM" + bytes(60), tf.io.decode_jpeg, "Trying to decode BMP format using a wrong op"),
    (b"BM" + bytes(20), tf.io.decode_bmp, "Incomplete bmp content"),
])
def test_corrupt_data_raises(data, fn, msg):
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        fn(data)


def test_bad_arguments():
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be 0, 1, 3 or 4 but got 5"):
        tf.io.decode_png(TF_PNG16, channels=5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="ratio must be 1, 2, 4, or 8"):
        tf.io.decode_jpeg(SMALL_JPEG, ratio=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="1, 2, 3, or 4 channels, got 5"):
        tf.io.encode_png(np.zeros((2, 2, 5), np.uint8))


def test_jpeg_shape_is_jpeg_and_aliases():
    assert tf.io.extract_jpeg_shape(SMALL_JPEG).numpy().tolist() == [8, 8, 3]
    g = tf.io.encode_jpeg(np.zeros((3, 7, 1), np.uint8)).numpy()
    s = tf.io.extract_jpeg_shape(g, tf.int64)
    assert s.dtype == tf.int64 and s.numpy().tolist() == [3, 7, 1]
    assert tf.io.is_jpeg(SMALL_JPEG).numpy() and not tf.io.is_jpeg(TF_PNG16).numpy()
    assert tf.io.is_jpeg([SMALL_JPEG, b"x"]).numpy().tolist() == [True, False]
    for n in ("decode_png", "encode_png", "decode_jpeg", "encode_jpeg", "decode_gif",
              "decode_bmp", "decode_image", "is_jpeg", "extract_jpeg_shape",
              "decode_and_crop_jpeg"):
        assert getattr(tf.image, n) is getattr(tf.io, n)


def test_traced_decode_and_static_shapes():
    @tf.function
    def f(s):
        return tf.io.decode_png(s, channels=3), tf.io.decode_image(s)

    data = tf.io.encode_png(np.ones((2, 3, 3), np.uint8)).numpy()
    a, b = f(tf.constant(data))
    assert a.shape == (2, 3, 3) and b.shape == (2, 3, 3)
    cf = f.get_concrete_function(tf.TensorSpec([], tf.string))
    assert cf.outputs[0].shape.as_list() == [None, None, 3]
    assert cf.outputs[1].shape.rank is None
