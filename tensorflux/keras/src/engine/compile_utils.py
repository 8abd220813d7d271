"""What ``compile(loss=..., metrics=...)`` turns into: per-output losses and metrics."""

from __future__ import annotations

import tensorflux as tf
from tensorflux._src.core import nest


def _losses_mod():
    from tensorflux.keras.src import losses

    return losses


def _metrics_mod():
    from tensorflux.keras.src import metrics

    return metrics


def _rank(x):
    return len(x.shape)


def _resolve_loss(identifier):
    losses = _losses_mod()
    obj = losses.get(identifier)
    if obj is None:
        return None
    if not isinstance(obj, losses.Loss):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "loss")
        obj = losses.LossFunctionWrapper(obj, name=name)
    return obj


def _resolve_metric(identifier, y_true, y_pred, loss):
    """Keras's rule for 'accuracy'/'acc'/'crossentropy'/'ce': pick the variant matching the
    target and prediction shapes (binary, sparse categorical or categorical)."""
    metrics = _metrics_mod()
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc",
                                                               "crossentropy", "ce"):
        name = identifier
        is_binary = y_pred.shape[-1] == 1 if _rank(y_pred) else True
        is_sparse = (_rank(y_true) < _rank(y_pred)) or (
            _rank(y_true) and y_true.shape[-1] == 1 and not is_binary)
        lname = getattr(loss, "name", "") or ""
        if "binary" in lname:
            is_binary, is_sparse = True, False
        elif "sparse_categorical" in lname:
            is_binary, is_sparse = False, True
        elif "categorical" in lname:
            is_binary, is_sparse = False, False
        if identifier.lower() in ("accuracy", "acc"):
            cls = (metrics.BinaryAccuracy if is_binary else metrics.SparseCategoricalAccuracy
                   if is_sparse else metrics.CategoricalAccuracy)
        else:
            cls = (metrics.BinaryCrossentropy if is_binary
                   else metrics.SparseCategoricalCrossentropy if is_sparse
                   else metrics.CategoricalCrossentropy)
        return cls(name=name)
    obj = metrics.get(identifier)
    if isinstance(obj, metrics.Metric):
        if isinstance(identifier, str):
            obj.name = identifier      # Keras logs a string metric under the given name
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
    return metrics.MeanMetricWrapper(obj, name=name)


def _per_output(spec, output_names, what):
    """Map a loss/metrics spec to one entry per output (list in output order)."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(f"In the dict argument `{what}`, key(s) {unknown} do not "
                             f"correspond to any model output. Received: {what}={spec}. "
                             f"Model output names: {output_names}")
        return [spec.get(k) for k in output_names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(f"For a model with {n} outputs, when providing the `{what}` "
                             f"argument as a list, it should have as many entries as the model "
                             f"has outputs. Received: {what}={spec}")
        return list(spec)
    return [spec] * n if n > 1 and what == "loss" else [spec] + [None] * (n - 1)


def _flat_outputs(struct, output_names):
    if isinstance(struct, dict):
        return [struct[k] for k in output_names] if all(k in struct for k in output_names) \
            else nest.flatten(struct)
    return nest.flatten(struct)


class CompileLoss:
    """Sum of per-output losses (times ``loss_weights``); tracks each one when several."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self._spec = loss
        self._weights_spec = loss_weights
        self.output_names = output_names
        self.built = False
        self.metrics = []

    def build(self, y_true, y_pred):
        metrics = _metrics_mod()
        if self.output_names is None or len(self.output_names) != len(nest.flatten(y_pred)):
            if isinstance(y_pred, dict):
                self.output_names = sorted(y_pred)
            else:
                self.output_names = [f"output_{i}" for i in range(len(nest.flatten(y_pred)))]
        names = self.output_names
        n = len(names)
        specs = _per_output(self._spec, names, "loss") if n > 1 else [self._spec]
        if n > 1 and not isinstance(self._spec, (list, tuple, dict)):
            specs = [self._spec] * n
        self.losses = [_resolve_loss(s) if s is not None else None for s in specs]
        w = self._weights_spec
        if w is None:
            self.loss_weights = [1.0] * n
        elif isinstance(w, dict):
            self.loss_weights = [w.get(k, 1.0) for k in names]
        elif isinstance(w, (list, tuple)):
            self.loss_weights = list(w)
        else:
            self.loss_weights = [float(w)] * n
        if n > 1:
            with tf.init_scope():
                self.metrics = [metrics.Mean(name=f"{k}_loss") if loss is not None else None
                                for k, loss in zip(names, self.losses)]
            self.metrics = [m for m in self.metrics if m is not None]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        names = self.output_names
        yp = _flat_outputs(y_pred, names)
        yt = _flat_outputs(y_true, names) if nest.is_nested(y_true) else [y_true]
        sw = (_flat_outputs(sample_weight, names) if nest.is_nested(sample_weight)
              else [sample_weight] * len(yp))
        total = None
        trackers = iter(self.metrics)
        for loss, w, t, p, s in zip(self.losses, self.loss_weights, yt, yp, sw):
            if loss is None or t is None:
                continue
            value = loss(t, p, sample_weight=s)
            if self.metrics:
                next(trackers).update_state(value, sample_weight=tf.shape(p)[0])
            value = value * w if w != 1.0 else value
            total = value if total is None else total + value
        return total


