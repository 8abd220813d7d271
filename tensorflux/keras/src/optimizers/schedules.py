"""Learning-rate schedules (``keras.optimizers.schedules``), same math as Keras 3.

A schedule is called with the optimizer's ``iterations`` (an int64 variable or tensor) and
returns a scalar tensor in the dtype of ``initial_learning_rate``; it works eagerly and inside
``tf.function``.
"""

from __future__ import annotations

import math

import tensorflux as tf
from tensorflux.keras.src.saving import serialization_lib


def _check_steps(arg, value):
    if value <= 0:
        raise ValueError(f"Argument `{arg}` must be > 0. Received: {arg}={value}")


def _start(schedule, step):
    """``(initial_learning_rate tensor, its dtype, step cast to that dtype)``."""
    lr = tf.convert_to_tensor(schedule.initial_learning_rate)
    return lr, lr.dtype, tf.cast(step, lr.dtype)


def _progress(schedule, step, dtype):
    """``step / decay_steps``, floored when the schedule is ``staircase``."""
    p = step / tf.cast(schedule.decay_steps, dtype)
    return tf.floor(p) if schedule.staircase else p


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``."""

    _keras_module = "keras.optimizers.schedules"

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step):
        with tf.name_scope(self.name):
            lr, dtype, step = _start(self, step)
            return lr * tf.pow(tf.cast(self.decay_rate, dtype), _progress(self, step, dtype))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]``."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        with tf.name_scope(self.name):
            step = tf.convert_to_tensor(step)
            bounds = [tf.cast(b, step.dtype) for b in self.boundaries]
            values = [tf.convert_to_tensor(v) for v in self.values]
            dtype = values[0].dtype
            result = tf.cast(step <= bounds[0], dtype) * values[0]
            result = result + tf.cast(step > bounds[-1], dtype) * values[-1]
            for low, high, value in zip(bounds[:-1], bounds[1:], values[1:-1]):
                result = result + tf.cast((step > low) & (step <= high), dtype) * value
            return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from ``initial_learning_rate`` to ``end_learning_rate``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step):
        with tf.name_scope(self.name):
            lr, dtype, step = _start(self, step)
            end = tf.cast(self.end_learning_rate, dtype)
            decay_steps = tf.cast(self.decay_steps, dtype)
            if self.cycle:
                multiplier = tf.where(tf.equal(step, 0), tf.ones_like(step),
                                      tf.math.ceil(step / decay_steps))
                decay_steps = decay_steps * multiplier
            else:
                step = tf.minimum(step, decay_steps)
            p = step / decay_steps
            return (lr - end) * tf.pow(1 - p, tf.cast(self.power, dtype)) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        _check_steps("decay_steps", decay_steps)

    def __call__(self, step):
        with tf.name_scope(self.name):
            lr, dtype, step = _start(self, step)
            p = _progress(self, step, dtype)
            return lr / (tf.cast(1, dtype) + tf.cast(self.decay_rate, dtype) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _cosine(fraction, dtype):
    return 0.5 * (1.0 + tf.cos(tf.constant(math.pi, dtype) * fraction))


class CosineDecay(LearningRateSchedule):
    """Cosine decay (SGDR without restarts), with optional linear warmup."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        _check_steps("decay_steps", decay_steps)

    def _decay(self, step, decay_steps, decay_from_lr, dtype):
        decayed = (1 - self.alpha) * _cosine(step / decay_steps, dtype) + self.alpha
        return decay_from_lr * decayed

    def __call__(self, step):
        with tf.name_scope(self.name):
            lr, dtype, step = _start(self, step)
            decay_steps = tf.cast(self.decay_steps, dtype)
            if self.warmup_target is None:
                return self._decay(tf.minimum(step, decay_steps), decay_steps, lr, dtype)
            target = tf.cast(self.warmup_target, dtype)
            warmup_steps = tf.cast(self.warmup_steps, dtype)
            step = tf.minimum(step, decay_steps + warmup_steps)
            warm = (target - lr) * (step / warmup_steps) + lr
            decayed = self._decay(step - warmup_steps, decay_steps, target, dtype)
            return tf.where(step < warmup_steps, warm, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods grow by ``t_mul``, peaks by ``m_mul``."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        _check_steps("first_decay_steps", first_decay_steps)

    def __call__(self, step):
        with tf.name_scope(self.name):
            lr, dtype, step = _start(self, step)
            alpha = tf.cast(self.alpha, dtype)
            t_mul = tf.cast(self._t_mul, dtype)
            fraction = step / tf.cast(self.first_decay_steps, dtype)
            if float(self._t_mul) == 1.0:
                i_restart = tf.floor(fraction)
                fraction = fraction - i_restart
            else:
                i_restart = tf.floor(tf.math.log(1.0 - fraction * (1.0 - t_mul))
                                     / tf.math.log(t_mul))
                sum_r = (1.0 - tf.pow(t_mul, i_restart)) / (1.0 - t_mul)
                fraction = (fraction - sum_r) / tf.pow(t_mul, i_restart)
            m_fac = tf.pow(tf.cast(self._m_mul, dtype), i_restart)
            cosine = m_fac * _cosine(fraction, dtype)
            decayed = (1 - alpha) * cosine + alpha
            return lr * decayed

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


_SCHEDULES = {c.__name__: c for c in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    return serialization_lib.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(
        config, module_objects=_SCHEDULES, custom_objects=custom_objects,
        printable_module_name="decay")
