"""``python -m tensorflux <command> [args]``: a small dispatcher.

Commands:
  tensorboard --logdir DIR [flags]   run TensorBoard on logs written by tensorflux
  profile PATH [--top N]             top ops of a profile (trace.json.gz, xplane.pb or logdir)
"""

from __future__ import annotations

import importlib
import sys

_COMMANDS = {
    "tensorboard": "tensorflux._src.summary.cli",
    "profile": "tensorflux._src.profiler.summary",
}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__.strip())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in _COMMANDS:
        print(f"python -m tensorflux: unknown command {command!r}; expected one of "
              f"{', '.join(sorted(_COMMANDS))} (see `python -m tensorflux --help`).",
              file=sys.stderr)
        return 2
    result = importlib.import_module(_COMMANDS[command]).main(rest)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
