"""Log buckets at their edges: keys at the ends of the double range (every finite value gets
``ceil(64 log2 |v|) + 2**20``, math.log2 the oracle; the infinities one key past the largest
finite value's, so the keys keep the values' order end to end), and the sum of no, one
and several bucket counts (the buckets of the pooled values are the oracle)."""

from __future__ import annotations

import math
import sys

import numpy as np

from mlmon.stats.log_buckets import add_buckets, bucket_keys, bucket_values, count_buckets

OFFSET = 1 << 20
TINY = 5e-324  # the smallest subnormal, 2**-1074
HUGE = sys.float_info.max


def test_finite_extremes_get_the_key_of_their_bucket():
    for value in (TINY, 2.0**-1022, 1e-300, 0.5, 1.0, 3.0, 1e300, HUGE):
        expected = math.ceil(64 * math.log2(value)) + OFFSET
        assert bucket_keys([value, -value]).tolist() == [expected, -expected], value
    assert bucket_keys([TINY]).tolist() == [-68_736 + OFFSET]
    assert bucket_keys([HUGE]).tolist() == [65_536 + OFFSET]


def test_the_infinities_sit_one_key_past_the_largest_finite_value():
    assert bucket_keys([math.inf, -math.inf]).tolist() == [65_537 + OFFSET, -(65_537 + OFFSET)]
    assert bucket_values(bucket_keys([math.inf])).tolist() == [math.inf]


def test_keys_order_as_the_values_from_minus_infinity_to_infinity():
    values = [-math.inf, -HUGE, -1.0, -TINY, 0.0, TINY, 1.0, HUGE, math.inf]
    keys = bucket_keys(values)
    assert keys.tolist() == sorted(keys.tolist()) and np.unique(keys).size == len(values)


def test_adding_bucket_counts_is_counting_the_pooled_values():
    parts = [np.array([0.5, 0.5, 3.0]), np.array([3.0, 7.0]), np.array([0.0, 0.5])]
    keys, counts = add_buckets([count_buckets(p) for p in parts])
    expected_keys, expected_counts = count_buckets(np.concatenate(parts))
    assert keys.tolist() == expected_keys.tolist() and counts.tolist() == expected_counts.tolist()
    assert counts.tolist() == [1, 3, 2, 1] and counts.dtype == np.int64
    two = add_buckets([count_buckets(parts[0]), count_buckets(parts[1])])
    assert two[1].tolist() == [2, 2, 1]


def test_adding_one_part_is_that_part_and_adding_none_is_empty():
    one = count_buckets(np.array([2.0, 2.0, 9.0]))
    assert [a.tolist() for a in add_buckets([one])] == [a.tolist() for a in one]
    keys, counts = add_buckets([])
    assert (keys.size, counts.size, keys.dtype, counts.dtype) == (0, 0, np.int64, np.int64)
