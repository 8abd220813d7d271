"""``keras.utils``."""

from tensorflux.keras.src.saving.serialization_lib import (  # noqa: F401
    CustomObjectScope, custom_object_scope, deserialize_keras_object, get_custom_objects,
    get_registered_name, get_registered_object, register_keras_serializable,
    serialize_keras_object)
from tensorflux.keras.src.utils.misc import (  # noqa: F401
    PyDataset, Sequence, get_file, set_random_seed, validate_file)
from tensorflux.keras.src.utils.numerical_utils import normalize, to_categorical  # noqa: F401
from tensorflux.keras.src.utils.progbar import Progbar  # noqa: F401
from tensorflux.keras.src.engine.data_adapter import (  # noqa: F401
    pack_x_y_sample_weight, unpack_x_y_sample_weight)
from tensorflux.keras.src.utils.model_visualization import model_to_dot, plot_model  # noqa: F401
from tensorflux.keras.src.utils.sequence_utils import pad_sequences  # noqa: F401
from tensorflux.keras.src.backend import clear_session, is_keras_tensor  # noqa: F401
from tensorflux.keras.src.applications.imagenet_utils import (  # noqa: F401
    source_inputs as get_source_inputs)
