"""``tf.config``: devices, threading, graph optimizer options and determinism.

tensorflux runs every kernel on the CPU with NumPy, so the device functions report one
CPU (``/physical_device:CPU:0``) and no GPU, and the GPU-only settings check their
device argument as TensorFlow does and otherwise do nothing.

Settings that TensorFlow applies inside its C++ runtime are recorded here and read
back by the getters; where tensorflux honours them it says so in the function's
docstring.
"""

from __future__ import annotations

import collections
import os

from tensorflux._src.framework import context

settings = context.settings

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
PhysicalDevice.__doc__ = "A physical device of this machine (``tf.config.PhysicalDevice``)."
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDevice.__doc__ = "A device the runtime places ops on (``tf.config.LogicalDevice``)."

_CPU = PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
_PHYSICAL = [_CPU]

# Optimizer option names TensorFlow accepts (plus ours, ``common_subexpression_elimination``
# and ``pruning``, see graph_optimize.py). Only those in context.settings change anything.
OPTIMIZER_OPTIONS = (
    "layout_optimizer", "constant_folding", "shape_optimization", "remapping",
    "arithmetic_optimization", "dependency_optimization", "loop_optimization",
    "function_optimization", "debug_stripper", "disable_model_pruning",
    "scoped_allocator_optimization", "pin_to_host_optimization", "implementation_selector",
    "auto_mixed_precision", "disable_meta_optimizer", "auto_parallel", "min_graph_nodes",
    "common_subexpression_elimination", "pruning",
)


class _Config:
    intra_op_threads = 0
    inter_op_threads = 0
    jit = False
    soft_device_placement = True
    op_determinism = False
    tensor_float_32 = True
    visible = {"CPU": [_CPU], "GPU": []}
    logical_configs: dict = {}
    explicit_options: dict = {}


_cfg = _Config()


def _with_type(devices, device_type):
    if device_type is None:
        return list(devices)
    t = device_type.upper()
    return [d for d in devices if d.device_type == t]


def _check_device(device, what):
    if not isinstance(device, PhysicalDevice) or device not in _PHYSICAL:
        raise ValueError(f"Unrecognized device: {device!r}. {what} takes a device from "
                         "tf.config.list_physical_devices().")


# --- devices ---------------------------------------------------------------------------------
def list_physical_devices(device_type=None):
    """The physical devices of this machine: one CPU, no GPU.

    Example:
        >>> import tensorflux as tf
        >>> tf.config.list_physical_devices("CPU")
        [PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')]
        >>> tf.config.list_physical_devices("GPU")
        []
    """
    return _with_type(_PHYSICAL, device_type)


def get_visible_devices(device_type=None):
    """The physical devices the runtime may use (``tf.config.get_visible_devices``)."""
    vis = [d for devs in _cfg.visible.values() for d in devs]
    return _with_type(vis, device_type)


def set_visible_devices(devices, device_type=None):
    """Restricts the devices the runtime may use (``tf.config.set_visible_devices``).

    The CPU always stays usable: ops have nowhere else to run.
    """
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    for d in devices:
        _check_device(d, "set_visible_devices")
    types = [device_type.upper()] if device_type is not None else list(_cfg.visible)
    for t in types:
        chosen = [d for d in devices if d.device_type == t]
        if t == "CPU" and not chosen:
            raise ValueError("Cannot hide the CPU: tensorflux runs every op on it.")
        _cfg.visible[t] = chosen


def list_logical_devices(device_type=None):
    """The logical devices ops can be placed on (``tf.config.list_logical_devices``).

    Example:
        >>> import tensorflux as tf
        >>> tf.config.list_logical_devices()
        [LogicalDevice(name='/device:CPU:0', device_type='CPU')]
    """
    out = []
    for d in get_visible_devices(device_type):
        n = len(_cfg.logical_configs.get(d, ())) or 1
        base = d.name.replace("/physical_device:", "/device:").rsplit(":", 1)[0]
        start = int(d.name.rsplit(":", 1)[1])
        out.extend(LogicalDevice(f"{base}:{start + i}", d.device_type) for i in range(n))
    return out


class LogicalDeviceConfiguration:
    """How to split a physical device into logical ones
    (``tf.config.LogicalDeviceConfiguration``)."""

    def __init__(self, memory_limit=None, experimental_priority=None,
                 experimental_device_ordinal=None):
        self.memory_limit = memory_limit
        self.experimental_priority = experimental_priority
        self.experimental_device_ordinal = experimental_device_ordinal

    def __eq__(self, other):
        return isinstance(other, LogicalDeviceConfiguration) and vars(self) == vars(other)

    def __repr__(self):
        return (f"LogicalDeviceConfiguration(memory_limit={self.memory_limit}, "
                f"experimental_priority={self.experimental_priority})")


def set_logical_device_configuration(device, logical_devices):
    """Splits ``device`` into logical devices (recorded; ops still run on the CPU)."""
    _check_device(device, "set_logical_device_configuration")
    _cfg.logical_configs[device] = list(logical_devices or ())


def get_logical_device_configuration(device):
    """The logical device configuration of ``device``, or None if none was set."""
    _check_device(device, "get_logical_device_configuration")
    return _cfg.logical_configs.get(device)


def get_device_details(device):
    """Details of a physical device: empty for the CPU, as in TensorFlow."""
    _check_device(device, "get_device_details")
    return {}


