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


def _same_shape(w, *arrays):
    return all(np.shape(a) == w.shape for a in arrays)


def _dense_grad(w, grad):
    return (np.ascontiguousarray(grad) if _same_shape(w, grad)
            else np.broadcast_to(grad, w.shape).copy())


# Each dense update is ``prep(*inputs without grad, **attrs) -> (buffers, params)``, the
# variable (and slot) buffers written in place, and ``block(buffers, grad, params)``, the
# arithmetic on equally shaped views of them. The kernel walks flat cache-sized chunks; the
# fused ``_FusedMatMulApply`` (optimize_remap_grad.py) runs ``block`` on each gradient block
# right after its GEMM. Both run the same ufuncs per element.
def _gd_prep(var, alpha, use_locking=False):
    w = _buffer(var)
    return [w], _scalar(alpha, w.dtype)


def _gd_block(bufs, g, alpha):
    bufs[0] -= alpha * g


def _gd_gemm(p):
    return 0, -p, 1, None            # var -= alpha * grad: all inside the GEMM


def _momentum_prep(var, accum, lr, momentum, use_locking=False, use_nesterov=False):
    w, a = _buffer(var), _buffer(accum)
    return [w, a], (_scalar(lr, w.dtype), _scalar(momentum, w.dtype), use_nesterov)


def _momentum_block(bufs, g, p):
    w, a = bufs
    lr, mom, nesterov = p
    a *= mom
    a += g
    if nesterov:
        w -= lr * g + lr * mom * a
    else:
        w -= lr * a


def _momentum_gemm(p):
    lr, mom, nesterov = p
    if nesterov:
        return None

    def finish(w, a):
        w -= lr * a
    return 1, 1, mom, finish         # accum = accum * momentum + grad in the GEMM


def _keras_momentum_block(bufs, g, p):
    w, a = bufs
    lr, mom, nesterov = p
    a *= mom
    a -= lr * g
    if nesterov:
        w += mom * a - lr * g
    else:
        w += a


def _keras_momentum_gemm(p):
    lr, mom, nesterov = p
    if nesterov:
        return None

    def finish(w, a):
        w += a
    return 1, -lr, mom, finish       # accum = accum * momentum - lr * grad in the GEMM


def _adam_prep(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon,
               use_locking=False, use_nesterov=False):
    w, mb, vb = _buffer(var), _buffer(m), _buffer(v)
    dt = w.dtype
    b1, b2 = _scalar(beta1, dt), _scalar(beta2, dt)
    lr_t = _scalar(lr, dt) * np.sqrt(1 - _scalar(beta2_power, dt)) / (
        1 - _scalar(beta1_power, dt))
    return [w, mb, vb], (b1, dt.type(1) - b1, dt.type(1) - b2, _scalar(epsilon, dt), lr_t,
                         use_nesterov)


def _adam_block(bufs, g, p):
    w, mm, vv = bufs
    b1, c1, c2, eps, lr_t, nesterov = p
    tmp = g - mm
    tmp *= c1
    mm += tmp                               # m += (g - m) * (1 - beta1)
    np.multiply(g, g, out=tmp)
    tmp -= vv
    tmp *= c2
    vv += tmp                               # v += (g*g - v) * (1 - beta2)
    np.sqrt(vv, out=tmp)
    tmp += eps
    num = mm * b1 + g * c1 if nesterov else mm
    np.divide(num, tmp, out=tmp)
    tmp *= lr_t
    w -= tmp


def _keras_adam_prep(var, m, v, alpha, one_minus_beta1, one_minus_beta2, epsilon,
                     use_locking=False):
    w, mb, vb = _buffer(var), _buffer(m), _buffer(v)
    dt = w.dtype
    return [w, mb, vb], (_scalar(alpha, dt), _scalar(one_minus_beta1, dt),
                         _scalar(one_minus_beta2, dt), _scalar(epsilon, dt))


