"""tf.summary.image / audio inside tf.function (EncodePng / EncodeWav nodes), checked by
decoding what TensorBoard reads back with Pillow and Python's ``wave``."""

import io
import wave

import numpy as np
from PIL import Image

import tensorflux as tf
from tests.summary.util import accumulator, values

_IMGS = np.random.default_rng(0).random((4, 5, 7, 3)).astype(np.float32)
_AUDIO = np.random.default_rng(1).uniform(-1.2, 1.2, (2, 50, 2)).astype(np.float32)


def _pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)))


def _expected_pixels(x):  # convert_image_dtype(saturate=True): x * 255.5 truncated
    return np.clip(x.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)


def test_image_and_audio_in_function(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))

    @tf.function
    def log(images, clips, step):
        tf.summary.image("img", images, step=step, max_outputs=2)
        tf.summary.image("none", images, step=step, max_outputs=0)
        tf.summary.audio("aud", clips, 8000, step=step)

    with writer.as_default():
        log(_IMGS, _AUDIO, tf.constant(1, tf.int64))
        log(_IMGS, _AUDIO, tf.constant(2, tf.int64))
    writer.close()
    acc = accumulator(str(tmp_path))
    steps, imgs = values(acc, "img")
    assert steps == [1, 2]
    assert list(imgs[0][:2]) == [b"7", b"5"] and len(imgs[0]) == 4  # width, height, 2 PNGs
    for k in range(2):
        np.testing.assert_array_equal(_pixels(imgs[0][2 + k]), _expected_pixels(_IMGS[k]))
    assert list(values(acc, "none")[1][0]) == [b"7", b"5"]
    assert acc.SummaryMetadata("img").plugin_data.plugin_name == "images"
    _, clips = values(acc, "aud")
    assert acc.SummaryMetadata("aud").plugin_data.plugin_name == "audio"
    assert len(clips[0]) == 2
    for k in range(2):
        with wave.open(io.BytesIO(clips[0][k])) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 2, 2)
            got = np.frombuffer(w.readframes(50), "<i2").reshape(50, 2)
        x = _AUDIO[k].astype(np.float64) * 32768
        want = np.clip(np.sign(x) * np.floor(np.abs(x) + 0.5), -32768, 32767)
        np.testing.assert_array_equal(got, want)


def test_function_matches_eager_and_unknown_batch(tmp_path):
    from tensorflux._src.summary.v2 import _audio_tensor, _image_tensor

    @tf.function(input_signature=[tf.TensorSpec([None, 5, 7, 3]),
                                  tf.TensorSpec([None, None, 2])])
    def both(images, clips):
        return _image_tensor("i", images, 3), _audio_tensor("a", clips, 16000, 3)

    for n in (4, 1, 0):
        gi, ga = both(_IMGS[:n], _AUDIO[:n])
        ei, ea = _image_tensor("i", _IMGS[:n], 3), _audio_tensor("a", _AUDIO[:n], 16000, 3)
        np.testing.assert_array_equal(gi.numpy(), ei.numpy())
        np.testing.assert_array_equal(ga.numpy(), ea.numpy())
        assert gi.shape == (2 + min(n, 3),) and ga.shape == (min(n, 2), 2)
        assert (ga.numpy()[:, 1] == b"").all()
