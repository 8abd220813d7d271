"""``tf.experimental.Optional``: a value that may be absent (from get_next_as_optional)."""

from __future__ import annotations

import numpy as np

from tensorflux._src.core import errors


class Optional:
    def __init__(self, value, spec, has):
        self._value, self._spec, self._has = value, spec, has

    @staticmethod
    def from_value(value):
        return Optional(value, None, True)

    @staticmethod
    def empty(element_spec):
        return Optional(None, element_spec, False)

    def has_value(self, name=None):
        from tensorflux._src.framework.tensor import EagerTensor
        return EagerTensor(np.bool_(self._has))

    def get_value(self, name=None):
        if not self._has:
            raise errors.InvalidArgumentError(None, None, "The optional does not have a value.")
        return self._value

    @property
    def element_spec(self):
        return self._spec
