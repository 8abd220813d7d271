"""tf.config: devices, threading, optimizer options, determinism, run_functions_eagerly."""

import pytest

import tensorflux as tf
from tensorflux._src.framework import config as cfg
from tensorflux._src.framework import context


@pytest.fixture(autouse=True)
def _restore():
    saved_opts = dict(context.settings.optimizer_options)
    saved = {k: getattr(cfg._cfg, k) for k in (
        "intra_op_threads", "inter_op_threads", "jit", "soft_device_placement",
        "op_determinism", "tensor_float_32")}
    saved_visible = dict(cfg._cfg.visible)
    saved_explicit = dict(cfg._cfg.explicit_options)
    yield
    context.settings.optimizer_options.clear()
    context.settings.optimizer_options.update(saved_opts)
    for k, v in saved.items():
        setattr(cfg._cfg, k, v)
    cfg._cfg.visible = saved_visible
    cfg._cfg.explicit_options = saved_explicit
    tf.config.run_functions_eagerly(False)


def test_devices():
    cpu = tf.config.list_physical_devices("CPU")
    assert cpu == [tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")]
    assert tf.config.list_physical_devices() == cpu
    assert tf.config.list_physical_devices("GPU") == []
    assert tf.config.experimental.list_physical_devices("gpu") == []
    assert tf.config.list_logical_devices() == [
        tf.config.LogicalDevice(name="/device:CPU:0", device_type="CPU")]
    assert tf.config.get_visible_devices() == cpu
    tf.config.set_visible_devices([], "GPU")
    tf.config.set_visible_devices(cpu)
    assert tf.config.get_visible_devices("CPU") == cpu
    with pytest.raises(ValueError, match="CPU"):
        tf.config.set_visible_devices([], "CPU")
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.set_visible_devices(["/gpu:0"])


def test_memory_growth_and_details():
    cpu = tf.config.list_physical_devices("CPU")[0]
    with pytest.raises(ValueError, match="non-GPU"):
        tf.config.experimental.set_memory_growth(cpu, True)
    for gpu in tf.config.list_physical_devices("GPU"):  # none: the usual loop is a no-op
        tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.config.experimental.get_device_details(cpu) == {}


def test_logical_device_configuration():
    cpu = tf.config.list_physical_devices("CPU")[0]
    assert tf.config.get_logical_device_configuration(cpu) is None
    conf = [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    tf.config.set_logical_device_configuration(cpu, conf)
    try:
        assert tf.config.get_logical_device_configuration(cpu) == conf
        assert [d.name for d in tf.config.list_logical_devices("CPU")] == [
            "/device:CPU:0", "/device:CPU:1"]
    finally:
        cfg._cfg.logical_configs.pop(cpu, None)


def test_threading():
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0
    tf.config.threading.set_inter_op_parallelism_threads(2)
    assert tf.config.threading.get_inter_op_parallelism_threads() == 2
    tf.config.threading.set_intra_op_parallelism_threads(0)
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0
    with pytest.raises(ValueError):
        tf.config.threading.set_inter_op_parallelism_threads(-1)


def test_optimizer_options_and_jit():
    opt = tf.config.optimizer
    assert opt.get_experimental_options() == {"disable_model_pruning": False,
                                              "disable_meta_optimizer": False}
    opt.set_experimental_options({"constant_folding": False, "layout_optimizer": True})
    got = opt.get_experimental_options()
    assert got["constant_folding"] is False and got["layout_optimizer"] is True
    assert context.settings.optimizer_options["constant_folding"] is False
    with pytest.raises(ValueError, match="Unknown optimizer option"):
        opt.set_experimental_options({"no_such_pass": True})
    assert opt.get_jit() == ""
    opt.set_jit(True)
    assert opt.get_jit() == "autoclustering"
    opt.set_jit(False)
    assert opt.get_jit() == ""


def test_options_change_execution():
    tf.config.optimizer.set_experimental_options({"constant_folding": False})

    @tf.function
    def f(x):
        return tf.add(x, tf.multiply(tf.constant(2.0), 3.0))

    plan = f.get_concrete_function(tf.TensorSpec([]))._get_plan()
    assert "Mul" in [op.type for op in plan.graph.get_operations()]
    assert float(f(tf.constant(1.0))) == 7.0


def test_determinism_soft_placement_tf32():
    assert tf.config.experimental.is_op_determinism_enabled() is False
    tf.config.experimental.enable_op_determinism()
    assert tf.config.experimental.is_op_determinism_enabled() is True
    assert tf.config.get_soft_device_placement() is True
    tf.config.set_soft_device_placement(False)
    assert tf.config.get_soft_device_placement() is False
    tf.config.experimental.enable_tensor_float_32_execution(False)
    assert tf.config.experimental.tensor_float_32_execution_enabled() is False


def test_run_functions_eagerly():
    seen = []

    @tf.function
    def f(x):
        seen.append(tf.executing_eagerly())
        return tf.add(x, 1.0)

    tf.config.run_functions_eagerly(True)
    assert tf.config.functions_run_eagerly() is True
    assert float(f(tf.constant(1.0))) == 2.0
    assert seen == [True]
    tf.config.run_functions_eagerly(False)
    assert tf.config.functions_run_eagerly() is False
    f(tf.constant(1.0))
    assert seen == [True, False]
