"""Issue 21 §1a/§1b: no false alarm on unchanged data with repeated values or booleans,
end to end (a reference table written as a service's training CSV, a week of logs drawn
from the same law), and the shifts that matter still flagged. The oracle is scipy on the
raw values; the statistics' own oracles are in ``test_grid_stats``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import scipy.stats

from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.reference import ReferenceBuildOptions, build_reference
from mlmon.verdicts.findings import Severity

START = datetime(2026, 11, 9, tzinfo=UTC)
DAYS = 7
PER_DAY = 1_500


def resolution(rng, n):
    """Three common resolutions plus 5% crops of random size (width, height, aspect)."""
    common = np.array([[1920, 1080], [1280, 720], [640, 480]], dtype=float)
    size = common[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
    crop = rng.random(n) < 0.05
    size[crop] = np.column_stack([rng.integers(200, 1920, crop.sum()), rng.integers(200, 1080, crop.sum())])
    return size[:, 0], size[:, 1], np.round(size[:, 0] / size[:, 1], 4)


def clinical_ratio(rng, n):
    """66 distinct values, 7 of which hold 95% of the rows."""
    common = np.array([0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0])
    x = rng.choice(common, size=n, p=[0.1, 0.15, 0.3, 0.15, 0.1, 0.1, 0.1])
    tail = rng.random(n) < 0.05
    x[tail] = rng.choice(np.round(np.linspace(0.1, 6.0, 59), 2), tail.sum())
    return x


def draw(rng, n, camera: str = "usual") -> dict[str, np.ndarray]:
    width, height, aspect = resolution(rng, n)
    if camera == "new":
        width, height, aspect = np.full(n, 3840.0), np.full(n, 2160.0), np.full(n, round(3840 / 2160, 4))
    return {
        "width": width,
        "height": height,
        "aspect_ratio": aspect,
        "ratio": clinical_ratio(rng, n),
        "visits": rng.poisson(3, n).astype(float) + np.where(rng.random(n) < 0.02, rng.integers(20, 60, n), 0),
        "zero_inflated": np.where(rng.random(n) < 0.6, 0.0, rng.lognormal(3, 1, n).round(1)),
        "price": np.round(rng.lognormal(4, 1.2, n), 2),
        "flagged": rng.random(n) < 0.3,
    }


def write_reference_csv(path, columns: dict[str, np.ndarray]) -> None:
    """As pandas writes a training table: booleans as True/False, numbers as repr."""
    names = list(columns)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
        for row in zip(*(columns[n] for n in names)):
            fh.write(
                ",".join(
                    "True"
                    if v is True or v is np.True_
                    else "False"
                    if v is False or v is np.False_
                    else repr(float(v))
                    for v in row
                )
                + "\n"
            )


def boolean_as(value: bool, style: str, i: int):
    """The ways services log a flag: JSON true, str(flag) ("True"), lower-case text."""
    return {
        "json": value,
        "python": str(value),
        "lower": str(value).lower(),
        "mixed": [value, str(value), str(value).lower()][i % 3],
    }[style]


def write_logs(path, days: list[dict[str, np.ndarray]], boolean_style: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for d, columns in enumerate(days):
            n = len(columns["width"])
            for i in range(n):
                ts = (START + timedelta(days=d, seconds=i * 86_400 / n)).isoformat().replace("+00:00", "Z")
                features = {
                    k: (boolean_as(bool(v[i]), boolean_style, i) if v.dtype == bool else float(v[i]))
                    for k, v in columns.items()
                }
                fh.write(json.dumps({"ts": ts, "event": "prediction", "label": "A", "features": features}) + "\n")


def run(tmp_path, days, boolean_style="json"):
    rng = np.random.default_rng(21)
    write_reference_csv(tmp_path / "train.csv", draw(rng, 20_000))
    build_reference(str(tmp_path / "train.csv"), tmp_path / "ref.json", ReferenceBuildOptions(label=None))
    write_logs(tmp_path / "app.log", days, boolean_style)
    return build_drift_report(
        str(tmp_path / "app.log"), DriftOptions(reference=str(tmp_path / "ref.json"), window="1d")
    )


def flagged(result) -> list[tuple[str, str, str]]:
    return [
        (v.feature, v.window.date().isoformat(), v.reason)
        for v in result.features.verdicts
        if v.severity not in (Severity.OK,)
    ]


@pytest.mark.parametrize("boolean_style", ["json", "python", "lower", "mixed"])
def test_a_week_of_unchanged_tied_and_boolean_features_flags_nothing(tmp_path, boolean_style):
    rng = np.random.default_rng(7)
    result = run(tmp_path, [draw(rng, PER_DAY) for _ in range(DAYS)], boolean_style)
    assert len(result.features.verdicts) == 8 * DAYS
    assert flagged(result) == []
    flags = [v for v in result.features.verdicts if v.feature == "flagged"]
    assert all(v.drift.unseen == {} and v.drift.psi < 0.02 for v in flags)  # "True" is the reference's true


def test_tied_features_read_their_statistics_as_scipy_does_on_the_raw_values(tmp_path):
    rng = np.random.default_rng(8)
    days = [draw(rng, PER_DAY) for _ in range(2)]
    result = run(tmp_path, days)
    reference = draw(np.random.default_rng(21), 20_000)
    for v in result.features.verdicts:
        if v.drift.kind != "continuous":
            continue
        current = days[(v.window - START).days][v.feature]
        d = scipy.stats.ks_2samp(reference[v.feature], current).statistic
        assert v.drift.ks.low - 1e-12 <= d <= v.drift.ks.high + 1e-12, v.feature
        assert v.drift.ks.high - v.drift.ks.low < 0.03, v.feature
        w1 = scipy.stats.wasserstein_distance(reference[v.feature], current) / reference[v.feature].std(ddof=1)
        assert abs(v.drift.wasserstein_sd.value - w1) <= v.drift.wasserstein_sd.bound + 1e-9, v.feature


def test_a_new_camera_is_flagged_from_its_first_day_and_nothing_before(tmp_path):
    rng = np.random.default_rng(9)
    days = [draw(rng, PER_DAY, "new" if d >= 4 else "usual") for d in range(DAYS)]
    result = run(tmp_path, days)
    critical = {(f, day) for f, day, _ in flagged(result)}
    camera_days = {
        (f, (START + timedelta(days=d)).date().isoformat())
        for f in ("width", "height", "aspect_ratio")
        for d in range(4, DAYS)
    }
    assert critical == camera_days
    assert {
        v.severity for v in result.features.verdicts if (v.feature, v.window.date().isoformat()) in camera_days
    } == {Severity.CRITICAL}


def test_a_flag_that_flips_is_flagged(tmp_path):
    rng = np.random.default_rng(10)
    days = [draw(rng, PER_DAY) for _ in range(DAYS)]
    days[-1]["flagged"] = np.random.default_rng(1).random(PER_DAY) < 0.8
    result = run(tmp_path, days, "python")
    assert [(f, day) for f, day, _ in flagged(result)] == [
        ("flagged", (START + timedelta(days=DAYS - 1)).date().isoformat())
    ]


def test_booleans_are_one_value_in_the_profile_and_the_window_however_written(tmp_path):
    from mlmon.reference.build import build_profile

    for column in (pl.Series("f", [True, False, True]), pl.Series("f", ["True", "FALSE", "true"])):
        profile = build_profile(pl.DataFrame([column]), label=None, features=["f"])
        assert profile.features["f"].category_counts == {"true": 2, "false": 1}
