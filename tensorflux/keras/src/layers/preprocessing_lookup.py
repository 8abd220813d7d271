"""Keras 3 ``StringLookup`` and ``IntegerLookup`` (Keras's ``IndexLookup`` semantics).

The vocabulary lives in two constant tensors (the tokens sorted, and their indices); a lookup
is a binary search (``LowerBound``) + gather + equality check, so it runs eagerly, inside
``tf.function`` and inside ``tf.data`` map functions with the core's ops only.
"""

from __future__ import annotations

import collections
import math

import numpy as np

import tensorflux as tf
from tensorflux._src.ops.ragged_tensor import RaggedTensor
from tensorflux.keras.src import backend
from tensorflux.keras.src.layers.preprocessing_base import (
    PreprocessingLayer, encode_categorical, to_numpy, validate_choice)

__all__ = ["IndexLookup", "StringLookup", "IntegerLookup"]

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _listify(x):
    if hasattr(x, "numpy"):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, list):
        x = [v.decode("utf-8") if isinstance(v, bytes) else v for v in x]
    return x


class IndexLookup(PreprocessingLayer):
    """Maps tokens to indices (or back, ``invert=True``); base of String/IntegerLookup."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", salt=None,
                 name=None, **kwargs):
        cls = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        validate_choice(oov_method, ("floormod", "farmhash"), cls, "oov_method")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. "
                                 f"Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `IndexLookup` can only be a tuple "
                                 f"of 2 integers, or a single integer. Received: salt={salt}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        validate_choice(output_mode, _MODES, cls, "output_mode")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` is not supported by tensorflux's lookup layers; "
                             "use the dense output (sparse=False).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        self_vocab_size = kwargs.pop("vocabulary_size", None)
        has_input_vocab = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("autocast", None)
        super().__init__(name=name, autocast=False, **kwargs)
        d = self.__dict__
        d.update(invert=invert, max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                 mask_token=mask_token, oov_token=oov_token, output_mode=output_mode,
                 sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                 vocabulary_dtype=vocabulary_dtype, oov_method=oov_method, salt=salt)
        d["_frozen_vocab_size"] = self_vocab_size
        d["input_vocabulary"] = vocabulary if not isinstance(vocabulary, str) else None
        d["input_idf_weights"] = idf_weights
        d["_has_input_vocabulary"] = has_input_vocab
        d["_tokens"] = np.array([], dtype=self._np_dtype())
        d["_table"] = None
        d["_idf"] = None
        if output_mode == "tf_idf" and has_input_vocab and idf_weights is None \
                and vocabulary is not None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()

    # ---- dtypes and indices ------------------------------------------------------------------
    @property
    def compute_dtype(self):
        return self.vocabulary_dtype

    @property
    def variable_dtype(self):
        return self.vocabulary_dtype

    def _np_dtype(self):
        return object if self.vocabulary_dtype == "string" else np.dtype(self.vocabulary_dtype)

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _to_key(self, v):
        """A token as stored in the table: bytes for strings, a NumPy int otherwise."""
        if self.vocabulary_dtype == "string":
            return v.encode("utf-8") if isinstance(v, str) else bytes(v)
        return int(v)

    def _key_array(self, values):
        values = values.numpy() if hasattr(values, "numpy") else values
        return np.array([self._to_key(v) for v in np.asarray(values).reshape(-1).tolist()],
                        dtype=self._np_dtype())

    # ---- vocabulary --------------------------------------------------------------------------
    def vocabulary_size(self):
        """Size of the vocabulary including the mask and OOV indices."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with special tokens a term's position is its index."""
        oov = self.oov_token
        vocab = [self.mask_token] * self._oov_start_index() + \
                [oov] * self.num_oov_indices + list(self._tokens.tolist())
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        if self.vocabulary_dtype == "string":
            return [v.decode("utf-8") if isinstance(v, bytes) else v for v in vocab]
        return vocab

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and IDF weights for ``tf_idf``) directly instead of adapt()."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a "
                                 "vocabulary from file.")
            if not tf.io.gfile.exists(vocabulary):
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
            with tf.io.gfile.GFile(vocabulary, "r") as f:
                lines = f.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            vocabulary = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        vocab = self._key_array(vocabulary)
        if vocab.size == 0:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary="
                             f"{_listify(vocabulary)}")
        oov_start, token_start = self._oov_start_index(), self._token_start_index()
        special = [self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices
        special = [self._to_key(s) for s in special if s is not None]
        found_special = len(special) == token_start and \
            list(vocab[:token_start].tolist()) == special
        tokens = vocab[token_start:] if found_special else vocab
        repeated = [t for t, c in collections.Counter(tokens.tolist()).items() if c > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        for tok, what, check in ((self.mask_token, "mask", True),
                                 (self.oov_token, "OOV", self.invert)):
            if tok is not None and check and self._to_key(tok) in set(tokens.tolist()):
                raise ValueError(
                    f"Found reserved {what} token at unexpected location in `vocabulary`. "
                    "Note that passed `vocabulary` does not need to include the OOV and mask "
                    "tokens. Either remove all mask and OOV tokens, or include them only at "
                    f"the start of the vocabulary in precisely this order: "
                    f"{[self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices}"
                    f". Received: {what.lower()}_token={tok!r}")
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab "
                             f"size. Received vocabulary size is {token_start + len(tokens)}; "
                             f"`max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = np.asarray(idf_weights.numpy() if hasattr(idf_weights, "numpy")
                             else idf_weights, dtype=np.float64)
            if len(vocab) != len(idf):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(idf)}; len(vocabulary) is "
                                 f"{len(vocab)}")
            if idf.ndim != 1:
                raise ValueError(f"TF-IDF data must be a 1-index array. Received: "
                                 f"idf_weights with shape {idf.shape}")
            front, front_value = (0, 0.0) if found_special else (token_start, np.average(idf))
            back = (self.max_tokens - front - len(idf)
                    if self.pad_to_max_tokens and self.max_tokens is not None else 0)
            self._set_idf(np.pad(idf, (front, back), "constant",
                                 constant_values=(front_value, 0.0)))

    def _set_tokens(self, tokens):
        d = self.__dict__
        d["_tokens"] = np.asarray(tokens, dtype=self._np_dtype())
        d["_table"] = None
        new_size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and self.built and \
                new_size != self._frozen_vocab_size:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {new_size}")
        d["_frozen_vocab_size"] = new_size

    def _set_idf(self, weights):
        with tf.init_scope():
            self.__dict__["_idf"] = tf.constant(np.asarray(weights, backend.floatx()))

    def _lookup_tensors(self):
        """(sorted keys, their indices, tokens in index order) as eager constants."""
        if self._table is None:
            toks = self._tokens
            order = np.argsort(toks, kind="stable") if len(toks) else np.array([], np.int64)
            start = self._token_start_index()
            key_dt = tf.string if self.vocabulary_dtype == "string" else \
                tf.as_dtype(self.vocabulary_dtype)
            with tf.init_scope():
                self.__dict__["_table"] = (
                    tf.constant(toks[order], dtype=key_dt),
                    tf.constant(order.astype(np.int64) + start, dtype=tf.int64),
                    tf.constant(toks, dtype=key_dt))
        return self._table

    # ---- adapt -------------------------------------------------------------------------------
    def reset_state(self):
        d = self.__dict__
        d["_token_counts"] = collections.Counter()
        d["_doc_counts"] = collections.Counter()
        d["_num_documents"] = 0

    def _rows(self, data):
        """A batch as a list of 1-D NumPy rows (documents) of table keys."""
        if isinstance(data, RaggedTensor):
            values, splits = to_numpy(data)
            return [values[a:b] for a, b in zip(splits[:-1], splits[1:])]
        arr = to_numpy(data)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        return list(arr.reshape(arr.shape[0], -1))

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        if self.vocabulary_dtype != "string" and not isinstance(data, RaggedTensor):
            data = np.asarray(to_numpy(data)).astype(self.vocabulary_dtype)
        rows = self._rows(data)
        norm = self._to_key
        for row in rows:
            keys = [norm(v) for v in row.tolist()]
            self._token_counts.update(keys)
            if self.output_mode == "tf_idf":
                self._doc_counts.update(set(keys))
        if self.output_mode == "tf_idf":
            self.__dict__["_num_documents"] += len(rows)

    def adapt(self, data, batch_size=None, steps=None):
        """Build the vocabulary from ``data``: tokens by count (ties: larger token first)."""
        if not (hasattr(data, "element_spec") or isinstance(data, (RaggedTensor,))) and \
                not hasattr(data, "__next__"):
            arr = to_numpy(data) if not isinstance(data, list) else np.asarray(data)
            if arr.ndim == 1:
                data = arr.reshape(-1, 1)
        super().adapt(data, batch_size=batch_size, steps=steps)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._token_counts:
            return
        counts = dict(self._token_counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._to_key(special), None)
        items = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens:
            items = items[:self.max_tokens - self._token_start_index()]
        tokens = np.array([k for k, _ in items], dtype=self._np_dtype())
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            n = self._num_documents
            idf = np.array([math.log(1 + n / (1 + self._doc_counts[t])) for t in tokens.tolist()],
                           dtype=backend.floatx())
            mean = idf.mean(dtype=np.float32) if len(idf) else np.float32(0)
            idf = np.pad(idf, (self._token_start_index(), 0), constant_values=mean)
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - len(idf)))
            self._set_idf(idf)
        self.reset_state()

    # ---- call --------------------------------------------------------------------------------
    def _key_dtype(self):
        if self.invert:
            return tf.int64
        return tf.string if self.vocabulary_dtype == "string" else \
            tf.as_dtype(self.vocabulary_dtype)

    def _lookup_dense(self, x):
        sorted_keys, sorted_ids, tokens = self._lookup_tensors()
        n = len(self._tokens)
        if self.invert:
            start = self._token_start_index()
            pos = x - start
            inside = tf.logical_and(pos >= 0, pos < n)
            oov = tf.constant(self._to_key(self.oov_token), dtype=tokens.dtype)
            if n == 0:
                out = tf.fill(tf.shape(x), oov)
            else:
                out = tf.where(inside, tf.gather(tokens, tf.where(inside, pos,
                                                                  tf.zeros_like(pos))), oov)
            if self.mask_token is not None:
                mask = tf.constant(self._to_key(self.mask_token), dtype=tokens.dtype)
                out = tf.where(tf.equal(x, 0), mask, out)
            return out
        if self.num_oov_indices == 1:
            default = self._oov_start_index()
        else:
            default = -1
        flat = tf.reshape(x, [-1])
        if n == 0:
            ids = tf.fill(tf.shape(flat), tf.constant(default, tf.int64))
        else:
            pos = tf.minimum(tf.searchsorted(sorted_keys, flat, out_type=tf.int64), n - 1)
            found = tf.equal(tf.gather(sorted_keys, pos), flat)
            ids = tf.where(found, tf.gather(sorted_ids, pos), tf.constant(default, tf.int64))
        if self.num_oov_indices == 0:
            tf.debugging.assert_greater_equal(
                ids, tf.constant(0, tf.int64),
                message="When `num_oov_indices=0` all inputs should be in vocabulary, found "
                        "OOV values, consider setting `num_oov_indices=1`.")
        elif self.num_oov_indices > 1:
            if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
                oov_ids = tf.math.floormod(tf.cast(flat, tf.int64), self.num_oov_indices)
            else:
                h = flat if self.vocabulary_dtype == "string" else tf.strings.as_string(flat)
                if self.salt is not None:
                    oov_ids = tf.strings.to_hash_bucket_strong(h, self.num_oov_indices,
                                                               key=self.salt)
                else:
                    oov_ids = tf.strings.to_hash_bucket_fast(h, self.num_oov_indices)
            ids = tf.where(tf.equal(ids, -1), oov_ids + self._oov_start_index(), ids)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
            ids = tf.where(tf.equal(flat, tf.constant(self._to_key(self.mask_token),
                                                      dtype=flat.dtype)),
                           tf.constant(mask_value, tf.int64), ids)
        ids = tf.reshape(ids, tf.shape(x))
        return ids if x.shape.rank is None else tf.ensure_shape(ids, x.shape.as_list())

    def call(self, inputs):
        if isinstance(inputs, RaggedTensor):
            if inputs.flat_values.dtype != self._key_dtype():
                inputs = inputs.with_flat_values(tf.cast(inputs.flat_values, self._key_dtype()))
            lookups = inputs.with_flat_values(self._lookup_dense(inputs.flat_values))
            if self.output_mode == "int":
                return lookups
            lookups = lookups.to_tensor(default_value=np.iinfo(np.int64).max)
        else:
            inputs = tf.convert_to_tensor(inputs)
            if inputs.dtype != self._key_dtype():
                inputs = tf.cast(inputs, self._key_dtype())
            lookups = self._lookup_dense(inputs)
            if self.output_mode == "int":
                return lookups
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "tf_idf":
            out = encode_categorical(lookups, "count", depth, backend.floatx())
            return out * self._idf
        return encode_categorical(lookups, self.output_mode, depth, self._encoded_dtype())

    def _encoded_dtype(self):
        return "int64"

    def _output_dtype(self, input_dtype):
        if self.output_mode == "int":
            return self.vocabulary_dtype if self.invert else "int64"
        return backend.floatx() if self.output_mode == "tf_idf" else self._encoded_dtype()

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        return config

    def get_build_config(self):
        return {}

    def build_from_config(self, config):
        self.__dict__["built"] = True


class StringLookup(IndexLookup):
    """Maps strings to integer indices (``keras.layers.StringLookup``)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None,
                 **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.__dict__["encoding"] = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         vocabulary_dtype="string", **kwargs)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        del config["vocabulary_dtype"]
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices (``keras.layers.IntegerLookup``)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, name=None,
                 **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup only supports `vocabulary_dtype='int64'`. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        if max_tokens is not None and max_tokens <= 0:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater "
                             f"than 1. Received: max_tokens={max_tokens}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, name=name, **kwargs)
