"""``python -m tensorflux.profiler <trace.json.gz | xplane.pb | logdir> [--top N]``."""

import sys

from tensorflux._src.profiler.summary import main

if __name__ == "__main__":
    sys.exit(main())
