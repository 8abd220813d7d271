"""Regenerate ``reference.json`` with real TensorFlow 2.21 + Keras 3.15 (one-off, not a test).

    <python with tensorflow> tests/keras/optimizers/make_reference.py

Runs every case of ``cases.py`` through ``keras.optimizers`` and records the final model
variables, every optimizer variable (name, dtype, shape, value), the optimizer's serialized
config, and schedule values. The tests replay the same cases on tensorflux.
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf
import keras

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases  # noqa: E402


def arr(x):
    a = np.asarray(x)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "value": a.ravel().tolist()}


def make_optimizer(cls_name, kwargs, schedule):
    kwargs = dict(kwargs)
    if schedule is not None:
        kwargs["learning_rate"] = getattr(keras.optimizers.schedules, schedule[0])(**schedule[1])
    return getattr(keras.optimizers, cls_name)(**kwargs)


def opt_state(opt):
    return [dict(name=v.name, **arr(v.numpy())) for v in opt.variables]


def dense_case(cls_name, kwargs, schedule):
    w0, b0 = cases.initial_values()
    w, b = tf.Variable(w0, name="w"), tf.Variable(b0, name="b")
    opt = make_optimizer(cls_name, kwargs, schedule)
    lrs = []
    for step in range(cases.STEPS):
        gw, gb = cases.gradients(step)
        lrs.append(float(np.asarray(opt.learning_rate)))
        opt.apply_gradients([(tf.constant(gw), w), (tf.constant(gb), b)])
    out = {"w": arr(w.numpy()), "b": arr(b.numpy()), "variables": opt_state(opt),
           "learning_rates": lrs, "serialized": keras.optimizers.serialize(opt)}
    if opt.use_ema:
        opt.finalize_variable_values([w, b])
        out["finalized"] = {"w": arr(w.numpy()), "b": arr(b.numpy())}
    return out


def sparse_case(cls_name, kwargs):
    e = tf.Variable(cases.sparse_initial(), name="e")
    opt = getattr(keras.optimizers, cls_name)(**kwargs)
    for step in range(cases.STEPS):
        g = tf.IndexedSlices(tf.constant(cases.sparse_values(step)),
                             tf.constant(cases.SPARSE_INDICES), tf.constant(cases.SPARSE_SHAPE))
        opt.apply_gradients([(g, e)])
    return {"e": arr(e.numpy()), "variables": opt_state(opt)}


def main():
    ref = {"versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
           "dense": {}, "sparse": {}, "schedules": {}}
    for key, cls_name, kwargs, schedule in cases.OPTIMIZER_CASES:
        ref["dense"][key] = dense_case(cls_name, kwargs, schedule)
    for key, cls_name, kwargs in cases.SPARSE_CASES:
        ref["sparse"][key] = sparse_case(cls_name, kwargs)
    for key, cls_name, kwargs in cases.SCHEDULE_CASES:
        sched = getattr(keras.optimizers.schedules, cls_name)(**kwargs)
        ref["schedules"][key] = {
            "values": [float(np.asarray(sched(s))) for s in cases.SCHEDULE_STEPS],
            "serialized": keras.optimizers.schedules.serialize(sched)}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ref, f, indent=None, separators=(",", ":"))
        f.write("\n")
    os.replace(tmp, path)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
