"""TensorFlow's fused optimizer updates (``tf.raw_ops.ResourceApply*``).

Each op updates a variable (and its slot variables) in one kernel, in place when no one else
holds the buffers (see ``variables.writable_buffer``), so an optimizer step costs one pass
over memory per variable instead of one pass per elementwise op. Keras optimizers use these.
"""

from __future__ import annotations

import numpy as np

from tensorflux._src.core.op_def import NOT_DIFFERENTIABLE, defop
from tensorflux._src.framework.context import state
from tensorflux._src.framework.execute import execute
from tensorflux._src.framework.parallel import flat_chunks
from tensorflux._src.framework.tensor import EagerTensor
from tensorflux._src.framework.variables import writable_buffer
from tensorflux._src.ops import op_util as u
from tensorflux._src.ops.op_util import tensor


def _buffer(handle):
    """A buffer of ``handle`` that may be written in place (copying first if shared)."""
    buf = writable_buffer(handle)
    if buf is None:
        buf = np.array(handle._value, copy=True)
        handle._set(buf)
    return buf


def _scalar(x, dtype):
    return np.asarray(x, dtype=dtype)[()]


def _flat(*arrays):
    return [a.reshape(-1) for a in arrays]


def _same_shape(w, *arrays):
    return all(np.shape(a) == w.shape for a in arrays)


def _gd_kernel(var, alpha, delta, use_locking=False):
    w = _buffer(var)
    alpha = _scalar(alpha, w.dtype)
    if not _same_shape(w, delta):
        w -= alpha * delta
        return
    fw, fd = _flat(w, np.ascontiguousarray(delta))

    def run(i, j):
        fw[i:j] -= alpha * fd[i:j]

    flat_chunks(fw.size, run)


def _dense_grad(w, grad):
    return (np.ascontiguousarray(grad) if _same_shape(w, grad)
            else np.broadcast_to(grad, w.shape).copy())


def _momentum_args(var, accum, lr, grad, momentum):
    """Flat writable views of var/accum, the flat gradient, and the scalars."""
    w, a = _buffer(var), _buffer(accum)
    fw, fa, fg = _flat(w, a, _dense_grad(w, grad))
    return fw, fa, fg, _scalar(lr, w.dtype), _scalar(momentum, w.dtype)


def _momentum_kernel(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False):
    fw, fa, fg, lr, mom = _momentum_args(var, accum, lr, grad, momentum)

    def run(i, j):
        aa, gg = fa[i:j], fg[i:j]
        aa *= mom
        aa += gg
        if use_nesterov:
            fw[i:j] -= lr * gg + lr * mom * aa
        else:
            fw[i:j] -= lr * aa

    flat_chunks(fw.size, run)


def _keras_momentum_kernel(var, accum, lr, grad, momentum, use_locking=False,
                           use_nesterov=False):
    fw, fa, fg, lr, mom = _momentum_args(var, accum, lr, grad, momentum)

    def run(i, j):
        aa, gg = fa[i:j], fg[i:j]
        aa *= mom
        aa -= lr * gg
        if use_nesterov:
            fw[i:j] += mom * aa - lr * gg
        else:
            fw[i:j] += aa

    flat_chunks(fw.size, run)


def _adam_kernel(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
                 use_locking=False, use_nesterov=False):
    w, mb, vb = _buffer(var), _buffer(m), _buffer(v)
    dt = w.dtype
    b1, b2 = _scalar(beta1, dt), _scalar(beta2, dt)
    c1, c2 = dt.type(1) - b1, dt.type(1) - b2
    eps = _scalar(epsilon, dt)
    lr_t = _scalar(lr, dt) * np.sqrt(1 - _scalar(beta2_power, dt)) / (1 - _scalar(beta1_power,
                                                                                  dt))
    fw, fm, fv, fg = _flat(w, mb, vb, _dense_grad(w, grad))

    def run(i, j):
        g, mm, vv = fg[i:j], fm[i:j], fv[i:j]
        tmp = g - mm
        tmp *= c1
        mm += tmp                               # m += (g - m) * (1 - beta1)
        np.multiply(g, g, out=tmp)
        tmp -= vv
        tmp *= c2
        vv += tmp                               # v += (g*g - v) * (1 - beta2)
        np.sqrt(vv, out=tmp)
        tmp += eps
        num = mm * b1 + g * c1 if use_nesterov else mm
        np.divide(num, tmp, out=tmp)
        tmp *= lr_t
        fw[i:j] -= tmp

    flat_chunks(fw.size, run)


