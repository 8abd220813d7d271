"""The ``arithmetic_optimization`` pass: remove computations that change nothing.

Rewrites (each forwards the node's input to its consumers, so the node becomes dead):

* ``Identity(x)`` -> ``x`` (unless the Identity carries control dependencies, which it
  exists to order);
* ``x * 1``, ``1 * x``, ``x + 0``, ``0 + x``, ``x - 0`` when the constant cannot change
  the result's shape (a scalar, or only size-1 dims over a rank at least as large) or
  dtype;
* ``Transpose(Transpose(x, p), q)`` when the permutations cancel, and ``Transpose`` by
  the identity permutation;
* ``Reshape`` to the input's own (fully known) shape; ``Reshape(Reshape(x, s), t)``
  becomes ``Reshape(x, t)``;
* ``Cast`` to the input's own dtype.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.framework.graph_optimize import apply_replacements, const_value, resolve


def _neutral(c, x, out, value):
    """True when ``op(x, c)`` is ``x`` for the constant ``c`` (identity element ``value``)."""
    if c is None or x.dtype != out.dtype or c.dtype.kind == "O" or not np.all(c == value):
        return False
    if c.ndim == 0:
        return True
    xs = x.shape.as_tuple()
    if xs is None or c.ndim > len(xs):
        return False
    tail = xs[len(xs) - c.ndim:]
    return all(d == 1 or d == k for d, k in zip(c.shape, tail))


def _forward(op):
    """The tensor that can replace ``op``'s single output, or None."""
    t = op.type
    if t == "Identity":
        return None if op.control_inputs else op.inputs[0]
    if op.control_inputs or len(op.outputs) != 1:
        return None
    out = op.outputs[0]
    if t in ("Mul", "AddV2", "Add", "Sub"):
        x, y = op.inputs
        unit = 1 if t == "Mul" else 0
        if _neutral(const_value(y), x, out, unit):
            return x
        if t != "Sub" and _neutral(const_value(x), y, out, unit):
            return y
        return None
    if t == "Transpose":
        x, perm = op.inputs
        p = const_value(perm)
        if p is None:
            return None
        p = np.asarray(p).reshape(-1)
        if np.array_equal(p, np.arange(p.size)) and x.dtype == out.dtype:
            return x
        inner = x.op
        if inner.type == "Transpose" and not inner.control_inputs:
            q = const_value(inner.inputs[1])
            if q is not None:
                q = np.asarray(q).reshape(-1)
                if q.size == p.size and np.array_equal(q[p], np.arange(p.size)):
                    return inner.inputs[0]
        return None
    if t == "Reshape":
        x = op.inputs[0]
        xs, os_ = x.shape.as_tuple(), out.shape.as_tuple()
        if xs is not None and None not in xs and xs == os_:
            return x
        return None
    if t == "Cast":
        x = op.inputs[0]
        return x if x.dtype == out.dtype else None
    return None


def simplify(g, feeds, fetches):
    """Forward inputs past nodes that compute nothing (see the module docstring)."""
    rep = {}
    for op in g._ops:
        apply_replacements(op, rep)
        if op.op_def.stateful:
            continue
        if op.type == "Reshape" and not op.control_inputs:
            inner = op.inputs[0].op
            if inner.type == "Reshape" and not inner.control_inputs:
                op.inputs[0] = inner.inputs[0]
        fwd = _forward(op)
        if fwd is not None and fwd.dtype == op.outputs[0].dtype:
            rep[id(op.outputs[0])] = fwd
    return [None if t is None else resolve(rep, t) for t in fetches]
