"""Float sums that come out the same on every run (mlmon.analyses.sums): polars' grouped
``sum`` adds its threads' partial sums in no fixed order, and the report's means changed in
their last digits from run to run on the same logs."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from mlmon.analyses.sums import ordered_sum, sum_of
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.report import ReportOptions, build_report


def test_a_grouped_ordered_sum_is_the_same_every_run_and_the_exact_sum_to_rounding():
    rng = np.random.default_rng(7)
    frame = pl.DataFrame({"k": rng.integers(0, 40, 1_000_000), "v": rng.lognormal(3, 1, 1_000_000)})
    runs = {tuple(frame.group_by("k").agg(ordered_sum("v")).sort("k")["v"].to_list()) for _ in range(6)}
    assert len(runs) == 1
    keys, values = frame["k"].to_numpy(), frame["v"].to_numpy()
    for key, total in zip(range(40), runs.pop()):
        exact = math.fsum(values[keys == key])
        assert math.isclose(total, exact, rel_tol=1e-12)


def test_sum_of_keeps_integer_sums_and_orders_float_ones():
    frame = pl.DataFrame({"k": [1, 1, 2], "n": [2, 3, 4], "x": [0.5, None, 1.25]})
    out = frame.group_by("k", maintain_order=True).agg(sum_of("n", pl.Int64), sum_of("x", pl.Float64))
    assert out.rows() == [(1, 5, 0.5), (2, 4, 1.25)]
    assert out.schema["n"] == pl.Int64


def test_the_same_logs_give_the_same_report_and_drift_every_run(sample_drift):
    reports = {build_report("sample_logs/", ReportOptions(window="1h")).to_json() for _ in range(3)}
    again = build_drift_report("sample_logs/", DriftOptions(reference="references/train.json", window="1d"))
    drifts = {sample_drift.to_json(), again.to_json()}  # the session's run, and one more
    assert len(reports) == 1 and len(drifts) == 1
