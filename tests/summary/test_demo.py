"""examples/tensorboard_demo.py --quick, checked with TensorBoard's own readers."""

import importlib.util
import io
import os

import numpy as np
import pytest
from PIL import Image

from tests.summary.util import accumulator, values

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def _demo():
    spec = importlib.util.spec_from_file_location(
        "tensorboard_demo", os.path.join(ROOT, "examples", "tensorboard_demo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_demo_quick_writes_every_kind_of_data(tmp_path):
    from google.protobuf import text_format
    from tensorboard.plugins.hparams import metadata as hp_metadata
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    demo = _demo()
    try:
        demo.find_data()
    except FileNotFoundError:
        pytest.skip("mnist-10k data not available")
    demo.main(["--quick", "--logdir", str(tmp_path)])

    root = accumulator(str(tmp_path))
    exp = hp_metadata.parse_experiment_plugin_data(
        root.SummaryMetadata("_hparams_/experiment").plugin_data.content)
    assert sorted(h.name for h in exp.hparam_infos) == ["conv_layers", "fc_layers",
                                                        "learning_rate"]
    runs = sorted(d for d in os.listdir(tmp_path) if (tmp_path / d).is_dir())
    assert len(runs) == 12
    seen = set()
    for run in runs:
        acc = accumulator(str(tmp_path / run))
        info = hp_metadata.parse_session_start_info_plugin_data(
            acc.SummaryMetadata("_hparams_/session_start_info").plugin_data.content)
        hps = {k: v.number_value for k, v in info.hparams.items()}
        assert run == demo.run_name(hps["learning_rate"], int(hps["conv_layers"]),
                                    int(hps["fc_layers"]))
        seen.add(run)
        for tag in ("xent/cross_entropy", "accuracy/accuracy"):
            steps, vals = values(acc, tag)
            assert steps == [0, 1, 2, 3] and all(np.isfinite(v) for v in vals)
        assert acc.SummaryMetadata("input").plugin_data.plugin_name == "images"
        _, imgs = values(acc, "input")
        assert list(imgs[0][:2]) == [b"28", b"28"] and len(imgs[0]) == 5
        assert Image.open(io.BytesIO(imgs[0][2])).size == (28, 28)
        layers = [f"conv{i + 1}" for i in range(int(hps["conv_layers"]))]
        layers += [f"fc{i + 1}" for i in range(int(hps["fc_layers"]))]
        for layer in layers:
            for kind in ("weights", "biases", "activations"):
                assert acc.SummaryMetadata(f"{layer}/{kind}").plugin_data.plugin_name == \
                    "histograms"
                assert values(acc, f"{layer}/{kind}")[1][0].shape == (30, 3)
        scopes = {n.name.split("/")[0] for n in acc.Graph().node}
        assert {"xent", "train", "accuracy", *layers} <= scopes
    assert len(seen) == 12

    config = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(),
                               ProjectorConfig())
    (emb,) = config.embeddings
    n = demo.EMBED_COUNT
    rows = (tmp_path / emb.tensor_path).read_text().splitlines()
    assert len(rows) == n and len(rows[0].split("\t")) == 128
    assert len((tmp_path / emb.metadata_path).read_text().splitlines()) == n
    sprite = Image.open(tmp_path / emb.sprite.image_path)
    assert list(emb.sprite.single_image_dim) == [28, 28] and sprite.size == (16 * 28, 16 * 28)
