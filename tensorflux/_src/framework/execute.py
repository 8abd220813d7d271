"""Binding an op call to the current context: run it now (eager), or add a node (tracing).

The eager path is the hot path of every eager program: it reads the NumPy values,
checks dtypes against the op's signature (TensorFlow never promotes silently), calls
the kernel and wraps the result. Recording on a tape, numeric checks and error
decoration cost nothing unless they are on.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import dtypes as _dt
from tensorflux._src.core import errors
from tensorflux._src.framework import context
from tensorflux._src.framework.tensor import EagerTensor, SymbolicTensor

state = context.state
settings = context.settings
_from_numpy = _dt.from_numpy
# Set by tf.profiler while it records (``_src/profiler/hooks.eager_kernel``), else None.
profiler_hook = None


def execute(op, args, attrs=None, name=None):
    """Run ``op`` on ``args`` (tensors aligned with ``op.input_args``, lists for list args).

    Returns one tensor for single-output ops, else a tuple of tensors.
    """
    g = state.graph
    if g is not None:
        return g.create_op(op, args, attrs, name)
    try:
        if op.has_list_inputs:
            arrays = [[t._value for t in a] if type(a) in (list, tuple) else a._value for a in args]
        else:
            arrays = [a._value for a in args]
    except AttributeError:
        raise _bad_eager_input(op, args) from None
    for pos, allowed, tname in op.eager_checks:
        d0 = arrays[pos[0]].dtype
        if d0 not in allowed:
            _check_allowed(op, pos[0], d0, tname)
        for p in pos[1:]:
            if arrays[p].dtype != d0:
                raise _dtype_mismatch(op, p, d0, arrays[p].dtype)
    try:
        if profiler_hook is None:
            out = op.kernel(*arrays, **attrs) if attrs else op.kernel(*arrays)
        else:
            out = profiler_hook(op, arrays, attrs, name)
    except errors.OpError as e:
        raise _decorate(e, op, name) from None
    except (ValueError, TypeError, IndexError, ArithmeticError, np.linalg.LinAlgError) as e:
        raise _kernel_failure(op, arrays, attrs, e, name) from e
    if op.fixed_num_outputs == 1:
        result = EagerTensor(out)
        outs = (result,)
    elif op.fixed_num_outputs == 0:
        return None
    else:
        outs = result = tuple(EagerTensor(o) for o in out)
    if settings.check_numerics:
        _check_numerics(op, outs)
    if state.tapes:
        from tensorflux._src.framework.tape import record_operation

        record_operation(op, attrs, _flat(op, args), outs)
    return result


def _flat(op, args):
    if not op.has_list_inputs:
        return list(args)
    flat = []
    for a in args:
        if type(a) in (list, tuple):
            flat.extend(a)
        else:
            flat.append(a)
    return flat


def _check_allowed(op, pos, npdt, tname):
    dt = _from_numpy(npdt)
    if dt in op.types[tname]:
        return
    allowed = ", ".join(d.name for d in op.types[tname])
    arg = op.input_args[pos].name
    raise errors.InvalidArgumentError(
        None, None,
        f"Value for attr '{tname}' of {dt.name} is not in the list of allowed values: {allowed}"
        f" (input '{arg}' of op {op.name}). Cast the input with tf.cast first."
        f" [Op:{op.name}]{_where()}")


def _dtype_mismatch(op, p, d0, d):
    exp = _from_numpy(d0).name
    got = _from_numpy(d).name
    return errors.InvalidArgumentError(
        None, None,
        f"cannot compute {op.name} as input #{p}(zero-based) was expected to be a {exp} tensor "
        f"but is a {got} tensor [Op:{op.name}]. TensorFlow does not convert dtypes implicitly: "
        f"use tf.cast(x, tf.{exp}) on input '{op.input_args[p].name}'.{_where()}")


def _bad_eager_input(op, args):
    for a in args:
        for t in (a if type(a) in (list, tuple) else [a]):
            if isinstance(t, SymbolicTensor):
                return errors.InvalidArgumentError(
                    None, None, f"Op {op.name} received the symbolic tensor {t.name} outside the "
                    "tf.function that created it; return it from the function instead."
                    f"{_where()}")
    return TypeError(f"Op {op.name} expects tensors, got {[type(a).__name__ for a in args]}")


def _where():
    loc = context.user_location()
    return f"\n  Called from: {loc}" if loc else ""


def _describe(arrays):
    parts = []
    for a in arrays:
        if isinstance(a, list):
            parts.append("[" + ", ".join(_describe_one(x) for x in a) + "]")
        else:
            parts.append(_describe_one(a))
    return ", ".join(parts)


def _describe_one(a):
    try:
        return f"{_from_numpy(a.dtype).name}{list(a.shape)}"
    except (AttributeError, TypeError):
        return type(a).__name__


def _kernel_failure(op, arrays, attrs, e, name):
    msg = str(e)
    detail = _infer_error(op, arrays, attrs)
    if detail:
        msg = detail
    scope = f" name: {name}" if name else ""
    return errors.InvalidArgumentError(
        None, None,
        f"{msg}\n  Op {op.name} received inputs {_describe(arrays)}"
        f"{' with attrs ' + repr(attrs) if attrs else ''}. [Op:{op.name}]{scope}{_where()}")


def _infer_error(op, arrays, attrs):
    """Re-run the static shape rule on the eager inputs so errors read as in graphs."""
    if op.infer is None:
        return None
    from tensorflux._src.core.op_def import InferContext

    def shp(a):
        return [tuple(x.shape) for x in a] if isinstance(a, list) else tuple(a.shape)

    def dt(a):
        return [_from_numpy(x.dtype) for x in a] if isinstance(a, list) else _from_numpy(a.dtype)

    try:
        op.infer(InferContext([shp(a) for a in arrays], [dt(a) for a in arrays],
                              dict(op.attrs, **(attrs or {})), list(arrays), {}))
    except (ValueError, errors.OpError) as e:
        return str(e)
    except Exception:  # noqa: BLE001 - the rule itself may not handle odd inputs
        return None
    return None


def _decorate(e, op, name):
    msg = e.message
    if "[Op:" not in msg:
        msg = f"{msg} [Op:{op.name}]" + (f" name: {name}" if name else "") + _where()
    return type(e)(e.node_def, e.op, msg)


def _check_numerics(op, outs):
    for t in outs:
        v = t._value
        if getattr(v, "dtype", None) is not None and v.dtype.kind in "fc":
            if not np.all(np.isfinite(v)):
                kind = "NaN" if np.any(np.isnan(v)) else "Inf"
                raise errors.InvalidArgumentError(
                    None, None,
                    f"\n\n!!! Detected Infinity or NaN in output of eager op {op.name!r} "
                    f"(# of outputs: {len(outs)}) !!!\n  dtype: {t.dtype.name}\n  shape: "
                    f"{t.shape}\n  contains {kind}.{_where()}")
