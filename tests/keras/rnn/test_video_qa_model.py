"""Acceptance: the Keras "video question answering" functional model (frozen per-frame CNN
under TimeDistributed + LSTM over frames; Embedding(mask_zero) + LSTM over the question)."""

import numpy as np

import tensorflux as tf
from tensorflux import keras
from tensorflux.keras import layers as L

FRAMES, H, W, WORDS, VOCAB, ANSWERS = 4, 16, 16, 6, 50, 7


def _model():
    cnn = keras.Sequential([keras.Input((H, W, 3)), L.Conv2D(4, 3, activation="relu"),
                            L.MaxPooling2D(), L.Conv2D(8, 3, activation="relu"),
                            L.GlobalAveragePooling2D()])
    cnn.trainable = False
    video = keras.Input((FRAMES, H, W, 3), name="video")
    encoded_frames = L.TimeDistributed(cnn)(video)
    encoded_video = L.LSTM(16)(encoded_frames)
    question = keras.Input((WORDS,), dtype="int32", name="question")
    embedded = L.Embedding(VOCAB, 8, mask_zero=True)(question)
    encoded_question = L.LSTM(16)(embedded)
    x = L.Concatenate()([encoded_video, encoded_question])
    x = L.Dense(32, activation="relu")(x)
    out = L.Dense(ANSWERS, activation="softmax")(x)
    return keras.Model([video, question], out), cnn


def _data(n=6):
    r = np.random.default_rng(0)
    video = r.standard_normal((n, FRAMES, H, W, 3)).astype("float32")
    q = r.integers(1, VOCAB, (n, WORDS)).astype("int32")
    q[:, 4:] = 0                        # padded questions
    q[0, 2:] = 0
    y = np.eye(ANSWERS, dtype="float32")[r.integers(0, ANSWERS, n)]
    return video, q, y


def test_video_qa_builds_trains_and_predicts():
    model, cnn = _model()
    assert tuple(model.output.shape) == (None, ANSWERS)
    assert cnn.trainable_weights == [] and len(cnn.weights) == 4
    cnn_before = [w.copy() for w in cnn.get_weights()]
    frozen_ids = {id(v) for v in cnn.weights}
    rest = [v for v in model.trainable_weights if id(v) not in frozen_ids]
    assert len(model.trainable_weights) == len(rest) == 3 + 1 + 3 + 2 + 2
    rest_before = [v.numpy().copy() for v in rest]
    video, q, y = _data()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit([video, q], y, epochs=1, batch_size=3, verbose=0)
    for a, b in zip(cnn.get_weights(), cnn_before):
        np.testing.assert_array_equal(a, b)
    for v, b in zip(rest, rest_before):
        assert not np.array_equal(v.numpy(), b), f"{v.path} did not train"
    pred = model.predict([video, q], verbose=0)
    assert pred.shape == (6, ANSWERS)
    np.testing.assert_allclose(pred.sum(-1), 1.0, rtol=1e-5)
    # padded steps are masked out: the padding token's embedding does not affect predictions
    emb = [layer for layer in model.layers if isinstance(layer, L.Embedding)][0]
    table = emb.get_weights()[0]
    table[0] += 5.0
    emb.set_weights([table])
    np.testing.assert_allclose(model.predict([video, q], verbose=0), pred, rtol=1e-5,
                               atol=1e-6)
    table[1:] += 5.0
    emb.set_weights([table])
    assert not np.allclose(model.predict([video, q], verbose=0), pred, atol=1e-4)


def test_time_distributed_cnn_equals_per_frame_calls():
    model, cnn = _model()
    video, _, _ = _data(2)
    td = L.TimeDistributed(cnn)
    got = td(tf.constant(video)).numpy()
    for f in range(FRAMES):
        np.testing.assert_allclose(got[:, f], cnn(tf.constant(video[:, f])).numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_time_distributed_passes_masks():
    ids = np.array([[1, 2, 0], [3, 0, 0]], "int32")
    x = L.Embedding(5, 4, mask_zero=True)(tf.constant(ids))
    y = L.TimeDistributed(L.Dense(2))(x)
    np.testing.assert_array_equal(y._keras_mask.numpy(), ids != 0)
    out = L.LSTM(3, return_sequences=True)(y)
    np.testing.assert_allclose(out.numpy()[1, 1], out.numpy()[1, 0])