class CompileMetrics:
    """All compiled metrics; ``result()`` is a dict (flattened into the logs)."""

    name = "compile_metrics"

    def __init__(self, metrics, weighted_metrics, output_names=None, loss=None):
        self._spec, self._wspec = metrics, weighted_metrics
        self.output_names = output_names
        self._loss = loss
        self.built = False
        self._metrics = []    # (output index, metric, weighted)

    def _specs_for(self, spec, names):
        if spec is None:
            return [[] for _ in names]
        if isinstance(spec, dict):
            return [list(nest.flatten(spec.get(k, []))) if spec.get(k) is not None else []
                    for k in names]
        if len(names) > 1 and isinstance(spec, (list, tuple)) and len(spec) == len(names) and \
                all(isinstance(s, (list, tuple)) or s is None for s in spec):
            return [list(s or []) for s in spec]
        return [list(spec if isinstance(spec, (list, tuple)) else [spec]) for _ in names]

    def build(self, y_true, y_pred):
        names = self.output_names
        if names is None or len(names) != len(nest.flatten(y_pred)):
            names = sorted(y_pred) if isinstance(y_pred, dict) else \
                [f"output_{i}" for i in range(len(nest.flatten(y_pred)))]
            self.output_names = names
        yp = _flat_outputs(y_pred, names)
        yt = _flat_outputs(y_true, names) if nest.is_nested(y_true) else [y_true]
        losses = getattr(self._loss, "losses", None) or [None] * len(names)
        multi = len(names) > 1
        with tf.init_scope():
            for weighted, spec in ((False, self._spec), (True, self._wspec)):
                for i, lst in enumerate(self._specs_for(spec, names)):
                    for ident in lst:
                        m = _resolve_metric(ident, yt[i], yp[i], losses[i]
                                            if i < len(losses) else None)
                        if multi:
                            m.name = f"{names[i]}_{m.name}"
                        if weighted and not multi:
                            m.name = f"weighted_{m.name}" if any(
                                mm.name == m.name for _, mm, _ in self._metrics) else m.name
                        self._metrics.append((i, m, weighted))
        self.built = True

    @property
    def metrics(self):
        return [m for _, m, _ in self._metrics]

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        names = self.output_names
        yp = _flat_outputs(y_pred, names)
        yt = _flat_outputs(y_true, names) if nest.is_nested(y_true) else [y_true]
        sw = (_flat_outputs(sample_weight, names) if nest.is_nested(sample_weight)
              else [sample_weight] * len(yp))
        for i, m, weighted in self._metrics:
            if yt[i] is None:
                continue
            m.update_state(yt[i], yp[i], sample_weight=sw[i] if weighted else None)

    def result(self):
        return {m.name: m.result() for m in self.metrics}

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()
