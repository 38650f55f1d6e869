"""Log-spaced buckets (``mlmon.stats.log_buckets``): keys and representatives against the
definition worked by hand, quantiles against numpy within (γ − 1)/(γ + 1)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlmon.stats.log_buckets import (
    GAMMA,
    RELATIVE_ERROR,
    add_buckets,
    bucket_keys,
    bucket_quantiles,
    bucket_values,
    count_below,
    count_buckets,
)

OFFSET = 1 << 20
BOUND = RELATIVE_ERROR * (1 + 1e-9)
"""(γ − 1)/(γ + 1), with room for the rounding of a value on a bucket's edge."""


def test_the_bound_is_prometheus_schema_6():
    assert GAMMA == 2 ** (1 / 64)
    assert pytest.approx(0.005415, abs=1e-6) == RELATIVE_ERROR


def test_keys_and_representatives_worked_by_hand():
    # 1.5: 64 · log2(1.5) = 37.44, so bucket 38, (γ^37, γ^38]; 0.25: exactly -128.
    keys = bucket_keys([1.5, 0.25, 0.0, -1.5, 1.0])
    assert keys.tolist() == [OFFSET + 38, OFFSET - 128, 0, -(OFFSET + 38), OFFSET]
    assert bucket_values(keys).tolist() == pytest.approx(
        [2 * GAMMA**38 / (GAMMA + 1), 2 * 0.25 / (GAMMA + 1), 0.0, -2 * GAMMA**38 / (GAMMA + 1), 2 / (GAMMA + 1)],
        rel=1e-14,
    )
    assert GAMMA**37 < 1.5 <= GAMMA**38


def test_keys_order_as_the_values_and_representatives_are_close():
    rng = np.random.default_rng(1)
    x = np.sort(np.concatenate([rng.lognormal(0, 8, 20_000), -rng.lognormal(0, 8, 20_000), [0.0, 5e-324, 1e300]]))
    keys = bucket_keys(x)
    assert np.all(np.diff(keys) >= 0)
    nonzero = x != 0
    assert np.max(np.abs(bucket_values(keys[nonzero]) / x[nonzero] - 1)) <= BOUND
    assert bucket_values(keys[~nonzero]).tolist() == [0.0]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_quantiles_within_the_bound_of_numpy(sign):
    rng = np.random.default_rng(2)
    x = sign * np.concatenate([rng.lognormal(3, 1.5, 50_000), rng.uniform(0, 1, 1000)])
    qs = np.linspace(0, 1, 201)
    keys, counts = count_buckets(x)
    got = bucket_quantiles(keys, counts, qs, x.min(), x.max())
    expected = np.quantile(x, qs)
    assert np.max(np.abs(got / expected - 1)) <= BOUND
    assert got[0] == x.min() and got[-1] == x.max()  # the extremes are exact


def test_quantiles_of_few_values_and_of_none():
    keys, counts = count_buckets([7.0])
    assert bucket_quantiles(keys, counts, [0.0, 0.5, 1.0], 7.0, 7.0).tolist() == [7.0, 7.0, 7.0]
    keys, counts = count_buckets([0.0, 0.0, 10.0])
    # numpy: h = 2 · 0.75 = 1.5, halfway between x(1) = 0 and x(2) = 10, the exact maximum.
    assert bucket_quantiles(keys, counts, [0.75], 0.0, 10.0).tolist() == [5.0]
    assert math.isnan(bucket_quantiles(np.zeros(0, np.int64), np.zeros(0, np.int64), [0.5], 0.0, 0.0)[0])


def test_counts_add_exactly_in_any_order():
    rng = np.random.default_rng(3)
    parts = [rng.lognormal(2, 1, n) for n in (10, 1000, 1)]
    whole_keys, whole_counts = count_buckets(np.concatenate(parts))
    for order in ([0, 1, 2], [2, 0, 1]):
        keys, counts = add_buckets([count_buckets(parts[i]) for i in order])
        assert keys.tolist() == whole_keys.tolist() and counts.tolist() == whole_counts.tolist()


def test_count_below_is_exact_but_for_the_threshold_bucket():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, 10_000)
    keys, counts = count_buckets(x)
    for threshold in (0.1, 0.5, 0.9):
        exact = int((x < threshold).sum())
        in_bucket = int(counts[keys == bucket_keys([threshold])[0]].sum())
        assert abs(count_below(keys, counts, threshold) - exact) <= in_bucket
