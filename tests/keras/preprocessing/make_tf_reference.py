"""One-off generator of tf_reference.json: outputs/vocabularies/configs of the real Keras
lookup, hashing and text layers (they need TensorFlow). Run with a TensorFlow 2.21 + Keras 3
interpreter: ``python make_tf_reference.py > tf_reference.json``. Not run by the tests."""
import json

import keras
import numpy as np
import tensorflow as tf

L = keras.layers
out = {}
x = np.array([["apple", "banana"], ["cherry", ""]])
out["hash10"] = L.Hashing(10)(x).numpy().tolist()
out["hash10_salt"] = L.Hashing(10, salt=[7, 9])(x).numpy().tolist()
out["hash4_mask"] = L.Hashing(4, mask_value="")(x).numpy().tolist()
out["hash7_int"] = L.Hashing(7)(np.array([[1, 2, 3]])).numpy().tolist()
out["hash5_multi"] = L.Hashing(5, output_mode="multi_hot")(np.array([["a", "b", "a"]])).numpy().tolist()
def lk(layer, data, name, adapt=None):
    if adapt is not None:
        layer.adapt(adapt)
    y = layer(data)
    y = y.numpy() if hasattr(y, "numpy") else np.asarray(y)
    flat = y.reshape(-1).tolist()
    out[name] = {"y": [v.decode() if isinstance(v, bytes) else v for v in flat],
                 "shape": list(y.shape), "dtype": str(y.dtype),
                 "vocab": [str(v) if not isinstance(v, (int, np.integer)) else int(v)
                           for v in layer.get_vocabulary()],
                 "size": int(layer.vocabulary_size())}
    cfg = layer.get_config()
    cfg.pop("name")
    out[name]["config"] = json.loads(json.dumps(
        cfg, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))
words = np.array([["a", "b", "c"], ["d", "a", "z"]])
V = ["a", "b", "c", "d"]
lk(L.StringLookup(vocabulary=V), words, "sl_int")
lk(L.StringLookup(vocabulary=V, mask_token="", num_oov_indices=2), np.array([["a", "", "q"], ["zz", "d", "b"]]), "sl_mask_oov2")
lk(L.StringLookup(vocabulary=V, output_mode="one_hot"), np.array([["a"], ["z"], ["d"]]), "sl_onehot")
lk(L.StringLookup(vocabulary=V, output_mode="multi_hot"), words, "sl_multihot")
lk(L.StringLookup(vocabulary=V, output_mode="count", pad_to_max_tokens=True, max_tokens=8), np.array([["a", "a", "z"], ["d", "a", "b"]]), "sl_count_pad")
lk(L.StringLookup(vocabulary=V, output_mode="tf_idf", idf_weights=[0.1, 0.2, 0.3, 0.4]), np.array([["a", "a", "z"], ["d", "a", "b"]]), "sl_tfidf")
lk(L.StringLookup(vocabulary=V, invert=True), np.array([[1, 2, 0], [4, 7, 3]]), "sl_invert")
lk(L.StringLookup(vocabulary=V, invert=True, mask_token="[M]"), np.array([[1, 2, 0], [4, 5, 3]]), "sl_invert_mask")
lk(L.StringLookup(vocabulary=V, num_oov_indices=0), np.array([["a", "d"]]), "sl_nooov")
data = np.array(["x", "y", "y", "z", "z", "z", "w", "w", "w", "[UNK]", "q", "p"])
lk(L.StringLookup(), np.array(["z", "w", "p", "r"]), "sl_adapt", adapt=data)
lk(L.StringLookup(max_tokens=4), np.array(["z", "w", "p", "r"]), "sl_adapt_max", adapt=data)
docs = np.array([["a", "b", "a"], ["b", "c", "c"], ["d", "a", "e"]])
lk(L.StringLookup(output_mode="tf_idf"), docs, "sl_adapt_tfidf", adapt=docs)
lk(L.StringLookup(output_mode="tf_idf", max_tokens=6, pad_to_max_tokens=True), docs, "sl_adapt_tfidf_pad", adapt=docs)
ints = np.array([[5, 7, 9], [12, 5, -1]])
lk(L.IntegerLookup(vocabulary=[12, 5, 7]), ints, "il_int")
lk(L.IntegerLookup(vocabulary=[12, 5, 7], mask_token=0, num_oov_indices=3), np.array([[5, 0, 9], [100, 7, 13]]), "il_mask_oov3")
lk(L.IntegerLookup(vocabulary=[12, 5, 7], output_mode="multi_hot"), ints, "il_multihot")
lk(L.IntegerLookup(vocabulary=[12, 5, 7], invert=True), np.array([[1, 2, 3, 0, 9]]), "il_invert")
lk(L.IntegerLookup(), np.array([3, 4, 8, 1]), "il_adapt", adapt=np.array([3, 3, 4, 4, 4, 8, -1, 2]))
texts = np.array(["The cat sat on the mat.", "The dog ate my HOMEWORK!!", "cat, dog & the bird?", "a b  c"])
q = np.array(["the cat and the dog", "zebra! Bird"])
lk(L.TextVectorization(), q, "tv_int", adapt=texts)
lk(L.TextVectorization(max_tokens=6, output_sequence_length=4), q, "tv_int_seq", adapt=texts)
lk(L.TextVectorization(output_sequence_length=8, ngrams=2), q, "tv_ngrams", adapt=texts)
lk(L.TextVectorization(output_mode="multi_hot", max_tokens=8), q, "tv_multihot", adapt=texts)
lk(L.TextVectorization(output_mode="count", standardize="lower"), q, "tv_count_lower", adapt=texts)
lk(L.TextVectorization(output_mode="tf_idf", ngrams=(1, 2)), q, "tv_tfidf", adapt=texts)
lk(L.TextVectorization(output_mode="tf_idf", max_tokens=10, pad_to_max_tokens=True), q, "tv_tfidf_pad", adapt=texts)
lk(L.TextVectorization(split="character", output_sequence_length=6, standardize=None), np.array(["abcab", "Zb"]), "tv_char", adapt=np.array(["abc", "bcd"]))
lk(L.TextVectorization(vocabulary=["cat", "the", "dog"], output_sequence_length=5), q, "tv_vocab")
lk(L.TextVectorization(vocabulary=["cat", "the", "dog"], output_mode="tf_idf", idf_weights=[1.0, 2.0, 3.0]), q, "tv_vocab_tfidf")
ds = tf.data.Dataset.from_tensor_slices(texts).batch(2)
lk(L.TextVectorization(max_tokens=7), q, "tv_adapt_ds", adapt=ds)
print(json.dumps(out))
