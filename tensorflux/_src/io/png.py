"""A small PNG codec (zlib + NumPy): the encoder used by ``encode_png`` and a decoder for the
non-interlaced images Pillow cannot return at full precision (16-bit colour)."""

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


class PNGError(Exception):
    """Malformed or unsupported PNG data."""


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _filter_rows(raw, bpp):
    """Per row, the cheapest of filters None/Sub/Up (libpng's sum-of-abs heuristic)."""
    h = raw.shape[0]
    cand = np.empty((3,) + raw.shape, np.uint8)
    cand[0] = raw
    cand[1] = raw
    cand[1][:, bpp:] = raw[:, bpp:] - raw[:, :-bpp]
    cand[2] = raw
    cand[2][1:] = raw[1:] - raw[:-1]
    cost = np.abs(cand.view(np.int8).astype(np.int32)).sum(-1)
    best = cost.argmin(0)
    out = np.empty((h, raw.shape[1] + 1), np.uint8)
    out[:, 0] = best
    out[:, 1:] = cand[best, np.arange(h)]
    return out


def encode(image, compression=-1):
    """PNG bytes of an (H, W, C) uint8/uint16 array, C in 1..4."""
    h, w, c = image.shape
    depth = 16 if image.dtype == np.uint16 else 8
    raw = np.ascontiguousarray(image.astype(">u2") if depth == 16 else image)
    raw = raw.view(np.uint8).reshape(h, w * c * depth // 8)
    filtered = _filter_rows(raw, c * depth // 8) if h and w else np.zeros((h, 1), np.uint8)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, _COLOR_TYPE[c], 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(filtered.tobytes(), compression))
            + _chunk(b"IEND", b""))


def header(data):
    """IHDR fields of PNG bytes, or None when the data does not start like a PNG."""
    if len(data) < 33 or data[:8] != SIGNATURE or data[12:16] != b"IHDR":
        return None
    w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    return {"width": w, "height": h, "bit_depth": depth, "color_type": ctype,
            "interlace": interlace}


def _unfilter(rows, h, stride, bpp):
    out = np.zeros((h, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for y in range(h):
        ft, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        if ft == 0:
            cur = line
        elif ft == 1:
            cur = (np.cumsum(line.reshape(-1, bpp), 0) & 0xFF).reshape(-1)
        elif ft == 2:
            cur = (line + prev) & 0xFF
        elif ft in (3, 4):
            cur = line.copy()
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                if ft == 3:
                    cur[x] = (cur[x] + ((a + b) >> 1)) & 0xFF
                    continue
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (cur[x] + pred) & 0xFF
        else:
            raise PNGError(f"bad filter type {ft} in row {y}")
        out[y] = cur
        prev = cur
    return out


def decode(data):
    """(H, W, C) array of a non-interlaced 8/16-bit greyscale/RGB(A) PNG (uint16 for 16-bit)."""
    hdr = header(data)
    if hdr is None:
        raise PNGError("not a PNG")
    depth, ctype = hdr["bit_depth"], hdr["color_type"]
    if ctype not in _CHANNELS or depth not in (8, 16) or hdr["interlace"]:
        raise PNGError(f"unsupported PNG (bit depth {depth}, colour type {ctype}, interlace "
                       f"{hdr['interlace']})")
    pos, idat = 8, []
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if pos + 12 + n > len(data):
            raise PNGError("chunk runs past the end of the data")
        if kind == b"IDAT":
            idat.append(data[pos + 8:pos + 8 + n])
        elif kind == b"IEND":
            break
        pos += 12 + n
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise PNGError(f"corrupt image data ({e})") from None
    w, h, c = hdr["width"], hdr["height"], _CHANNELS[ctype]
    bpp = c * depth // 8
    stride = w * bpp
    if len(raw) < h * (stride + 1):
        raise PNGError("image data is truncated")
    rows = np.frombuffer(raw, np.uint8, h * (stride + 1)).reshape(h, stride + 1)
    pix = _unfilter(rows, h, stride, bpp)
    if depth == 16:
        return pix.view(">u2").astype(np.uint16).reshape(h, w, c)
    return pix.reshape(h, w, c)
