"""tf.io.gfile on local paths and fsspec memory:// URLs; tensor (de)serialization ops."""

import numpy as np
import pytest

import tensorflux as tf

G = tf.io.gfile


@pytest.mark.parametrize("root", ["local", "memory://gfile_test"])
def test_gfile_operations(tmp_path, root):
    root = str(tmp_path) if root == "local" else root
    d = G.join(root, "a", "b")
    G.makedirs(d)
    assert G.isdir(d) and G.exists(d)
    p = G.join(d, "f.txt")
    with G.GFile(p, "w") as f:
        f.write("line1\nline2\n")
    assert G.exists(p) and not G.isdir(p)
    with G.GFile(p) as f:
        assert f.readline() == "line1\n"
        assert f.tell() == 6
        f.seek(0)
        assert list(f) == ["line1\n", "line2\n"]
    with G.GFile(p, "rb") as f:
        assert f.read(5) == b"line1" and f.size() == 12
    assert G.stat(p).length == 12
    G.copy(p, G.join(root, "a", "g.txt"))
    with pytest.raises(tf.errors.AlreadyExistsError):
        G.copy(p, G.join(root, "a", "g.txt"))
    G.rename(G.join(root, "a", "g.txt"), G.join(root, "a", "h.txt"))
    assert sorted(G.listdir(G.join(root, "a"))) == ["b", "h.txt"]
    assert [x.rsplit("/", 1)[-1] for x in G.glob(G.join(root, "a", "*.txt"))] == ["h.txt"]
    walked = [(top.rstrip("/").rsplit("/", 1)[-1], sorted(ds), sorted(fs))
              for top, ds, fs in G.walk(G.join(root, "a"))]
    assert walked == [("a", ["b"], ["h.txt"]), ("b", [], ["f.txt"])]
    G.remove(G.join(root, "a", "h.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        G.remove(G.join(root, "a", "h.txt"))
    with pytest.raises(tf.errors.NotFoundError):
        G.GFile(G.join(root, "missing"), "r").read()
    G.rmtree(G.join(root, "a"))
    assert not G.exists(G.join(root, "a"))


def test_serialize_parse_tensor_matches_tensorproto():
    from tensorboard.compat.proto import tensor_pb2

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    s = tf.io.serialize_tensor(x)
    p = tensor_pb2.TensorProto.FromString(s.numpy())
    assert p.dtype == 1 and [d.size for d in p.tensor_shape.dim] == [2, 3]
    np.testing.assert_array_equal(np.frombuffer(p.tensor_content, "<f4").reshape(2, 3), x)
    np.testing.assert_array_equal(tf.io.parse_tensor(s, tf.float32).numpy(), x)
    strs = tf.io.serialize_tensor(tf.constant([b"a", b"bc"]))
    assert tf.io.parse_tensor(strs, tf.string).numpy().tolist() == [b"a", b"bc"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Type mismatch"):
        tf.io.parse_tensor(s, tf.int32)


def test_decode_raw_and_files(tmp_path):
    raw = np.array([1, -2, 3], "<i4").tobytes()
    out = tf.io.decode_raw(tf.constant([raw, raw]), tf.int32)
    np.testing.assert_array_equal(out.numpy(), [[1, -2, 3]] * 2)
    be = tf.io.decode_raw(np.array([b"\x00\x01"], object), tf.uint16, little_endian=False)
    assert be.numpy().tolist() == [[1]]
    fixed = tf.io.decode_raw(np.array([b"\x01\x00", b"\x02"], object), tf.uint8, fixed_length=2)
    assert fixed.numpy().tolist() == [[1, 0], [2, 0]]
    p = str(tmp_path / "sub" / "f.bin")
    tf.io.write_file(p, b"abc\x00")
    assert tf.io.read_file(p).numpy() == b"abc\x00"
    with pytest.raises(tf.errors.NotFoundError):
        tf.io.read_file(str(tmp_path / "nope"))
