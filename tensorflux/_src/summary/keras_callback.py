"""Keras' ``TensorBoard`` callback (Keras 3 behaviour) writing through ``tf.summary``.

Run layout and tags are Keras': ``<log_dir>/train`` and ``<log_dir>/validation`` runs,
``epoch_<metric>`` (validation metrics without the ``val_`` prefix), ``epoch_learning_rate``,
``epoch_steps_per_second``, ``batch_<metric>`` with ``update_freq``, weight histograms
``<weight.path>/histogram`` (+ ``/image``), the model config as a ``graph_keras_model``
summary and the train function's graph.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import numpy as np

from tensorflux._src.summary import projector as _projector
from tensorflux._src.summary import v2, wire
from tensorflux._src.summary import writer as _w
from tensorflux._src.summary.graph import graph as _graph
from tensorflux._src.summary.graph import trace_export, trace_on
from tensorflux._src.summary.hparams import _callback_base

_log = logging.getLogger("tensorflux")


def keras_model_summary(name, data, step=None):
    """Writes a Keras model's JSON config as a ``graph_keras_model`` summary (what the graph
    dashboard's conceptual view reads); False when the model cannot be serialized."""
    try:
        json_string = data.to_json()
    except Exception as exc:  # noqa: BLE001 - a model that cannot serialize is skipped
        _log.warning("Model failed to serialize as JSON. Ignoring... %s", exc)
        return False
    md = wire.summary_metadata("graph_keras_model", b"1")
    return _w.write(_w.summary_tag(name), np.array(json_string.encode(), dtype=object), step,
                    md)


def _as_float(v):
    if hasattr(v, "numpy"):
        v = v.numpy()
    return float(np.asarray(v))


def _value(weight):
    return np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight)


def _weight_name(weight):
    name = getattr(weight, "path", None) or getattr(weight, "name", "weight")
    return name.replace(":", "_")


