"""``tf.config.experimental`` (re-exports)."""

from tensorflux._src.framework.config import (
    disable_op_determinism,
    enable_op_determinism,
    enable_tensor_float_32_execution,
    get_device_details,
    get_memory_growth,
    get_visible_devices,
    is_op_determinism_enabled,
    list_logical_devices,
    list_physical_devices,
    set_memory_growth,
    set_visible_devices,
    tensor_float_32_execution_enabled,
)
from tensorflux._src.framework.config import (
    get_logical_device_configuration as get_virtual_device_configuration,
)
from tensorflux._src.framework.config import (
    set_logical_device_configuration as set_virtual_device_configuration,
)
from tensorflux._src.framework.config import (
    LogicalDeviceConfiguration as VirtualDeviceConfiguration,
)

__all__ = [
    "VirtualDeviceConfiguration", "disable_op_determinism", "enable_op_determinism",
    "enable_tensor_float_32_execution", "get_device_details", "get_memory_growth",
    "get_virtual_device_configuration", "get_visible_devices", "is_op_determinism_enabled",
    "list_logical_devices", "list_physical_devices", "set_memory_growth",
    "set_virtual_device_configuration", "set_visible_devices",
    "tensor_float_32_execution_enabled",
]
