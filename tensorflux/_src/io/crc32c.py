"""CRC-32C (Castagnoli) and TFRecord's masked CRC.

Uses ``google-crc32c`` (C, hardware accelerated) when installed; otherwise a table-driven
fallback that processes 8 bytes per step with NumPy-built slicing-by-8 tables.
"""

import struct

_MASK_DELTA = 0xA282EAD8
_POLY = 0x82F63B78  # reflected 0x1EDC6F41

_tables = None


def _build_tables():
    import numpy as np

    t0 = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t0 = np.where(t0 & 1, (t0 >> 1) ^ np.uint32(_POLY), t0 >> 1).astype(np.uint32)
    tables = [t0]
    for _ in range(7):
        prev = tables[-1]
        tables.append((prev >> 8) ^ t0[prev & 0xFF])
    return [t.tolist() for t in tables]


def _crc32c_py(data: bytes, crc: int = 0) -> int:
    global _tables
    if _tables is None:
        _tables = _build_tables()
    t0, t1, t2, t3, t4, t5, t6, t7 = _tables
    crc ^= 0xFFFFFFFF
    mv = memoryview(data).cast("B")
    n = len(mv)
    head = n - n % 8
    if head:
        for lo, hi in struct.iter_unpack("<II", mv[:head]):
            lo ^= crc
            crc = (t7[lo & 0xFF] ^ t6[(lo >> 8) & 0xFF] ^ t5[(lo >> 16) & 0xFF] ^ t4[lo >> 24]
                   ^ t3[hi & 0xFF] ^ t2[(hi >> 8) & 0xFF] ^ t1[(hi >> 16) & 0xFF] ^ t0[hi >> 24])
    for b in mv[head:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


try:  # pragma: no cover - depends on the environment
    from google_crc32c import cext as _cext

    crc32c = _cext.value  # CRC-32C of bytes; crc32c(b"123456789") == 0xE3069283

    HAVE_FAST_CRC = True
except ImportError:  # pragma: no cover
    crc32c = _crc32c_py
    HAVE_FAST_CRC = False


def mask(crc: int) -> int:
    """LevelDB/TFRecord CRC masking: rotate right by 15, add a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The masked CRC-32C stored in TFRecord headers and footers."""
    return mask(crc32c(data))
