"""Shared helpers of the nn family: padding arithmetic and data formats.

The elementwise math (exp, log, tanh, comparisons, ...) the nn composites use comes from the
math family's modules directly (math_unary, math_binary, math_compare, ...).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.tensor import EagerTensor

# ---- padding / data-format arithmetic ---------------------------------------------------------


def conv_out_and_pads(in_sizes, k_sizes, strides, dilations, padding, explicit=None):
    """Output spatial sizes and ``[(before, after), ...]`` pads, TensorFlow's rules.

    ``in_sizes`` entries may be None (unknown): the output is then None too.
    """
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(in_sizes, k_sizes, strides, dilations)):
        ek = None if k is None else (k - 1) * d + 1
        if padding == "EXPLICIT":
            lo, hi = explicit[i]
            pads.append((lo, hi))
            outs.append(None if n is None or ek is None else (n + lo + hi - ek) // s + 1)
        elif padding == "SAME":
            if n is None:
                outs.append(None)
                pads.append((0, 0))
                continue
            o = -(-n // s)
            total = 0 if ek is None else max((o - 1) * s + ek - n, 0)
            outs.append(o)
            pads.append((total // 2, total - total // 2))
        elif padding == "VALID":
            outs.append(None if n is None or ek is None else max((n - ek) // s + 1, 0))
            pads.append((0, 0))
        else:
            raise ValueError(f"padding must be 'SAME', 'VALID' or 'EXPLICIT', got {padding!r}")
    return outs, pads


def channels_last(data_format):
    return data_format is None or not data_format.startswith("NC")


def spatial(vals, data_format, nd):
    """Take the spatial entries of a full-rank strides/dilations/ksize list."""
    vals = list(vals)
    if len(vals) == nd:
        return [int(v) for v in vals]
    return [int(v) for v in (vals[1:-1] if channels_last(data_format) else vals[2:])]


def full_list(v, nd, data_format, name):
    """Expand an int / list argument to TensorFlow's full-rank attr list."""
    if v is None:
        v = 1
    if isinstance(v, (int, np.integer)):
        v = [int(v)] * nd
    v = [int(x) for x in (v.numpy().tolist() if hasattr(v, "numpy") else v)]
    if len(v) == 1:
        v = v * nd
    if len(v) == nd:
        return [1] + v + [1] if channels_last(data_format) else [1, 1] + v
    if len(v) == nd + 2:
        return v
    raise ValueError(f"{name} should be of length 1, {nd} or {nd + 2} but was {len(v)}")


def padding_attrs(padding, nd, data_format):
    """Split a ``padding`` argument into TensorFlow's (padding, explicit_paddings) attrs."""
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or a list of pairs, got "
                             f"{padding!r}")
        return p, []
    pads = [list(map(int, pr)) for pr in padding]
    if len(pads) != nd + 2:
        raise ValueError(f"explicit padding must have {nd + 2} [before, after] pairs, got "
                         f"{len(pads)}")
    batch_ch = [0, -1] if channels_last(data_format) else [0, 1]
    for i in batch_ch:
        if pads[i] != [0, 0]:
            raise ValueError("explicit padding of the batch and channel dimensions must be 0")
    return "EXPLICIT", [v for pr in pads for v in pr]


def explicit_spatial(explicit_paddings, data_format, nd):
    if not explicit_paddings:
        return None
    pr = [(int(explicit_paddings[2 * i]), int(explicit_paddings[2 * i + 1]))
          for i in range(len(explicit_paddings) // 2)]
    return pr[1:-1] if channels_last(data_format) else pr[2:]


def to_cl(x, data_format):
    """NCHW-style array -> channels-last view."""
    if channels_last(data_format):
        return x
    return np.moveaxis(x, 1, -1)


def from_cl(x, data_format):
    if channels_last(data_format):
        return x
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


def nhwc_shape(s, data_format):
    """Reorder a static shape tuple to channels-last (None passes through)."""
    if s is None or channels_last(data_format):
        return s
    return (s[0],) + tuple(s[2:]) + (s[1],)


def from_nhwc_shape(s, data_format):
    if s is None or channels_last(data_format):
        return s
    return (s[0], s[-1]) + tuple(s[1:-1])


def shape_value(ic, i, rank):
    """A shape given as a constant input (e.g. ``input_sizes``), else all-unknown."""
    v = ic.values[i]
    if v is None:
        return (None,) * rank
    return tuple(int(x) for x in np.asarray(v).reshape(-1))


def is_zero(g):
    """True when ``g`` is known to be all zeros (the tape's filler for unused outputs)."""
    if g is None:
        return True
    if type(g) is EagerTensor:
        v = g._value
        return v.size < 4096 and not np.any(v)
    op = getattr(g, "op", None)
    return op is not None and getattr(op, "type", None) in ("ZerosLike",)
