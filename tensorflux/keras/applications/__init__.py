"""``keras.applications``: ImageNet model builders (Keras 3 names and layer layout)."""

from tensorflux.keras.applications import (  # noqa: F401
    imagenet_utils, inception_v3, mobilenet_v2, resnet, resnet50, vgg16, vgg19)
from tensorflux.keras.src.applications.inception_v3 import InceptionV3  # noqa: F401
from tensorflux.keras.src.applications.mobilenet_v2 import MobileNetV2  # noqa: F401
from tensorflux.keras.src.applications.resnet import (  # noqa: F401
    ResNet50, ResNet101, ResNet152)
from tensorflux.keras.src.applications.vgg import VGG16, VGG19  # noqa: F401