def _keras_adam_block(bufs, g, p):
    """Keras 3 Adam, op for op: ``m += (g - m) * (1 - beta1)``, ``v += (g*g - v) * (1 - beta2)``,
    ``var -= m * alpha / (sqrt(v) + epsilon)``. Unlike ``ResourceApplyAdam``, ``1 - beta`` comes
    in precomputed (Keras rounds it from float64: 1 - 0.999 is 1e-3 in float32, while float32
    1 - 0.999f is 9.9998713e-4) and ``alpha`` multiplies ``m`` before the division."""
    w, mm, vv = bufs
    alpha, c1, c2, eps = p
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
    w -= tmp


class DenseUpdate:
    """A fused dense optimizer update (see above); ``grad_index``: the gradient's position
    among the op's inputs. ``gemm(params)``, where given, describes an update whose gradient is
    a product as one GEMM ``buffers[i] = alpha * grad + beta * buffers[i]`` followed by
    ``finish(*buffer views)`` (or None): ``(i, alpha, beta, finish)``, or None when this
    update's parameters need the gradient itself (Nesterov)."""

    def __init__(self, grad_index, prep, block, gemm=None):
        self.grad_index, self.prep, self.block, self.gemm = grad_index, prep, block, gemm

    def kernel(self, *inputs, **attrs):
        inputs = list(inputs)
        grad = inputs.pop(self.grad_index)
        bufs, p = self.prep(*inputs, **attrs)
        self.run(bufs, grad, p)

    def run(self, bufs, grad, p):
        """The update of ``bufs`` (from ``prep``) by ``grad``, in flat cache-sized chunks."""
        flats = [b.reshape(-1) for b in bufs]
        fg = _dense_grad(bufs[0], grad).reshape(-1)
        block = self.block

        def chunk(i, j):
            block([f[i:j] for f in flats], fg[i:j], p)

        flat_chunks(fg.size, chunk)


DENSE_UPDATES = {
    "ResourceApplyGradientDescent": DenseUpdate(2, _gd_prep, _gd_block, _gd_gemm),
    "ResourceApplyMomentum": DenseUpdate(3, _momentum_prep, _momentum_block, _momentum_gemm),
    "ResourceApplyKerasMomentum": DenseUpdate(3, _momentum_prep, _keras_momentum_block,
                                              _keras_momentum_gemm),
    "ResourceApplyAdam": DenseUpdate(9, _adam_prep, _adam_block),
    "_ResourceApplyKerasAdam": DenseUpdate(7, _keras_adam_prep, _keras_adam_block),
}


def _kernel(name):
    return DENSE_UPDATES[name].kernel


_F = {"T": u.FLOAT}
_RES = "resource"
GRADIENT_DESCENT = defop(
    "ResourceApplyGradientDescent", _kernel("ResourceApplyGradientDescent"),
    inputs=("var: resource", "alpha: T", "delta: T"), outputs=(), types=_F,
    attrs={"use_locking": False}, grad=NOT_DIFFERENTIABLE, stateful=True)
MOMENTUM = defop(
    "ResourceApplyMomentum", _kernel("ResourceApplyMomentum"),
    inputs=("var: resource", "accum: resource", "lr: T", "grad: T", "momentum: T"),
    outputs=(), types=_F, attrs={"use_locking": False, "use_nesterov": False},
    grad=NOT_DIFFERENTIABLE, stateful=True)
KERAS_MOMENTUM = defop(
    "ResourceApplyKerasMomentum", _kernel("ResourceApplyKerasMomentum"),
    inputs=("var: resource", "accum: resource", "lr: T", "grad: T", "momentum: T"),
    outputs=(), types=_F, attrs={"use_locking": False, "use_nesterov": False},
    grad=NOT_DIFFERENTIABLE, stateful=True)
ADAM = defop(
    "ResourceApplyAdam", _kernel("ResourceApplyAdam"),
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
KERAS_ADAM = defop(
    "_ResourceApplyKerasAdam", _kernel("_ResourceApplyKerasAdam"),
    inputs=("var: resource", "m: resource", "v: resource", "alpha: T", "one_minus_beta1: T",
            "one_minus_beta2: T", "epsilon: T", "grad: T"),
    outputs=(), types=_F, attrs={"use_locking": False}, grad=NOT_DIFFERENTIABLE, stateful=True)
