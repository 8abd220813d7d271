"""``tf.data.Options``: pipeline options (merged along the pipeline)."""

from __future__ import annotations


class _Group:
    _fields: tuple = ()

    def __init__(self):
        for f in self._fields:
            object.__setattr__(self, f, None)

    def __setattr__(self, name, value):
        if name not in self._fields:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}; valid "
                                 f"options: {', '.join(self._fields)}")
        object.__setattr__(self, name, value)

    def _merge(self, other):
        out = type(self)()
        for f in self._fields:
            a, b = getattr(self, f), getattr(other, f)
            if isinstance(a, _Group):
                setattr(out, f, a._merge(b))
            else:
                setattr(out, f, b if b is not None else a)
        return out

    def __eq__(self, other):
        return type(self) is type(other) and all(
            getattr(self, f) == getattr(other, f) for f in self._fields)

    def __repr__(self):
        items = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({items})"


class ThreadingOptions(_Group):
    """``options.threading``: private_threadpool_size, max_intra_op_parallelism."""

    _fields = ("private_threadpool_size", "max_intra_op_parallelism")


class AutotuneOptions(_Group):
    _fields = ("enabled", "cpu_budget", "ram_budget", "autotune_algorithm")


class OptimizationOptions(_Group):
    _fields = ("apply_default_optimizations", "map_and_batch_fusion", "map_fusion",
               "map_parallelization", "noop_elimination", "parallel_batch",
               "shuffle_and_repeat_fusion", "filter_fusion", "inject_prefetch")


class DistributeOptions(_Group):
    _fields = ("auto_shard_policy", "num_devices")


class Options(_Group):
    """Options for a dataset (``tf.data.Options``); attach with ``Dataset.with_options``.

    ``deterministic`` (default True) lets parallel map/interleave return elements out of
    order when False; ``threading.private_threadpool_size`` caps the worker threads.
    """

    _fields = ("deterministic", "threading", "autotune",
               "experimental_optimization", "experimental_distribute", "experimental_slack",
               "experimental_external_state_policy", "experimental_warm_start",
               "experimental_symbolic_checkpoint")

    def __init__(self):
        super().__init__()
        object.__setattr__(self, "threading", ThreadingOptions())
        object.__setattr__(self, "autotune", AutotuneOptions())
        object.__setattr__(self, "experimental_optimization", OptimizationOptions())
        object.__setattr__(self, "experimental_distribute", DistributeOptions())

    @property
    def experimental_deterministic(self):
        return self.deterministic

    @experimental_deterministic.setter
    def experimental_deterministic(self, value):
        self.deterministic = value

    def __setattr__(self, name, value):
        if name == "experimental_deterministic":
            name = "deterministic"
        super().__setattr__(name, value)

    def merge(self, options):
        return self._merge(options)
