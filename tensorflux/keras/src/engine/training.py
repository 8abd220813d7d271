"""``keras.Model``: compile / fit / evaluate / predict (Keras 3 TensorFlow-backend trainer)."""

from __future__ import annotations

import itertools

import numpy as np

import tensorflux as tf
from tensorflux._src.core import nest
from tensorflux._src.framework.tensor import Tensor
from tensorflux.keras.src.engine import data_adapter
from tensorflux.keras.src.engine.compile_utils import CompileLoss, CompileMetrics
from tensorflux.keras.src.engine.data_adapter import unpack_x_y_sample_weight
from tensorflux.keras.src.engine.layer import Layer


def _is_functional_args(args, kwargs):
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or (
        "inputs" in kwargs and "outputs" in kwargs)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


def _executions(batches, n):
    """Group an epoch's batches into executions of up to ``n`` steps:
    ``(first_step, last_step, [batch, ...])`` (Keras's ``EpochIterator.enumerate_epoch``)."""
    it = iter(batches)
    step = 0
    while True:
        chunk = list(itertools.islice(it, n))
        if not chunk:
            return
        yield step, step + len(chunk) - 1, chunk
        step += len(chunk)


def _check_steps_per_execution(value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError("`steps_per_execution` must be a positive integer (the number of "
                         f"batches each traced call runs). Received: steps_per_execution="
                         f"{value!r}")
    return int(value)


def pythonify_logs(logs):
    """Sorted, flattened logs with Python floats (Keras's ``pythonify_logs``)."""
    out = {}
    for k, v in sorted((logs or {}).items()):
        if isinstance(v, dict):
            out.update(pythonify_logs(v))
            continue
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            out[k] = v
    return out


class Model(Layer):
    """A layer with training and inference features (``keras.Model``).

    ``Model(inputs, outputs)`` builds a functional model; subclass it and implement
    ``call`` for a subclassed model.
    """

    _keras_module = "keras"

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_args(args, kwargs):
            from tensorflux.keras.src.engine.functional import Functional

            return Layer.__new__(Functional, *args, **kwargs)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or kwargs:
            raise TypeError(f"Model.__init__() got unexpected arguments {args} {kwargs}. A "
                            "subclassed Model takes `name`, `trainable` and `dtype`.")
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype)
        d = self.__dict__
        d["compiled"] = False
        d["optimizer"] = None
        d["stop_training"] = False
        d["history"] = None
        d["_compile_loss"] = None
        d["_compile_metrics"] = None
        d["_loss_tracker"] = None
        d["_compile_config"] = None
        d["_fns"] = {}
        d["_run_eagerly"] = False
        d["jit_compile"] = False
        d["steps_per_execution"] = 1

    # ---- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training. ``jit_compile`` is accepted; XLA is a later issue, steps run
        as traced ``tf.function`` graphs either way."""
        from tensorflux.keras.src import metrics as metrics_mod, optimizers

        self.optimizer = optimizers.get(optimizer) if optimizer is not None else None
        if (auto_scale_loss and self.optimizer is not None
                and getattr(self.dtype_policy, "name", None) == "mixed_float16"
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)):
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer,
                                                           name="loss_scale_optimizer")
        names = self._output_names()
        self._compile_loss = CompileLoss(loss, loss_weights, names) if loss is not None else None
        self._compile_metrics = (CompileMetrics(metrics, weighted_metrics, names,
                                                self._compile_loss)
                                 if metrics is not None or weighted_metrics is not None else None)
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._run_eagerly = bool(run_eagerly)
        self.steps_per_execution = _check_steps_per_execution(steps_per_execution)
        self.jit_compile = False if jit_compile == "auto" else bool(jit_compile)
        self._fns = {}
        self.compiled = True
        self._compile_config = {
            "optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
            "metrics": metrics, "weighted_metrics": weighted_metrics,
            "run_eagerly": bool(run_eagerly), "steps_per_execution": steps_per_execution,
            "jit_compile": self.jit_compile}

    def _output_names(self):
        return getattr(self, "output_names", None)

    @property
    def run_eagerly(self):
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        self._run_eagerly = bool(value)
        self._fns = {}

    @property
    def metrics(self):
        out = []
        if self.compiled:
            if self._loss_tracker is not None:
                out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    @property
    def compiled_loss(self):
        def loss_fn(y_true, y_pred, sample_weight=None, regularization_losses=None):
            return self.compute_loss(y=y_true, y_pred=y_pred, sample_weight=sample_weight)
        return loss_fn

    @property
    def compiled_metrics(self):
        return self._compile_metrics

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # ---- steps -------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Compiled loss plus the losses added by layers (``model.losses``)."""
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        extra = self.losses
        if extra:
            s = tf.add_n([tf.cast(v, tf.float32) for v in extra])
            total = s if total is None else total + s
        if total is None:
            total = tf.constant(0.0)
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    def _track_loss(self, loss, x):
        """``loss_tracker.update_state(loss, sample_weight=batch_size)``; for the built-in
        ``Mean`` and a scalar loss the two variable updates are emitted directly (no
        reduction of an already scalar value)."""
        from tensorflux.keras.src.metrics import Mean

        tracker = self._loss_tracker
        n = tf.shape(nest.flatten(x)[0])[0]
        if type(tracker) is Mean and loss.shape.rank == 0:
            dtype = tracker.total.dtype
            n = tf.cast(n, dtype)
            tracker.total.assign_add(tf.cast(loss, dtype) * n)
            tracker.count.assign_add(n)
        else:
            tracker.update_state(loss, sample_weight=n)

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
            scaled_loss = self.optimizer.scale_loss(loss) if self.optimizer is not None else loss
        self._track_loss(loss, x)
        variables = self.trainable_weights
        if variables:
            grads = tape.gradient(scaled_loss, variables)
            self.optimizer.apply(grads, variables)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                 training=False)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _function(self, kind):
        fn = self._fns.get(kind)
        if fn is None:
            step = getattr(self, f"{kind}_step")
            if self._run_eagerly or tf.config.functions_run_eagerly():
                fn = step
            else:
                fn = tf.function(step, reduce_retracing=True)
            self._fns[kind] = fn
        return fn

    def _execution_function(self, kind):
        """``fn(batches)`` running one ``{kind}_step`` per batch in a single traced call
        (the loop is unrolled in the trace; a shorter last group traces once more). Train
        and test return the last step's logs, predict the list of every step's outputs."""
        key = f"{kind}_multi"
        fn = self._fns.get(key)
        if fn is None:
            from tensorflux._src.autograph.impl import convert

            # A user's step override is converted by AutoGraph when traced (as TF Keras
            # does); with one step per call tf.function(step) converts it itself.
            step = convert(getattr(self, f"{kind}_step"))
            if kind == "predict":
                def multi(batches):
                    return [step(b) for b in batches]
            else:
                def multi(batches):
                    logs = None
                    for b in batches:
                        logs = step(b)
                    return logs
            if not (self._run_eagerly or tf.config.functions_run_eagerly()):
                multi = tf.function(multi, reduce_retracing=True)
            fn = self._fns[key] = multi
        return fn

    def _runner(self, kind):
        """``run(chunk)`` for the groups of ``_executions``: one step per call when
        ``steps_per_execution`` is 1 (the plain step function), else N steps per call."""
        if self.steps_per_execution == 1:
            fn = self._function(kind)
            if kind == "predict":
                return lambda chunk: [fn(chunk[0])]
            return lambda chunk: fn(chunk[0])
        fn = self._execution_function(kind)
        return lambda chunk: fn(tuple(chunk))

    def _make(self, kind, force):
        if force:
            self._fns.pop(kind, None)
            self._fns.pop(f"{kind}_multi", None)
        if self.steps_per_execution > 1:
            return self._execution_function(kind)
        return self._function(kind)

    def make_train_function(self, force=False):
        """The (cached) traced train step; also available as ``model.train_function``."""
        return self._make("train", force)

    def make_test_function(self, force=False):
        return self._make("test", force)

    def make_predict_function(self, force=False):
        return self._make("predict", force)

    def _step_fn_property(kind):
        def get(self):
            key = f"{kind}_multi" if self.steps_per_execution > 1 else kind
            return self._fns.get(key)

        def set_(self, fn):
            key = f"{kind}_multi" if self.steps_per_execution > 1 else kind
            if fn is None:
                self._fns.pop(key, None)
            else:
                self._fns[key] = fn
        return property(get, set_, doc=f"The traced ``{kind}_step`` function (None until "
                        f"``fit``/``make_{kind}_function`` creates it; settable, like Keras).")

    train_function = _step_fn_property("train")
    test_function = _step_fn_property("test")
    predict_function = _step_fn_property("predict")
    del _step_fn_property

    def _assert_compiled(self):
        if not self.compiled or (self.optimizer is None and self._compile_loss is None):
            raise RuntimeError("You must call `compile()` before using the model for "
                               "training or evaluation.")

    # ---- fit / evaluate / predict ------------------------------------------------------------
    def _callbacks(self, callbacks, verbose, epochs, steps, history):
        from tensorflux.keras.src.callbacks.callback import CallbackList

        if verbose == "auto":
            verbose = 1
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_history=history, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps)
        return cbs

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns a ``History``."""
        self._assert_compiled()
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split)
        adapter = data_adapter.get_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                           shuffle, class_weight)
        val = None
        if validation_data is not None:
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            val = data_adapter.get_adapter(vx, vy, vsw, validation_batch_size or batch_size,
                                           validation_steps)
        cbs = self._callbacks(callbacks, verbose, epochs, adapter.num_batches, True)
        run = self._runner("train")
        spe = self.steps_per_execution
        self.stop_training = False
        cbs.on_train_begin()
        initial_epoch = self.__dict__.pop("_initial_epoch_override", initial_epoch)
        want_batch_begin = cbs.wants("on_train_batch_begin")
        want_batch_end = cbs.wants("on_train_batch_end")
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            raw = None
            for begin, step, chunk in _executions(adapter.epoch_batches(), spe):
                if want_batch_begin:
                    cbs.on_train_batch_begin(begin)
                raw = run(chunk)
                if want_batch_end:
                    cbs.on_train_batch_end(step, pythonify_logs(raw))
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("The training data produced no batches. Check `x`, "
                                 "`steps_per_epoch` and `batch_size`.")
            logs = pythonify_logs(raw)
            if val is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_adapter(val, cbs, in_fit=True)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def _evaluate_adapter(self, adapter, cbs, in_fit=False):
        run = self._runner("test")
        self.reset_metrics()
        cbs.on_test_begin()
        want_begin = cbs.wants("on_test_batch_begin")
        want_end = cbs.wants("on_test_batch_end")
        raw = None
        for begin, step, chunk in _executions(adapter.epoch_batches(),
                                              self.steps_per_execution):
            if want_begin:
                cbs.on_test_batch_begin(begin)
            raw = run(chunk)
            if want_end:
                cbs.on_test_batch_end(step, pythonify_logs(raw))
        logs = pythonify_logs(raw if raw is not None else self.get_metrics_result())
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metric values in test mode (list in ``metrics_names`` order, or dict)."""
        self._assert_compiled()
        adapter = data_adapter.get_adapter(x, y, sample_weight, batch_size, steps)
        cbs = self._callbacks(callbacks, verbose, 1, adapter.num_batches, False)
        logs = self._evaluate_adapter(adapter, cbs)
        if return_dict:
            return logs
        return self._flatten_in_order(logs)

    def _flatten_in_order(self, logs):
        keys = ["loss"] if "loss" in logs else []
        if self._compile_metrics is not None:
            keys += [m.name for m in self._compile_metrics.metrics]
        if self._compile_loss is not None:
            keys += [m.name for m in self._compile_loss.metrics]
        keys += [k for k in logs if k not in keys]
        out = [logs[k] for k in keys if k in logs]
        return out[0] if len(out) == 1 else out

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x``, batch by batch, concatenated into NumPy arrays."""
        if isinstance(x, tuple) and len(x) in (1, 2, 3) and not data_adapter._is_dataset(x):
            x = x[0] if len(x) else x
        adapter = data_adapter.get_adapter(x, None, None, batch_size, steps)
        cbs = self._callbacks(callbacks, verbose, 1, adapter.num_batches, False)
        run = self._runner("predict")
        cbs.on_predict_begin()
        want_begin = cbs.wants("on_predict_batch_begin")
        want_end = cbs.wants("on_predict_batch_end")
        outs = []
        for begin, step, chunk in _executions(adapter.epoch_batches(),
                                              self.steps_per_execution):
            if want_begin:
                cbs.on_predict_batch_begin(begin)
            chunk_outs = [nest.map_structure(lambda t: t.numpy() if isinstance(t, Tensor)
                                             else np.asarray(t), o) for o in run(chunk)]
            outs.extend(chunk_outs)
            if want_end:
                out = chunk_outs[0] if len(chunk_outs) == 1 else nest.map_structure(
                    lambda *xs: np.concatenate(xs, axis=0), *chunk_outs)
                cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information "
                             "of where went wrong, or file a issue/bug to `keras`.")
        return nest.map_structure(lambda *xs: np.concatenate(xs, axis=0), *outs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._assert_compiled()
        self.reset_metrics()
        if class_weight is not None and y is not None:
            cw = data_adapter.class_weight_to_sample_weight(
                np.asarray(nest.flatten(y)[0]), class_weight)
            sample_weight = cw if sample_weight is None else np.asarray(sample_weight) * cw
        n = len(data_adapter._to_array(nest.flatten(x)[0]))   # the whole input: one batch
        batch = next(data_adapter.ArrayAdapter(x, y, sample_weight, batch_size=n)
                     .epoch_batches())
        logs = pythonify_logs(self._function("train")(batch))
        return logs if return_dict else self._flatten_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled()
        self.reset_metrics()
        n = len(data_adapter._to_array(nest.flatten(x)[0]))
        batch = next(data_adapter.ArrayAdapter(x, y, sample_weight, batch_size=n)
                     .epoch_batches())
        logs = pythonify_logs(self._function("test")(batch))
        return logs if return_dict else self._flatten_in_order(logs)

    def predict_on_batch(self, x):
        n = len(data_adapter._to_array(nest.flatten(x)[0]))
        batch = next(data_adapter.ArrayAdapter(x, batch_size=n).epoch_batches())
        out = self._function("predict")(batch)
        return nest.map_structure(lambda t: t.numpy(), out)

    # ---- misc --------------------------------------------------------------------------------
    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def layers(self):
        return self._direct_layers()

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        from tensorflux.keras.src.utils.summary_utils import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def to_json(self, **kwargs):
        import json

        from tensorflux.keras.src.saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)

    def get_compile_config(self):
        if not self.compiled or self._compile_config is None:
            return None
        from tensorflux.keras.src.saving import serialization_lib

        return serialization_lib.serialize_keras_object(self._compile_config)

    def _compile_config_for_serialization(self):
        return self.get_compile_config() or {}

    def compile_from_config(self, config):
        from tensorflux.keras.src.saving import serialization_lib

        config = dict(config)
        opt = config.get("optimizer")
        if isinstance(opt, dict):
            from tensorflux.keras.src import optimizers

            config["optimizer"] = optimizers.deserialize(opt)
        for key in ("loss", "metrics", "weighted_metrics"):
            if isinstance(config.get(key), dict) and "class_name" in config[key]:
                config[key] = serialization_lib.deserialize_keras_object(config[key])
        self.compile(**config)

    def save(self, filepath, overwrite=True, **kwargs):
        from tensorflux.keras.src.saving import saving_api

        return saving_api.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True, **kwargs):
        from tensorflux.keras.src.saving import saving_api

        return saving_api.save_weights(self, filepath, overwrite=overwrite, **kwargs)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        from tensorflux.keras.src.saving import saving_api

        return saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def get_config(self):
        if type(self).get_config is not Model.get_config:
            return super().get_config()
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from tensorflux.keras.src.engine.functional import Functional, functional_from_config

        if "layers" in config and "input_layers" in config and (
                cls is Model or issubclass(cls, Functional)):
            return functional_from_config(cls if cls is not Model else Functional, config,
                                          custom_objects)
        return super().from_config(config)
