"""``keras.optimizers.Optimizer``: Keras 3's base optimizer on tensorflux variables.

Subclasses implement ``build(var_list)`` (create slot variables with
``add_optimizer_variables``) and ``update_step(gradient, variable, learning_rate)``.
The order of operations in ``apply`` (filter ``None`` gradients, unscale, accumulate, clip,
decay weights, update, EMA, constraints, ``iterations += 1``) and the variable creation order
(``iteration``, ``learning_rate``, EMA averages, gradient accumulators, slots interleaved per
model variable) are Keras 3.15's, so optimizer weights map 1:1 to saved Keras files.
Everything runs eagerly or inside ``tf.function`` (slots are created on the first call).
"""

from __future__ import annotations

import re
import warnings

import numpy as np

import tensorflux as tf
from tensorflux._src.framework.context import state
from tensorflux._src.framework.indexed_slices import IndexedSlices
from tensorflux._src.framework.variables import init_scope
from tensorflux.keras.src import backend
from tensorflux.keras.src.optimizers import schedules
from tensorflux.keras.src.saving import serialization_lib


def to_snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _is_variable(x):
    return getattr(x, "_is_variable", False)


def _tracing():
    return state.graph is not None


def cond(pred, true_fn, false_fn):
    """``tf.cond`` while tracing; a plain Python branch eagerly (no graph overhead)."""
    if _tracing():
        return tf.cond(pred, true_fn, false_fn)
    return true_fn() if bool(pred) else false_fn()


def map_values(grad, fn):
    """Apply ``fn`` to a dense gradient, or to the values of an ``IndexedSlices``."""
    if isinstance(grad, IndexedSlices):
        return IndexedSlices(fn(grad.values), grad.indices, grad.dense_shape)
    return fn(grad)


def deduplicate(grad):
    """``IndexedSlices`` with unique indices (duplicates summed), as TensorFlow's optimizers
    do before sparse updates, so sparse results equal the dense-equivalent ones."""
    unique, positions = tf.unique(grad.indices)
    values = tf.math.unsorted_segment_sum(grad.values, positions, tf.shape(unique)[0])
    return IndexedSlices(values, unique, grad.dense_shape)


def densify(grad):
    return tf.convert_to_tensor(grad) if isinstance(grad, IndexedSlices) else grad


def global_norm(values):
    squares = [tf.reduce_sum(tf.square(v)) for v in values if v is not None]
    return tf.sqrt(tf.reduce_sum(tf.stack(squares)))


BASE_ARGS = ("learning_rate", "weight_decay", "clipnorm", "clipvalue", "global_clipnorm",
             "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
             "gradient_accumulation_steps", "name")


def base_args(local_vars):
    """The base-class constructor arguments out of a subclass ``__init__``'s ``locals()``."""
    return {k: local_vars[k] for k in BASE_ARGS}


