"""Reference values from the real keras 3 (numpy backend), run in a separate process.

``python -m tests.keras.losses_metrics._keras_oracle`` prints a JSON object
``{"losses": {id: value}, "metrics": {id: value}, "configs": {id: config}}``. It runs in
its own process so that keras's global state (name counters, backend settings) stays out
of the test process.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

from tests.keras.losses_metrics import cases


def load_keras():
    os.environ["KERAS_BACKEND"] = "numpy"
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
