"""``tf.print``: prints tensors when the op runs (eagerly: now; in a graph: every call)."""

from __future__ import annotations

import sys

import numpy as np

from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.tensor import Tensor
from tensorflux._src.ops.op_util import tensor


def _fmt_scalar(v):
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode("utf-8", "replace")
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    if isinstance(v, (complex, np.complexfloating)):
        return f"({v.real:g},{v.imag:g})"
    return str(v)


def format_tensor(a, summarize=3):
    """TensorFlow's summarized tensor text: ``[1 2 3 ... 8 9 10]``, nested rows on new lines."""
    a = np.asarray(a)
    if a.ndim == 0:
        return _fmt_scalar(a[()])

    def rec(x, depth):
        n = x.shape[0]
        if summarize is not None and summarize >= 0 and n > 2 * summarize:
            idx = list(range(summarize)) + [None] + list(range(n - summarize, n))
        else:
            idx = list(range(n))
        if x.ndim == 1:
            parts = ["..." if i is None else _fmt_scalar(x[i]) for i in idx]
            return "[" + " ".join(parts) + "]"
        sep = "\n" + " " * (depth + 1)
        parts = ["..." if i is None else rec(x[i], depth + 1) for i in idx]
        return "[" + sep.join(parts) + "]"

    return rec(a, 0)


def _print_kernel(inputs, template=(), output_stream="stderr", sep=" ", end="\n", summarize=3):
    it = iter(inputs)
    parts = []
    for kind, lit in template:
        parts.append(lit if kind == "s" else format_tensor(next(it), summarize))
    text = sep.join(parts) + end
    stream = {"stderr": sys.stderr, "stdout": sys.stdout}.get(output_stream)
    if stream is None:
        if output_stream.startswith("file://"):
            with open(output_stream[len("file://"):], "a") as f:
                f.write(text)
            return ()
        raise ValueError(f"Unsupported output_stream {output_stream!r}")
    stream.write(text)
    stream.flush()
    return ()


PRINT = defop("PrintV2", _print_kernel, inputs=("inputs: list",), outputs=(),
              attrs={"template": (), "output_stream": "stderr", "sep": " ", "end": "\n",
                     "summarize": 3},
              grad=NOT_DIFFERENTIABLE, stateful=True)


def print_(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n", name=None):
    """Prints the values of tensors and Python objects when run (``tf.print``).

    Example:
        >>> import sys, tensorflux as tf
        >>> tf.print("x:", tf.constant([1, 2, 3]), output_stream=sys.stdout)
        x: [1 2 3]
    """
    if output_stream is sys.stderr:
        stream = "stderr"
    elif output_stream is sys.stdout:
        stream = "stdout"
    elif isinstance(output_stream, str):
        stream = output_stream
    else:
        raise ValueError(f"Unsupported output_stream {output_stream!r}: use sys.stdout, "
                         "sys.stderr or 'file://<path>'.")
    template = []
    tensors = []
    for x in inputs:
        if isinstance(x, Tensor) or getattr(x, "_is_variable", False):
            template.append(("t", ""))
            tensors.append(tensor(x))
        else:
            template.append(("s", str(x)))
    attrs = {"template": tuple(template), "output_stream": stream, "sep": sep, "end": end,
             "summarize": summarize}
    return execute(PRINT, (tensors,), attrs, name)
