"""``keras.utils.model_to_dot`` / ``plot_model``: the layer graph as Graphviz DOT.

The DOT text is built here (no pydot needed). ``plot_model`` writes it as is for a ``.dot``
target; for other formats (``.png``, ``.svg``, ``.pdf``) it runs Graphviz's ``dot`` program
when installed, and otherwise writes the DOT text next to ``to_file`` and warns.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import warnings


class DotGraph:
    """The few ``pydot.Dot`` methods Keras users call: ``to_string``, ``create``, ``write``."""

    def __init__(self, text):
        self._text = text

    def to_string(self):
        return self._text

    __str__ = to_string

    def create(self, prog="dot", format="png"):
        """Rendered bytes (runs the Graphviz program ``prog``)."""
        exe = shutil.which(prog)
        if exe is None:
            raise ImportError(f"Rendering to {format!r} needs Graphviz's `{prog}` program "
                              "(https://graphviz.gitlab.io/download/); it was not found on "
                              "PATH. Write the graph with format='raw' (DOT text) instead.")
        return subprocess.run([exe, f"-T{format}"], input=self._text.encode(),
                              capture_output=True, check=True).stdout

    def write(self, path, format="raw", prog="dot"):
        data = self._text.encode() if format in ("raw", "dot") else self.create(prog, format)
        _atomic_write(path, data)
        return True


def _atomic_write(path, data):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp_plot_")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _q(s):
    return '"' + str(s).replace('"', '\\"') + '"'


def _esc(s):
    """Escape text inside a record label."""
    out = str(s)
    for c in "\\{}|<>\"":
        out = out.replace(c, "\\" + c)
    return out


def _shape_str(t):
    if t is None:
        return "?"
    if isinstance(t, (list, tuple)):
        return ", ".join(_shape_str(x) for x in t)
    if isinstance(t, dict):
        return ", ".join(_shape_str(x) for x in t.values())
    shape = getattr(t, "shape", None)
    return str(tuple(shape)) if shape is not None else "?"


def _dtype_str(t):
    if isinstance(t, (list, tuple)):
        return ", ".join(_dtype_str(x) for x in t)
    if isinstance(t, dict):
        return ", ".join(_dtype_str(x) for x in t.values())
    dt = getattr(t, "dtype", None)
    return getattr(dt, "name", str(dt)) if dt is not None else "?"


def _inbound_layer_names(node_cfgs):
    names = []

    def walk(o):
        if isinstance(o, dict):
            if o.get("class_name") == "__keras_tensor__":
                names.append(o["config"]["keras_history"][0])
                return
            for v in o.values():
                walk(v)
        elif isinstance(o, (list, tuple)):
            for v in o:
                walk(v)
    walk(node_cfgs)
    return names


def _layers_and_edges(model):
    """``[(name, layer or None, class_name)]`` and ``[(src, dst)]`` by layer name."""
    by_name = {layer.name: layer for layer in getattr(model, "layers", [])}
    cfg_layers = None
    try:
        cfg_layers = model.get_config().get("layers")
    except Exception:  # noqa: BLE001 - subclassed models without a config
        cfg_layers = None
    if not cfg_layers:
        nodes = [(n, layer, type(layer).__name__) for n, layer in by_name.items()]
        return nodes, []
    nodes, edges = [], []
    functional = any("inbound_nodes" in c for c in cfg_layers)
    prev = None
    for c in cfg_layers:
        name = c.get("config", {}).get("name") or c.get("name")
        nodes.append((name, by_name.get(name), c.get("class_name")))
        if functional:
            for src in dict.fromkeys(_inbound_layer_names(c.get("inbound_nodes", []))):
                edges.append((src, name))
        elif prev is not None:
            edges.append((prev, name))
        prev = name
    return nodes, edges


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, splines="ortho",
                 **kwargs):
    """The model's layer graph as a :class:`DotGraph` (DOT text via ``to_string()``)."""
    if not getattr(model, "built", True):
        raise ValueError("This model has not yet been built. Build the model first by "
                         "calling `build()` or by calling the model on a batch of data.")
    nodes, edges = _layers_and_edges(model)
    lines = [f"digraph {_q(model.name)} {{",
             f"  graph [rankdir={rankdir}, concentrate=true, dpi={dpi}, splines={splines}];",
             "  node [shape=record];"]
    for name, layer, cls in nodes:
        title = f"{name} ({cls})" if show_layer_names else str(cls)
        if show_layer_activations and layer is not None and hasattr(layer, "activation"):
            act = getattr(layer.activation, "__name__", None)
            if act:
                title += f"\\nActivation: {act}"
        rows = [_esc(title).replace("\\\\n", "\\n")]
        if show_trainable and layer is not None:
            rows.append("Trainable: " + ("True" if layer.trainable else "False"))
        if (show_shapes or show_dtype) and layer is not None:
            inp = getattr(layer, "input", None) if cls != "InputLayer" else None
            out = getattr(layer, "output", None)
            cols = []
            for label, t in (("input", inp), ("output", out)):
                if t is None and label == "input":
                    continue
                parts = []
                if show_shapes:
                    parts.append(_esc(_shape_str(t)))
                if show_dtype:
                    parts.append(_esc(_dtype_str(t)))
                cols.append(f"{label}: " + " ".join(parts))
            rows.append("{" + "|".join(cols) + "}")
        lines.append(f"  {_q(name)} [label=\"{{{'|'.join(rows)}}}\"];")
    for src, dst in edges:
        lines.append(f"  {_q(src)} -> {_q(dst)};")
    lines.append("}")
    return DotGraph("\n".join(lines) + "\n")


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=False, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, splines="ortho", **kwargs):
    """Write the model's layer graph to ``to_file`` (format from its extension).

    ``.dot``/``.gv`` get the DOT text. Other formats are rendered with Graphviz's ``dot``
    program; without it the DOT text is written to ``<to_file stem>.dot`` with a warning.
    Returns the path written.
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable, splines=splines)
    stem, ext = os.path.splitext(to_file)
    fmt = ext[1:].lower() or "png"
    if fmt in ("dot", "gv"):
        dot.write(to_file, format="raw")
        return to_file
    if shutil.which("dot") is None:
        path = stem + ".dot"
        warnings.warn(f"Graphviz's `dot` program was not found, so `plot_model` cannot render "
                      f"{to_file!r}; the graph was written as DOT text to {path!r} instead. "
                      "Install Graphviz (https://graphviz.gitlab.io/download/) to render it.",
                      stacklevel=2)
        dot.write(path, format="raw")
        return path
    dot.write(to_file, format=fmt)
    return to_file
