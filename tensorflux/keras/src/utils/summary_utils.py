"""``Model.summary()``: Keras 3's box-drawn table as rich prints it to a non-terminal
(80 columns: widths 31/22/13 for sequential-like models, 19/17/10/17 with "Connected to")."""

from __future__ import annotations

import textwrap

import numpy as np


def _count(weights):
    return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in weights))


def _size(n_bytes):
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2f} {unit}"
    return f"{float(n_bytes):.2f} B"


def _bytes(weights):
    return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) * w.dtype.size for w in weights))


def _shape_str(layer):
    try:
        out = layer.output
    except (AttributeError, ValueError):
        return "?"
    from tensorflux._src.core import nest

    shapes = [tuple(t.shape) for t in nest.flatten(out)]
    if len(shapes) == 1:
        return str(shapes[0])
    return str(shapes)


def _wrap(text, width):
    lines = []
    for part in str(text).split("\n"):
        lines.extend(textwrap.wrap(part, width, break_long_words=True,
                                   break_on_hyphens=False) or [""])
    return lines


def _connected(layer, model):
    names = []
    node_set = {id(n) for n in getattr(model, "_nodes_in_order", [])}
    for node in layer._inbound_nodes:
        if id(node) not in node_set:
            continue
        for t in node.input_tensors:
            lay, ni, ti = t._keras_history
            names.append(f"{lay.name}[{ni}][{ti}]")
    return ", ".join(names) if names else "-"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    from tensorflux.keras.src.engine.functional import Functional
    from tensorflux.keras.src.engine.sequential import Sequential

    functional = isinstance(model, Functional) and not isinstance(model, Sequential)
    if functional:
        # Sequential-like graphs (one chain) use the 3-column table, as Keras does.
        chain = all(len(n.input_tensors) <= 1 for n in model._nodes_in_order) and all(
            len(lay._inbound_nodes) <= 1 for lay in model.layers)
        functional = not chain
    if isinstance(model, Sequential) and model._functional is not None:
        layers = model.layers
    else:
        layers = model.layers
        if not functional:
            from tensorflux.keras.src.engine.input_layer import InputLayer

            layers = [lay for lay in layers if not isinstance(lay, InputLayer)]
    widths = [19, 17, 10, 17] if functional else [31, 22, 13]
    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional
                                                             else [])
    right = [False, False, True, False]

    def row(cells, l_, m_, r_):
        cols = [_wrap(c, w) for c, w in zip(cells, widths)]
        height = max(len(c) for c in cols)
        out = []
        for i in range(height):
            parts = []
            for j, (c, w) in enumerate(zip(cols, widths)):
                s = c[i] if i < len(c) else ""
                parts.append(" " + (s.rjust(w) if right[j] else s.ljust(w)) + " ")
            out.append(l_ + m_.join(parts) + r_)
        return out

    def rule(left, mid, right_, ch):
        return left + mid.join(ch * (w + 2) for w in widths) + right_

    lines = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━")]
    lines += row(header, "┃", "┃", "┃")
    lines.append(rule("┡", "╇", "┩", "━"))
    for i, lay in enumerate(layers):
        params = _count(lay.weights) if lay.built else 0
        cells = [f"{lay.name} ({type(lay).__name__})", _shape_str(lay),
                 f"{params:,}" if lay.built else "0 (unbuilt)"]
        if functional:
            cells.append(_connected(lay, model))
        lines += row(cells, "│", "│", "│")
        if i < len(layers) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    weights = model.weights
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    lines.append(f" Total params: {_count(weights):,} ({_size(_bytes(weights))})")
    lines.append(f" Trainable params: {_count(trainable):,} ({_size(_bytes(trainable))})")
    lines.append(f" Non-trainable params: {_count(non_trainable):,} "
                 f"({_size(_bytes(non_trainable))})")
    opt = getattr(model, "optimizer", None)
    if opt is not None and getattr(opt, "variables", None):
        ov = opt.variables
        lines.append(f" Optimizer params: {_count(ov):,} ({_size(_bytes(ov))})")
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        print_fn(text)