def set_memory_growth(device, enable):
    """GPU memory growth (``tf.config.experimental.set_memory_growth``).

    There is no GPU; like TensorFlow, any other device is refused.
    """
    _check_device(device, "set_memory_growth")
    if device.device_type != "GPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")


def get_memory_growth(device):
    _check_device(device, "get_memory_growth")
    if device.device_type != "GPU":
        raise ValueError("Cannot get memory growth on non-GPU and non-Pluggable devices")
    return False


def get_soft_device_placement():
    """Whether ops fall back to a device that can run them (always true in effect)."""
    return _cfg.soft_device_placement


def set_soft_device_placement(enabled):
    """Records the soft placement setting (``tf.config.set_soft_device_placement``)."""
    _cfg.soft_device_placement = bool(enabled)


# --- threading -------------------------------------------------------------------------------
def get_intra_op_parallelism_threads():
    return _cfg.intra_op_threads


def set_intra_op_parallelism_threads(num_threads):
    """Sets the threads one op may use (0 = let the system choose).

    Recorded, and exported as ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``/
    ``MKL_NUM_THREADS``: the BLAS library behind NumPy reads these only when it starts,
    so the setting takes effect for subprocesses, or in this process only when made
    before NumPy is first imported.
    """
    n = int(num_threads)
    if n < 0:
        raise ValueError(f"num_threads must be >= 0, got {num_threads}")
    _cfg.intra_op_threads = n
    if n:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(n)


def get_inter_op_parallelism_threads():
    return _cfg.inter_op_threads


def set_inter_op_parallelism_threads(num_threads):
    """Sets the threads for running independent ops (recorded: ops run one at a time)."""
    n = int(num_threads)
    if n < 0:
        raise ValueError(f"num_threads must be >= 0, got {num_threads}")
    _cfg.inter_op_threads = n


# --- graph optimizer -------------------------------------------------------------------------
def set_experimental_options(options):
    """Switches graph optimizer passes (``tf.config.optimizer.set_experimental_options``).

    The passes tensorflux implements are ``constant_folding``,
    ``arithmetic_optimization``, ``common_subexpression_elimination``, ``remapping``,
    ``pruning`` (also off with ``disable_model_pruning=True``) and
    ``disable_meta_optimizer`` (all off). Other TensorFlow option names are accepted and
    recorded. Options apply to functions traced or first run afterwards.

    Example:
        >>> import tensorflux as tf
        >>> tf.config.optimizer.set_experimental_options({"constant_folding": False})
        >>> tf.config.optimizer.get_experimental_options()["constant_folding"]
        False
        >>> tf.config.optimizer.set_experimental_options({"constant_folding": True})
    """
    if not isinstance(options, dict):
        raise TypeError(f"options must be a dict, got {type(options).__name__}")
    for k, v in options.items():
        if k not in OPTIMIZER_OPTIONS:
            raise ValueError(f"Unknown optimizer option {k!r}; expected one of "
                             f"{sorted(OPTIMIZER_OPTIONS)}")
        val = int(v) if k == "min_graph_nodes" else bool(v)
        _cfg.explicit_options[k] = val
        settings.optimizer_options[k] = val


def get_experimental_options():
    """The optimizer options set so far, plus the pruning/meta-optimizer switches."""
    out = {"disable_model_pruning": settings.optimizer_options.get(
        "disable_model_pruning", False),
        "disable_meta_optimizer": settings.optimizer_options.get(
            "disable_meta_optimizer", False)}
    out.update(_cfg.explicit_options)
    return out


def set_jit(enabled):
    """Records whether XLA auto-clustering is on (``tf.config.optimizer.set_jit``).

    ``enabled`` is a bool or ``"autoclustering"``. tensorflux has no auto-clustering;
    ``tf.function(jit_compile=True)`` is the way to ask for compilation.
    """
    if isinstance(enabled, str) and enabled not in ("autoclustering", ""):
        raise ValueError(f"set_jit expects a bool or 'autoclustering', got {enabled!r}")
    _cfg.jit = bool(enabled)


def get_jit():
    """``"autoclustering"`` when ``set_jit`` turned it on, else ``""``."""
    return "autoclustering" if _cfg.jit else ""


# --- determinism and numerics ----------------------------------------------------------------
def enable_op_determinism():
    """Asks ops to be deterministic (``tf.config.experimental.enable_op_determinism``).

    NumPy kernels already are; the flag is recorded for ops that would otherwise choose
    a nondeterministic algorithm (``is_op_determinism_enabled``).
    """
    _cfg.op_determinism = True


def disable_op_determinism():
    _cfg.op_determinism = False


def is_op_determinism_enabled():
    return _cfg.op_determinism


def enable_tensor_float_32_execution(enabled):
    """Records the TF32 setting (NumPy on the CPU computes float32 in full precision)."""
    _cfg.tensor_float_32 = bool(enabled)


def tensor_float_32_execution_enabled():
    return _cfg.tensor_float_32


# --- tf.function -----------------------------------------------------------------------------
def run_functions_eagerly(run_eagerly):
    """Runs every ``tf.function`` as plain Python (``tf.config.run_functions_eagerly``)."""
    from tensorflux._src.framework import function

    function.run_functions_eagerly(run_eagerly)


def functions_run_eagerly():
    """Whether ``run_functions_eagerly(True)`` is in effect."""
    from tensorflux._src.framework import function

    return function.functions_run_eagerly()
