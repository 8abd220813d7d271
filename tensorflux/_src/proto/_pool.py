"""The descriptor pool shared by the generated ``*_pb2`` modules (see ``__init__``)."""

from google.protobuf import descriptor_pool
from google.protobuf import struct_pb2 as _struct_pb2

POOL = descriptor_pool.DescriptorPool()
# Well-known types our protos import (hparams uses google.protobuf.Value/ListValue).
POOL.AddSerializedFile(_struct_pb2.DESCRIPTOR.serialized_pb)
