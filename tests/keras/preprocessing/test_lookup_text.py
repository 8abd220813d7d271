"""StringLookup, IntegerLookup and TextVectorization against values recorded from TensorFlow
2.21 + Keras 3.15 (``tf_reference.json``, made by ``make_tf_reference.py``; real keras needs
TensorFlow for these layers), plus tf.function / tf.data / functional-model use."""

import json
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.keras.src.layers import preprocessing as P

with open(os.path.join(os.path.dirname(__file__), "tf_reference.json")) as _f:
    REF = json.load(_f)

V = ["a", "b", "c", "d"]
WORDS = np.array([["a", "b", "c"], ["d", "a", "z"]])
DOCS = np.array([["a", "b", "a"], ["b", "c", "c"], ["d", "a", "e"]])
ADAPT = np.array(["x", "y", "y", "z", "z", "z", "w", "w", "w", "[UNK]", "q", "p"])
TEXTS = np.array(["The cat sat on the mat.", "The dog ate my HOMEWORK!!", "cat, dog & the bird?",
                  "a b  c"])
Q = np.array(["the cat and the dog", "zebra! Bird"])

# name -> (layer factory, input, adapt data or None); names are keys of tf_reference.json
CASES = {
    "sl_int": (lambda: P.StringLookup(vocabulary=V), WORDS, None),
    "sl_mask_oov2": (lambda: P.StringLookup(vocabulary=V, mask_token="", num_oov_indices=2),
                     np.array([["a", "", "q"], ["zz", "d", "b"]]), None),
    "sl_onehot": (lambda: P.StringLookup(vocabulary=V, output_mode="one_hot"),
                  np.array([["a"], ["z"], ["d"]]), None),
    "sl_multihot": (lambda: P.StringLookup(vocabulary=V, output_mode="multi_hot"), WORDS, None),
    "sl_count_pad": (lambda: P.StringLookup(vocabulary=V, output_mode="count",
                                            pad_to_max_tokens=True, max_tokens=8),
                     np.array([["a", "a", "z"], ["d", "a", "b"]]), None),
    "sl_tfidf": (lambda: P.StringLookup(vocabulary=V, output_mode="tf_idf",
                                        idf_weights=[0.1, 0.2, 0.3, 0.4]),
                 np.array([["a", "a", "z"], ["d", "a", "b"]]), None),
    "sl_invert": (lambda: P.StringLookup(vocabulary=V, invert=True),
                  np.array([[1, 2, 0], [4, 7, 3]]), None),
    "sl_invert_mask": (lambda: P.StringLookup(vocabulary=V, invert=True, mask_token="[M]"),
                       np.array([[1, 2, 0], [4, 5, 3]]), None),
    "sl_nooov": (lambda: P.StringLookup(vocabulary=V, num_oov_indices=0),
                 np.array([["a", "d"]]), None),
    "sl_adapt": (lambda: P.StringLookup(), np.array(["z", "w", "p", "r"]), ADAPT),
    "sl_adapt_max": (lambda: P.StringLookup(max_tokens=4), np.array(["z", "w", "p", "r"]),
                     ADAPT),
    "sl_adapt_tfidf": (lambda: P.StringLookup(output_mode="tf_idf"), DOCS, DOCS),
    "sl_adapt_tfidf_pad": (lambda: P.StringLookup(output_mode="tf_idf", max_tokens=6,
                                                  pad_to_max_tokens=True), DOCS, DOCS),
    "il_int": (lambda: P.IntegerLookup(vocabulary=[12, 5, 7]),
               np.array([[5, 7, 9], [12, 5, -1]]), None),
    "il_mask_oov3": (lambda: P.IntegerLookup(vocabulary=[12, 5, 7], mask_token=0,
                                             num_oov_indices=3),
                     np.array([[5, 0, 9], [100, 7, 13]]), None),
    "il_multihot": (lambda: P.IntegerLookup(vocabulary=[12, 5, 7], output_mode="multi_hot"),
                    np.array([[5, 7, 9], [12, 5, -1]]), None),
    "il_invert": (lambda: P.IntegerLookup(vocabulary=[12, 5, 7], invert=True),
                  np.array([[1, 2, 3, 0, 9]]), None),
    "il_adapt": (lambda: P.IntegerLookup(), np.array([3, 4, 8, 1]),
                 np.array([3, 3, 4, 4, 4, 8, -1, 2])),
    "tv_int": (lambda: P.TextVectorization(), Q, TEXTS),
    "tv_int_seq": (lambda: P.TextVectorization(max_tokens=6, output_sequence_length=4), Q,
                   TEXTS),
    "tv_ngrams": (lambda: P.TextVectorization(output_sequence_length=8, ngrams=2), Q, TEXTS),
    "tv_multihot": (lambda: P.TextVectorization(output_mode="multi_hot", max_tokens=8), Q,
                    TEXTS),
    "tv_count_lower": (lambda: P.TextVectorization(output_mode="count", standardize="lower"),
                       Q, TEXTS),
    "tv_tfidf": (lambda: P.TextVectorization(output_mode="tf_idf", ngrams=(1, 2)), Q, TEXTS),
    "tv_tfidf_pad": (lambda: P.TextVectorization(output_mode="tf_idf", max_tokens=10,
                                                 pad_to_max_tokens=True), Q, TEXTS),
    "tv_char": (lambda: P.TextVectorization(split="character", output_sequence_length=6,
                                            standardize=None),
                np.array(["abcab", "Zb"]), np.array(["abc", "bcd"])),
    "tv_vocab": (lambda: P.TextVectorization(vocabulary=["cat", "the", "dog"],
                                             output_sequence_length=5), Q, None),
    "tv_vocab_tfidf": (lambda: P.TextVectorization(vocabulary=["cat", "the", "dog"],
                                                   output_mode="tf_idf",
                                                   idf_weights=[1.0, 2.0, 3.0]), Q, None),
    "tv_adapt_ds": (lambda: P.TextVectorization(max_tokens=7), Q,
                    lambda: tf.data.Dataset.from_tensor_slices(TEXTS).batch(2)),
}


