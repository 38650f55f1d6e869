"""Report figures checked against numpy on the same records, and the CLI's exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from mlmon.api.report import ReportOptions, build_report
from mlmon.cli import app
from mlmon.verdicts.findings import Severity
from mlmon.windows import parse_window
from tests.conftest import sample_cli, sample_result

START = datetime(2026, 11, 9, tzinfo=UTC)


@pytest.fixture
def service_log(write_lines):
    """Two hours of a service: seeded latencies, statuses, predictions and resources."""
    rng = np.random.default_rng(7)
    n = 3000
    offsets = np.sort(rng.uniform(0, 7200, n))
    latency = np.round(rng.lognormal(3.2, 0.6, n), 3)
    status = rng.choice(["ok", "error", "timeout", "invalid_input"], n, p=[0.95, 0.02, 0.01, 0.02])
    labels = rng.choice(list("ABCD"), n, p=[0.4, 0.3, 0.2, 0.1])
    confidence = np.round(rng.uniform(0.3, 1.0, n), 4)
    lines = []
    for i in range(n):
        ts = (START + timedelta(seconds=float(offsets[i]))).isoformat().replace("+00:00", "Z")
        lines.append(
            {
                "timestamp": ts,
                "event": "inference",
                "latency_ms": float(latency[i]),
                "status": str(status[i]),
                "model": "m",
                "model_version": "v1" if i % 3 else "v2",
            }
        )
        if status[i] == "ok":
            lines.append(
                {
                    "timestamp": ts,
                    "event": "prediction",
                    "label": str(labels[i]),
                    "confidence": float(confidence[i]),
                    "model": "m",
                    "model_version": "v1" if i % 3 else "v2",
                }
            )
    cpu = rng.uniform(10, 90, 120)
    for minute in range(120):
        lines.append(
            {
                "timestamp": (START + timedelta(minutes=minute)).isoformat(),
                "event": "resources",
                "cpu_percent": float(cpu[minute]),
                "rss_mb": 500.0 + minute,
            }
        )
    path = write_lines("service.log", lines)
    ok = status == "ok"
    truth = {
        "offsets": offsets,
        "latency": latency,
        "status": status,
        "labels": labels[ok],
        "confidence": confidence[ok],
        "cpu": cpu,
        "v2": np.arange(n) % 3 == 0,
    }
    return path, truth


def test_latency_percentiles_match_numpy(service_log):
    path, truth = service_log
    report = build_report([str(path)])
    lat = report.overall.latency
    assert lat.count == len(truth["latency"])
    for q, value in ((50, lat.p50_ms), (95, lat.p95_ms), (99, lat.p99_ms)):
        assert value == pytest.approx(np.percentile(truth["latency"], q), rel=1e-12)
    assert lat.max_ms == truth["latency"].max()


def test_error_rate_and_kinds_match_counts(service_log):
    path, truth = service_log
    errors = build_report([str(path)]).overall.errors
    n = len(truth["status"])
    assert errors.requests == n
    assert errors.rate == pytest.approx(np.mean(truth["status"] != "ok"))
    assert errors.by_kind == {
        "error": int(np.sum(truth["status"] == "error")),
        "timeout": int(np.sum(truth["status"] == "timeout")),
        "invalid_input": int(np.sum(truth["status"] == "invalid_input")),
        "http_5xx": 0,
    }


def test_throughput_mean_and_peak_minute(service_log):
    path, truth = service_log
    tp = build_report([str(path)]).overall.throughput
    offsets = truth["offsets"]
    span = (START + timedelta(minutes=119) - (START + timedelta(seconds=float(offsets.min())))).total_seconds()
    span = max(span, float(offsets.max()) - float(offsets.min()))
    assert tp.requests == len(offsets)
    per_minute = np.bincount((offsets // 60).astype(int))
    assert tp.peak_rps == pytest.approx(per_minute.max() / 60)
    assert tp.peak_minute == START + timedelta(minutes=int(np.argmax(per_minute)))
    first = min(START, START + timedelta(seconds=float(offsets.min())))
    last = max(START + timedelta(minutes=119), START + timedelta(seconds=float(offsets.max())))
    assert tp.mean_rps == pytest.approx(len(offsets) / (last - first).total_seconds(), rel=1e-6)


def test_predictions_and_resources(service_log):
    path, truth = service_log
    overall = build_report([str(path)]).overall
    pred = overall.predictions
    labels, counts = np.unique(truth["labels"], return_counts=True)
    assert pred.class_counts == dict(sorted(zip(labels.tolist(), counts.tolist()), key=lambda kv: -kv[1]))
    assert pred.confidence_mean == pytest.approx(truth["confidence"].mean())
    assert pred.confidence_p10 == pytest.approx(np.percentile(truth["confidence"], 10))
    assert overall.resources.cpu_mean == pytest.approx(truth["cpu"].mean())
    assert overall.resources.rss_max_mb == 619.0


def test_per_model_version(service_log):
    path, truth = service_log
    report = build_report([str(path)])
    by_version = {g.model_version: g for g in report.by_model}
    assert set(by_version) == {"v1", "v2"}
    v2 = truth["latency"][truth["v2"]]
    assert by_version["v2"].latency.p99_ms == pytest.approx(np.percentile(v2, 99))
    assert by_version["v2"].scope == "m v2"


@pytest.mark.parametrize(
    "versions, expected_scopes",
    [
        (["v1", "v1", "v1"], ["m v1"]),  # one model/version everywhere: the overall figures
        (["v1", "v1", None], ["m v1", "m"]),  # one record without a version: its own group
        ([None, None, None], ["m"]),  # only the model is named
    ],
)
def test_single_model_version_is_the_whole_input(write_lines, versions, expected_scopes):
    lines = [
        {
            "timestamp": f"2026-11-09T12:00:0{i}Z",
            "latency_ms": latency,
            "model": "m",
            **({"model_version": v} if v else {}),
        }
        for i, (latency, v) in enumerate(zip([10.0, 20.0, 40.0], versions))
    ]
    report = build_report([str(write_lines("a.log", lines))])
    assert [g.scope for g in report.by_model] == expected_scopes
    if len(expected_scopes) == 1:
        group = report.by_model[0]
        assert group.latency.p99_ms == report.overall.latency.p99_ms == pytest.approx(np.percentile([10, 20, 40], 99))
        assert (group.model, group.model_version, group.records) == ("m", versions[0], 3)


def test_windows_p99_and_error_rate(service_log):
    path, truth = service_log
    report = build_report([str(path)], ReportOptions(window=parse_window("30m")))
    assert [w.start for w in report.windows] == [START + timedelta(minutes=30 * k) for k in range(4)]
    in_first = truth["offsets"] < 1800
    assert report.windows[0].p99_ms == pytest.approx(np.percentile(truth["latency"][in_first], 99))
    assert report.windows[0].error_rate == pytest.approx(np.mean(truth["status"][in_first] != "ok"))


def test_silent_window_is_shown_with_zero_records(write_lines):
    path = write_lines(
        "gap.log",
        [
            {"ts": "2026-11-09T00:10:00Z", "latency_ms": 5},
            {"ts": "2026-11-09T03:10:00Z", "latency_ms": 6},
        ],
    )
    report = build_report([str(path)], ReportOptions(window=parse_window("1h")))
    assert [w.records for w in report.windows] == [1, 0, 0, 1]


def test_budgets_produce_findings(service_log):
    path, truth = service_log
    p99 = np.percentile(truth["latency"], 99)
    report = build_report([str(path)], ReportOptions(p99_budget_ms=p99 - 1, max_error_rate=0.5))
    by_check = {(f.check, f.scope): f for f in report.findings}
    assert by_check[("latency_p99", "all")].severity is Severity.CRITICAL
    assert by_check[("latency_p99", "all")].value == pytest.approx(p99)
    assert by_check[("error_rate", "all")].severity is Severity.OK
    assert ("latency_p99", "m v1") in by_check  # two versions: each is checked too


# --- CLI ---------------------------------------------------------------------------------


def test_cli_json_schema_and_exit_0(runner, service_log):
    path, truth = service_log
    result = runner.invoke(app, ["report", "--format", "json", str(path)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["mlmon_report_version"] == 2
    assert payload["records"] == len(truth["status"]) + len(truth["labels"]) + 120
    assert payload["latency"]["p99_ms"] == pytest.approx(np.percentile(truth["latency"], 99))
    assert payload["errors"]["rate"] == pytest.approx(np.mean(truth["status"] != "ok"))
    assert payload["status"] == "no checks" and payload["findings"] == []  # nothing was checked: not "ok"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--p99-budget", "1ms"], 1),
        (["--p99-budget", "100s"], 0),
        (["--max-error-rate", "1%"], 1),
        (["--max-error-rate", "0.5"], 0),
        (["--p99-budget", "fast"], 2),
        (["--max-error-rate", "150%"], 2),
        (["--window", "1x"], 2),
        (["--fail-on", "sometimes"], 2),
        (["--since", "not-a-time"], 2),
    ],
)
def test_cli_exit_codes(runner, service_log, args, code):
    path, _ = service_log
    result = runner.invoke(app, ["report", str(path), *args])
    assert result.exit_code == code, result.output
    if code == 2:
        assert result.stderr.startswith("mlmon: error: ") and "Traceback" not in result.output


def test_cli_breach_lists_value_and_threshold(runner, service_log):
    path, _ = service_log
    result = runner.invoke(app, ["report", str(path), "--p99-budget", "1ms"])
    assert result.exit_code == 1
    assert "FAIL" in result.stdout and "over the 1 ms budget" in result.stdout


def test_cli_no_usable_records_is_exit_2(runner, write_lines):
    path = write_lines("bad.log", ["{nope", "also not json"])
    result = runner.invoke(app, ["report", str(path)])
    assert result.exit_code == 2
    assert f"{path}: no usable records" in result.stderr


def test_cli_terminal_report_on_sample_logs():
    result = sample_cli("report", "sample_logs/", "--window", "1d")  # no NO_COLOR, FORCE_COLOR or COLUMNS
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b[" not in out
    assert "replica-a/app.log.1:2614: malformed JSON" in out
    assert "numpy linear" in out and "Over time (1d windows, UTC)" in out


def test_sample_logs_slow_wednesday_and_error_mix():
    report = sample_result("report", window="1d")
    p99 = [w.p99_ms for w in report.windows]
    assert len(p99) == 7 and p99.index(max(p99)) == 2  # Wednesday 2026-11-11
    assert max(p99) > 5 * sorted(p99)[3]
    assert report.overall.errors.requests == 15_807


def test_every_command_is_documented_in_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for command in app.registered_commands:
        assert f"mlmon {command.name}" in readme, command.name
