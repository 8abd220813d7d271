"""The ``remapping`` pass: fuse ``MatMul``/``Conv2D`` + ``BiasAdd`` (+ activation).

Like TensorFlow's remapper, the chains ``MatMul -> BiasAdd [-> Relu|Relu6|LeakyRelu]``,
``Conv2D -> BiasAdd [-> activation]`` and ``Conv2D -> FusedBatchNormV3 (inference)
[-> activation]`` become one ``_FusedMatMul`` / ``_FusedConv2D`` node whose ``fused_ops``
attr lists the fused steps (``["BiasAdd", "Relu"]``, ``["FusedBatchNorm", "Relu6"]``; the
batch norm's scale, offset, mean and variance are its four ``args``). The fused kernel runs
the MatMul/Conv2D kernel, then adds the bias (or normalizes, with the same arithmetic as
``FusedBatchNormV3``) and applies the activation in place on each output block while it is
in cache: one buffer instead of three.

A chain is fused only when each intermediate result has no other consumer, is not
fetched and carries no control dependency. The NN ops are looked up by name when the
pass runs, so nothing is fused while ``BiasAdd`` (or the activation) is not registered.

The fused ops' signatures follow TensorFlow's, except that ``_FusedConv2D`` declares no
``host_args`` input (it is only used by fusions this pass does not make).
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.core.op_def import InferContext, all_ops, defop
from tensorflux._src.framework.graph_optimize import apply_replacements, resolve
from tensorflux._src.framework.parallel import matmul

FLOAT = (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)
ACTIVATIONS = ("Relu", "Relu6", "LeakyRelu")


# --- fused kernels ---------------------------------------------------------------------------
def _owned(out):
    """``out`` if it is a writeable array owning its buffer, else a fresh copy."""
    if isinstance(out, np.ndarray) and out.flags.owndata and out.flags.writeable:
        return out
    return np.array(out)


def _check_fused(bias, channels, fused_ops, what, shape):
    if list(fused_ops[:1]) != ["BiasAdd"]:
        raise errors.InvalidArgumentError(
            None, None, f"{what}: fused_ops must start with 'BiasAdd', got {list(fused_ops)}")
    if bias.ndim != 1 or bias.shape[0] != channels:
        raise errors.InvalidArgumentError(
            None, None, f"{what}: Must provide as many biases as the channel dimension of "
            f"the input tensor: bias shape {list(bias.shape)} vs. input shape {shape}")
    for act in fused_ops[1:]:
        if act not in ACTIVATIONS:
            raise errors.InvalidArgumentError(
                None, None, f"{what}: unsupported fused activation {act!r}; expected one of "
                f"{list(ACTIVATIONS)}")


def _apply_fused(out, bias, fused_ops, channel_axis, alpha, what):
    c = out.shape[channel_axis] if out.ndim else None
    _check_fused(bias, c, fused_ops, what, list(out.shape))
    if channel_axis in (-1, out.ndim - 1):
        out += bias
    else:
        out += bias.reshape((-1,) + (1,) * (out.ndim - 1 - channel_axis))
    _activate(out, fused_ops, alpha)
    return out


def _activate(out, fused_ops, alpha):
    for act in fused_ops[1:]:
        if act == "Relu":
            np.maximum(out, 0, out=out)
        elif act == "Relu6":
            np.clip(out, 0, 6, out=out)
        elif act == "LeakyRelu":
            np.multiply(out, out.dtype.type(alpha), out=out, where=out < 0)


def _fused_matmul_kernel(a, b, args, fused_ops=("BiasAdd",), epsilon=1e-4,
                         leakyrelu_alpha=0.2, num_args=None, T=None, transpose_a=False,
                         transpose_b=False, **matmul_attrs):
    a2 = a.T if transpose_a and a.ndim == 2 else a
    b2 = b.T if transpose_b and b.ndim == 2 else b
    bias = args[0]
    adjoint = matmul_attrs.get("adjoint_a") or matmul_attrs.get("adjoint_b")
    if (not adjoint and a2.ndim == 2 and b2.ndim == 2 and a2.shape[1] == b2.shape[0]
            and a2.dtype.kind == "f"):
        # Plain 2-D product: bias and activation go on each output block right after its
        # GEMM, while it is in cache.
        _check_fused(bias, b2.shape[1], fused_ops, "_FusedMatMul", [a2.shape[0], b2.shape[1]])

        def epilogue(block, rows, cols):
            block += bias[cols]
            _activate(block, fused_ops, leakyrelu_alpha)

        return matmul(a2, b2, epilogue)
    out = _owned(all_ops()["MatMul"].kernel(a, b, transpose_a=transpose_a,
                                            transpose_b=transpose_b, **matmul_attrs))
    return _apply_fused(out, bias, fused_ops, -1, leakyrelu_alpha, "_FusedMatMul")


def _channel_axis(data_format):
    return 1 if (data_format or "NHWC").startswith("NC") else -1


def _batch_norm_params(args, epsilon, dtype, channels, fused_ops):
    """``(mean, scale / sqrt(variance + epsilon), offset)`` of an inference batch norm, cast
    and combined exactly as ``FusedBatchNormV3``'s kernel does."""
    if len(args) != 4 or any(np.ndim(a) != 1 or np.shape(a)[0] != channels for a in args):
        raise errors.InvalidArgumentError(
            None, None, f"_FusedConv2D: FusedBatchNorm needs scale, offset, mean and variance "
            f"of {channels} channels each, got shapes {[list(np.shape(a)) for a in args]}")
    _check_fused(args[0], channels, ["BiasAdd"] + list(fused_ops[1:]), "_FusedConv2D", [])
    scale, offset, mean, variance = args
    inv = 1.0 / np.sqrt(variance.astype(dtype, copy=False) + epsilon)
    return mean.astype(dtype, copy=False), inv * scale, offset


