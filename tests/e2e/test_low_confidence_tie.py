"""The low-confidence tie through the commands: five confidences of exactly 0.5 with
``--low-confidence 0.5`` are not low, in ``drift``'s windows and in a reference built from
the same logs (``share_below_0_5``). Two of ten are below: 0.4 and 0.3."""

from __future__ import annotations

import json

from mlmon.cli import app

CONFIDENCES = [0.4, 0.5, 0.5, 0.5, 0.6, 0.7, 0.5, 0.3, 0.9, 0.5]


def _log(write_lines):
    return write_lines(
        "app.log",
        [
            {"timestamp": f"2026-11-20T00:00:{i:02d}Z", "event": "prediction", "label": "AB"[i % 2], "confidence": c}
            for i, c in enumerate(CONFIDENCES)
        ],
    )


def test_drift_counts_a_confidence_equal_to_the_threshold_as_not_low(runner, write_lines):
    log = _log(write_lines)
    result = runner.invoke(
        app, ["drift", str(log), "--window", "all", "--low-confidence", "0.5", "--min-samples", "1", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    (window,) = json.loads(result.stdout)["confidence"]["windows"]
    assert (window["n"], window["share_below"]) == (10, 0.2)
    above = runner.invoke(
        app, ["drift", str(log), "--window", "all", "--low-confidence", "0.50001", "--min-samples", "1", "-f", "json"]
    )
    assert json.loads(above.stdout)["confidence"]["windows"][0]["share_below"] == 0.7


def test_a_reference_counts_a_confidence_of_one_half_as_not_low(runner, write_lines, tmp_path):
    out = tmp_path / "ref.json"
    result = runner.invoke(app, ["reference", "build", str(_log(write_lines)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["confidence"]["share_below_0_5"] == 0.2