class TensorBoard(_callback_base()):
    """Logs training to TensorBoard (``keras.callbacks.TensorBoard``)."""

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if self.update_freq != "epoch" and not (isinstance(self.update_freq, int)
                                                and self.update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive int, "
                             f"got {update_freq!r}")
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._init_profile_batch(profile_batch)
        # Per-batch work is needed only for batch summaries, steps/s or profiling; with
        # update_freq="epoch" the batch hooks return at once (the graph is written at epoch end).
        self._batch_hooks = (self.update_freq != "epoch" or write_steps_per_second
                             or self._should_trace)
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._writers = {}
        self._prev_summary_state = []
        self._embedding_layers = []

    # --- setup -------------------------------------------------------------------------------
    def set_model(self, model):
        """Sets the model; writes its config and schedules the train-graph write."""
        super().set_model(model)
        self._model = model
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._should_write_train_graph = False
        if self.write_graph:
            self._write_keras_model_summary()
            self._should_write_train_graph = True
        if self.embeddings_freq:
            self._configure_embeddings()

    @property
    def model(self):
        return self._model

    @property
    def _train_writer(self):
        if "train" not in self._writers:
            self._writers["train"] = _w.create_file_writer(self._train_dir)
        return self._writers["train"]

    @property
    def _val_writer(self):
        if "val" not in self._writers:
            self._writers["val"] = _w.create_file_writer(self._val_dir)
        return self._writers["val"]

    def _write_keras_model_summary(self):
        if type(self.model).__name__ in ("Functional", "Sequential"):
            with self._train_writer.as_default():
                keras_model_summary("keras", self.model, step=0)

    def _write_keras_model_train_graph(self):
        self._should_write_train_graph = False
        fn = getattr(self.model, "train_function", None)
        if fn is None and hasattr(self.model, "make_train_function"):
            fn = self.model.make_train_function()  # the engine's cached train tf.function
        if fn is None:
            return
        try:
            with self._train_writer.as_default():
                _graph(fn)
        except (ValueError, AttributeError, IndexError):
            pass  # not a tf.function (e.g. run_eagerly=True): nothing to show

    def _configure_embeddings(self):
        """Writes ``projector_config.pbtxt``; tensors are TSV files refreshed at
        ``embeddings_freq`` (tensorflux has no TF checkpoint for the projector to read)."""
        from tensorflux._src.proto import projector_config_pb2

        config = projector_config_pb2.ProjectorConfig()
        meta = self.embeddings_metadata
        meta = dict(meta) if isinstance(meta, dict) else meta
        self._embedding_layers = [layer for layer in getattr(self.model, "layers", [])
                                  if type(layer).__name__ == "Embedding"]
        for layer in self._embedding_layers:
            e = config.embeddings.add(tensor_name=f"{layer.name}/embeddings",
                                      tensor_path=f"{layer.name}.embeddings.tsv")
            if isinstance(meta, str):
                e.metadata_path = meta
            elif meta and layer.name in meta:
                e.metadata_path = meta.pop(layer.name)
        if meta and not isinstance(meta, str):
            raise ValueError("Unrecognized `Embedding` layer names passed to "
                             "`keras.callbacks.TensorBoard` `embeddings_metadata` argument: "
                             f"{meta.keys()}")
        _projector.visualize_embeddings(self.log_dir, config)

    # --- writer stack for batch-level summaries ---------------------------------------------
    def _push_writer(self, writer, step):
        if self.update_freq == "epoch":
            return
        freq = self.update_freq
        ctx = (writer.as_default(step), _w.record_if(lambda: step % freq == 0))
        self._prev_summary_state.append(ctx)
        ctx[0].__enter__()
        ctx[1].__enter__()

    def _pop_writer(self):
        if self.update_freq == "epoch" or not self._prev_summary_state:
            return
        ctx = self._prev_summary_state.pop()
        ctx[1].__exit__(*sys.exc_info())
        ctx[0].__exit__(*sys.exc_info())

    def _close_writers(self):
        for w in self._writers.values():
            w.close()

    # --- profiling ---------------------------------------------------------------------------
    def _init_profile_batch(self, profile_batch):
        msg = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. "
               "A pair of positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
        if isinstance(profile_batch, str):
            try:
                profile_batch = [int(p) for p in profile_batch.split(",")]
            except ValueError:
                raise ValueError(msg) from None
        if isinstance(profile_batch, int):
            self._start_batch = self._stop_batch = profile_batch
        elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
            self._start_batch, self._stop_batch = profile_batch
        else:
            raise ValueError(msg)
        if self._start_batch < 0 or self._stop_batch < self._start_batch:
            raise ValueError(msg)
        self._is_tracing = False
        self._profiler_started = False
        self._should_trace = not (self._start_batch == 0 and self._stop_batch == 0)

    def _start_trace(self):
        trace_on(graph=True, profiler=False)
        try:
            from tensorflux._src.profiler import session

            session.start(self._train_dir)
            self._profiler_started = True
        except Exception as e:  # noqa: BLE001 - Keras logs profiler failures, never raises
            _log.error("Failed to start profiler: %s", e)
        self._is_tracing = True

    def _stop_trace(self, batch=None):
        batch = self._stop_batch if batch is None else batch
        with self._train_writer.as_default():
            trace_export(name=f"batch_{batch}", step=batch)
        if self._profiler_started:
            try:
                from tensorflux._src.profiler import session

                session.stop()
            except Exception as e:  # noqa: BLE001
                _log.error("Failed to stop profiler: %s", e)
            finally:
                self._profiler_started = False
        self._is_tracing = False

    # --- hooks -------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._push_writer(self._train_writer, self._global_train_batch)

    def on_train_end(self, logs=None):
        self._pop_writer()
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_test_begin(self, logs=None):
        self._push_writer(self._val_writer, self._global_test_batch)

    def on_test_end(self, logs=None):
        opt = getattr(self.model, "optimizer", None)
        if opt is not None and hasattr(opt, "iterations") and logs:
            with self._val_writer.as_default():
                for name, value in logs.items():
                    v2.scalar(f"evaluation_{name}_vs_iterations", _as_float(value),
                              step=int(_as_float(opt.iterations)))
        self._pop_writer()

    def on_train_batch_begin(self, batch, logs=None):
        if not self._batch_hooks:
            return
        self._global_train_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._train_writer, self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._should_trace and self._global_train_batch == self._start_batch:
            self._start_trace()

    def on_train_batch_end(self, batch, logs=None):
        if not self._batch_hooks:
            return
        if self._should_write_train_graph:
            self._write_keras_model_train_graph()
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._batch_start_time, 1e-9)
            v2.scalar("batch_steps_per_second", 1.0 / elapsed, step=self._global_train_batch)
        if isinstance(logs, dict):
            for name, value in logs.items():
                v2.scalar(f"batch_{name}", _as_float(value), step=self._global_train_batch)
        if self._is_tracing and self._global_train_batch >= self._stop_batch:
            self._stop_trace()

    def on_test_batch_begin(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        self._global_test_batch += 1
        if self.update_freq != "epoch":
            self._pop_writer()
            self._push_writer(self._val_writer, self._global_test_batch)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = _as_float(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if self._should_write_train_graph:
            self._write_keras_model_train_graph()
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)

    # --- epoch-level logging -----------------------------------------------------------------
    def _collect_learning_rate(self, logs):
        opt = getattr(self.model, "optimizer", None)
        opt = getattr(opt, "inner_optimizer", opt)
        if hasattr(opt, "optimizers"):
            for o in opt.optimizers:
                logs[f"learning_rate_{o.name}"] = _as_float(o.learning_rate)
        elif opt is not None and hasattr(opt, "learning_rate"):
            logs["learning_rate"] = _as_float(opt.learning_rate)
        return logs

    def _compute_steps_per_second(self):
        iters = _as_float(self.model.optimizer.iterations)
        return (iters - self._previous_epoch_iterations) / max(
            time.time() - self._epoch_start_time, 1e-9)

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k: v for k, v in logs.items() if k.startswith("val_")}
        train_logs = self._collect_learning_rate(train_logs)
        if self.write_steps_per_second:
            train_logs["steps_per_second"] = self._compute_steps_per_second()
        if train_logs:
            with self._train_writer.as_default():
                for name, value in train_logs.items():
                    v2.scalar(f"epoch_{name}", _as_float(value), step=epoch)
        if val_logs:
            with self._val_writer.as_default():
                for name, value in val_logs.items():
                    v2.scalar(f"epoch_{name[4:]}", _as_float(value), step=epoch)

    def _log_weights(self, epoch):
        with self._train_writer.as_default():
            for layer in getattr(self.model, "layers", []):
                for weight in layer.weights:
                    name = _weight_name(weight)
                    v2.histogram(f"{name}/histogram", _value(weight), step=epoch)
                    if self.write_images:
                        self._log_weight_as_image(weight, f"{name}/image", epoch)
            self._train_writer.flush()

    def _log_weight_as_image(self, weight, name, epoch):
        w = np.squeeze(_value(weight))
        if w.ndim == 1:
            w = w.reshape(1, w.shape[0], 1, 1)
        elif w.ndim == 2:
            if w.shape[0] > w.shape[1]:
                w = w.T
            w = w.reshape(1, w.shape[0], w.shape[1], 1)
        elif w.ndim == 3:  # channels_last conv kernel
            w = np.transpose(w, (2, 0, 1))
            w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
        if w.ndim == 4 and w.shape[-1] in (1, 3, 4):
            v2.image(name, w, step=epoch)

    def _log_embeddings(self, epoch):
        for layer in self._embedding_layers:
            w = layer.embeddings if hasattr(layer, "embeddings") else layer.weights[0]
            _projector.write_embedding_tsv(
                os.path.join(self.log_dir, f"{layer.name}.embeddings.tsv"),
                _value(w))
