"""``keras.preprocessing``: Keras 3's data utilities namespace.

Only ``keras.preprocessing.sequence.pad_sequences`` exists so far; the directory/array dataset
builders (``image_dataset_from_directory``, ``text_dataset_from_directory``,
``timeseries_dataset_from_array``) are not implemented yet.
"""

from tensorflux.keras.preprocessing import sequence  # noqa: F401