_F = {"T": u.FLOAT}
_RES = "resource"
GRADIENT_DESCENT = defop(
    "ResourceApplyGradientDescent", _gd_kernel,
    inputs=("var: resource", "alpha: T", "delta: T"), outputs=(), types=_F,
    attrs={"use_locking": False}, grad=NOT_DIFFERENTIABLE, stateful=True)
MOMENTUM = defop(
    "ResourceApplyMomentum", _momentum_kernel,
    inputs=("var: resource", "accum: resource", "lr: T", "grad: T", "momentum: T"),
    outputs=(), types=_F, attrs={"use_locking": False, "use_nesterov": False},
    grad=NOT_DIFFERENTIABLE, stateful=True)
KERAS_MOMENTUM = defop(
    "ResourceApplyKerasMomentum", _keras_momentum_kernel,
    inputs=("var: resource", "accum: resource", "lr: T", "grad: T", "momentum: T"),
    outputs=(), types=_F, attrs={"use_locking": False, "use_nesterov": False},
    grad=NOT_DIFFERENTIABLE, stateful=True)
ADAM = defop(
    "ResourceApplyAdam", _adam_kernel,
    inputs=("var: resource", "m: resource", "v: resource", "beta1_power: T",
            "beta2_power: T", "lr: T", "beta1: T", "beta2: T", "epsilon: T", "grad: T"),
    outputs=(), types=_F, attrs={"use_locking": False, "use_nesterov": False},
    grad=NOT_DIFFERENTIABLE, stateful=True)


def handle_arg(v):
    """A resource input: the variable itself eagerly, its captured handle while tracing."""
    if not getattr(v, "_is_variable", False):
        if isinstance(v, EagerTensor) and getattr(v._value, "_is_variable", False):
            return v
        raise TypeError(f"Expected a tf.Variable for a resource input, got {type(v).__name__}")
    g = state.graph
    return g.capture(v) if g is not None else EagerTensor(v)


def _value(x, dtype):
    from tensorflux._src.ops.math_ops import cast

    t = tensor(x, dtype_hint=dtype)
    return t if t.dtype == dtype else cast(t, dtype)


def apply(op_def, variables, values, attrs=None, name=None):
    """Run a fused update: ``variables`` are the resource inputs in order, ``values`` the rest,
    cast to the variables' dtype."""
    dt = variables[0].dtype
    args = [handle_arg(v) for v in variables] + [_value(x, dt) for x in values]
    return execute(op_def, tuple(args), attrs, name)


# --- Keras 3 formulations (tensorflux-internal ops, hence the leading underscore) --------------
def _keras_adam_kernel(var, m, v, alpha, one_minus_beta1, one_minus_beta2, epsilon, grad,
                       use_locking=False):
    """Keras 3 Adam, op for op: ``m += (g - m) * (1 - beta1)``, ``v += (g*g - v) * (1 - beta2)``,
    ``var -= m * alpha / (sqrt(v) + epsilon)``. Unlike ``ResourceApplyAdam``, ``1 - beta`` comes
    in precomputed (Keras rounds it from float64: 1 - 0.999 is 1e-3 in float32, while float32
    1 - 0.999f is 9.9998713e-4) and ``alpha`` multiplies ``m`` before the division."""
    w, mb, vb = _buffer(var), _buffer(m), _buffer(v)
    dt = w.dtype
    alpha, eps = _scalar(alpha, dt), _scalar(epsilon, dt)
    c1, c2 = _scalar(one_minus_beta1, dt), _scalar(one_minus_beta2, dt)
    fw, fm, fv, fg = _flat(w, mb, vb, _dense_grad(w, grad))

    def run(i, j):
        g, mm, vv = fg[i:j], fm[i:j], fv[i:j]
        tmp = g - mm
        tmp *= c1
        mm += tmp
        np.multiply(g, g, out=tmp)
        tmp -= vv
        tmp *= c2
        vv += tmp
        np.sqrt(vv, out=tmp)
        tmp += eps
        np.divide(mm * alpha, tmp, out=tmp)
        fw[i:j] -= tmp

    flat_chunks(fw.size, run)


KERAS_ADAM = defop(
    "_ResourceApplyKerasAdam", _keras_adam_kernel,
    inputs=("var: resource", "m: resource", "v: resource", "alpha: T", "one_minus_beta1: T",
            "one_minus_beta2: T", "epsilon: T", "grad: T"),
    outputs=(), types=_F, attrs={"use_locking": False}, grad=NOT_DIFFERENTIABLE, stateful=True)
