"""Replay ``cases.py`` on tensorflux and compare with real Keras 3.15 (``reference.json``,
produced by ``make_reference.py`` under TensorFlow 2.21): final variables, every optimizer
variable (name, dtype, shape, value), learning rates, serialized configs, schedule values.
Each optimizer case runs eagerly and inside ``tf.function``."""

import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras import optimizers
from tests.keras.optimizers import cases

with open(os.path.join(os.path.dirname(__file__), "reference.json")) as _f:
    REF = json.load(_f)

# Results are bitwise equal for most cases; allow about one float32 ulp. Ftrl raises to
# fractional powers, where NumPy's and Eigen's float32 ``pow`` differ by an ulp now and then,
# and its ``linear`` slot (a difference of large terms) amplifies that.
TOL = dict(rtol=2e-7, atol=1e-8)
LOOSE = {"ftrl": dict(rtol=3e-6, atol=1e-7), "ftrl_reg": dict(rtol=3e-6, atol=1e-7)}


def expected(entry):
    return np.array(entry["value"], dtype=entry["dtype"]).reshape(entry["shape"])


def make_optimizer(cls_name, kwargs, schedule=None):
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = getattr(optimizers.schedules, schedule[0])(**schedule[1])
    return getattr(optimizers, cls_name)(**kwargs)


def unnamed(serialized):
    return {**serialized, "config": {**serialized["config"], "name": None}}


def check_variables(opt, ref_vars, tol=TOL):
    assert [v.name for v in opt.variables] == [f"{opt.name}/{r['name']}:0" for r in ref_vars]
    for v, r in zip(opt.variables, ref_vars):
        assert v.dtype.name == r["dtype"] and v.shape.as_list() == r["shape"], v.name
        np.testing.assert_allclose(v.numpy(), expected(r), err_msg=v.name, **tol)


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "function"])
@pytest.mark.parametrize("case", cases.OPTIMIZER_CASES, ids=[c[0] for c in cases.OPTIMIZER_CASES])
def test_dense_matches_keras(case, traced):
    key, cls_name, kwargs, schedule = case
    ref = REF["dense"][key]
    w0, b0 = cases.initial_values()
    w, b = tf.Variable(w0, name="w"), tf.Variable(b0, name="b")
    opt = make_optimizer(cls_name, kwargs, schedule)

    def step(gw, gb):
        return opt.apply_gradients([(gw, w), (gb, b)])

    if traced:
        step = tf.function(step)
    lrs = []
    for s in range(cases.STEPS):
        lrs.append(float(np.asarray(opt.learning_rate)))
        step(*(tf.constant(g) for g in cases.gradients(s)))
    np.testing.assert_allclose(lrs, ref["learning_rates"], rtol=1e-7)
    tol = LOOSE.get(key, TOL)
    np.testing.assert_allclose(w.numpy(), expected(ref["w"]), **tol)
    np.testing.assert_allclose(b.numpy(), expected(ref["b"]), **tol)
    check_variables(opt, ref["variables"], tol)
    assert unnamed(optimizers.serialize(opt)) == unnamed(ref["serialized"])
    if "finalized" in ref:
        opt.finalize_variable_values([w, b])
        np.testing.assert_allclose(w.numpy(), expected(ref["finalized"]["w"]), **TOL)
        np.testing.assert_allclose(b.numpy(), expected(ref["finalized"]["b"]), **TOL)


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "function"])
@pytest.mark.parametrize("case", cases.SPARSE_CASES, ids=[c[0] for c in cases.SPARSE_CASES])
def test_sparse_matches_keras(case, traced):
    key, cls_name, kwargs = case
    ref = REF["sparse"][key]
    e = tf.Variable(cases.sparse_initial(), name="e")
    opt = make_optimizer(cls_name, kwargs)

    def step(values):
        grad = tf.IndexedSlices(values, tf.constant(cases.SPARSE_INDICES),
                                tf.constant(cases.SPARSE_SHAPE))
        opt.apply_gradients([(grad, e)])

    if traced:
        step = tf.function(step)
    for s in range(cases.STEPS):
        step(tf.constant(cases.sparse_values(s)))
    np.testing.assert_allclose(e.numpy(), expected(ref["e"]), **TOL)
    check_variables(opt, ref["variables"])


@pytest.mark.parametrize("case", cases.SCHEDULE_CASES, ids=[c[0] for c in cases.SCHEDULE_CASES])
def test_schedule_values_match_keras(case):
    key, cls_name, kwargs = case
    ref = REF["schedules"][key]
    sched = getattr(optimizers.schedules, cls_name)(**kwargs)
    eager = [float(np.asarray(sched(s))) for s in cases.SCHEDULE_STEPS]
    np.testing.assert_allclose(eager, ref["values"], rtol=1e-6, atol=1e-9)
    traced_fn = tf.function(lambda step: sched(step))
    traced = [float(traced_fn(tf.constant(s, tf.int64)).numpy()) for s in cases.SCHEDULE_STEPS]
    np.testing.assert_allclose(traced, eager, rtol=1e-7)
    assert optimizers.schedules.serialize(sched) == ref["serialized"]
    again = optimizers.schedules.deserialize(ref["serialized"])
    assert type(again) is type(sched) and again.get_config() == sched.get_config()
