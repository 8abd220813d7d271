"""``keras.saving``: model files (``.keras``, ``.weights.h5``, legacy ``.h5``) and object
(de)serialization/registration."""

from tensorflux.keras.src.saving.saving_api import (  # noqa: F401
    load_model, load_weights, save_model, save_weights)
from tensorflux.keras.src.saving.serialization_lib import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects,
    get_registered_name, get_registered_object, register_keras_serializable,
    serialize_keras_object)
