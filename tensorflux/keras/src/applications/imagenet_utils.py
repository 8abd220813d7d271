"""Shared helpers of ``keras.applications``: input checks, weight loading, preprocessing and
``decode_predictions`` (Keras 3 behaviour)."""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/data/"
                    "imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
# A local copy of imagenet_class_index.json (used before the download path).
CLASS_INDEX_ENV = "TENSORFLUX_IMAGENET_CLASS_INDEX"
_CAFFE_MEAN = (103.939, 116.779, 123.68)
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def _data_format(data_format):
    from tensorflux.keras.src import backend

    if data_format is None:
        return backend.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or "
                         f"`channels_last`. Received: data_format={data_format}")
    return data_format


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images in [0, 255]: ``mode`` "caffe" (BGR, minus ImageNet means),
    "tf" (to [-1, 1]) or "torch" (to [0, 1], then per-channel ImageNet standardization).
    NumPy float inputs are modified in place, as in Keras."""
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError("Expected mode to be one of `caffe`, `tf` or `torch`. "
                         f"Received: mode={mode}")
    data_format = _data_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_shape(ndim, data_format):
    if data_format == "channels_first":
        return (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)
    return (1,) * (ndim - 1) + (3,)


def _preprocess_numpy(x, data_format, mode):
    from tensorflux.keras.src import backend

    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        if data_format == "channels_first":
            x = x[::-1, ...] if x.ndim == 3 else x[:, ::-1, ...]
        else:
            x = x[..., ::-1]
        mean, std = _CAFFE_MEAN, None
    shape = _channel_shape(x.ndim, data_format)
    x -= np.asarray(mean, x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, x.dtype).reshape(shape)
    return x


def _preprocess_tensor(x, data_format, mode):
    import tensorflux as tf

    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = tf.cast(x, "float32")
    ndim = len(x.shape)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        axis = (0 if ndim == 3 else 1) if data_format == "channels_first" else -1
        x = tf.reverse(x, [axis])
        mean, std = _CAFFE_MEAN, None
    shape = _channel_shape(ndim, data_format)
    x = x - tf.constant(np.asarray(mean).reshape(shape), dtype=x.dtype)
    if std is not None:
        x = x / tf.constant(np.asarray(std).reshape(shape), dtype=x.dtype)
    return x


def _class_index():
    global CLASS_INDEX
    if CLASS_INDEX is None:
        fpath = os.environ.get(CLASS_INDEX_ENV)
        if not fpath:
            fpath = fetch("imagenet_class_index.json", CLASS_INDEX_PATH, CLASS_INDEX_HASH,
                          what="the ImageNet class index", env=CLASS_INDEX_ENV)
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    return CLASS_INDEX


def decode_predictions(preds, top=5):
    """``[[(class_id, class_name, score), ...] per sample]``, best ``top`` first."""
    preds = np.asarray(preds.numpy() if hasattr(preds, "numpy") else preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array "
                         f"of shape (samples, 1000)). Received array with shape: {preds.shape}")
    index = _class_index()
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def fetch(fname, origin, file_hash=None, what="the file", env=None):
    """``keras.utils.get_file`` into ``~/.keras/models`` with a clear error when offline."""
    from tensorflux.keras.src.utils.misc import get_file

    try:
        return get_file(fname, origin, cache_subdir="models", file_hash=file_hash)
    except ValueError:
        raise
    except Exception as e:  # URLError, HTTPError, OSError, ...
        hint = f" or set ${env} to a local copy" if env else ""
        raise OSError(
            f"Could not download {what} from {origin} ({type(e).__name__}: {e}). Check the "
            f"network connection, or place a copy at ~/.keras/models/{fname}{hint}; for model "
            "weights you can also pass `weights=<path to a .h5/.weights.h5 file>`.") from e


def check_weights_arg(weights, include_top, classes):
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike))
                                              and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to the weights file to be loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000.  Received classes={classes}")


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """Keras's input-shape validation/defaulting for the ImageNet models."""
    cf = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        ch = input_shape[0] if cf else input_shape[-1]
        if ch not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {ch} input channels.", stacklevel=3)
        default_shape = ((input_shape[0], default_size, default_size) if cf
                         else (default_size, default_size, input_shape[-1]))
    else:
        default_shape = (3, default_size, default_size) if cf else (default_size,
                                                                     default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  Received: "
                             f"input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        ch, rows, cols = ((input_shape[0],) + input_shape[1:] if cf
                          else (input_shape[2],) + input_shape[:2])
        if ch != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received "
                             f"`input_shape={input_shape}`")
        if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if cf else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """``((top, bottom), (left, right))`` zero padding for a strided 'valid' conv."""
    from tensorflux.keras.src import backend

    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    input_size = inputs.shape[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2,
                                                   1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Only ``None``/``"softmax"`` may top a pretrained classifier."""
    if weights is None:
        return
    from tensorflux.keras.src import activations

    act = activations.get(classifier_activation)
    if act not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         f"`include_top=True`; Received: classifier_activation={act}")


def image_input(input_tensor, input_shape):
    """The model's input KerasTensor (a new ``Input`` unless ``input_tensor`` is one)."""
    from tensorflux.keras.src import backend
    from tensorflux.keras.src.engine.input_layer import Input

    if input_tensor is None:
        return Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor):
    """The ``Input`` tensors a KerasTensor depends on (``operation_utils.get_source_inputs``)."""
    out, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
        else:
            stack.extend(reversed(node.input_tensors))
    return out


def finish(img_input, input_tensor, x, name, weights, imagenet_path):
    """Build the Functional model and load ``weights`` ("imagenet" -> ``imagenet_path()``)."""
    from tensorflux.keras.src import backend
    from tensorflux.keras.src.engine.functional import Functional

    inputs = img_input
    if input_tensor is not None and backend.is_keras_tensor(input_tensor):
        inputs = source_inputs(input_tensor)
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    model = Functional(inputs, x, name=name)
    if weights == "imagenet":
        model.load_weights(imagenet_path())
    elif weights is not None:
        model.load_weights(weights)
    return model
