"""``python -m tensorflux`` dispatcher: tensorboard and profile commands."""

import subprocess
import sys

import tensorflux.__main__ as tfx_main
from tensorflux._src.summary import cli


def test_help_and_unknown_command(capsys):
    assert tfx_main.main(["--help"]) == 0
    assert "tensorboard --logdir" in capsys.readouterr().out
    assert tfx_main.main([]) == 2
    assert tfx_main.main(["tensorbord"]) == 2
    assert "unknown command 'tensorbord'" in capsys.readouterr().err


def test_tensorboard_command_passes_flags(monkeypatch):
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd: calls.append(cmd) or 0)
    assert tfx_main.main(["tensorboard", "--logdir", "runs", "--port", "6007"]) == 0
    assert calls[0][-4:] == ["--logdir", "runs", "--port", "6007"]


def test_profile_command(tmp_path, capsys):
    import tensorflux as tf

    tf.profiler.experimental.start(str(tmp_path))
    tf.add(tf.constant([1.0]), tf.constant([2.0]))
    tf.profiler.experimental.stop()
    assert tfx_main.main(["profile", str(tmp_path), "--top", "3"]) == 0
    assert "AddV2" in capsys.readouterr().out
    assert tfx_main.main(["profile", str(tmp_path / "missing")]) == 2


def test_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "tensorflux", "--help"], capture_output=True,
                         text=True, check=True)
    assert "profile PATH" in out.stdout
