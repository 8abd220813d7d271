"""``keras.applications.vgg16``."""

from tensorflux.keras.src.applications.vgg import (  # noqa: F401
    VGG16, decode_predictions, preprocess_input)
