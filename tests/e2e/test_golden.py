"""Pins what users see: the JSON of report, drift and reference build on sample_logs/ and
references/ against files committed before the code was reshaped (issue 8).

Numbers may differ only in float noise (summation order), so floats compare with a relative
tolerance of 1e-9; everything else, keys and order included, must match exactly. To
regenerate after a deliberate change, run the commands in ``GOLDEN`` and review the diff.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlmon.cli import app
from tests.conftest import sample_cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
REL = 1e-9

GOLDEN = {
    "report.json": (["report", "sample_logs/", "--format", "json"], 0),
    "report_window_1d.json": (
        [
            "report",
            "sample_logs/",
            "--window",
            "1d",
            "--p99-budget",
            "80ms",
            "--max-error-rate",
            "2%",
            "--format",
            "json",
        ],
        1,
    ),
    "drift_window_1d.json": (
        ["drift", "--reference", "references/train.json", "--window", "1d", "sample_logs/", "--format", "json"],
        1,
    ),
    "drift_window_5000.json": (
        ["drift", "--reference", "references/train.json", "--window", "5000", "sample_logs/", "--format", "json"],
        1,
    ),
}


def assert_same(actual, expected, where: str = "$", rel: float = REL) -> None:
    """Equal structure and values; floats within ``rel`` (None stays None, NaN equals NaN)."""
    if isinstance(expected, float) or (isinstance(actual, float) and isinstance(expected, int)):
        assert isinstance(actual, (int, float)) and not isinstance(actual, bool), f"{where}: {actual!r} != {expected!r}"
        both_nan = math.isnan(actual) and math.isnan(expected)
        assert both_nan or math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-12), (
            f"{where}: {actual!r} != {expected!r}"
        )
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: not an object"
        assert list(actual) == list(expected), f"{where}: keys {list(actual)} != {list(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}", rel)
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: length differs"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{where}[{i}]", rel)
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_json_matches_the_committed_output(name):
    args, code = GOLDEN[name]
    result = sample_cli(*args)  # once per session: other tests read the same output
    assert result.exit_code == code, result.output
    assert_same(json.loads(result.stdout), json.loads((GOLDEN_DIR / name).read_text()))


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("reference_train.json", ["references/train.csv", "--proba-cols", "p_A,p_B,p_C,p_D"]),
        ("reference_logs.json", ["sample_logs/", "--until", "2026-11-12"]),
    ],
)
def test_reference_build_matches_the_committed_profile(tmp_path, name, args):
    out = tmp_path / "profile.json"
    result = CliRunner().invoke(app, ["reference", "build", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    actual, expected = json.loads(out.read_text()), json.loads((GOLDEN_DIR / name).read_text())
    actual.pop("created_at"), expected.pop("created_at")
    assert_same(actual, expected)


def test_assert_same_catches_a_changed_number():
    with pytest.raises(AssertionError):
        assert_same({"p99": 97.8}, {"p99": 97.81})
    with pytest.raises(AssertionError):
        assert_same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert_same({"x": 1.0 + 1e-14}, {"x": 1.0})
