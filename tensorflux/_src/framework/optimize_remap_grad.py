"""Backward-pass remapping: fuse a ``MatMul`` with the op that consumes its product.

The gradient of a dense layer ends in two patterns that each cost one more full pass over a
GEMM's output:

* ``ReluGrad(MatMul(a, b), features)``, the gradient flowing into a ReLU layer, becomes
  ``_FusedMatMulReluGrad(a, b, features)``: the mask is applied to each output block of the
  GEMM right after it is computed, while it is in cache;
* ``ResourceApply*(var, ..., grad=MatMul(a, b), ...)``, a weight gradient consumed only by
  its optimizer update, becomes ``_FusedMatMulApply(a, b, [var, ...])``, and the gradient
  is never stored whole. SGD, momentum and Keras momentum (without Nesterov) run inside the
  GEMM: ``var -= lr * a @ b``, ``accum = momentum * accum + a @ b`` and
  ``accum = momentum * accum - lr * a @ b`` are one BLAS call each
  (``parallel.matmul_update``), then momentum updates the variable from the new
  accumulator block while it is in cache: the slot is read and written once instead of
  four NumPy passes. The BLAS rounds ``alpha * product + beta * slot`` in its own order, so
  these agree with the unfused kernels to float32 rounding, not bit for bit. The other
  updates (``training_ops.DENSE_UPDATES``) run their unfused per-element ufuncs on each
  gradient block right after its GEMM.

The ReLU mask runs the unfused op's ufuncs. Fused products split by whole rows (so that
the epilogue walks contiguous memory), which may round differently from an unfused
product split by columns in the last bit; with the same split (``m >= n``) the
ufunc-based fusions are bit-identical. As in ``optimize_remap``, a product is fused
only when it has no other consumer and is not fetched, and neither node carries control
dependencies. The fused update takes the update's place in program order, after every
earlier read of the variable. Shapes the fused kernels cannot block (a gradient that
broadcasts, non-float types) fall back to the two unfused kernels.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, all_ops, defop
from tensorflux._src.framework.graph_optimize import apply_replacements, resolve
from tensorflux._src.framework.optimize_remap import FLOAT, _infer_with, _only_user, _uses
from tensorflux._src.framework.parallel import CHUNK, matmul, matmul_update
from tensorflux._src.ops.training_ops import DENSE_UPDATES



def _operands(a, b, transpose_a, transpose_b):
    """``(a, b)`` as a plain 2-D float product's operands, or None."""
    if a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype or a.dtype.kind != "f":
        return None
    a2 = a.T if transpose_a else a
    b2 = b.T if transpose_b else b
    return (a2, b2) if a2.shape[1] == b2.shape[0] else None


