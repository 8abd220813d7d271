"""TensorBoard's hparams plugin API (``tensorboard.plugins.hparams.api``), on tensorflux.

Writes the ``_hparams_/experiment``, ``_hparams_/session_start_info`` and
``_hparams_/session_end_info`` summaries exactly as TensorBoard's own ``summary_v2`` does.
"""

from __future__ import annotations

import hashlib
import json
import random
import time

import numpy as np

EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"
PLUGIN_NAME = "hparams"
PLUGIN_DATA_VERSION = 0


def _api():
    from tensorflux._src.proto import hparams_api_pb2

    return hparams_api_pb2


def _plugin():
    from tensorflux._src.proto import hparams_plugin_data_pb2

    return hparams_plugin_data_pb2


class Domain:
    """The set of values an ``HParam`` may take."""

    dtype = None

    def sample_uniform(self, rng=random):
        raise NotImplementedError

    def update_hparam_info(self, hparam_info):
        raise NotImplementedError


class _Interval(Domain):
    _type = None

    def __init__(self, min_value=None, max_value=None):
        for what, v in (("min_value", min_value), ("max_value", max_value)):
            if not isinstance(v, self._type) or isinstance(v, bool):
                raise TypeError(f"{what} must be a {self._type.__name__}: {v!r}")
        if min_value > max_value:
            raise ValueError(f"{min_value!r} > {max_value!r}")
        self._min_value, self._max_value = min_value, max_value

    dtype = property(lambda self: self._type)
    min_value = property(lambda self: self._min_value)
    max_value = property(lambda self: self._max_value)

    def __str__(self):
        return f"[{self._min_value}, {self._max_value}]"

    def __repr__(self):
        return f"{type(self).__name__}({self._min_value!r}, {self._max_value!r})"

    def update_hparam_info(self, hparam_info):
        hparam_info.type = _api().DATA_TYPE_FLOAT64
        hparam_info.domain_interval.min_value = self._min_value
        hparam_info.domain_interval.max_value = self._max_value


class IntInterval(_Interval):
    """Integers in ``[min_value, max_value]`` (inclusive)."""

    _type = int

    def sample_uniform(self, rng=random):
        return rng.randint(self._min_value, self._max_value)


class RealInterval(_Interval):
    """Floats in ``[min_value, max_value]``."""

    _type = float

    def sample_uniform(self, rng=random):
        return rng.uniform(self._min_value, self._max_value)


class Discrete(Domain):
    """A fixed set of values of one type (``int``, ``float``, ``bool`` or ``str``)."""

    def __init__(self, values, dtype=None):
        self._values = list(values)
        if dtype is None:
            if not self._values:
                raise ValueError("Empty domain with no dtype specified")
            dtype = type(self._values[0])
        if dtype not in (int, float, bool, str):
            raise ValueError(f"Unknown dtype: {dtype!r}")
        self._dtype = dtype
        for v in self._values:
            if not isinstance(v, dtype):
                raise TypeError(f"dtype mismatch: not isinstance({v!r}, {dtype.__name__})")
        self._values.sort()

    dtype = property(lambda self: self._dtype)

    @property
    def values(self):
        return list(self._values)

    def __str__(self):
        return "{" + ", ".join(repr(x) for x in self._values) + "}"

    def __repr__(self):
        return f"Discrete({self._values!r})"

    def sample_uniform(self, rng=random):
        return rng.choice(self._values)

    def update_hparam_info(self, hparam_info):
        api = _api()
        hparam_info.type = {int: api.DATA_TYPE_FLOAT64, float: api.DATA_TYPE_FLOAT64,
                            bool: api.DATA_TYPE_BOOL, str: api.DATA_TYPE_STRING}[self._dtype]
        hparam_info.ClearField("domain_discrete")
        hparam_info.domain_discrete.extend(self._values)


class HParam:
    """A hyperparameter: a name, an optional domain and display information."""

    def __init__(self, name, domain=None, display_name=None, description=None):
        if domain is not None and not isinstance(domain, Domain):
            raise TypeError(f"not a domain: {domain!r}")
        self._name, self._domain = name, domain
        self._display_name, self._description = display_name, description

    name = property(lambda self: self._name)
    domain = property(lambda self: self._domain)
    display_name = property(lambda self: self._display_name)
    description = property(lambda self: self._description)

    def __repr__(self):
        return f"<HParam {self._name!r}: {self._domain}>"


class Metric:
    """A metric: the scalar ``tag`` in the session run's sub-directory ``group``."""

    TRAINING = 1  # DATASET_TRAINING
    VALIDATION = 2  # DATASET_VALIDATION

    def __init__(self, tag, group=None, display_name=None, description=None,
                 dataset_type=None):
        if dataset_type not in (None, Metric.TRAINING, Metric.VALIDATION):
            raise ValueError(f"invalid dataset type: {dataset_type!r}")
        self._tag, self._group = tag, group
        self._display_name, self._description = display_name, description
        self._dataset_type = dataset_type

    def as_proto(self):
        api = _api()
        return api.MetricInfo(name=api.MetricName(group=self._group, tag=self._tag),
                              display_name=self._display_name,
                              description=self._description,
                              dataset_type=self._dataset_type)


def _summary_pb(tag, plugin_data):
    from tensorflux._src.proto import summary_pb2

    s = summary_pb2.Summary()
    v = s.value.add(tag=tag)
    v.metadata.plugin_data.plugin_name = PLUGIN_NAME
    plugin_data.version = PLUGIN_DATA_VERSION
    v.metadata.plugin_data.content = plugin_data.SerializeToString()
    v.tensor.dtype = 1  # the placeholder TensorBoard expects: DT_FLOAT of shape [0]
    v.tensor.tensor_shape.dim.add(size=0)
    return s


