"""Keras 3 ``Metric`` base: stateful (non-trainable ``tf.Variable`` state), traceable."""

from __future__ import annotations

import tensorflux as tf
from tensorflux.keras.src.losses import auto_name, standardize_dtype


class Metric:
    """Subclasses create state with ``add_variable`` and implement ``update_state``/``result``."""

    _keras_module = "keras.metrics"

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        self._dtype = standardize_dtype(dtype)
        self._variables = []
        self._metrics = []

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and name != "_metrics" and hasattr(self, "_metrics"):
            self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        return self._dtype

    def _check_super_called(self):
        if not hasattr(self, "_variables"):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               "method. Go add it!")

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A non-trainable state variable ``<metric name>/<name>`` (ON_READ, aggregated)."""
        self._check_super_called()
        dtype = tf.as_dtype(standardize_dtype(dtype or self.dtype))
        shape = tuple(int(d) for d in shape)
        agg = {"sum": tf.VariableAggregation.SUM, "mean": tf.VariableAggregation.MEAN,
               "only_first_replica": tf.VariableAggregation.ONLY_FIRST_REPLICA,
               "none": tf.VariableAggregation.NONE, None: tf.VariableAggregation.NONE}
        with tf.init_scope(), tf.name_scope(self.name.replace("/", ">")):
            if initializer is None or (isinstance(initializer, str)
                                       and initializer == "zeros"):
                value = tf.zeros(shape, dtype)
            else:
                from tensorflux.keras.src import initializers

                value = initializers.get(initializer)(shape, dtype=dtype)
            variable = tf.Variable(value, trainable=False, name=name, dtype=dtype,
                                   synchronization=tf.VariableSynchronization.ON_READ,
                                   aggregation=agg[aggregation])
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    def reset_state(self):
        for v in self.variables:
            v.assign(tf.zeros(v.shape, dtype=v.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError("Metric subclasses must implement `update_state()`.")

    def result(self):
        raise NotImplementedError("Metric subclasses must implement `result()`.")

    def __call__(self, *args, **kwargs):
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"

    __str__ = __repr__
