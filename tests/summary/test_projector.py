"""Projector config and asset files, parsed with TensorBoard's projector protos."""

import io

import numpy as np
from google.protobuf import text_format
from tensorboard.plugins.projector import projector_config_pb2

import tensorflux as tf
from tensorflux.plugins import projector


def test_visualize_embeddings_and_assets(tmp_path):
    from PIL import Image

    emb = np.random.RandomState(0).randn(5, 3).astype(np.float32)
    projector.write_embedding_tsv(str(tmp_path / "tensors.tsv"), emb)
    projector.write_metadata_tsv(str(tmp_path / "meta.tsv"),
                                 {"label": list("abcde"), "n": range(5)})
    dim = projector.write_sprite(str(tmp_path / "sprite.png"),
                                 np.random.RandomState(1).rand(5, 4, 6))
    config = projector.ProjectorConfig()
    e = config.embeddings.add(tensor_name="emb", tensor_path="tensors.tsv",
                              metadata_path="meta.tsv")
    e.sprite.image_path = "sprite.png"
    e.sprite.single_image_dim.extend(dim)
    writer = tf.compat.v1.summary.FileWriter(str(tmp_path))
    path = projector.visualize_embeddings(writer, config)
    writer.close()
    parsed = text_format.Parse(open(path).read(), projector_config_pb2.ProjectorConfig())
    assert parsed.embeddings[0].tensor_name == "emb"
    assert list(parsed.embeddings[0].sprite.single_image_dim) == [6, 4]
    loaded = np.loadtxt(str(tmp_path / "tensors.tsv"), delimiter="\t", dtype=np.float32)
    np.testing.assert_array_equal(loaded, emb)
    lines = (tmp_path / "meta.tsv").read_text().splitlines()
    assert lines[0] == "label\tn" and lines[3] == "c\t2" and len(lines) == 6
    sprite = Image.open(io.BytesIO((tmp_path / "sprite.png").read_bytes()))
    assert sprite.size == (18, 12)  # ceil(sqrt(5)) = 3 cells per side
