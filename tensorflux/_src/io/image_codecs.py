"""Image codecs: ``tf.io.decode_png/jpeg/gif/bmp/image``, ``encode_png/jpeg`` and friends.

JPEG and GIF go through Pillow (extra ``io``, imported on first use); PNG is decoded by Pillow
except 16-bit colour PNGs (Pillow reduces those to 8 bits), which ``png.py`` decodes; PNG
encoding and BMP decoding are done here with ``zlib``/NumPy. Like TensorFlow 2.x, every decode
op sniffs the format: ``decode_png``/``decode_jpeg`` also accept JPEG/PNG/single-frame GIF.
"""

import io
import threading

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.io import png
from tensorflux._src.ops.op_util import tensor

__all__ = ["decode_png", "encode_png", "decode_jpeg", "encode_jpeg", "decode_gif",
           "decode_bmp", "decode_image", "decode_and_crop_jpeg", "extract_jpeg_shape",
           "is_jpeg"]

_ND = NOT_DIFFERENTIABLE
_LOCK = threading.Lock()
_DTYPES = (_dt.uint8, _dt.uint16, _dt.float32)
_FMT_OP = {"png": "decode_png", "jpeg": "decode_jpeg", "gif": "decode_gif",
           "bmp": "decode_bmp"}


def _err(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _pil():
    try:
        from PIL import Image, ImageFile
    except ImportError:
        raise ImportError("Image decoding/encoding needs Pillow: pip install tensorflux[io]") \
            from None
    return Image, ImageFile


def _bytes(x, what="contents"):
    if np.ndim(x) != 0:
        raise _err(f"{what} must be 0-dimensional (a scalar string), got shape "
                   f"{list(np.shape(x))}")
    v = x.item() if isinstance(x, np.ndarray) else x
    return v if isinstance(v, bytes) else bytes(v)


def sniff(data):
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == png.SIGNATURE:
        return "png"
    if data[:4] in (b"GIF8",):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    return None


# ---- channel / dtype conversion ----------------------------------------------------------------

def _gray(rgb):
    """libpng's RGB-to-gray (weights 0.299/0.587 in 1/32768 fixed point, truncated)."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((r * 9798 + g * 19235 + b * 3735) >> 15).astype(rgb.dtype)[..., None]


def _full(dtype):
    return np.iinfo(dtype).max


def convert_channels(img, channels):
    """An (..., H, W, C) array with C in 1..4 converted to ``channels`` (0 keeps C)."""
    c = img.shape[-1]
    if channels in (0, c):
        return img
    gray = img[..., :1] if c <= 2 else _gray(img)
    if channels == 1:
        return gray
    rgb = img[..., :3] if c >= 3 else np.repeat(gray, 3, -1)
    if channels == 3:
        return rgb
    alpha = img[..., -1:] if c in (2, 4) else np.full(img.shape[:-1] + (1,), _full(img.dtype),
                                                      img.dtype)
    return np.concatenate([rgb, alpha], -1)


def convert_dtype(img, dtype, from_png):
    """uint8/uint16 pixels to ``dtype`` the way TensorFlow's decoders scale them."""
    dtype = _dt.as_dtype(dtype)
    if dtype is _dt.float32:
        return (img.astype(np.float32) / np.float32(_full(img.dtype))).astype(np.float32)
    want = dtype.np_dtype
    if img.dtype == want:
        return img
    if want == np.uint16:  # 8 -> 16 bits: libpng replicates bytes, other codecs shift
        return img.astype(np.uint16) * np.uint16(257 if from_png else 256)
    return (img >> 8).astype(np.uint8)


# ---- per-format decoders (native channels, uint8 or uint16) -----------------------------------

def _decode_png(data):
    hdr = png.header(data)
    if hdr is None:
        raise _err(f"Invalid PNG data, size {len(data)}")
    if hdr["bit_depth"] == 16 and hdr["color_type"] in (2, 4, 6):
        try:
            return png.decode(data)
        except png.PNGError as e:
            raise _err(f"Invalid PNG data, size {len(data)}: {e}") from None
    Image, _ = _pil()
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception:  # noqa: BLE001 - Pillow raises several types for corrupt data
        raise _err(f"Invalid PNG data, size {len(data)}") from None
    mode = im.mode
    if mode == "P" or mode == "PA":
        im = im.convert("RGBA" if "transparency" in im.info or mode == "PA" else "RGB")
    elif mode == "1":
        im = im.convert("L")
    elif mode.startswith("I"):
        return np.asarray(im).astype(np.uint16)[..., None]
    a = np.asarray(im)
    return a[..., None] if a.ndim == 2 else a


def _decode_jpeg(data, channels=0, ratio=1, try_recover_truncated=False):
    if ratio not in (1, 2, 4, 8):
        raise _err(f"ratio must be 1, 2, 4, or 8, got {ratio}")
    Image, ImageFile = _pil()
    bad = "jpeg::Uncompress failed. Invalid JPEG data or crop window."
    try:
        im = Image.open(io.BytesIO(data))
        w, h = im.size
        mode = "L" if channels == 1 else ("RGB" if im.mode != "L" or channels == 3 else "L")
        im.draft(mode, (-(-w // ratio), -(-h // ratio)))
        try:
            im.load()
        except OSError:
            if not try_recover_truncated:
                raise
            with _LOCK:
                old, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, True
                try:
                    im = Image.open(io.BytesIO(data))
                    im.draft(mode, (-(-w // ratio), -(-h // ratio)))
                    im.load()
                finally:
                    ImageFile.LOAD_TRUNCATED_IMAGES = old
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
    except (OSError, SyntaxError, ValueError):
        raise _err(bad) from None
    a = np.asarray(im)
    return a[..., None] if a.ndim == 2 else a


def _decode_gif(data):
    Image, _ = _pil()
    try:
        im = Image.open(io.BytesIO(data))
        frames = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")))
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _err("Failed to decode gif: invalid or truncated GIF data") from None
    return np.stack(frames)


def _decode_bmp(data):
    """Uncompressed 24/32-bit (and 8-bit, read as 1 channel) BMPs, as TensorFlow reads them."""
    if len(data) < 54:
        raise _err(f"Incomplete bmp content, requires at least 54 bytes, got {len(data)}")
    offset = int.from_bytes(data[10:14], "little")
    w = int.from_bytes(data[18:22], "little", signed=True)
    h = int.from_bytes(data[22:26], "little", signed=True)
    bpp = int.from_bytes(data[28:30], "little")
    comp = int.from_bytes(data[30:34], "little")
    if bpp not in (8, 24, 32) or comp not in (0, 3) or w <= 0 or h == 0:
        raise _err(f"BMP with {bpp} bits per pixel, compression {comp} and size {w}x{h} is not "
                   "supported; only uncompressed 8/24/32-bit BMPs are")
    c = bpp // 8
    row = (w * c + 3) // 4 * 4
    need = offset + row * abs(h)
    if len(data) < need:
        raise _err(f"Bmp data is truncated: {len(data)} bytes, expected at least {need}")
    a = np.frombuffer(data, np.uint8, row * abs(h), offset).reshape(abs(h), row)[:, :w * c]
    a = a.reshape(abs(h), w, c)
    if h > 0:
        a = a[::-1]
    if c >= 3:
        a = np.concatenate([a[..., 2::-1], a[..., 3:]], -1)
    return np.ascontiguousarray(a)


# ---- the shared decode kernel -----------------------------------------------------------------

def _decode(data, op, channels=0, dtype=_dt.uint8, expand_animations=True, **jpeg):
    if channels not in (0, 1, 3, 4):
        raise _err(f"`channels` must be 0, 1, 3 or 4 but got {channels}")
    if not data:
        raise _err("Input is empty.")
    fmt = sniff(data)
    if fmt is None:
        raise _err("Unknown image file format. One of JPEG, PNG, GIF, BMP required.")
    if op == "bmp" and fmt != "bmp":
        raise _err(f"Trying to decode {fmt.upper()} format using DecodeBmp op. Use "
                   f"`{_FMT_OP[fmt]}` or `decode_image` instead.")
    if op in ("png", "jpeg", "gif") and fmt == "bmp":
        raise _err(f"Trying to decode BMP format using a wrong op. Use `decode_bmp` or "
                   f"`decode_image` instead. Op used: Decode{op.capitalize()}")
    if fmt == "png":
        img = _decode_png(data)
    elif fmt == "jpeg":
        img = _decode_jpeg(data, channels, jpeg.get("ratio", 1),
                           jpeg.get("try_recover_truncated", False))
    elif fmt == "bmp":
        img = _decode_bmp(data)
    else:
        img = _decode_gif(data)
        if op == "gif":
            return img
        if not expand_animations or op != "image":
            if img.shape[0] > 1 and op != "image":
                raise _err(f"Got {img.shape[0]} frames, but animated gifs can only be decoded "
                           "by tf.io.decode_gif or tf.io.decode_image")
            img = img[0]
    if op == "gif":
        return convert_channels(img, 3)[None]
    return convert_dtype(convert_channels(img, channels), dtype, fmt == "png")


def _image_shape(ic, channels, rank=3):
    if ic.shapes[0] not in (None, ()):
        raise ValueError(f"contents must be a scalar string, got shape {list(ic.shapes[0])}")
    return ((None,) * (rank - 1) + (channels or None,))


def _decode_png_kernel(contents, channels=0, dtype=_dt.uint8):
    return _decode(_bytes(contents), "png", channels, dtype)


def _decode_jpeg_kernel(contents, channels=0, ratio=1, fancy_upscaling=True,
                        try_recover_truncated=False, acceptable_fraction=1.0, dct_method=""):
    return _decode(_bytes(contents), "jpeg", channels, _dt.uint8, ratio=ratio,
                   try_recover_truncated=try_recover_truncated)


def _decode_and_crop_kernel(contents, crop_window, **attrs):
    img = _decode_jpeg_kernel(contents, **attrs)
    y, x, h, w = (int(v) for v in np.asarray(crop_window).reshape(-1))
    if y < 0 or x < 0 or h <= 0 or w <= 0 or y + h > img.shape[0] or x + w > img.shape[1]:
        raise _err(f"Invalid JPEG data or crop window, data size {len(_bytes(contents))}: crop "
                   f"[{y}, {x}, {h}, {w}] does not fit the {img.shape[0]}x{img.shape[1]} image")
    return np.ascontiguousarray(img[y:y + h, x:x + w])


def _decode_image_kernel(contents, channels=0, dtype=_dt.uint8, expand_animations=True):
    return _decode(_bytes(contents), "image", channels, dtype, expand_animations)


_JPEG_ATTRS = {"channels": 0, "ratio": 1, "fancy_upscaling": True, "try_recover_truncated": False,
               "acceptable_fraction": 1.0, "dct_method": ""}

DECODE_PNG = defop("DecodePng", _decode_png_kernel, inputs=("contents: string",),
                   outputs=("image: dtype",), types={"dtype": (_dt.uint8, _dt.uint16)},
                   attrs={"channels": 0, "dtype": _dt.uint8},
                   infer=lambda ic: (_image_shape(ic, ic.attrs["channels"]),
                                     _dt.as_dtype(ic.attrs["dtype"])),
                   grad=_ND, doc="Decodes a PNG (or JPEG/GIF) image to a uint8/uint16 tensor.")
DECODE_JPEG = defop("DecodeJpeg", _decode_jpeg_kernel, inputs=("contents: string",),
                    outputs=("image: uint8",), attrs=_JPEG_ATTRS,
                    infer=lambda ic: (_image_shape(ic, ic.attrs["channels"]), _dt.uint8),
                    grad=_ND, doc="Decodes a JPEG (or PNG/GIF) image to a uint8 tensor.")
DECODE_AND_CROP_JPEG = defop(
    "DecodeAndCropJpeg", _decode_and_crop_kernel,
    inputs=("contents: string", "crop_window: int32"), outputs=("image: uint8",),
    attrs=_JPEG_ATTRS, infer=lambda ic: (_image_shape(ic, ic.attrs["channels"]), _dt.uint8),
    grad=_ND, doc="Decodes a JPEG image and crops it to [y, x, height, width].")
DECODE_GIF = defop("DecodeGif", lambda contents: _decode(_bytes(contents), "gif"),
                   inputs=("contents: string",), outputs=("image: uint8",),
                   infer=lambda ic: (_image_shape(ic, 3, rank=4), _dt.uint8), grad=_ND,
                   doc="Decodes all frames of a GIF to a [frames, H, W, 3] uint8 tensor.")
DECODE_BMP = defop("DecodeBmp", lambda contents, channels=0: _decode(_bytes(contents), "bmp",
                                                                     channels),
                   inputs=("contents: string",), outputs=("image: uint8",),
                   attrs={"channels": 0},
                   infer=lambda ic: (_image_shape(ic, ic.attrs["channels"]), _dt.uint8),
                   grad=_ND, doc="Decodes an uncompressed BMP image to a uint8 tensor.")


def _decode_image_infer(ic):
    shape = _image_shape(ic, ic.attrs["channels"])
    return (None if ic.attrs["expand_animations"] else shape), _dt.as_dtype(ic.attrs["dtype"])


DECODE_IMAGE = defop("DecodeImage", _decode_image_kernel, inputs=("contents: string",),
                     outputs=("image: dtype",), types={"dtype": _DTYPES},
                     attrs={"channels": 0, "dtype": _dt.uint8, "expand_animations": True},
                     infer=_decode_image_infer, grad=_ND,
                     doc="Decodes a BMP, GIF, JPEG or PNG image (GIFs 4-D when expanded).")


# ---- encoders -----------------------------------------------------------------------------------

def _check_image(image, allowed, what):
    if image.ndim != 3 or image.shape[-1] not in allowed:
        got = image.shape[-1] if image.ndim == 3 else f"shape {list(image.shape)}"
        raise _err(f"image must have {what} channels, got {got}")


def _encode_png_kernel(image, compression=-1):
    _check_image(image, (1, 2, 3, 4), "1, 2, 3, or 4")
    if not -1 <= compression <= 9:
        raise _err(f"compression should be in [-1,9], got {compression}")
    return np.array(png.encode(image, compression), object)


def _patch_jfif(data, unit, xd, yd):
    """Sets the JFIF APP0 density fields (Pillow always writes unit 1)."""
    if data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\x00":
        b = bytearray(data)
        b[13] = unit
        b[14:16] = int(xd).to_bytes(2, "big")
        b[16:18] = int(yd).to_bytes(2, "big")
        return bytes(b)
    return data


def _encode_jpeg_kernel(image, format="", quality=95, progressive=False,  # noqa: A002
                        optimize_size=False, chroma_downsampling=True, density_unit="in",
                        x_density=300, y_density=300, xmp_metadata=""):
    want = {"": (1, 3), "grayscale": (1,), "rgb": (3,)}.get(format)
    if want is None:
        raise _err(f"format must be '', 'grayscale' or 'rgb', got {format!r}")
    if image.ndim != 3 or image.shape[-1] not in want:
        shown = "[" + ",".join(str(d) for d in image.shape) + "]"
        names = {(1, 3): "1 or 3", (1,): "1", (3,): "3"}[want]
        raise _err(f"image must have {names} channels, got {shown}")
    if not 0 <= quality <= 100:
        raise _err(f"quality must be in [0,100], got {quality}")
    if density_unit not in ("in", "cm"):
        raise _err(f"density_unit must be 'in' or 'cm', got {density_unit!r}")
    Image, _ = _pil()
    im = Image.fromarray(np.ascontiguousarray(image[..., 0] if image.shape[-1] == 1 else image),
                         "L" if image.shape[-1] == 1 else "RGB")
    kw = {"quality": int(quality), "progressive": bool(progressive),
          "optimize": bool(optimize_size), "subsampling": 2 if chroma_downsampling else 0,
          "dpi": (int(x_density), int(y_density))}
    if xmp_metadata:
        kw["xmp"] = xmp_metadata.encode() if isinstance(xmp_metadata, str) else xmp_metadata
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    out = _patch_jfif(buf.getvalue(), 1 if density_unit == "in" else 2, x_density, y_density)
    return np.array(out, object)


def _encode_infer(ic):
    return (), _dt.string


ENCODE_PNG = defop("EncodePng", _encode_png_kernel, inputs=("image: T",),
                   outputs=("contents: string",), types={"T": (_dt.uint8, _dt.uint16)},
                   attrs={"compression": -1}, infer=_encode_infer, grad=_ND,
                   doc="PNG-encodes a [H, W, C] uint8/uint16 image.")
ENCODE_JPEG = defop("EncodeJpeg", _encode_jpeg_kernel, inputs=("image: uint8",),
                    outputs=("contents: string",),
                    attrs={"format": "", "quality": 95, "progressive": False,
                           "optimize_size": False, "chroma_downsampling": True,
                           "density_unit": "in", "x_density": 300, "y_density": 300,
                           "xmp_metadata": ""},
                    infer=_encode_infer, grad=_ND, doc="JPEG-encodes a [H, W, C] uint8 image.")


# ---- JPEG shape ---------------------------------------------------------------------------------

_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_shape(data):
    """(height, width, components) from the first SOF marker of a JPEG stream."""
    if data[:2] != b"\xff\xd8":
        raise _err("Not a valid JPEG: the data does not start with the SOI marker FF D8")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        seg = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker in _SOF and pos + 10 <= len(data):
            h = int.from_bytes(data[pos + 5:pos + 7], "big")
            w = int.from_bytes(data[pos + 7:pos + 9], "big")
            return h, w, data[pos + 9]
        if marker == 0xDA:
            break
        pos += 2 + seg
    raise _err("Invalid JPEG data: no SOF (frame header) marker found before the scan data")


def _extract_shape_kernel(contents, output_type=_dt.int32):
    return np.array(jpeg_shape(_bytes(contents)), _dt.as_dtype(output_type).np_dtype)


EXTRACT_JPEG_SHAPE = defop(
    "ExtractJpegShape", _extract_shape_kernel, inputs=("contents: string",),
    outputs=("image_shape: output_type",), types={"output_type": (_dt.int32, _dt.int64)},
    attrs={"output_type": _dt.int32},
    infer=lambda ic: ((3,), _dt.as_dtype(ic.attrs["output_type"])), grad=_ND,
    doc="[height, width, channels] of a JPEG image, read from its header.")


# ---- Python API ---------------------------------------------------------------------------------

def _s(contents):
    return tensor(contents, dtype_hint=_dt.string)


def decode_png(contents, channels=0, dtype=_dt.uint8, name=None):
    """Decodes a PNG image to a ``[H, W, C]`` uint8/uint16 tensor (``tf.io.decode_png``)."""
    dtype = _dt.as_dtype(dtype)
    if dtype not in (_dt.uint8, _dt.uint16):
        raise TypeError(f"decode_png dtype must be uint8 or uint16, got {dtype.name}")
    return execute(DECODE_PNG, (_s(contents),), {"channels": int(channels), "dtype": dtype},
                   name)


def _jpeg_attrs(channels, ratio, fancy_upscaling, try_recover_truncated, acceptable_fraction,
                dct_method):
    if dct_method not in ("", "INTEGER_FAST", "INTEGER_ACCURATE"):
        raise ValueError(f"dct_method must be '', 'INTEGER_FAST' or 'INTEGER_ACCURATE', got "
                         f"{dct_method!r}")
    return {"channels": int(channels), "ratio": int(ratio),
            "fancy_upscaling": bool(fancy_upscaling),
            "try_recover_truncated": bool(try_recover_truncated),
            "acceptable_fraction": float(acceptable_fraction), "dct_method": dct_method}


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """Decodes a JPEG image to a ``[H, W, C]`` uint8 tensor (``tf.io.decode_jpeg``)."""
    return execute(DECODE_JPEG, (_s(contents),),
                   _jpeg_attrs(channels, ratio, fancy_upscaling, try_recover_truncated,
                               acceptable_fraction, dct_method), name)


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                         name=None):
    """Decodes a JPEG and crops ``[y, x, height, width]`` (``tf.io.decode_and_crop_jpeg``)."""
    return execute(DECODE_AND_CROP_JPEG, (_s(contents), tensor(crop_window, dtype=_dt.int32)),
                   _jpeg_attrs(channels, ratio, fancy_upscaling, try_recover_truncated,
                               acceptable_fraction, dct_method), name)


def decode_gif(contents, name=None):
    """Decodes all frames of a GIF to ``[frames, H, W, 3]`` uint8 (``tf.io.decode_gif``)."""
    return execute(DECODE_GIF, (_s(contents),), None, name)


def decode_bmp(contents, channels=0, name=None):
    """Decodes a BMP image to ``[H, W, C]`` uint8 (``tf.io.decode_bmp``)."""
    return execute(DECODE_BMP, (_s(contents),), {"channels": int(channels)}, name)


def decode_image(contents, channels=None, dtype=_dt.uint8, name=None, expand_animations=True):
    """Decodes a BMP, GIF, JPEG or PNG image, detecting the format (``tf.io.decode_image``)."""
    dtype = _dt.as_dtype(dtype)
    if dtype not in _DTYPES:
        raise ValueError(f"decode_image dtype must be uint8, uint16 or float32, got "
                         f"{dtype.name}")
    attrs = {"channels": int(channels or 0), "dtype": dtype,
             "expand_animations": bool(expand_animations)}
    return execute(DECODE_IMAGE, (_s(contents),), attrs, name)


def encode_png(image, compression=-1, name=None):
    """PNG-encodes a ``[H, W, C]`` uint8/uint16 image (``tf.io.encode_png``)."""
    return execute(ENCODE_PNG, (tensor(image),), {"compression": int(compression)}, name)


def encode_jpeg(image, format="", quality=95, progressive=False,  # noqa: A002
                optimize_size=False, chroma_downsampling=True, density_unit="in",
                x_density=300, y_density=300, xmp_metadata="", name=None):
    """JPEG-encodes a ``[H, W, C]`` uint8 image, C 1 or 3 (``tf.io.encode_jpeg``)."""
    attrs = {"format": format, "quality": int(quality), "progressive": bool(progressive),
             "optimize_size": bool(optimize_size),
             "chroma_downsampling": bool(chroma_downsampling), "density_unit": density_unit,
             "x_density": int(x_density), "y_density": int(y_density),
             "xmp_metadata": xmp_metadata}
    return execute(ENCODE_JPEG, (tensor(image, dtype=_dt.uint8),), attrs, name)


def extract_jpeg_shape(contents, output_type=_dt.int32, name=None):
    """``[height, width, channels]`` of a JPEG from its header (``tf.io.extract_jpeg_shape``)."""
    return execute(EXTRACT_JPEG_SHAPE, (_s(contents),),
                   {"output_type": _dt.as_dtype(output_type)}, name)


def is_jpeg(contents, name=None):
    """True where the string starts with the JPEG SOI marker ``FF D8 FF`` (``tf.io.is_jpeg``)."""
    from tensorflux._src.ops import math_compare, string_ops

    return math_compare.equal(string_ops.substr(_s(contents), 0, 3), b"\xff\xd8\xff")
