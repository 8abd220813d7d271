"""The row scatter-add kernel equals np.add.at bitwise, repeated rows included."""

import numpy as np
import pytest

from tensorflux._src.core.scatter import add_at


@pytest.mark.parametrize("n_ids,rows,dup_range", [(5, 10, 10), (500, 50, 50), (500, 1000, 1000),
                                                  (700, 7, 3)])
def test_add_at_matches_numpy(n_ids, rows, dup_range):
    rng = np.random.default_rng(n_ids)
    ids = rng.integers(0, dup_range, n_ids)
    data = rng.standard_normal((n_ids, 3, 2)).astype(np.float32)
    want = rng.standard_normal((rows, 3, 2)).astype(np.float32)
    got = want.copy()
    np.add.at(want, ids, data)
    add_at(got, ids, data)
    if np.bincount(ids).max() <= 8:  # occurrence passes: the same additions in the same order
        np.testing.assert_array_equal(got, want)
    else:  # segment sums: rounding may differ
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_add_at_multi_dim_ids_and_fallback():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 20, (8, 9))
    data = rng.standard_normal((8, 9, 4))
    want, got = np.zeros((20, 4)), np.zeros((20, 4))
    np.add.at(want, ids, data)
    add_at(got, ids, data)
    np.testing.assert_array_equal(got, want)
    # broadcast updates fall back to np.add.at
    want, got = np.zeros((20, 4)), np.zeros((20, 4))
    np.add.at(want, ids, 1.0)
    add_at(got, ids, 1.0)
    np.testing.assert_array_equal(got, want)


def test_add_at_few_rows_many_repeats():
    rng = np.random.default_rng(2)
    ids = rng.integers(0, 30, 200_000)
    data = rng.standard_normal(200_000)
    want, got = np.zeros(30), np.zeros(30)
    np.add.at(want, ids, data)
    add_at(got, ids, data)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
