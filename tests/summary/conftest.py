import pytest


@pytest.fixture(autouse=True)
def _reset_summary_state():
    yield
    from tensorflux._src.summary.writer import _state

    _state.writer = _state.step = _state.is_recording = None
