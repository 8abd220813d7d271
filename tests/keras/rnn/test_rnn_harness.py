"""Every recurrent layer through the shared Keras layer harness (real keras as oracle)."""

import copy
import json

import pytest

import tensorflux as tf
from tensorflux.keras import layers as L
from tests.keras.harness import LayerCase, keras_oracle, make_input, run_layer_test

S = (3, 5, 4)  # batch, time, features

CASES = [
    LayerCase(L.SimpleRNN, {"units": 3}, S),
    LayerCase(L.SimpleRNN, {"units": 3, "return_sequences": True, "go_backwards": True}, S),
    LayerCase(L.LSTM, {"units": 3}, S),
    LayerCase(L.LSTM, {"units": 3, "return_sequences": True}, S),
    LayerCase(L.LSTM, {"units": 2, "go_backwards": True, "return_sequences": True}, S),
    LayerCase(L.LSTM, {"units": 3, "use_bias": False, "unit_forget_bias": False}, S),
    LayerCase(L.LSTM, {"units": 3, "activation": "relu", "unroll": True}, S, id="lstm_relu"),
    LayerCase(L.GRU, {"units": 3}, S),
    LayerCase(L.GRU, {"units": 3, "return_sequences": True, "go_backwards": True}, S),
    LayerCase(L.GRU, {"units": 3, "reset_after": False}, S),
    LayerCase(L.GRU, {"units": 3, "recurrent_activation": "hard_sigmoid"}, S),
    LayerCase(L.LSTM, {"units": 3, "dropout": 0.3, "recurrent_dropout": 0.3}, S,
              random=True, id="lstm_dropout"),
    LayerCase(L.GRU, {"units": 3, "dropout": 0.3}, S, random=True, id="gru_dropout"),
    LayerCase(L.Bidirectional, {"layer": L.LSTM(3, return_sequences=True)}, S,
              keras_kwargs=None, id="bi_lstm_concat"),
    LayerCase(L.Bidirectional, {"layer": L.GRU(2), "merge_mode": "sum"}, S, id="bi_gru_sum"),
    LayerCase(L.Bidirectional, {"layer": L.SimpleRNN(2), "merge_mode": "ave"}, S,
              id="bi_rnn_ave"),
    LayerCase(L.TimeDistributed, {"layer": L.Dense(2)}, S, id="td_dense"),
    LayerCase(L.RNN, {"cell": L.LSTMCell(3)}, S, id="rnn_lstmcell"),
    LayerCase(L.RNN, {"cell": [L.LSTMCell(3), L.GRUCell(2)], "return_sequences": True}, S,
              id="rnn_stacked"),
]


def _keras_kwargs(case):
    """The same constructor arguments with nested layers rebuilt as real keras objects."""
    keras = keras_oracle()
    if keras is None:
        return None
    from tensorflux.keras.src.saving import serialization_lib

    out = {}
    for k, v in case.kwargs.items():
        if isinstance(v, list):
            out[k] = [keras.saving.deserialize_keras_object(
                serialization_lib.serialize_keras_object(c)) for c in v]
        elif hasattr(v, "get_config"):
            out[k] = keras.saving.deserialize_keras_object(
                serialization_lib.serialize_keras_object(v))
        else:
            out[k] = v
    return out


_NESTED = ("layer", "backward_layer", "cell")


def _json(x):
    return json.loads(json.dumps(x))


def _check_nested_config(case):
    """Nested layer configs equal keras's once written as JSON (keras keeps build shapes as
    tuples in the dict; both are lists in a saved file)."""
    keras = keras_oracle()
    # Auto-generated names ("stacked_rnn_cells_1") count the layers made before: start both
    # counters afresh so that the comparison does not depend on which tests ran earlier.
    keras.backend.clear_session()
    tf.keras.backend.clear_session()
    x = make_input(case)
    ours = case.cls(**copy.deepcopy(case.kwargs))
    ours(tf.constant(x))
    theirs = getattr(keras.layers, case.cls.__name__)(**_keras_kwargs(case))
    theirs(x)
    a, b = ours.get_config(), theirs.get_config()
    for k in _NESTED:
        if k in b:
            assert _json(a[k]) == _json(b[k]), f"{case}: nested config {k!r} differs"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_layer(case):
    nested = any(hasattr(v, "get_config") or isinstance(v, list) for v in case.kwargs.values())
    if nested:
        case.keras_kwargs = _keras_kwargs(case)
        case.config_ignore = _NESTED
        if keras_oracle() is not None:
            _check_nested_config(case)
    ran = run_layer_test(case)
    if keras_oracle() is not None:
        assert ran["config"], f"{case}: keras config not compared"
        assert ran["outputs"], f"{case}: keras outputs not compared"
