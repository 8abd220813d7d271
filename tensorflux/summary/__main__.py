"""``python -m tensorflux.summary --logdir DIR``: launches TensorBoard on a log directory."""

import sys

from tensorflux._src.summary.cli import main

if __name__ == "__main__":
    sys.exit(main())
