import pytest

from tests.keras.harness import keras_oracle


@pytest.fixture(scope="session")
def rk():
    """The real keras 3 package (numpy backend) as an oracle; skip when unavailable."""
    mod = keras_oracle()
    if mod is None:
        pytest.skip("real keras (numpy backend) not available")
    return mod
