"""tf.io.decode_csv: values and error texts checked against TensorFlow 2.21 (values recorded)."""

import numpy as np
import pytest

import tensorflux as tf


def _vals(out):
    return [(o.dtype.name, o.numpy().tolist()) for o in out]


def test_basic_types_defaults_and_required():
    out = tf.io.decode_csv(["1,2.5,a", "3,,b"], [[0], [1.0], ["x"]])
    assert _vals(out) == [("int32", [1, 3]), ("float32", [2.5, 1.0]), ("string", [b"a", b"b"])]
    out = tf.io.decode_csv(["7,8"], [tf.constant([0], tf.int64), tf.constant([0.0], tf.float64)])
    assert _vals(out) == [("int64", [7]), ("float64", [8.0])]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Field 1 is required but missing in record 0!"):
        tf.io.decode_csv(["1,,a"], [[0], tf.constant([], tf.float32), ["x"]])


def test_quotes():
    out = tf.io.decode_csv(['"a,b",2', '"he said ""hi""",3', ',4', '"",5'], [["d"], [0]])
    assert _vals(out) == [("string", [b"a,b", b'he said "hi"', b"d", b"d"]),
                          ("int32", [2, 3, 4, 5])]
    out = tf.io.decode_csv(['"a""b"'], [[""]], use_quote_delim=False)
    assert out[0].numpy().tolist() == [b'"a""b"']
    for rec, msg in [('a"b,2', "Unquoted fields cannot have quotes/CRLFs inside"),
                     ('"ab"c,2', "Quote inside a string has to be escaped by another quote"),
                     ('"ab,2', "Quoted field has to end with quote followed by delim or end")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
            tf.io.decode_csv([rec], [["d"], [0]])


@pytest.mark.parametrize("rec,defaults,msg", [
    ("1,2", [[0]] * 3, "Expect 3 fields but have 2 in record 0"),
    ("1,2,3,4", [[0]] * 3, "Expect 3 fields but have 4 in record 0"),
    ("", [[5]], "Expect 1 fields but have 0 in record 0"),
    ("x,2", [[0], [0]], "Field 0 in record 0 is not a valid int32: x"),
    ("1.5,2", [[0], [0]], "Field 0 in record 0 is not a valid int32: 1.5"),
    ("3000000000,2", [[0], [0]], "Field 0 in record 0 is not a valid int32: 3000000000"),
    ("1,abc", [[0], [0.0]], "Field 1 in record 0 is not a valid float: abc"),
    ("1e3", [[0]], "Field 0 in record 0 is not a valid int32: 1e3"),
    ("1_0", [[0]], "Field 0 in record 0 is not a valid int32: 1_0"),
])
def test_errors(rec, defaults, msg):
    with pytest.raises(tf.errors.InvalidArgumentError, match=msg):
        tf.io.decode_csv([rec], defaults)


def test_first_error_in_record_order():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Field 1 in record 0 .*: q"):
        tf.io.decode_csv(["1,q", "z,2"], [[0], [0]])


def test_numbers_like_strtod():
    out = tf.io.decode_csv(["inf,nan,1e3,0x10, 2.5 "], [[0.0]] * 5)
    got = [o.numpy()[0] for o in out]
    assert np.isinf(got[0]) and np.isnan(got[1]) and got[2:] == [1000.0, 16.0, 2.5]
    out = tf.io.decode_csv(["+5,-0,010, 7"], [[0]] * 4)
    assert [o.numpy()[0] for o in out] == [5, 0, 10, 7]


def test_na_value_select_cols_delim_and_shapes():
    out = tf.io.decode_csv(["NA,2", "1,NA"], [[7.0], [9]], na_value="NA")
    assert _vals(out) == [("float32", [7.0, 1.0]), ("int32", [2, 9])]
    out = tf.io.decode_csv(["1|2|3"], [[0], [0]], field_delim="|", select_cols=[0, 2])
    assert _vals(out) == [("int32", [1]), ("int32", [3])]
    out = tf.io.decode_csv([["1,2", "3,4"], ["5,6", "7,8"]], [[0], [0.0]])
    assert _vals(out) == [("int32", [[1, 3], [5, 7]]), ("float32", [[2.0, 4.0], [6.0, 8.0]])]
    out = tf.io.decode_csv("1,2", [[0], [0.0]])
    assert out[0].shape == () and out[1].numpy() == 2.0
    with pytest.raises(ValueError, match="select_cols is not strictly increasing"):
        tf.io.decode_csv(["1,2,3"], [[0], [0]], select_cols=[2, 0])
    with pytest.raises(ValueError, match="Length of select_cols and record_defaults"):
        tf.io.decode_csv(["1,2,3"], [[0], [0]], select_cols=[1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="field_delim should be only 1"):
        tf.io.decode_csv(["1,2"], [[0], [0]], field_delim="ab")
    with pytest.raises(tf.errors.InvalidArgumentError, match="only be 1 default per field"):
        tf.io.decode_csv(["1,2"], [[0, 1], [0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="OUT_TYPE' of bool"):
        tf.io.decode_csv(["1"], [[True]])


def test_in_tf_function_and_dataset_style_batch():
    @tf.function
    def f(r):
        a, b = tf.io.decode_csv(r, [[0], [0.0]])
        return a * 2, b

    a, b = f(tf.constant(["1,2", "3,4"]))
    assert a.numpy().tolist() == [2, 6] and b.numpy().tolist() == [2.0, 4.0]
    recs = [f"{i},{i * 0.5}" for i in range(1000)]
    a, b = tf.io.decode_csv(recs, [[0], [0.0]])
    np.testing.assert_array_equal(a.numpy(), np.arange(1000))
    np.testing.assert_allclose(b.numpy(), np.arange(1000) * 0.5)