def _unfused_matmul(a, b, transpose_a, transpose_b):
    return all_ops()["MatMul"].kernel(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def _relu_grad_kernel(a, b, features, transpose_a=False, transpose_b=False, T=None):
    ops = _operands(a, b, transpose_a, transpose_b)
    if ops is None or np.shape(features) != (ops[0].shape[0], ops[1].shape[1]):
        return all_ops()["ReluGrad"].kernel(
            _unfused_matmul(a, b, transpose_a, transpose_b), features)

    def epilogue(block, rows, cols):
        np.multiply(block, np.greater(features[rows, cols], 0), out=block)

    return matmul(*ops, epilogue)


def _apply_kernel(a, b, args, transpose_a=False, transpose_b=False, apply="", T=None,
                  **update_attrs):
    upd = DENSE_UPDATES[apply]
    bufs, p = upd.prep(*args, **update_attrs)
    ops = _operands(a, b, transpose_a, transpose_b)
    w = bufs[0]
    if ops is None or w.shape != (ops[0].shape[0], ops[1].shape[1]) or w.dtype != a.dtype:
        upd.run(bufs, _unfused_matmul(a, b, transpose_a, transpose_b), p)
        return
    step = max(1, CHUNK // max(1, w.shape[1]))   # rows per cache-sized chunk
    form = upd.gemm(p) if upd.gemm is not None else None
    if form is not None:
        i, alpha, beta, finish = form

        def finish_rows(start, stop):
            for r in range(start, stop, step):
                finish(*[buf[r:min(r + step, stop)] for buf in bufs])

        if matmul_update(*ops, bufs[i], alpha, beta, finish_rows if finish else None):
            return
    block_update = upd.block

    def epilogue(block, rows, cols):   # whole rows (``m >= 32``): contiguous views
        views = [buf[rows, cols] for buf in bufs]
        for r in range(0, block.shape[0], step):
            block_update([v[r:r + step] for v in views], block[r:r + step], p)

    matmul(*ops, epilogue)


_MATMUL_ATTRS = {"transpose_a": False, "transpose_b": False}

FUSED_MATMUL_RELU_GRAD = defop(
    "_FusedMatMulReluGrad", _relu_grad_kernel,
    inputs=("a: T", "b: T", "features: T"), outputs=("backprops: T",), types={"T": FLOAT},
    attrs=dict(_MATMUL_ATTRS), infer=_infer_with("MatMul"), grad=NOT_DIFFERENTIABLE,
    doc="ReluGrad(MatMul(a, b), features) in one kernel (made by the remapping pass).")

FUSED_MATMUL_APPLY = defop(
    "_FusedMatMulApply", _apply_kernel, inputs=("a: T", "b: T", "args: list"), outputs=(),
    types={"T": FLOAT}, attrs=dict(_MATMUL_ATTRS, apply="", use_locking=False,
                                   use_nesterov=False),
    grad=NOT_DIFFERENTIABLE, stateful=True,
    doc="A dense optimizer update whose gradient is MatMul(a, b), applied block by block as "
        "the GEMM produces it (made by the remapping pass); ``args`` are the update's other "
        "inputs in order, ``apply`` its op name.")


def _fusable_product(t, consumer, uses, ctrl):
    """The MatMul producing ``t`` if it can be fused into ``consumer``, else None."""
    mm = t.op
    if mm.type != "MatMul" or t.dtype not in FLOAT or mm.control_inputs or id(mm) in ctrl:
        return None
    if consumer.control_inputs or id(consumer) in ctrl or _only_user(uses, t) is not consumer:
        return None
    return mm


def _fused_node(g, fdef, mm, op, inputs, extra_attrs, arg_spec, out_specs):
    attrs = {"T": mm.attrs.get("T"), "transpose_a": bool(mm.attrs.get("transpose_a")),
             "transpose_b": bool(mm.attrs.get("transpose_b")),
             "__original_node_names": [mm.name, op.name]}
    attrs.update(extra_attrs)
    call = {k: v for k, v in attrs.items() if k in _MATMUL_ATTRS and v}
    call.update({k: v for k, v in extra_attrs.items() if not k.startswith("__")})
    return g.new_op(fdef, inputs, attrs, call, arg_spec, op.name, out_specs, like=op)


def remap_grad(g, feeds, fetches):
    """Fuse MatMul -> ReluGrad and MatMul -> dense optimizer update (module docstring)."""
    reg = all_ops()
    uses = _uses(g, fetches)
    ctrl = {id(c) for op in g._ops for c in op.control_inputs}
    swap = {}  # id(replaced node) -> fused node in its place
    rep = {}
    for op in g._ops:
        if op.type == "ReluGrad" and "ReluGrad" in reg:
            mm = _fusable_product(op.inputs[0], op, uses, ctrl)
            if mm is None:
                continue
            out = op.outputs[0]
            new = _fused_node(g, FUSED_MATMUL_RELU_GRAD, mm, op,
                              [mm.inputs[0], mm.inputs[1], op.inputs[1]], {}, None,
                              [(out.shape.as_tuple(), out.dtype)])
            rep[id(out)] = new.outputs[0]
            swap[id(op)] = new
        elif op.type in DENSE_UPDATES and op.op_def is reg.get(op.type):
            gi = DENSE_UPDATES[op.type].grad_index
            mm = _fusable_product(op.inputs[gi], op, uses, ctrl)
            if mm is None:
                continue
            rest = [t for i, t in enumerate(op.inputs) if i != gi]
            extra = {k: op.attrs[k] for k in ("use_locking", "use_nesterov") if k in op.attrs}
            extra["apply"] = op.type
            swap[id(op)] = _fused_node(g, FUSED_MATMUL_APPLY, mm, op,
                                       [mm.inputs[0], mm.inputs[1]] + rest, extra,
                                       [0, 1, (2, 2 + len(rest))], [])
    if not swap:
        return fetches
    ops = []
    for op in g._ops:
        node = swap.get(id(op), op)
        apply_replacements(node, rep)
        ops.append(node)
    g._ops = ops
    return [None if t is None else resolve(rep, t) for t in fetches]