def _normalize_hparams(hparams):
    out = {}
    for k, v in hparams.items():
        if isinstance(k, HParam):
            k = k.name
        if k in out:
            raise ValueError(f"multiple values specified for hparam {k!r}")
        if isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def _group_name(trial_id, hparams):
    if trial_id is not None:
        if not isinstance(trial_id, str):
            raise TypeError(f"`trial_id` should be a `str`, but got: {trial_id!r}")
        return trial_id
    blob = json.dumps(hparams, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def hparams_config_pb(hparams, metrics, time_created_secs=None):
    """The experiment ``Summary`` proto (declared hparams and metrics)."""
    api = _api()
    infos = []
    for hp in hparams:
        info = api.HParamInfo(name=hp.name, description=hp.description,
                              display_name=hp.display_name)
        if hp.domain is not None:
            hp.domain.update_hparam_info(info)
        infos.append(info)
    exp = api.Experiment(hparam_infos=infos, metric_infos=[m.as_proto() for m in metrics],
                         time_created_secs=time.time() if time_created_secs is None
                         else time_created_secs)
    return _summary_pb(EXPERIMENT_TAG, _plugin().HParamsPluginData(experiment=exp))


def hparams_pb(hparams, trial_id=None, start_time_secs=None):
    """The session-start ``Summary`` proto for one trial's hparam values."""
    hparams = _normalize_hparams(hparams)
    info = _plugin().SessionStartInfo(
        group_name=_group_name(trial_id, hparams),
        start_time_secs=time.time() if start_time_secs is None else start_time_secs)
    for name in sorted(hparams):
        v = hparams[name]
        if isinstance(v, bool):
            info.hparams[name].bool_value = v
        elif isinstance(v, (int, float)):
            info.hparams[name].number_value = v
        elif isinstance(v, str):
            info.hparams[name].string_value = v
        else:
            raise TypeError(f"hparams[{name!r}] = {v!r}, of unsupported type {type(v)!r}; "
                            "use bool, int, float or str")
    return _summary_pb(SESSION_START_INFO_TAG,
                       _plugin().HParamsPluginData(session_start_info=info))


def session_end_pb(status, end_time_secs=None):
    """The session-end ``Summary`` proto (``status``: ``api_pb2.STATUS_*`` or its name)."""
    api = _api()
    if isinstance(status, str):
        status = api.Status.Value(status)
    info = _plugin().SessionEndInfo(
        status=status, end_time_secs=time.time() if end_time_secs is None else end_time_secs)
    return _summary_pb(SESSION_END_INFO_TAG, _plugin().HParamsPluginData(session_end_info=info))


def _write(name, pb):
    from tensorflux._src.summary.writer import summary_scope, write_raw_pb

    with summary_scope(name):
        return write_raw_pb(pb.SerializeToString(), step=0)


def hparams_config(hparams, metrics, time_created_secs=None):
    """Writes the experiment configuration to the default writer (usually at the root
    logdir); returns whether it was written."""
    return _write("hparams_config", hparams_config_pb(hparams, metrics, time_created_secs))


def hparams(hparams, trial_id=None, start_time_secs=None):
    """Writes one trial's hparam values to the default writer (the trial's run)."""
    return _write("hparams", hparams_pb(hparams, trial_id, start_time_secs))


def _callback_base():
    try:
        from tensorflux.keras.src.callbacks.callback import Callback
    except ImportError:
        return _FallbackCallback
    return Callback


class _FallbackCallback:
    """The Keras callback protocol, used until ``tensorflux.keras`` provides ``Callback``."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def __getattr__(self, name):
        if name.startswith("on_"):
            return lambda *args, **kwargs: None
        raise AttributeError(name)


_keras_callback_cls = None


def keras_callback_class():
    """``KerasCallback``, built on first use on top of the Keras ``Callback`` base."""
    global _keras_callback_cls
    if _keras_callback_cls is None:
        _keras_callback_cls = _make_keras_callback(_callback_base())
    return _keras_callback_cls


def _make_keras_callback(base):
    class KerasCallback(base):
        """Logs a trial's hparams at ``on_train_begin`` and its end (success) at
        ``on_train_end`` (``hparams.api.KerasCallback``)."""

        def __init__(self, writer, hparams, trial_id=None):
            super().__init__()
            self._hparams = dict(hparams)
            self._trial_id = trial_id
            hparams_pb(self._hparams, trial_id=trial_id)  # fail fast on bad values
            if writer is None:
                raise TypeError("writer must be a `SummaryWriter` or `str`, not None")
            if isinstance(writer, str):
                from tensorflux._src.summary.writer import create_file_writer

                writer = create_file_writer(writer)
            self._writer = writer

        def _get_writer(self):
            if self._writer is None:
                raise RuntimeError("hparams Keras callback cannot be reused across training "
                                   "sessions")
            return self._writer

        def on_train_begin(self, logs=None):
            with self._get_writer().as_default():
                hparams(self._hparams, trial_id=self._trial_id)

        def on_train_end(self, logs=None):
            from tensorflux._src.summary.writer import write_raw_pb

            with self._get_writer().as_default():
                write_raw_pb(session_end_pb(_api().STATUS_SUCCESS).SerializeToString(), step=0)
            self._writer = None

    KerasCallback.__module__ = "tensorflux.plugins.hparams.api"
    KerasCallback.__qualname__ = "KerasCallback"
    return KerasCallback
