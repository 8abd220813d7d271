"""``keras.config``: global Keras settings (float type, epsilon, data format, dtype policy,
interactive logging, traceback filtering, epoch/step caps).

``backend()`` returns ``"tensorflow"``: tensorflux implements Keras's TensorFlow backend
(``tf.keras``) semantics, and user code branching on the backend must take the TF path.
"""

from __future__ import annotations

from tensorflux.keras.src.backend import (  # noqa: F401
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
    set_image_data_format)
from tensorflux.keras.src.saving.serialization_lib import (  # noqa: F401
    enable_unsafe_deserialization)

_STATE = {"interactive_logging": True, "traceback_filtering": True, "flash_attention": None,
          "max_epochs": None, "max_steps_per_epoch": None}


def dtype_policy():
    """The global ``DTypePolicy`` (default: ``floatx()``)."""
    from tensorflux.keras.src.engine.layer import dtype_policy as get

    return get()


def set_dtype_policy(policy):
    """Set the global dtype policy (a name such as ``"mixed_float16"`` or a policy)."""
    from tensorflux.keras.src.engine.layer import set_dtype_policy as setter

    setter(policy)


def enable_interactive_logging():
    """Progress bars and summaries print to stdout (the default)."""
    _STATE["interactive_logging"] = True


def disable_interactive_logging():
    """Route Keras's console output to Python ``logging`` (logger ``"keras"``, INFO)."""
    _STATE["interactive_logging"] = False


def is_interactive_logging_enabled():
    return _STATE["interactive_logging"]


def enable_traceback_filtering():
    _STATE["traceback_filtering"] = True


def disable_traceback_filtering():
    _STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    return _STATE["traceback_filtering"]


def enable_flash_attention():
    """Accepted for compatibility; tensorflux has no flash-attention kernels."""
    _STATE["flash_attention"] = None


def disable_flash_attention():
    _STATE["flash_attention"] = False


def is_flash_attention_enabled():
    return _STATE["flash_attention"]


def is_nnx_enabled():
    return False


def max_epochs():
    return _STATE["max_epochs"]


def set_max_epochs(max_epochs):
    """Cap the number of epochs ``fit`` runs (None: no cap)."""
    _STATE["max_epochs"] = max_epochs


def max_steps_per_epoch():
    return _STATE["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps per epoch of ``fit``/``evaluate``/``predict`` (None: no cap)."""
    _STATE["max_steps_per_epoch"] = max_steps_per_epoch


def set_backend(backend):  # noqa: F811 - Keras's argument name
    """Keras reloads itself with another backend; tensorflux only has its own."""
    if backend != "tensorflow":
        raise ValueError(f"tensorflux implements Keras's TensorFlow backend only; cannot "
                         f"switch to backend={backend!r}.")


def print_msg(message, line_break=True):
    """Keras's ``io_utils.print_msg``: stdout when interactive, else ``logging.info``."""
    import sys

    if _STATE["interactive_logging"]:
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        import logging

        logging.getLogger("keras").info(message)
