"""``python -m tensorflux.summary --logdir DIR [tensorboard flags]``: runs the real
TensorBoard (``pip install tensorboard``) on a log directory written by tensorflux."""

from __future__ import annotations

import shutil
import subprocess
import sys

_MISSING = ("TensorBoard is not installed. Install it with `pip install tensorboard`, then run "
            "`tensorboard --logdir DIR` (tensorflux writes TensorBoard's own file format).")


def tensorboard_command(argv):
    """The command line that starts TensorBoard with ``argv``, or None if not installed."""
    exe = shutil.which("tensorboard")
    if exe is not None:
        return [exe, *argv]
    try:
        import importlib.util

        if importlib.util.find_spec("tensorboard.main") is not None:
            return [sys.executable, "-m", "tensorboard.main", *argv]
    except (ImportError, ValueError):
        pass
    return None


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "tensorboard":
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        if not argv:
            return 2
    cmd = tensorboard_command(argv)
    if cmd is None:
        print(_MISSING, file=sys.stderr)
        return 1
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0
