"""``tensorboard.plugins.projector`` on tensorflux: ``ProjectorConfig`` (protobuf),
``visualize_embeddings`` and file helpers for TSV tensors, metadata and sprites."""

from tensorflux._src.summary.projector import (
    visualize_embeddings,
    write_embedding_tsv,
    write_metadata_tsv,
    write_sprite,
)

__all__ = ["EmbeddingInfo", "ProjectorConfig", "SpriteMetadata", "visualize_embeddings",
           "write_embedding_tsv", "write_metadata_tsv", "write_sprite"]


def __getattr__(name):
    if name in ("ProjectorConfig", "EmbeddingInfo", "SpriteMetadata"):
        from tensorflux._src.proto import projector_config_pb2

        return getattr(projector_config_pb2, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
