"""Meta-test: every registered op is exercised by a spec row and has a gradient rule."""

from tensorflux._src.core import op_def
from tests.ops.harness import all_specs, traced_op_types

# Ops exercised outside the spec table, with the test that covers them.
COVERED_ELSEWHERE = {
    "Const": "every traced spec",
    "Placeholder": "every traced spec",
    "NoOp": "tests/framework/test_function.py",
    "ReadVariableOp": "tests/framework/test_variables.py",
    "AssignVariableOp": "tests/framework/test_variables.py",
    "AssignAddVariableOp": "tests/framework/test_variables.py",
    "AssignSubVariableOp": "tests/framework/test_variables.py",
}


def _covered():
    types = set()
    for spec in all_specs():
        types |= traced_op_types(spec)
    return types


def test_every_op_has_a_spec_row():
    import tensorflux  # noqa: F401 - registers every op family

    covered = _covered() | set(COVERED_ELSEWHERE)
    missing = sorted(n for n in op_def.all_ops() if n not in covered
                     and not n.startswith(("ResourceScatter",)))
    assert not missing, f"ops without a spec row in tests/ops/specs_*.py: {missing}"


def test_every_op_has_a_gradient_rule():
    import tensorflux  # noqa: F401

    missing = sorted(n for n, o in op_def.all_ops().items() if o.grad is None)
    assert not missing, ("ops without a gradient rule (use NOT_DIFFERENTIABLE if none exists): "
                         f"{missing}")