def _build(name):
    make, x, data = CASES[name]
    layer = make()
    if data is not None:
        layer.adapt(data() if callable(data) else data)
    return layer, x


def _values(y):
    flat = y.numpy().reshape(-1).tolist()
    return [v.decode() if isinstance(v, bytes) else v for v in flat]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    ref = REF[name]
    layer, x = _build(name)
    y = layer(x)
    assert list(y.shape) == ref["shape"], name
    assert y.dtype.name == {"object": "string"}.get(ref["dtype"], ref["dtype"]), name
    if ref["dtype"].startswith("float"):
        np.testing.assert_allclose(_values(y), ref["y"], rtol=1e-6, atol=1e-7, err_msg=name)
    else:
        assert _values(y) == ref["y"], name
    assert layer.get_vocabulary() == ref["vocab"]
    assert layer.vocabulary_size() == ref["size"]
    cfg = layer.get_config()
    cfg.pop("name")
    assert json.loads(json.dumps(cfg)) == ref["config"], name


@pytest.mark.parametrize("name", ["sl_mask_oov2", "sl_multihot", "sl_tfidf", "il_mask_oov3",
                                  "sl_invert", "tv_int_seq", "tv_tfidf", "tv_ngrams",
                                  "tv_char"])
def test_tf_function_dataset_and_config_round_trip(name):
    layer, x = _build(name)
    eager = layer(x).numpy()
    xt = tf.convert_to_tensor(x) if x.dtype.kind != "U" else tf.constant(x)
    spec = tf.TensorSpec([None] + list(x.shape[1:]), xt.dtype)
    traced = tf.function(lambda t: layer(t), input_signature=[spec])(xt)
    np.testing.assert_array_equal(traced.numpy(), eager)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(1).map(lambda t: layer(t))
    got = np.concatenate([b.numpy() for b in ds])
    if name != "tv_int_seq" and name.startswith("tv") and "tfidf" not in name:
        return  # ragged per-row padding differs by batch for unpadded int output
    np.testing.assert_array_equal(got, eager)
    if name in ("tv_int_seq", "tv_tfidf", "tv_ngrams", "tv_char"):
        return  # adapted vocabularies are not part of the config (Keras saves them as assets)
    clone = type(layer).from_config(layer.get_config())
    np.testing.assert_array_equal(clone(x).numpy(), eager)


