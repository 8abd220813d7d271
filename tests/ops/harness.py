"""The op spec table harness.

Each op family has ``tests/ops/specs_<family>.py`` defining ``SPECS``: a list of
``OpSpec`` rows. Every row is checked four ways (see ``check_*`` below):

1. value: the eager result equals a NumPy reference (values and dtype);
2. graph: the result inside ``tf.function`` equals the eager result;
3. shape rule: the shape/dtype inferred while tracing equal the actual output, and
   tracing with unknown dimensions gives a compatible shape;
4. gradient: tape gradients (float64) equal central finite differences.

The meta-test (``test_op_coverage.py``) requires every registered op to be exercised by
some row, and to have a gradient rule or an explicit ``NOT_DIFFERENTIABLE``.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable, Sequence

import numpy as np

import tensorflux as tf


@dataclasses.dataclass
class OpSpec:
    name: str
    fn: Callable                    # tensorflux call on tensors
    ref: Callable | None            # NumPy reference on arrays (None: no value check)
    inputs: Sequence                # NumPy arrays with exact dtypes
    grad: bool | Sequence[int] | None = None  # None: all floating inputs
    atol: float = 1e-5
    rtol: float = 1e-5
    grad_atol: float = 1e-4
    grad_rtol: float = 1e-3
    unknown_shapes: bool = True     # also trace with all dims unknown
    static_shape_exact: bool = True  # inferred static shape must equal the actual shape
    eager_only: bool = False        # skip the graph checks (e.g. python-valued results)
    graph_value: bool = True        # compare graph vs eager values (False for random ops)

    def __str__(self):
        return self.name


def all_specs():
    import tests.ops as pkg

    specs = []
    for m in pkgutil.iter_modules(pkg.__path__):
        if m.name.startswith("specs_"):
            mod = importlib.import_module(f"tests.ops.{m.name}")
            specs.extend(mod.SPECS)
    return specs


def _flat(out):
    if isinstance(out, (list, tuple)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    return [out]


def _np(x):
    if isinstance(x, tf.Tensor):
        return x.numpy()
    return x


def _assert_close(actual, expected, atol, rtol, what):
    a = np.asarray(actual)
    e = np.asarray(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    if a.dtype.kind in "OSU" or e.dtype.kind in "OSU":
        assert a.tolist() == e.tolist(), f"{what}: {a!r} != {e!r}"
        return
    if a.dtype.kind == "b" or e.dtype.kind == "b":
        np.testing.assert_array_equal(a, e, err_msg=what)
        return
    np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                               e.astype(np.complex128 if e.dtype.kind == "c" else np.float64),
                               atol=atol, rtol=rtol, err_msg=what, equal_nan=True)


def check_value(spec: OpSpec):
    tensors = [tf.constant(x) for x in spec.inputs]
    out = _flat(spec.fn(*tensors))
    if spec.ref is None:
        return out
    ref = _flat(spec.ref(*[np.asarray(x) for x in spec.inputs]))
    assert len(out) == len(ref), f"{spec}: {len(out)} outputs, reference has {len(ref)}"
    for i, (o, r) in enumerate(zip(out, ref)):
        r = np.asarray(r)
        if r.dtype.kind not in "OSU":
            assert o.dtype.as_numpy_dtype == r.dtype.type or o.dtype == tf.as_dtype(r.dtype), (
                f"{spec} output {i}: dtype {o.dtype.name} != reference {r.dtype}")
        _assert_close(o.numpy(), r, spec.atol, spec.rtol, f"{spec} output {i}")
    return out


def check_graph(spec: OpSpec):
    if spec.eager_only:
        return
    tensors = [tf.constant(x) for x in spec.inputs]
    eager = _flat(spec.fn(*tensors))
    f = tf.function(spec.fn)
    cf = f.get_concrete_function(*tensors)
    graph_out = _flat(f(*tensors))
    static = [t for t in cf.outputs]
    assert len(graph_out) == len(eager)
    for i, (g, e) in enumerate(zip(graph_out, eager)):
        assert g.dtype == e.dtype, f"{spec} output {i}: graph dtype {g.dtype} != eager {e.dtype}"
        if spec.graph_value:
            _assert_close(g.numpy(), e.numpy(), spec.atol, spec.rtol,
                          f"{spec} output {i} graph vs eager")
    for i, (s, e) in enumerate(zip(static, eager)):
        assert s.dtype == e.dtype, f"{spec} output {i}: inferred dtype {s.dtype} != {e.dtype}"
        assert s.shape.is_compatible_with(e.shape), (
            f"{spec} output {i}: inferred shape {s.shape} incompatible with actual {e.shape}")
        if spec.static_shape_exact:
            assert s.shape == e.shape, (
                f"{spec} output {i}: inferred shape {s.shape} != actual {e.shape}")
    if spec.unknown_shapes:
        specs = [tf.TensorSpec([None] * np.ndim(x), tf.as_dtype(np.asarray(x).dtype))
                 for x in spec.inputs]
        g2 = tf.function(spec.fn, input_signature=specs)
        cf2 = g2.get_concrete_function()
        for i, (s, e) in enumerate(zip(cf2.outputs, eager)):
            assert s.dtype == e.dtype
            assert s.shape.is_compatible_with(e.shape), (
                f"{spec} output {i}: shape {s.shape} (unknown input dims) incompatible with "
                f"actual {e.shape}")
        if spec.graph_value:
            out2 = _flat(g2(*tensors))
            for g, e in zip(out2, eager):
                _assert_close(g.numpy(), e.numpy(), spec.atol, spec.rtol,
                              f"{spec} graph (unknown shapes) vs eager")


def _grad_indices(spec):
    if spec.grad is False:
        return []
    if spec.grad is None or spec.grad is True:
        return [i for i, x in enumerate(spec.inputs) if np.asarray(x).dtype.kind in "fc"]
    return list(spec.grad)


def check_gradient(spec: OpSpec):
    idx = _grad_indices(spec)
    if not idx:
        return
    rng = np.random.default_rng(0)
    xs = []
    for i, x in enumerate(spec.inputs):
        x = np.asarray(x)
        if i in idx and x.dtype.kind == "f":
            x = x.astype(np.float64)
        elif i in idx and x.dtype.kind == "c":
            x = x.astype(np.complex128)
        xs.append(x)
    outs = _flat(spec.fn(*[tf.constant(x) for x in xs]))
    if not any(o.dtype.is_floating for o in outs):
        return
    ws = [rng.standard_normal(np.shape(o.numpy())) if o.dtype.is_floating else None
          for o in outs]

    def loss_np(*arrays):
        res = _flat(spec.fn(*[tf.constant(a) for a in arrays]))
        return sum(float(np.sum(r.numpy() * w)) for r, w in zip(res, ws) if w is not None)

    def tape_grads(*tensors):
        with tf.GradientTape() as tape:
            for i in idx:
                tape.watch(tensors[i])
            res = _flat(spec.fn(*tensors))
            loss = tf.add_n([tf.reduce_sum(tf.multiply(r, tf.constant(w)))
                             for r, w in zip(res, ws) if w is not None])
        return tape.gradient(loss, [tensors[i] for i in idx])

    consts = [tf.constant(x) for x in xs]
    grads = tape_grads(*consts)
    graph_grads = tf.function(tape_grads)(*consts)
    eps = 1e-6
    for k, i in enumerate(idx):
        x = xs[i]
        g = grads[k]
        g = np.zeros_like(x) if g is None else np.asarray(tf.convert_to_tensor(g))
        gg = graph_grads[k]
        gg = np.zeros_like(x) if gg is None else np.asarray(tf.convert_to_tensor(gg))
        num = np.zeros(x.shape, dtype=np.float64)
        flat = x.reshape(-1)
        for j in range(flat.size):
            xp = flat.copy()
            xp[j] += eps
            xm = flat.copy()
            xm[j] -= eps
            a = list(xs)
            a[i] = xp.reshape(x.shape)
            lp = loss_np(*a)
            a[i] = xm.reshape(x.shape)
            lm = loss_np(*a)
            num.reshape(-1)[j] = (lp - lm) / (2 * eps)
        np.testing.assert_allclose(np.real(g), num, atol=spec.grad_atol, rtol=spec.grad_rtol,
                                   err_msg=f"{spec}: gradient of input {i} vs finite differences")
        np.testing.assert_allclose(gg, g, atol=spec.grad_atol, rtol=spec.grad_rtol,
                                   err_msg=f"{spec}: gradient in tf.function vs eager")


def traced_op_types(spec: OpSpec) -> set:
    """Raw op types that a spec exercises (forward and, if differentiated, backward)."""
    tensors = [tf.constant(x) for x in spec.inputs]
    types = set()
    unknown = [tf.TensorSpec([None] * np.ndim(x), tf.as_dtype(np.asarray(x).dtype))
               for x in spec.inputs]
    for f in (tf.function(spec.fn), tf.function(spec.fn, input_signature=unknown)):
        try:
            cf = f.get_concrete_function(*tensors) if f.input_signature is None else \
                f.get_concrete_function()
            types |= {op.type for op in cf.graph.get_operations()}
        except Exception:  # noqa: BLE001 - eager-only specs
            pass
    idx = _grad_indices(spec)
    if idx:
        def g(*ts):
            with tf.GradientTape() as tape:
                for i in idx:
                    tape.watch(ts[i])
                res = [r for r in _flat(spec.fn(*ts)) if r.dtype.is_floating]
                if not res:
                    return []
                loss = tf.add_n([tf.reduce_sum(r) for r in res])
            return tape.gradient(loss, [ts[i] for i in idx])
        try:
            cf = tf.function(g).get_concrete_function(*tensors)
            types |= {op.type for op in cf.graph.get_operations()}
        except Exception:  # noqa: BLE001
            pass
    return types
