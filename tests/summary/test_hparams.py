"""hparams plugin summaries, parsed with TensorBoard's hparams plugin metadata module."""

import hashlib
import json

import pytest
from tensorboard.plugins.hparams import api_pb2, metadata

import tensorflux as tf
from tensorflux.plugins.hparams import api as hp
from tests.summary.util import accumulator, values

HP_LR = hp.HParam("lr", hp.RealInterval(1e-4, 1e-1), display_name="learning rate")
HP_UNITS = hp.HParam("units", hp.Discrete([32, 16]))
HP_OPT = hp.HParam("optimizer", hp.Discrete(["sgd", "adam"]))
HP_DEPTH = hp.HParam("depth", hp.IntInterval(1, 4))


def test_experiment_and_sessions(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        assert bool(hp.hparams_config(
            hparams=[HP_LR, HP_UNITS, HP_OPT, HP_DEPTH],
            metrics=[hp.Metric("epoch_accuracy", group="validation", display_name="acc",
                               dataset_type=hp.Metric.VALIDATION)],
            time_created_secs=10.0))
    acc = accumulator(str(tmp_path))
    assert acc.SummaryMetadata(metadata.EXPERIMENT_TAG).plugin_data.plugin_name == "hparams"
    steps, (placeholder,) = values(acc, metadata.EXPERIMENT_TAG)
    assert steps == [0] and placeholder.shape == (0,) and placeholder.dtype.name == "float32"
    exp = metadata.parse_experiment_plugin_data(
        acc.SummaryMetadata(metadata.EXPERIMENT_TAG).plugin_data.content)
    infos = {i.name: i for i in exp.hparam_infos}
    assert infos["lr"].type == api_pb2.DATA_TYPE_FLOAT64
    assert (infos["lr"].domain_interval.min_value, infos["lr"].domain_interval.max_value) == (
        1e-4, 1e-1)
    assert infos["lr"].display_name == "learning rate"
    assert [v.number_value for v in infos["units"].domain_discrete.values] == [16, 32]
    assert infos["optimizer"].type == api_pb2.DATA_TYPE_STRING
    assert [v.string_value for v in infos["optimizer"].domain_discrete.values] == [
        "adam", "sgd"]
    assert exp.metric_infos[0].name.group == "validation"
    assert exp.metric_infos[0].dataset_type == api_pb2.DATASET_VALIDATION
    assert exp.time_created_secs == 10.0

    run = tmp_path / "trial1"
    with tf.summary.create_file_writer(str(run)).as_default():
        hp.hparams({HP_LR: 0.01, "units": 32, HP_OPT: "adam", "flag": True}, trial_id="t1")
        tf.summary.scalar("epoch_accuracy", 0.9, step=1)
    acc = accumulator(str(run))
    start = metadata.parse_session_start_info_plugin_data(
        acc.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content)
    assert start.group_name == "t1"
    assert start.hparams["lr"].number_value == 0.01
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["flag"].bool_value is True


def test_group_name_is_sha256_of_sorted_json():
    pb = hp.hparams_pb({"b": 2, "a": "x"}, start_time_secs=1.0)
    start = metadata.parse_session_start_info_plugin_data(
        pb.value[0].metadata.plugin_data.content)
    blob = json.dumps({"a": "x", "b": 2}, sort_keys=True, separators=(",", ":"))
    assert start.group_name == hashlib.sha256(blob.encode()).hexdigest()
    assert start.start_time_secs == 1.0


def test_domain_validation():
    with pytest.raises(TypeError):
        hp.RealInterval(1, 2)
    with pytest.raises(ValueError):
        hp.IntInterval(3, 1)
    with pytest.raises(TypeError, match="dtype mismatch"):
        hp.Discrete([1, "a"])
    with pytest.raises(ValueError, match="multiple values"):
        hp.hparams_pb({HP_LR: 0.1, "lr": 0.2})
    with pytest.raises(TypeError, match="unsupported type"):
        hp.hparams_pb({"x": [1]})
    assert hp.IntInterval(1, 1).sample_uniform() == 1


def test_keras_callback(tmp_path):
    cb = hp.KerasCallback(str(tmp_path), {HP_LR: 0.05}, trial_id="k")
    cb.set_model(object())
    cb.on_train_begin()
    cb.on_train_end()
    acc = accumulator(str(tmp_path))
    end = metadata.parse_session_end_info_plugin_data(
        acc.SummaryMetadata(metadata.SESSION_END_INFO_TAG).plugin_data.content)
    assert end.status == api_pb2.STATUS_SUCCESS
    with pytest.raises(RuntimeError, match="reused"):
        cb.on_train_begin()
