"""The SpamAssassin LSTM example (examples/keras_spam_lstm.py), shortened."""

import importlib.util
import os

import pytest

_EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples",
                        "keras_spam_lstm.py")


def _load_example():
    spec = importlib.util.spec_from_file_location("keras_spam_lstm", _EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_spam_lstm_learns():
    example = _load_example()
    try:
        example.find_corpus()
    except FileNotFoundError:
        pytest.skip("SpamAssassin corpus not available")
    # 1,500 training e-mails, 2 epochs: far above the 69% majority-class rate.
    accuracy, _ = example.run(epochs=2, limit=1500, seq_len=80, verbose=0)
    assert accuracy >= 0.88, accuracy