def test_adapt_inputs_agree():
    """Arrays, lists, tensors, datasets and generators give the same vocabulary."""
    want = P.TextVectorization()
    want.adapt(TEXTS)
    for data in (list(TEXTS), tf.constant(TEXTS),
                 tf.data.Dataset.from_tensor_slices(TEXTS).batch(3),
                 tf.data.Dataset.from_tensor_slices((TEXTS, np.arange(4))).batch(3),
                 (b for b in np.split(TEXTS, 2))):
        layer = P.TextVectorization()
        layer.adapt(data)
        assert layer.get_vocabulary() == want.get_vocabulary()
    stepped = P.TextVectorization()
    stepped.adapt(tf.data.Dataset.from_tensor_slices(TEXTS).batch(1).repeat(), steps=2)
    assert "homework" in stepped.get_vocabulary() and "bird" not in stepped.get_vocabulary()


def test_functional_model_with_string_input():
    tv = P.TextVectorization(max_tokens=20, output_sequence_length=6)
    tv.adapt(TEXTS)
    inp = tf.keras.Input(shape=(1,), dtype="string")
    ids = tv(inp)
    assert tuple(ids.shape) == (None, 6) and ids.dtype == "int64"
    emb = tf.keras.layers.Embedding(20, 4)(ids)
    out = tf.keras.layers.GlobalAveragePooling1D()(emb)
    model = tf.keras.Model(inp, out)
    y = model(tf.constant(Q[:, None]))
    assert tuple(y.shape) == (2, 4)
    np.testing.assert_array_equal(tv(Q[:, None]).numpy(), tv(Q).numpy())


def test_errors():
    with pytest.raises(ValueError, match="repeated term"):
        P.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="`output_mode` must be `'int'` when `invert`"):
        P.StringLookup(vocabulary=V, invert=True, output_mode="one_hot")
    with pytest.raises(ValueError, match="idf_weights"):
        P.StringLookup(vocabulary=V, output_mode="tf_idf")
    with pytest.raises(ValueError, match="static vocabulary"):
        P.StringLookup(vocabulary=V).adapt(np.array(["a"]))
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        P.StringLookup(output_mode="multi_hot")(np.array([["a"]]))
    with pytest.raises(ValueError, match="larger than the maximum vocab"):
        P.StringLookup(vocabulary=V, max_tokens=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_oov_indices=0"):
        P.StringLookup(vocabulary=V, num_oov_indices=0)(np.array(["zz"]))
    with pytest.raises(ValueError, match="output_sequence_length"):
        P.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        P.TextVectorization(vocabulary=V)(np.array([["a", "b"]]))


def test_set_vocabulary_with_special_tokens_and_file(tmp_path):
    layer = P.StringLookup(mask_token="[MASK]")
    layer.set_vocabulary(["[MASK]", "[UNK]", "x", "y"])
    assert layer.get_vocabulary() == ["[MASK]", "[UNK]", "x", "y"]
    assert layer(np.array(["y", "[MASK]", "q"])).numpy().tolist() == [3, 0, 1]
    path = tmp_path / "vocab.txt"
    path.write_text("x\ny\nz\n")
    from_file = P.StringLookup(vocabulary=str(path))
    assert from_file(np.array(["z", "x"])).numpy().tolist() == [3, 1]
    assert from_file.get_config()["vocabulary"] is None


def test_text_vectorization_inside_a_trained_model():
    texts = np.array(["good movie", "bad movie", "great film", "awful film"] * 8)
    y = np.array([1, 0, 1, 0] * 8, dtype="float32")
    tv = P.TextVectorization(max_tokens=20, output_sequence_length=3)
    tv.adapt(texts)
    model = tf.keras.Sequential([
        tf.keras.Input((1,), dtype="string"), tv, tf.keras.layers.Embedding(20, 4),
        tf.keras.layers.GlobalAveragePooling1D(), tf.keras.layers.Dense(1)])
    model.compile(tf.keras.optimizers.SGD(0.5), "mse")
    before = model.evaluate(texts[:, None], y, verbose=0)
    model.fit(tf.data.Dataset.from_tensor_slices((texts[:, None], y)).batch(8), epochs=5,
              verbose=0)
    assert model.evaluate(texts[:, None], y, verbose=0) < before
