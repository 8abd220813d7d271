"""``keras.backend`` (the Keras 3 subset)."""

from tensorflux.keras.src.backend import (  # noqa: F401
    backend, clear_session, epsilon, floatx, get_uid, image_data_format, is_keras_tensor,
    set_epsilon, set_floatx, set_image_data_format, standardize_dtype)
