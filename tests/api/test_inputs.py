"""The Python twins are ergonomic (issue 12): a string input is one input, never its
characters; options take the CLI's strings; every result has ``status``, ``to_dict()`` and
``to_json()``, the latter exactly what ``--format json`` prints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon import (
    CheckOptions,
    DriftOptions,
    IngestOptions,
    ReferenceBuildOptions,
    ReportOptions,
    build_bench_report,
    build_check,
    build_drift_report,
    build_reference,
    build_report,
)
from mlmon.api.coerce import as_inputs
from mlmon.cli import app
from mlmon.errors import UsageError
from mlmon.render.json_format import render
from mlmon.verdicts.findings import NO_CHECKS, Finding, Severity, status_of
from mlmon.verdicts.rules import ExitOn
from mlmon.windows import parse_window
from tests.conftest import REPO, SAMPLE_LOGS, sample_cli
from tests.e2e.test_golden import assert_same

REFERENCE = str(REPO / "references" / "train.json")
NOW = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture(scope="module")
def report():
    return build_report(str(SAMPLE_LOGS), ReportOptions(window="1d", p99_budget="80ms", max_error_rate="2%"))


# --- inputs -----------------------------------------------------------------------------


def test_a_string_is_one_input_and_a_path_too():
    assert as_inputs("logs/") == ["logs/"]
    assert as_inputs(Path("logs")) == ["logs"]
    assert as_inputs(["a.log", Path("b.log")]) == ["a.log", "b.log"]
    assert as_inputs(("a.log",)) == ["a.log"]
    assert as_inputs(iter(["a.log"])) == ["a.log"]


@pytest.mark.parametrize("bad", [3, b"logs/", [1, 2], None])
def test_inputs_that_are_not_paths_are_a_type_error(bad):
    with pytest.raises(TypeError):
        as_inputs(bad)


def test_build_report_reads_a_directory_given_as_a_string(report, tmp_path):
    assert len(report.ingest.files) == 14 and report.overall.records == 60_319
    as_path = build_report(SAMPLE_LOGS, ReportOptions(window="1d", p99_budget="80ms", max_error_rate="2%"))
    assert as_path.overall.records == report.overall.records and as_path.ingest.files == report.ingest.files
    replicas = build_report([SAMPLE_LOGS / "replica-a", str(SAMPLE_LOGS / "replica-b")])
    assert replicas.overall.records == report.overall.records


def test_every_twin_takes_a_single_string(tmp_path):
    logs = str(SAMPLE_LOGS / "replica-a" / "app.log.3.gz")  # one day: a directory is read above
    assert build_drift_report(logs, DriftOptions(reference=REFERENCE)).ingest.files
    assert build_check(logs, CheckOptions(reference=REFERENCE, now=NOW)).ingest.files
    profile = build_reference(
        str(REPO / "references" / "train.csv"), options=ReferenceBuildOptions(proba_cols="p_A,p_B,p_C,p_D")
    )
    assert profile.n_rows == 5000
    from_logs = build_reference(logs, tmp_path / "ref.json")
    assert from_logs.n_rows > 0 and (tmp_path / "ref.json").exists()


# --- options take the CLI's strings -------------------------------------------------------


def test_report_options_take_strings():
    text = ReportOptions(
        window="1d", p99_budget="200ms", max_error_rate="1%", p99_warning_ms="0.1s", warning_error_rate="0.5%"
    )
    typed = ReportOptions(
        window=parse_window("1d"),
        p99_budget_ms=200.0,
        max_error_rate=0.01,
        p99_warning_ms=100.0,
        warning_error_rate=0.005,
    )
    assert text == typed
    assert ReportOptions(p99_budget_ms="200ms") == ReportOptions(p99_budget=200) == ReportOptions(p99_budget_ms=200.0)
    with pytest.raises(TypeError):
        ReportOptions(p99_budget="1s", p99_budget_ms=5)
    with pytest.raises(UsageError):
        ReportOptions(window="1 fortnight")


def test_drift_options_take_strings():
    text = DriftOptions(
        window="1d",
        min_samples="100",
        alpha="0.1%",
        warning_psi="0.05",
        critical_psi="0.3",
        low_confidence="50%",
        collapse_drop="0.1",
        warning_drop="0.05",
        reference_proba_cols="p_A, p_B",
    )
    typed = DriftOptions(
        window=parse_window("1d"),
        min_samples=100,
        alpha=0.001,
        warning_psi=0.05,
        critical_psi=0.3,
        low_confidence=0.5,
        collapse_drop=0.1,
        warning_drop=0.05,
        reference_proba_cols=("p_A", "p_B"),
    )
    assert text == typed
    assert DriftOptions(reference_proba_cols=["p_A", "p_B"]).reference_proba_cols == ("p_A", "p_B")
    with pytest.raises(UsageError):
        DriftOptions(min_samples="many")


def test_check_options_take_strings():
    options = CheckOptions(window="1d", exit_on="any", now="2026-11-16T00:00Z")
    assert (options.window, options.exit_on, options.now) == (parse_window("1d"), ExitOn.ANY, NOW)


def test_reference_options_take_comma_separated_names():
    assert ReferenceBuildOptions(proba_cols="p_A,p_B", features=["a", "b"]) == ReferenceBuildOptions(
        proba_cols=("p_A", "p_B"), features=("a", "b")
    )


def test_ingest_options_take_the_cli_strings():
    text = IngestOptions(
        since="2026-11-12",
        until="2026-11-13 12:30",
        max_malformed_share="10%",
        fields=["latency_s=timings.total"],
        features="region, device",
    )
    typed = IngestOptions(
        since=datetime(2026, 11, 12, tzinfo=UTC),
        until=datetime(2026, 11, 13, 12, 30, tzinfo=UTC),
        max_malformed_share=0.1,
        fields={"latency_s": "timings.total"},
        features=("region", "device"),
    )
    assert text == typed
    assert IngestOptions(since="1763251200").since == datetime(2025, 11, 16, tzinfo=UTC)  # epoch seconds
    assert IngestOptions(since=datetime(2026, 11, 12)).since == datetime(2026, 11, 12, tzinfo=UTC)  # naive is UTC
    before = datetime.now(UTC)
    recent = IngestOptions(since="6h").since
    assert before - timedelta(hours=6, seconds=5) < recent <= datetime.now(UTC) - timedelta(hours=6)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": "yesterday-ish"},
        {"max_malformed_share": "lots"},
        {"fields": ["nopath"]},
        {"since": "2026-11-13", "until": "2026-11-12"},
    ],
)
def test_bad_ingest_strings_are_usage_errors(kwargs):
    with pytest.raises(UsageError):
        IngestOptions(**kwargs)


def test_a_string_since_reads_the_same_records_as_the_cli(runner):
    options = ReportOptions(ingest=IngestOptions(since="2026-11-11", until="2026-11-12"))
    day = build_report(str(SAMPLE_LOGS), options)
    cli = runner.invoke(
        app, ["report", str(SAMPLE_LOGS), "--since", "2026-11-11", "--until", "2026-11-12", "--format", "json"]
    )
    assert day.overall.records == json.loads(cli.stdout)["records"] == 8755


# --- results: status, to_dict, to_json ----------------------------------------------------


def test_status_of():
    def finding(severity):
        return Finding("latency_p99", severity, "m")

    assert status_of(()) == NO_CHECKS == "no checks"
    assert status_of([finding(Severity.UNKNOWN)]) == "unknown"
    assert status_of([finding(Severity.UNKNOWN), finding(Severity.OK)]) == "ok"
    assert status_of([finding(Severity.WARNING), finding(Severity.CRITICAL), finding(Severity.OK)]) == "critical"
    assert status_of([finding(Severity.WARNING), finding(Severity.UNKNOWN)]) == "warning"


def test_report_to_json_is_the_cli_document(report, runner):
    assert report.status == "critical" == report.to_dict()["status"]
    assert report.to_json() == render(report) and report.to_dict() == json.loads(render(report))
    args = [
        "report",
        str(SAMPLE_LOGS),
        "--window",
        "1d",
        "--p99-budget",
        "80ms",
        "--max-error-rate",
        "2%",
        "--format",
        "json",
    ]
    cli = runner.invoke(app, args)
    assert_same(report.to_dict(), json.loads(cli.stdout))  # equal but for summation-order noise


def test_a_report_with_no_budget_has_no_checks():
    assert build_report(str(SAMPLE_LOGS / "replica-a" / "app.log")).status == "no checks"


def test_drift_and_check_results(sample_drift):
    drift = sample_drift  # DriftOptions(reference="references/train.json", window="1d") on sample_logs/
    assert drift.status == "critical" == drift.to_dict()["status"] and drift.to_json() == render(drift)
    cli = sample_cli(
        "drift", "--reference", "references/train.json", "--window", "1d", "sample_logs/", "--format", "json"
    )
    assert_same(drift.to_dict(), json.loads(cli.stdout))
    check = build_check(str(SAMPLE_LOGS), CheckOptions(reference=REFERENCE, window="1d", now=NOW))
    assert check.status == "critical" == check.to_dict()["status"] and check.to_json() == render(check)
    assert check.to_dict()["now"] == "2026-11-16T00:00:00Z"


def test_bench_result_and_its_strings():
    bench = build_bench_report(iterations=3, warmup=0, batch_sizes="1,2", p99_budget="10s", providers="cpu")
    assert [c.batch_size for c in bench.result.configs] == [1, 2] and bench.budget_ms == 10_000.0
    assert bench.status == "ok" and bench.to_json() == render(bench) and bench.to_dict()["budget"]["passed"] is True
    unchecked = build_bench_report(duration="0.05s", batch_sizes=1, warmup=0)
    assert unchecked.status == "no checks" and unchecked.result.configs[0].calls >= 1
    with pytest.raises(TypeError):
        build_bench_report(duration="1s", duration_s=1.0)
