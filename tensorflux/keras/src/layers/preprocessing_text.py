"""Keras 3 ``TextVectorization``: standardize -> split -> ngrams -> ``StringLookup``."""

from __future__ import annotations

import numpy as np

import tensorflux as tf
from tensorflux._src.ops.ragged_tensor import RaggedTensor
from tensorflux.keras.src import backend
from tensorflux.keras.src.layers.preprocessing_base import (
    PreprocessingLayer, as_tensor, validate_choice)
from tensorflux.keras.src.layers.preprocessing_lookup import StringLookup
from tensorflux.keras.src.saving import serialization_lib

__all__ = ["TextVectorization"]

DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


class TextVectorization(PreprocessingLayer):
    """Turns strings into token-index sequences or bag-of-words vectors."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        cls = "TextVectorization"
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        validate_choice(standardize, ("lower_and_strip_punctuation", "lower",
                                      "strip_punctuation"), cls, "standardize",
                        allow_none=True, allow_callables=True)
        validate_choice(split, ("whitespace", "character"), cls, "split", allow_none=True,
                        allow_callables=True)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        validate_choice(output_mode, ("int", "one_hot", "multi_hot", "count", "tf_idf"), cls,
                        "output_mode")
        if not (ngrams is None or isinstance(ngrams, int) or
                (isinstance(ngrams, tuple) and all(isinstance(i, int) for i in ngrams))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or
                                         isinstance(output_sequence_length, int)):
            raise ValueError(f"`output_sequence_length` must be either None or an integer when "
                             f"`output_mode` is 'int'. Received: output_sequence_length="
                             f"{output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is "
                             f"not 'int'. Received output_sequence_length="
                             f"{output_sequence_length}.")
        if ragged and output_mode != "int":
            raise ValueError(f"`ragged` must not be true if `output_mode` is `'int'`. "
                             f"Received: ragged={ragged} and output_mode={output_mode}")
        has_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("autocast", None)
        super().__init__(name=name, autocast=False, **kwargs)
        d = self.__dict__
        d.update(_standardize=standardize, _split=split, _ngrams_arg=ngrams, _ragged=ragged,
                 _output_mode=output_mode, _output_sequence_length=output_sequence_length,
                 _encoding=encoding)
        d["_ngrams"] = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            has_input_vocabulary=has_vocab, encoding=encoding, vocabulary_size=vocabulary_size)

    @property
    def compute_dtype(self):
        return "string"

    @property
    def variable_dtype(self):
        return "string"

    def build(self, input_shape=None):
        self.__dict__["built"] = True

    # ---- vocabulary --------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index order (``''`` = padding, ``'[UNK]'`` = OOV first)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def reset_state(self):
        self._lookup_layer.reset_state()

    def update_state(self, data):
        self._lookup_layer.update_state(self._preprocess(data))

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (by count, ties: larger token first) from strings."""
        if not hasattr(data, "element_spec") and isinstance(data, (list, tuple, np.ndarray)):
            data = np.asarray(data, dtype=object)
            if data.ndim == 1:
                data = data.reshape(-1, 1)
        super().adapt(data, batch_size=batch_size, steps=steps)
        self._lookup_layer.__dict__["_is_adapted"] = True

    # ---- call --------------------------------------------------------------------------------
    def _preprocess(self, inputs):
        inputs = as_tensor(inputs)
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            inputs = tf.strings.lower(inputs)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            inputs = tf.strings.regex_replace(inputs, DEFAULT_STRIP_REGEX, "")
        if callable(self._standardize):
            inputs = self._standardize(inputs)
        if self._split is not None:
            if inputs.shape.rank is not None and inputs.shape.rank > 1:
                if inputs.shape[-1] != 1:
                    raise ValueError(
                        "When using `TextVectorization` to tokenize strings, the input rank "
                        "must be 1 or the last shape dimension must be 1. Received: "
                        f"inputs.shape={tuple(inputs.shape.as_list())} with "
                        f"rank={inputs.shape.rank}")
                inputs = tf.squeeze(inputs, axis=-1)
            if self._split == "whitespace":
                inputs = tf.strings.split(inputs)
            elif self._split == "character":
                inputs = tf.strings.unicode_split(inputs, "UTF-8")
            else:
                inputs = self._split(inputs)
        if self._ngrams is not None:
            inputs = tf.strings.ngrams(inputs, ngram_width=self._ngrams, separator=" ")
        return inputs

    def call(self, inputs):
        data = self._lookup_layer.call(self._preprocess(inputs))
        if self._output_mode != "int":
            return data
        seq_len = self._output_sequence_length
        if isinstance(data, RaggedTensor):
            if self._ragged:
                return data if seq_len is None else data[:, :seq_len]
            return data.to_tensor(default_value=0,
                                  shape=None if seq_len is None else [None, seq_len])
        if seq_len is None:
            return data
        data = data[..., :seq_len]
        pad = seq_len - tf.shape(data, out_type=tf.int64)[-1]
        rank = data.shape.rank
        paddings = tf.concat([tf.zeros([rank - 1, 2], tf.int64),
                              tf.reshape(tf.stack([tf.constant(0, tf.int64), pad]), [1, 2])], 0)
        return tf.ensure_shape(tf.pad(data, paddings), data.shape.as_list()[:-1] + [seq_len])

    def _output_dtype(self, input_dtype):
        return "int64" if self._output_mode == "int" else backend.floatx()

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = tuple(input_shape) + (1,)
        else:
            input_shape = tuple(input_shape) + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    # ---- config ------------------------------------------------------------------------------
    def get_config(self):
        lk = self._lookup_layer
        config = super().get_config()
        config.update({
            "max_tokens": lk.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lk.pad_to_max_tokens,
            "sparse": False,
            "ragged": self._ragged,
            "vocabulary": lk.get_config()["vocabulary"],
            "idf_weights": lk.get_config()["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                config[key] = serialization_lib.deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return super().from_config(config)

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.__dict__["built"] = True