_WIDE = 512  # elements per row of the widened view of a block with few channels


def _widened(vecs, channels):
    """Per-channel vectors tiled ``k`` times, for ``(rows, channels)`` blocks viewed as
    ``(rows / k, k * channels)``: NumPy broadcasts a vector over rows one row at a time, so
    with few channels its inner loops are short (16-32 elements) and slow."""
    k = max(1, _WIDE // max(1, channels))
    return k, [np.tile(v, k) for v in vecs]


def _per_channel(block, k, wide, vecs, fn):
    """``fn(view, vectors)`` on the widened rows of a C-contiguous ``(rows, channels)``
    block, then on the remainder rows with the plain vectors (the same values per element)."""
    rows = block.shape[0]
    main = rows - rows % k if k > 1 and block.flags.c_contiguous else 0
    if main:
        fn(block[:main].reshape(main // k, -1), wide)
    if main < rows:
        fn(block[main:], vecs)


def _conv_epilogue(args, fused_ops, epsilon, leakyrelu_alpha, dtype, channels, what):
    """``epilogue(block)`` finishing ``(rows, channels)`` blocks of a convolution's output."""
    if list(fused_ops[:1]) == ["FusedBatchNorm"]:
        vecs = list(_batch_norm_params(args, epsilon, dtype, channels, fused_ops))

        def finish(b, v):  # (x - mean) * k + offset, as FusedBatchNormV3 computes it
            b -= v[0]
            b *= v[1]
            b += v[2]
            _activate(b, fused_ops, leakyrelu_alpha)
    else:
        vecs = [args[0]]
        _check_fused(args[0], channels, fused_ops, what, [])

        def finish(b, v):
            b += v[0]
            _activate(b, fused_ops, leakyrelu_alpha)

    k, wide = _widened(vecs, channels)

    def epilogue(block):  # one (rows, channels) block of the channels-last output, in cache
        _per_channel(block, k, wide, vecs, finish)

    return epilogue


def _fused_conv_kernel(x, w, args, fused_ops=("BiasAdd",), epsilon=1e-4, leakyrelu_alpha=0.2,
                       num_args=None, T=None, **conv_attrs):
    epilogue = _conv_epilogue(args, fused_ops, epsilon, leakyrelu_alpha, x.dtype, w.shape[-1],
                              "_FusedConv2D")
    return all_ops()["Conv2D"].kernel(x, w, _epilogue=epilogue, **conv_attrs)


def _fused_depthwise_kernel(x, w, args, fused_ops=("BiasAdd",), epsilon=1e-4,
                            leakyrelu_alpha=0.2, num_args=None, T=None, **conv_attrs):
    epilogue = _conv_epilogue(args, fused_ops, epsilon, leakyrelu_alpha, x.dtype,
                              w.shape[-2] * w.shape[-1], "_FusedDepthwiseConv2dNative")
    return all_ops()["DepthwiseConv2dNative"].kernel(x, w, _epilogue=epilogue, **conv_attrs)


# --- shape rules and gradients ---------------------------------------------------------------
def _infer_with(base):
    def infer(ic):
        rule = all_ops()[base].infer
        if rule is None:
            return None
        return rule(InferContext(ic.shapes[:2], ic.dtypes[:2], ic.attrs, ic.values[:2],
                                 ic.types))
    return infer


class _OpView:
    """What a registered gradient rule sees of one step of a fused node."""

    def __init__(self, op_def, inputs, outputs, attrs):
        self.op_def = op_def
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs
        self.name = op_def.name
        self.control_inputs = []

    type = property(lambda self: self.op_def.name)

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self.name!r} has no attr named {name!r}.") from None


def _fused_grad(base):
    def grad(op, g):
        from tensorflux._src.ops.math_ops import reduce_sum

        reg = all_ops()
        x, w, bias = op.inputs
        y = op.outputs[0]
        attrs = {}
        for k in list(op.op_def.attrs) + ["T"]:
            try:
                attrs[k] = op.get_attr(k)
            except (KeyError, ValueError):
                pass
        fused = list(op.get_attr("fused_ops"))
        for act in reversed(fused[1:]):
            # Relu, Relu6 and LeakyRelu have the same derivative at y as at their input.
            aop = reg[act]
            view = _OpView(aop, [y], [y], {"T": y.dtype, "alpha": attrs.get(
                "leakyrelu_alpha", 0.2)})
            g = aop.grad(view, g)[0]
        rank = y.shape.rank if y.shape.rank is not None else 2
        ch = _channel_axis(attrs.get("data_format")) % rank
        gb = reduce_sum(g, axis=[i for i in range(rank) if i != ch])
        bop = reg[base]
        base_attrs = {k: v for k, v in attrs.items() if k in bop.attrs or k in bop.types}
        gx, gw = bop.grad(_OpView(bop, [x, w], [y], base_attrs), g)[:2]
        return [gx, gw, gb]
    return grad


_FUSED_ATTRS = {"fused_ops": ["BiasAdd"], "epsilon": 1e-4, "leakyrelu_alpha": 0.2}

FUSED_MATMUL = defop(
    "_FusedMatMul", _fused_matmul_kernel, inputs=("a: T", "b: T", "args: num_args*T"),
    outputs=("product: T",), types={"T": FLOAT},
    attrs=dict(_FUSED_ATTRS, transpose_a=False, transpose_b=False),
    infer=_infer_with("MatMul"), grad=_fused_grad("MatMul"),
    doc="MatMul + BiasAdd (+ activation) in one kernel (made by the remapping pass).")

FUSED_CONV2D = defop(
    "_FusedConv2D", _fused_conv_kernel, inputs=("input: T", "filter: T", "args: num_args*T"),
    outputs=("output: T",), types={"T": FLOAT},
    attrs=dict(_FUSED_ATTRS, strides=[1, 1, 1, 1], padding="VALID", explicit_paddings=[],
               data_format="NHWC", dilations=[1, 1, 1, 1], use_cudnn_on_gpu=True),
    infer=_infer_with("Conv2D"), grad=_fused_grad("Conv2D"),
    doc="Conv2D + BiasAdd (+ activation) in one kernel (made by the remapping pass).")

FUSED_DEPTHWISE = defop(
    "_FusedDepthwiseConv2dNative", _fused_depthwise_kernel,
    inputs=("input: T", "filter: T", "args: num_args*T"), outputs=("output: T",),
    types={"T": FLOAT},
    attrs=dict(_FUSED_ATTRS, strides=[1, 1, 1, 1], padding="VALID", explicit_paddings=[],
               data_format="NHWC", dilations=[1, 1, 1, 1]),
    infer=_infer_with("DepthwiseConv2dNative"), grad=_fused_grad("DepthwiseConv2dNative"),
    doc="DepthwiseConv2dNative + BiasAdd or FusedBatchNorm (+ activation) in one kernel "
        "(made by the remapping pass).")

_FUSED = {"MatMul": FUSED_MATMUL, "Conv2D": FUSED_CONV2D,
          "DepthwiseConv2dNative": FUSED_DEPTHWISE}


# --- the pass --------------------------------------------------------------------------------
def _uses(g, fetches):
    uses = {}
    for op in g._ops:
        for t in op.inputs:
            uses.setdefault(id(t), []).append(op)
    for t in fetches:
        if t is not None:
            uses.setdefault(id(t), []).append(None)
    return uses


def _only_user(uses, t):
    us = uses.get(id(t), [])
    return us[0] if len(us) == 1 else None


def _bias_operands(op):
    """(value, bias, data_format) if ``op`` adds a per-channel bias: a ``BiasAdd``, or an
    ``AddV2`` of a MatMul/Conv2D output and a rank-1 tensor as long as its last (channel)
    dimension, which is how ``tf.matmul(x, w) + b`` is usually written."""
    if op.type == "BiasAdd" and len(op.inputs) == 2:
        return op.inputs[0], op.inputs[1], op.attrs.get("data_format", "NHWC")
    if op.type != "AddV2":
        return None
    a, b = op.inputs
    for value, bias in ((a, b), (b, a)):
        vs, bs = value.shape, bias.shape
        if (value.op.type in _FUSED and bs.rank == 1 and vs.rank and bs[0] is not None
                and bs[0] == vs[-1] and value.dtype == bias.dtype
                and value.op.attrs.get("data_format", "NHWC") == "NHWC"):
            return value, bias, "NHWC"
    return None


def _match(op, value, df, uses, ctrl, reg):
    """The fusable chain ending at bias add ``op`` (plus activation): (nodes, fused_ops)."""
    base = value.op
    if base.type not in _FUSED or base.type not in reg or op.control_inputs:
        return None
    if base.control_inputs or id(base) in ctrl or id(op) in ctrl:
        return None
    if _only_user(uses, value) is not op or value.dtype not in FLOAT:
        return None
    if base.type != "MatMul":
        if df != base.attrs.get("data_format", "NHWC"):
            return None
    elif value.shape.rank not in (None, 2) or df not in ("NHWC", "NCHW"):
        return None
    nodes, fused = [base, op], ["BiasAdd"]
    nxt = _activation_after(op.outputs[0], uses, ctrl, reg)
    if nxt is not None:
        nodes.append(nxt)
        fused.append(nxt.type)
    return nodes, fused


def _activation_after(t, uses, ctrl, reg):
    """The activation node that is ``t``'s only consumer and can be fused, or None."""
    nxt = _only_user(uses, t)
    if (nxt is not None and nxt.type in ACTIVATIONS and nxt.type in reg
            and not nxt.control_inputs and id(nxt) not in ctrl
            and (nxt.type != "LeakyRelu" or nxt.attrs.get("alpha", 0.2) > 0)):
        return nxt
    return None


def _match_batch_norm(op, uses, ctrl, reg):
    """``Conv2D -> FusedBatchNormV3 (inference) [-> activation]`` ending at ``op``: (nodes,
    fused_ops), or None. Only the normalized output may be used (the batch statistics
    outputs are not computed by the fused kernel)."""
    if op.attrs.get("is_training", True) or op.control_inputs or id(op) in ctrl:
        return None
    conv = op.inputs[0].op
    if (conv.type not in ("Conv2D", "DepthwiseConv2dNative") or conv.type not in reg
            or conv.control_inputs
            or id(conv) in ctrl or _only_user(uses, op.inputs[0]) is not op):
        return None
    df = op.attrs.get("data_format", "NHWC")
    if df != conv.attrs.get("data_format", "NHWC") or op.inputs[0].dtype not in (
            _dt.float32, _dt.float64) or any(t.dtype != op.inputs[0].dtype for t in op.inputs):
        return None
    if any(uses.get(id(t)) for t in op.outputs[1:]):
        return None
    nodes, fused = [conv, op], ["FusedBatchNorm"]
    nxt = _activation_after(op.outputs[0], uses, ctrl, reg)
    if nxt is not None:
        nodes.append(nxt)
        fused.append(nxt.type)
    return nodes, fused


def remap(g, feeds, fetches):
    """Fuse MatMul/Conv2D + BiasAdd (+ Relu/Relu6/LeakyRelu) chains (module docstring)."""
    reg = all_ops()
    if "BiasAdd" not in reg or "AddV2" not in reg:
        return fetches
    uses = _uses(g, fetches)
    ctrl = {id(c) for op in g._ops for c in op.control_inputs}
    place = {}   # id(last node of a chain) -> fused node placed right after it
    rep = {}
    for op in g._ops:
        if op.type == "FusedBatchNormV3":
            m = _match_batch_norm(op, uses, ctrl, reg)
            args = list(op.inputs[1:5])
            epsilon = float(op.attrs.get("epsilon", 1e-4))
        else:
            vb = _bias_operands(op)
            if vb is None:
                continue
            value, bias, df = vb
            m = _match(op, value, df, uses, ctrl, reg)
            args, epsilon = [bias], 1e-4
        if m is None:
            continue
        nodes, fused_ops = m
        base, last = nodes[0], nodes[-1]
        fdef = _FUSED[base.type]
        alpha = last.attrs.get("alpha", 0.2) if fused_ops[-1] == "LeakyRelu" else 0.2
        attrs = dict(base.attrs)
        attrs.update(fused_ops=fused_ops, num_args=len(args), epsilon=epsilon,
                     leakyrelu_alpha=alpha, __original_node_names=[n.name for n in nodes])
        call = dict(base.call_attrs or {})
        call["fused_ops"] = tuple(fused_ops)
        if fused_ops[0] == "FusedBatchNorm":
            call["epsilon"] = epsilon
        if fused_ops[-1] == "LeakyRelu":
            call["leakyrelu_alpha"] = float(alpha)
        out = last.outputs[0]
        new = g.new_op(fdef, [base.inputs[0], base.inputs[1]] + args, attrs, call,
                       [0, 1, (2, 2 + len(args))], last.name,
                       [(out.shape.as_tuple(), out.dtype)], like=last)
        new.control_inputs = []
        place[id(last)] = new
        rep[id(out)] = new.outputs[0]
    if not place:
        return fetches
    ops = []
    for op in g._ops:
        apply_replacements(op, rep)
        ops.append(op)
        f = place.get(id(op))
        if f is not None:
            apply_replacements(f, rep)   # a fused node may consume another fused chain
            ops.append(f)
    g._ops = ops
    return [None if t is None else resolve(rep, t) for t in fetches]
