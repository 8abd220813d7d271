#!/usr/bin/env bash
# Set up tensorflux and run the flagship example (a Keras CNN) on Fashion-MNIST.
# Data: $TENSORFLUX_DATASETS, else ../shared/data (this project's machines), else Debian's
# dataset-fashion-mnist (installed here when missing and apt is usable), else a verified download.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e .
if [ -z "${TENSORFLUX_DATASETS:-}" ] && [ -d ../shared/data/fashion-mnist ]; then
  export TENSORFLUX_DATASETS="$(cd ../shared/data && pwd)"
elif [ -z "${TENSORFLUX_DATASETS:-}" ] && [ ! -d /usr/share/datasets/fashion-mnist ] \
     && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) || true
fi
exec python3 examples/keras_fashion_mnist.py "$@"
