"""AutoGraph conversions: converted results equal plain Python results; tensor conditions
become If/While nodes (no unrolling) and one trace serves every value."""

import numpy as np
import pytest

import tensorflux as tf
from tensorflux._src.framework.tensor import OperatorNotAllowedInGraphError
from tensorflux._src.framework.graph import FuncGraph


def op_types(graph):
    """Op types of ``graph`` and of every nested (control-flow) graph."""
    out = set()
    for op in graph._ops:
        out.add(op.type)
        for v in op.attrs.values():
            for g in (v if isinstance(v, tuple) else (v,)):
                if isinstance(g, FuncGraph):
                    out |= op_types(g)
    return out


def check(fn, cases, expect_ops=("While",), dtypes=None):
    """fn(*python values) vs tf.function(fn)(*tensors), one trace for all cases."""
    f = tf.function(fn)
    for args in cases:
        want = fn(*args)
        ts = [tf.constant(a, dtype=(dtypes[i] if dtypes else None)) for i, a in enumerate(args)]
        got = f(*ts)
        np.testing.assert_allclose(np.asarray(tf.nest.map_structure(np.asarray, got)),
                                   np.asarray(want), rtol=1e-5, err_msg=f"args={args}")
    assert f.experimental_get_tracing_count() == 1
    ts = [tf.constant(a, dtype=(dtypes[i] if dtypes else None)) for i, a in enumerate(cases[0])]
    types = op_types(f.get_concrete_function(*ts).graph)
    for t in expect_ops:
        assert t in types, f"{t} not in {sorted(types)}"
    return types


def if_else(x):
    if x > 0:
        y = x * 2
    elif x < -3:
        y = -x
    else:
        y = x + 10
    return y


def test_if_elif_else():
    check(if_else, [(5,), (-5,), (-1,), (0,)], expect_ops=("If",))


def if_no_else(x):
    y = x
    if x > 2:
        y = y * 3
    return y


def test_if_without_else_keeps_value():
    check(if_no_else, [(1.0,), (4.0,)], expect_ops=("If",))


def while_sum(n):
    i = 0
    s = 0
    while i < n:
        s += i * i
        i += 1
    return s, i


def test_while_loop():
    check(while_sum, [(0,), (1,), (7,), (20,)])
    f = tf.function(while_sum)
    g = f.get_concrete_function(tf.constant(3)).graph
    assert sum(op.type == "While" for op in g._ops) == 1


def for_range_tensor(n):
    s = 0
    for i in range(n):
        s = s + i * 3
    return s


def test_range_with_tensor_bound_is_a_while():
    check(for_range_tensor, [(0,), (4,), (9,)], dtypes=[tf.int32])


def test_python_range_unrolled():
    def f(x):
        for i in range(3):
            x = x * 2 + i
        return x

    tf_f = tf.function(f)
    assert float(tf_f(tf.constant(1.0))) == f(1.0)
    types = op_types(tf_f.get_concrete_function(tf.constant(1.0)).graph)
    assert "While" not in types


def for_tensor_rows(x):
    total = x[0] * 0
    for row in x:
        total = total + row * row
    return total


def test_for_over_tensor_axis0():
    f = tf.function(for_tensor_rows)
    for shape in [(3, 2), (5, 2), (1, 2)]:
        x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), (x * x).sum(0))
    g = f.get_concrete_function(tf.constant(np.zeros((3, 2), np.float32))).graph
    assert "While" in op_types(g)


def break_continue(n):
    s = 0
    for i in range(n):
        if i % 2 == 1:
            continue
        if s > 20:
            break
        s += i
    else:
        s = s + 1000
    return s


def test_break_continue_for_else():
    check(break_continue, [(0,), (3,), (8,), (30,)], dtypes=[tf.int32])


def while_break(x):
    i = 0
    while i < 100:
        x = x * 2
        if x > 50:
            break
        i += 1
    return x, i


def test_while_break():
    check(while_break, [(1,), (30,), (100,)])


def early_return(x):
    if x > 10:
        return x - 10
    y = x * 2
    if y < 0:
        return -y
    return y + 1


def test_early_return_if():
    check(early_return, [(11,), (20,), (-4,), (3,)], expect_ops=("If",))


