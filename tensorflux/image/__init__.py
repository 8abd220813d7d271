"""``tf.image``: image operations (explicit re-exports)."""

from tensorflux._src.ops.image_ops import (  # noqa: F401
    adjust_brightness,
    adjust_contrast,
    central_crop,
    convert_image_dtype,
    crop_to_bounding_box,
    flip_left_right,
    flip_up_down,
    grayscale_to_rgb,
    image_gradients,
    pad_to_bounding_box,
    random_flip_left_right,
    random_flip_up_down,
    resize_with_crop_or_pad,
    rgb_to_grayscale,
    rot90,
    transpose,
)
from tensorflux._src.ops.image_resize import ResizeMethod, resize  # noqa: F401
from tensorflux._src.ops.image_stats import (  # noqa: F401
    adjust_gamma,
    per_image_standardization,
    psnr,
    total_variation,
)
from tensorflux._src.io.image_codecs import (  # noqa: F401 - tf.image codec aliases (tf.io)
    decode_and_crop_jpeg,
    decode_bmp,
    decode_gif,
    decode_image,
    decode_jpeg,
    decode_png,
    encode_jpeg,
    encode_png,
    extract_jpeg_shape,
    is_jpeg,
)