class Optimizer:
    """Base optimizer (``keras.optimizers.Optimizer``); see the module docstring."""

    _keras_module = "keras.optimizers"
    # Optimizers whose update_step handles deduplicated IndexedSlices themselves.
    _sparse_updates = False

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        self.name = name if name is not None else backend.unique_object_name(
            to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. Received: "
                                 f"ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}")
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}
        self._iterations = self._make_variable(np.int64(0), "iteration")
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current iteration "
                    "value and returns the corresponding learning rate value). Received "
                    f"instead: learning_rate={learning_rate}")
            self._learning_rate = self._make_variable(
                np.asarray(learning_rate, backend.floatx()), "learning_rate")

    # --- variables -------------------------------------------------------------------------
    def _make_variable(self, value, name):
        """A non-trainable variable named ``<optimizer>/<name>``, created eagerly even while
        tracing (like TensorFlow's variable lifting), and tracked in ``variables``."""
        with init_scope(), tf.name_scope(self.name):
            var = tf.Variable(value, trainable=False, name=name)
        var.path = f"{self.name}/{name}"  # Keras's variable path, e.g. adam/dense_kernel_momentum
        self._variables.append(var)
        return var

    @property
    def variables(self):
        return self._variables[:]

    @property
    def iterations(self):
        if self.gradient_accumulation_steps:
            return tf.math.floordiv(self._iterations,
                                    np.int64(self.gradient_accumulation_steps))
        return self._iterations

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Create and track an optimizer variable of ``shape`` (Keras's ``add_variable``)."""
        dtype = tf.as_dtype(dtype or backend.floatx())
        shape = [int(d) for d in (shape.as_list() if hasattr(shape, "as_list") else shape)]
        if initializer in ("zeros", "ones"):
            value = (np.zeros if initializer == "zeros" else np.ones)(shape,
                                                                      dtype.as_numpy_dtype)
        else:
            from tensorflux.keras.src import initializers

            with init_scope():
                value = initializers.get(initializer)(shape, dtype=dtype)
        return self._make_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A variable shaped like ``reference_variable``, named ``<its name>_<name>``."""
        name = name or "var"
        path = getattr(reference_variable, "path", None)
        if path is not None:
            name = f"{path.replace('/', '_')}_{name}"
        else:
            ref = str(reference_variable.name).replace("/", "_").replace(":", "_")
            name = f"{ref}_{name}"
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per model variable for each of ``name`` (a string or list; with a list
        the slots are interleaved per variable and a tuple of lists is returned)."""
        names = [name] if isinstance(name, str) else list(name)
        inits = (initializer if isinstance(initializer, (list, tuple))
                 else [initializer] * len(names))
        if len(names) != len(inits):
            raise ValueError("The number of provided names must match the number of provided "
                             f"initializers. Received name='{name}', "
                             f"initializer='{initializer}'")
        out = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (n, init) in enumerate(zip(names, inits)):
                out[i].append(self.add_variable_from_reference(variable, n, init))
        return out[0] if isinstance(name, str) else out

    def build(self, variables):
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = list(variables)
        self.built = True

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[id(variable)]

    def _check_variables_are_known(self, variables):
        for v in variables:
            if id(v) not in self._trainable_variables_indices:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance.")

    # --- writes (IndexedSlices become scatters) --------------------------------------------
    @staticmethod
    def _cast_like(value, variable):
        return value if value.dtype == variable.dtype else tf.cast(value, variable.dtype)

    def assign(self, variable, value):
        if isinstance(value, IndexedSlices):
            variable.scatter_update(map_values(value, lambda x: self._cast_like(x, variable)))
        else:
            variable.assign(self._cast_like(tf.convert_to_tensor(value), variable))

    def assign_add(self, variable, value):
        if isinstance(value, IndexedSlices):
            variable.scatter_add(map_values(value, lambda x: self._cast_like(x, variable)))
        else:
            variable.assign_add(self._cast_like(tf.convert_to_tensor(value), variable))

    def assign_sub(self, variable, value):
        if isinstance(value, IndexedSlices):
            variable.scatter_sub(map_values(value, lambda x: self._cast_like(x, variable)))
        else:
            variable.assign_sub(self._cast_like(tf.convert_to_tensor(value), variable))

    # --- applying gradients ----------------------------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step()`.")

    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]``; returns ``iterations``."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` (or the variables the optimizer was built with)."""
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first.")
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match `optimizer.variables` one-to-one. Received a list of {len(grads)} "
                    f"gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)
        with tf.name_scope(self.name):
            grads, trainable_variables = self._filter_empty_gradients(grads,
                                                                      trainable_variables)
            # Sparse updates need unique indices; dense ones take the dense sum directly
            # (the same values as deduplicating first, without the Unique and extra sum).
            grads = [(deduplicate(g) if self._sparse_updates else densify(g))
                     if isinstance(g, IndexedSlices) else tf.convert_to_tensor(g)
                     for g in grads]
            scale = self.loss_scale_factor
            if scale is not None:
                grads = [map_values(g, lambda x: x / scale) for g in grads]
            self._backend_apply_gradients(grads, trainable_variables)
            for variable in trainable_variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
        self._iterations.assign_add(1)

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [v.name for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a "
                          "`loss` argument?", stacklevel=3)
        return [g for g, _ in kept], [v for _, v in kept]

    def _backend_apply_gradients(self, grads, trainable_variables):
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            is_update_step = tf.equal((self._iterations + 1) % steps, 0)
            acc_grads = [self._accumulated_gradients[self._get_variable_index(v)]
                         for v in trainable_variables]
            grads = [densify(g) for g in grads]

            def update():
                new = [(g + a) / steps for g, a in zip(grads, acc_grads)]
                self._clip_decay_update(new, trainable_variables)
                for a in acc_grads:
                    a.assign(tf.zeros(a.shape, a.dtype))

            def accumulate():
                for g, a in zip(grads, acc_grads):
                    a.assign(g + a)

            cond(is_update_step, update, accumulate)
        else:
            self._clip_decay_update(grads, trainable_variables)
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            if self.ema_overwrite_frequency:
                overwrite = tf.equal((self.iterations + 1) % self.ema_overwrite_frequency, 0)
                cond(overwrite,
                     lambda: self._overwrite_model_variables_with_average_value(
                         self._trainable_variables),
                     lambda: None)

    def _clip_decay_update(self, grads, trainable_variables):
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(trainable_variables)
        self._backend_update_step(grads, trainable_variables, self.learning_rate)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        self._step_values = {}
        try:
            for grad, var in zip(grads, trainable_variables):
                if not self._sparse_updates:
                    grad = densify(grad)
                self.update_step(grad, var, learning_rate)
        finally:
            self._step_values = None

    def per_step(self, key, compute):
        """``compute()``, evaluated once per update of all variables and shared by them (the
        learning rate cast to a dtype, bias corrections), so a traced step holds these scalar
        ops once instead of once per variable."""
        cache = getattr(self, "_step_values", None)
        if cache is None:
            return compute()
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def _clip_by_norm(self, values):
        l2sum = tf.reduce_sum(tf.square(values), keepdims=True)
        pred = l2sum > 0
        l2sum_safe = tf.where(pred, l2sum, tf.ones_like(l2sum))
        l2norm = tf.where(pred, tf.sqrt(l2sum_safe), l2sum)
        return values * self.clipnorm / tf.maximum(l2norm, self.clipnorm)

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [map_values(g, self._clip_by_norm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            clip = self.global_clipnorm
            norm = global_norm([g.values if isinstance(g, IndexedSlices) else g
                                for g in grads])
            scale = clip * tf.minimum(1.0 / norm, 1.0 / clip) + (norm - norm)
            return [map_values(g, lambda x: x * tf.cast(scale, x.dtype)) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [map_values(g, lambda x: tf.clip_by_value(x, -v, v)) for g in grads]
        return grads

    # --- weight decay ----------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (objects, or names containing any of ``var_names``) from weight
        decay; call before the optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_from_weight_decay = {id(v) for v in var_list or ()}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None)
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = id(variable)
        if key not in cache:
            pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
            cache[key] = not (key in getattr(self, "_exclude_from_weight_decay", set()) or (
                pattern is not None and re.search(pattern, variable.name) is not None))
        return cache[key]

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = tf.cast(self.learning_rate, variable.dtype)
                wd = tf.cast(self.weight_decay, variable.dtype)
                variable.assign_sub(variable * wd * lr)

    # --- EMA -------------------------------------------------------------------------------
    def _update_model_variables_moving_average(self, trainable_variables):
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            not_first_step = tf.cast(tf.not_equal(self.iterations, 0), var.dtype)
            momentum = not_first_step * self.ema_momentum
            average.assign(momentum * average + (1 - momentum) * var)

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does "
                "not match the length of model variables stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please check if the "
                "optimizer was called on your model.")
        for var, average in zip(trainable_variables, self._model_variables_moving_average):
            var.assign(average)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, overwrite the model variables with their moving averages."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # --- learning rate ---------------------------------------------------------------------
    @property
    def learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return lr(self._iterations)
        if _is_variable(lr):
            return lr
        if callable(lr):
            return lr()
        return lr

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        previous = self._learning_rate if _is_variable(self._learning_rate) else None
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if isinstance(self._learning_rate, schedules.LearningRateSchedule):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule` object as its "
                    "`learning_rate` constructor argument, hence its learning rate is not "
                    "settable. If you need the learning rate to be settable, you should "
                    "instantiate the optimizer with a float `learning_rate` argument.")
            self._learning_rate.assign(learning_rate)
        if previous is not None and not _is_variable(self._learning_rate):
            self._variables = [v for v in self._variables if v is not previous]

    # --- state -----------------------------------------------------------------------------
    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(f"Optimizer variable {variable.name} has shape "
                                 f"{tuple(variable.shape)} not compatible with provided "
                                 f"weight shape {tuple(np.shape(weight))}.")
            variable.assign(weight)

    def save_own_variables(self, store):
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self.variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self.variables)} variables whereas the saved optimizer has "
                   f"{len(store.keys())} variables. ")
            if not self.variables:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(store[str(i)])

    def scale_loss(self, loss):
        """Multiply ``loss`` by ``loss_scale_factor`` (gradients are unscaled in ``apply``)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise ValueError("stateless_apply is not supported with the TensorFlow backend (as it "
                         "is incompatible with tf.distribute).")

    # --- config ----------------------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif _is_variable(lr) or isinstance(lr, tf.Tensor):
            lr = float(np.asarray(lr))
        elif callable(lr):
            lr = serialization_lib.serialize_keras_object(lr)
        else:
            lr = 0.5
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = serialization_lib.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
