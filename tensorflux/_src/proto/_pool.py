"""The descriptor pool shared by the generated ``*_pb2`` modules (see ``__init__``)."""

from google.protobuf import descriptor_pool

POOL = descriptor_pool.DescriptorPool()