def return_in_loop(n):
    i = 0
    while i < n:
        if i * i > 30:
            return i
        i += 1
    return -1


def test_return_inside_loop():
    check(return_in_loop, [(3,), (10,), (6,), (7,)])


def nested_loops(n):
    s = 0
    i = 0
    while i < n:
        j = 0
        while j < i:
            if j == 3:
                break
            s += i * j
            j += 1
        i += 1
    return s


def test_nested_loops():
    check(nested_loops, [(0,), (4,), (9,)])


def logic(x, y):
    a = x > 0 and y > 0
    b = x > 5 or y > 5
    c = not x > 0
    z = x if x > y else y
    return tf.cast(a, tf.int32) * 100 + tf.cast(b, tf.int32) * 10 + tf.cast(c, tf.int32) + z \
        if isinstance(x, tf.Tensor) else int(a) * 100 + int(b) * 10 + int(c) + z


def test_boolean_operators_and_ternary():
    check(logic, [(1, 2), (-1, 7), (6, -3), (-2, -3)], expect_ops=("If", "LogicalNot"))


def test_and_is_lazy_on_tensors():
    calls = []

    def rhs():
        calls.append(1)
        return tf.constant(True)

    @tf.function
    def f(x):
        return x > 0 and rhs()

    assert bool(f(tf.constant(-1))) is False and bool(f(tf.constant(2))) is True
    assert "If" in op_types(f.get_concrete_function(tf.constant(1)).graph)


def test_python_conditions_keep_python_semantics():
    seen = []

    @tf.function
    def f(x, flag):
        if flag:
            seen.append("then")
            x = x + 1
        else:
            seen.append("else")
        for s in ["a", "b"]:
            seen.append(s)
        return x

    assert float(f(tf.constant(1.0), True)) == 2.0
    assert seen == ["then", "a", "b"]
    assert "If" not in op_types(f.get_concrete_function(tf.constant(1.0), True).graph)


def helper(x):
    while x < 100:
        x = x * 3
    return x


def calls_helper(x):
    return helper(x) + 1


def test_called_user_functions_are_converted():
    check(calls_helper, [(1,), (50,), (200,)])


class Model(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(2.0)

    @tf.function
    def __call__(self, x):
        while x < 10.0:
            x = x * self.w
        return x


def test_methods_and_variables():
    m = Model()
    assert float(m(tf.constant(3.0))) == 12.0
    m.w.assign(5.0)
    assert float(m(tf.constant(3.0))) == 15.0


def test_closures_and_globals_resolve_live():
    scale = tf.constant(3.0)

    def f(x):
        if x > 0:
            x = x * scale
        return x * GLOBAL_FACTOR

    tf_f = tf.function(f)
    assert float(tf_f(tf.constant(2.0))) == 2.0 * 3.0 * GLOBAL_FACTOR


GLOBAL_FACTOR = 2.0


def test_tensorarray_loop_var():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(n):
            ta = ta.write(i, tf.cast(i, tf.float32) ** 2)
        return ta.stack()

    np.testing.assert_allclose(f(tf.constant(4)).numpy(), [0, 1, 4, 9])


def test_autograph_false_disables_conversion():
    def f(x):
        if x > 0:
            x = x + 1
        return x

    with pytest.raises(OperatorNotAllowedInGraphError):
        tf.function(f, autograph=False)(tf.constant(1.0))
    assert float(tf.function(f)(tf.constant(1.0))) == 2.0


@pytest.mark.parametrize("x", [-2.0, 0.5, 3.0])
def test_gradient_through_converted_control_flow(x):
    @tf.function
    def f(v):
        y = v
        if v > 0:
            y = v * v
        i = 0
        while i < 3:
            y = y * 2.0
            i += 1
        return y

    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = f(v)
    want = 8 * (2 * x if x > 0 else 1.0)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), want, rtol=1e-6)


def flatten_rec(x):
    if isinstance(x, (list, tuple)):
        out = []
        for v in x:
            out.extend(flatten_rec(v))
        return out
    return [x]


def test_recursive_module_function_resolves_its_global_name():
    @tf.function
    def f(a, b):
        parts = flatten_rec([a, (b, [a])])
        return tf.add_n(parts)

    assert float(f(tf.constant(1.0), tf.constant(2.0))) == 4.0
