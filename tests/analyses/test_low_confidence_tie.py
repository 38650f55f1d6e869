"""The low-confidence tie: a confidence exactly equal to ``--low-confidence`` is not low
(strictly below counts), exact values and log buckets alike; numpy's ``<`` is the oracle."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.values import Buckets, count_below
from mlmon.stats import log_buckets

CONFIDENCES = [0.4, 0.5, 0.5, 0.5, 0.6, 0.7, 0.5, 0.3, 0.9, 0.5]


@pytest.mark.parametrize("threshold", [0.5, 0.4, 0.3, 0.9, 0.45, 1.0, 0.0])
def test_exact_values_equal_to_the_threshold_are_not_below_it(threshold):
    values = pl.Series("confidence", CONFIDENCES, dtype=pl.Float64)
    expected = int((np.array(CONFIDENCES) < threshold).sum())
    assert count_below(values, threshold) == expected
    assert count_below(values, 0.5) == 2  # 0.4 and 0.3; the five 0.5s are not low


def test_buckets_whose_representative_equals_the_threshold_are_not_below_it():
    values = np.array([0.25, 0.25, 0.5, 0.75, 0.75, 0.75])
    buckets = Buckets.of(values)
    representatives = log_buckets.bucket_values(buckets.keys)
    assert buckets.counts.tolist() == [2, 1, 3]
    for i, representative in enumerate(representatives):
        assert count_below(buckets, float(representative)) == int(buckets.counts[:i].sum())
        assert count_below(buckets, float(np.nextafter(representative, 2.0))) == int(buckets.counts[: i + 1].sum())
    assert log_buckets.count_below(buckets.keys, buckets.counts, 0.0) == 0
    assert log_buckets.count_below(buckets.keys, buckets.counts, 1.0) == 6
