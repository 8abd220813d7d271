"""Runs every row of the op spec table (tests/ops/specs_*.py) through the harness."""

import pytest

from tests.ops.harness import all_specs, check_gradient, check_graph, check_value

SPECS = all_specs()
IDS = [s.name for s in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_value(spec):
    check_value(spec)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_graph_and_shape_rule(spec):
    check_graph(spec)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_gradient(spec):
    check_gradient(spec)
