"""Reference values from the real keras 3 (numpy backend), run in a separate process.

``python -m tests.keras.losses_metrics._keras_oracle`` prints a JSON object
``{"losses": {id: value}, "metrics": {id: value}, "configs": {id: config}}``. It runs in
its own process because keras's numpy backend imports ``jax`` (absent here) at import time:
a stand-in ``jax`` module is installed only in that process, and losses/metrics never call
it. Other tests' keras oracle (e.g. the layer harness) is left untouched.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import types

import numpy as np

from tests.keras.losses_metrics import cases


class _Stub(types.ModuleType):
    """Any attribute is another stub; calling it returns a stub (decorators pass through)."""

    def __init__(self, name):
        super().__init__(name)
        self.__path__ = []

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        value = _Stub(f"{self.__name__}.{key}")
        setattr(self, key, value)
        return value

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]
        return _Stub("call")

    def __mro_entries__(self, bases):
        return (object,)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name == "jax" or name.startswith("jax."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _Stub(spec.name)

    def exec_module(self, module):
        pass


def load_keras():
    os.environ["KERAS_BACKEND"] = "numpy"
    try:
        import jax  # noqa: F401
    except ImportError:
        sys.meta_path.insert(0, _Finder())
    import keras

    return keras


def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.generic, np.ndarray)):
        return np.asarray(x).tolist()
    if hasattr(x, "numpy") or type(x).__module__.startswith("keras"):
        return repr(x)
    return x


def main():
    keras = load_keras()
    out = {"losses": {}, "metrics": {}, "configs": {}}
    for cid in cases.loss_case_ids():
        cls, kwargs, kind, sw = cases.loss_case(cid)
        y_true, y_pred = cases.inputs(kind)
        loss = getattr(keras.losses, cls)(**kwargs)
        value = loss(y_true, y_pred, sample_weight=cases.sample_weight(sw))
        out["losses"][cid] = np.asarray(value).tolist()
        out["configs"]["loss:" + cid] = _jsonable(loss.get_config())
    for cid, cls, kwargs, kind, sw in cases.METRICS:
        metric = getattr(keras.metrics, cls)(**kwargs)
        for seed in (0, 1):
            y_true, y_pred = cases.inputs(kind, seed)
            w = cases.sample_weight(sw, seed)
            if cls in ("Mean", "Sum"):
                metric.update_state(y_pred, sample_weight=w)
            else:
                metric.update_state(y_true, y_pred, sample_weight=w)
        out["metrics"][cid] = np.asarray(metric.result()).tolist()
        out["configs"]["metric:" + cid] = _jsonable(metric.get_config())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
