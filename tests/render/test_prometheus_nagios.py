"""Output formats (issue 11): Prometheus text exposition for node_exporter's textfile
collector, and Nagios plugin output, on results of the real API over the sample data."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.check import CheckOptions, build_check
from mlmon.api.report import ReportOptions, build_report
from mlmon.api.summarize import SummaryOptions, build_summary, write_summary
from mlmon.ingest.options import IngestOptions
from mlmon.render import nagios, prometheus
from mlmon.verdicts.budgets import error_rate_finding, p99_finding
from mlmon.verdicts.findings import Finding, Severity
from tests import docs_text
from tests.conftest import REPO, sample_result

SEVERITIES = ("ok", "warning", "critical", "unknown")


@pytest.fixture(scope="module")
def results():
    """The report (p99 budget 80 ms: breached, p99 is 147.7 ms; 1.4.0's 101.1 ms, the Sunday
    canary 1.5.0's 207.9 ms: generate.py --truth), a report within a 250 ms budget, and the
    drift against the training reference by day. Built once, from the repo root (the paths
    are relative), once per session (:func:`tests.conftest.sample_result`)."""
    return SimpleNamespace(
        report=sample_result("report", p99_budget_ms=80),
        within=sample_result("report", p99_budget_ms=250, max_error_rate="2%"),
        drift=sample_result("drift", reference="references/train.json", window="1d"),
    )


def families(text: str) -> dict:
    parsed = list(text_string_to_metric_families(text))
    assert len({f.name for f in parsed}) == len(parsed), "a metric name in two blocks"
    return {f.name: f for f in parsed}


def samples(family) -> dict[tuple, float]:
    return {tuple(sorted(s.labels.items())): s.value for s in family.samples}


# --- Prometheus --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["report", "drift"])
def test_prometheus_text_is_what_the_textfile_collector_accepts(results, which):
    text = prometheus.render(getattr(results, which))
    assert text.endswith("\n") and "\n\n" not in text
    parsed = families(text)
    assert parsed
    for name, family in parsed.items():
        kind = prometheus.TYPES.get(name, "gauge")
        assert name.startswith("mlmon_") and family.type == kind and family.documentation
        assert text.count(f"# HELP {name} ") == 1 and text.count(f"# TYPE {name} {kind}\n") == 1
        for sample in family.samples:
            assert sample.timestamp is None and math.isfinite(sample.value)
            assert sample.name == name or kind == "summary" and sample.name in (f"{name}_sum", f"{name}_count")
    # all samples of a name together: the names of sample lines form one block each
    names = [line.split("{")[0].split(" ")[0] for line in text.splitlines() if not line.startswith("#")]
    blocks = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert len(blocks) == len(set(blocks))
    # every sample line is "name{labels} value" with no third field (a timestamp)
    for line in text.splitlines():
        if not line.startswith("#"):
            fields = line.rsplit("}", 1)[-1].split() if "}" in line else line.split()[1:]
            assert len(fields) == 1, line


def test_prometheus_report_figures_are_the_reports_in_base_units(results):
    report = results.report
    parsed = families(prometheus.render(report))
    latency = {
        s.labels["quantile"]: s.value
        for s in parsed["mlmon_latency_seconds"].samples
        if s.name == "mlmon_latency_seconds"
    }
    lat = report.overall.latency
    assert latency == {"0.5": lat.p50_ms / 1000, "0.95": lat.p95_ms / 1000, "0.99": lat.p99_ms / 1000}
    assert parsed["mlmon_error_ratio"].samples[0].value == report.overall.errors.rate
    assert parsed["mlmon_requests"].samples[0].value == report.overall.errors.requests == 15807
    assert parsed["mlmon_last_record_timestamp_seconds"].samples[0].value == report.overall.end.timestamp()


def test_prometheus_rule_status_has_one_1_per_rule_and_scope(results):
    for result in (results.report, results.within, results.drift):
        status = families(prometheus.render(result))["mlmon_rule_status"].samples
        by_rule: dict[tuple[str, str], dict[str, float]] = {}
        for sample in status:
            by_rule.setdefault((sample.labels["rule"], sample.labels["scope"]), {})[sample.labels["severity"]] = (
                sample.value
            )
        assert set(by_rule) == {(f.check, f.scope) for f in result.findings}
        for values in by_rule.values():
            assert sorted(values) == sorted(SEVERITIES) and sorted(values.values()) == [0, 0, 0, 1]
    critical = families(prometheus.render(results.report))["mlmon_rule_status"]
    assert samples(critical)[(("rule", "latency_p99"), ("scope", "all"), ("severity", "critical"))] == 1


def test_prometheus_drift_figures_match_the_drift_result(results):
    drift = results.drift
    parsed = families(prometheus.render(drift))
    latest = {  # per version (1.4.0, and Sunday's canary 1.5.0) its last tested window
        v: max(
            (w for w in drift.prediction.windows if w.model_version == v and math.isfinite(w.psi)),
            key=lambda w: w.start,
        )
        for v in ("1.4.0", "1.5.0")
    }
    assert samples(parsed["mlmon_prediction_psi"]) == {(("model_version", v),): w.psi for v, w in latest.items()}
    last_confidence = [w for w in drift.confidence.windows if w.model_version == "1.4.0"][-1]
    assert samples(parsed["mlmon_confidence_mean"])[(("model_version", "1.4.0"),)] == last_confidence.mean
    width = next(f for f in drift.features.features if f.feature == "width")
    features = samples(parsed["mlmon_feature_drift_psi"])
    assert features[(("feature", "width"),)] == width.worst.drift.psi
    assert width.worst.drift.psi > 0.25 and len(features) == len(drift.features.features)
    status = samples(parsed["mlmon_rule_status"])
    assert status[(("rule", "prediction_drift"), ("scope", "model_version=1.4.0"), ("severity", "critical"))] == 1
    assert "mlmon_last_record_timestamp_seconds" not in parsed  # drift does not carry it
    assert (
        parsed["mlmon_last_prediction_timestamp_seconds"].samples[0].value
        == max(w.end for w in drift.prediction.windows).timestamp()
    )


def test_prometheus_report_and_drift_files_can_share_a_textfile_directory(results):
    """The collector merges every file: one HELP per name, and no series twice."""
    series, helps = [], {}
    for result in (results.report, results.drift):
        for family in text_string_to_metric_families(prometheus.render(result)):
            assert helps.setdefault(family.name, family.documentation) == family.documentation
            series += [(s.name, tuple(sorted(s.labels.items()))) for s in family.samples]
    assert len(series) == len(set(series))


def test_prometheus_label_values_are_escaped():
    scope = 'model_version=a "b" \\ c\nd'
    result = SimpleNamespace(findings=(Finding("latency_p99", Severity.WARNING, "x", scope=scope),))
    text = prometheus.render(result)
    assert 'scope="model_version=a \\"b\\" \\\\ c\\nd"' in text
    assert text.count("\n") == 2 + 4  # HELP, TYPE, four samples: the newline stayed escaped
    labels = {s.labels["scope"] for s in families(text)["mlmon_rule_status"].samples}
    assert labels == {scope}


def test_prometheus_leaves_out_what_could_not_be_computed(results):
    out = prometheus.Exposition()
    out.add("mlmon_error_ratio", float("nan"))
    out.add("mlmon_error_ratio", None)
    out.add("mlmon_requests", float("inf"))
    assert out.text() == ""
    report = results.report
    empty = dataclasses.replace(
        report.overall.latency, count=0, p50_ms=None, p95_ms=None, p99_ms=None, max_ms=None, mean_ms=None
    )
    errors = dataclasses.replace(report.overall.errors, rate=None)
    blank = dataclasses.replace(report, overall=dataclasses.replace(report.overall, latency=empty, errors=errors))
    text = prometheus.render(blank)
    assert "NaN" not in text and "mlmon_latency_seconds" not in text and "mlmon_error_ratio" not in text
    assert "mlmon_requests 15807\n" in text


def test_prometheus_result_without_sections_shows_rule_status_only():
    result = SimpleNamespace(findings=(Finding("error_rate", Severity.OK, "fine"),))
    assert set(families(prometheus.render(result))) == {"mlmon_rule_status"}
    assert prometheus.render(SimpleNamespace(findings=())) == ""


def test_the_new_renderers_load_no_heavy_library():
    code = (
        "import sys, mlmon.render.prometheus, mlmon.render.nagios; print([m for m in ('polars', 'numpy', "
        "'scipy', 'onnxruntime') if m in sys.modules])"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
        ).stdout.strip()
        == "[]"
    )


# --- Nagios ------------------------------------------------------------------------------

NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
LABEL = r"(?:'(?:[^'=\n]|'')+'|[^'= |\n]+)"
PERF = rf"{LABEL}={NUMBER}(?:s|%|B|KB|MB|TB|c)?(?:;(?:{NUMBER})?){{0,4}}"
PLUGIN_LINE = re.compile(rf"^MLMON (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]+?)(?: \| ({PERF}(?: {PERF})*))?\n$")
"""The plugin output grammar: state, a one-line summary without ``|``, then perfdata items
``label=value[UOM];warn;crit;min;max`` separated by single spaces."""


def parse_perfdata(text: str) -> dict[str, list[str]]:
    """``{label: [value+UOM, warn, crit, min, max]}`` with quoted labels unquoted by hand."""
    items = {}
    for label, rest in re.findall(rf"({LABEL})=(\S+)", text):
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        items[label] = rest.split(";")
    return items


def check_line(result) -> tuple[str, str, dict]:
    text = nagios.render(result)
    match = PLUGIN_LINE.match(text)
    assert match, text
    assert text.count("\n") == 1
    return match.group(1), match.group(2), parse_perfdata(match.group(3) or "")


def test_nagios_drift_is_critical_with_exit_state_2(results):
    state, summary, perf = check_line(results.drift)
    assert (state, nagios.nagios_state(results.drift)) == ("CRITICAL", 2)
    assert "prediction_drift[model_version=1.4.0]: prediction drift" in summary and len(summary) <= nagios.MAX_SUMMARY
    finding = next(f for f in results.drift.findings if f.check == "prediction_drift")
    value, warn, crit = perf["prediction_drift model_version:1.4.0"]
    levels = results.drift.prediction.thresholds
    assert float(value) == pytest.approx(finding.value, rel=1e-9)
    assert (float(warn), float(crit)) == (levels.warning_psi, levels.critical_psi) == (0.01, 0.25)
    assert "'prediction_drift model_version:1.4.0'=" in nagios.render(results.drift)


def test_nagios_report_within_budget_is_ok_with_exit_state_0(results):
    state, summary, perf = check_line(results.within)
    assert (state, nagios.nagios_state(results.within)) == ("OK", 0)
    assert "within the 250 ms budget" in summary
    lat = results.within.overall.latency
    assert perf["latency_p99"] == [f"{lat.p99_ms / 1000:.10g}s", "", "0.25", "0"]
    assert perf["error_rate"][2:] == ["2", "0", "100"] and perf["error_rate"][0].endswith("%")
    assert perf["requests"] == ["15807", "", "", "0"]


def test_nagios_report_over_budget_is_critical(results):
    state, summary, perf = check_line(results.report)
    assert (state, nagios.nagios_state(results.report)) == ("CRITICAL", 2)
    # p99 of all requests, of 1.4.0 and of the canary 1.5.0 (generate.py --truth: total, per_version)
    assert summary == (
        "3 critical: latency_p99: p99 latency 147.7 ms is over the 80 ms budget"
        " / latency_p99[imgcls 1.4.0]: p99 latency 101.1 ms is over the 80 ms budget"
        " / latency_p99[imgcls 1.5.0]: p99 latency 207.9 ms is over the 80 ms budget"
    )
    assert perf["latency_p99"][1:] == ["", "0.08", "0"]


def test_nagios_only_unknown_findings_or_none_is_unknown_with_exit_state_3(results):
    unknown = Finding("latency_p99", Severity.UNKNOWN, "no latency values to check against the p99 budget", None, 80)
    only_unknown = dataclasses.replace(results.report, findings=(unknown,))
    state, summary, _ = check_line(only_unknown)
    assert (state, nagios.nagios_state(only_unknown)) == ("UNKNOWN", 3)
    assert summary == f"latency_p99: {unknown.message}"
    none = dataclasses.replace(results.report, findings=())
    assert check_line(none)[:2] == ("UNKNOWN", nagios.NO_FINDINGS) and nagios.nagios_state(none) == 3


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        (("ok", "unknown"), ("OK", 0)),
        (("ok", "warning", "unknown"), ("WARNING", 1)),
        (("warning", "critical", "ok"), ("CRITICAL", 2)),
        (("unknown", "unknown"), ("UNKNOWN", 3)),
    ],
)
def test_nagios_state_is_the_worst_known_finding(severities, expected):
    result = SimpleNamespace(
        findings=tuple(Finding("error_rate", Severity(s), f"{s} here", scope=f"s{i}") for i, s in enumerate(severities))
    )
    state, summary, _ = check_line(result)
    assert (state, nagios.nagios_state(result)) == expected
    assert f"{state.lower()} here" in summary


def test_nagios_summary_is_one_line_without_a_pipe():
    message = "p99 | over\nbudget\r\n" + "x" * 400
    result = SimpleNamespace(
        findings=(
            Finding("latency_p99", Severity.CRITICAL, message, 97.8, 80, "model_version=2"),
            Finding("error_rate", Severity.WARNING, "warned", 0.5, 0.1),
        )
    )
    state, summary, perf = check_line(result)
    assert state == "CRITICAL" and len(summary) == nagios.MAX_SUMMARY and summary.endswith("...")
    assert summary.startswith("1 critical (and 1 warning): latency_p99[model_version=2]: p99 / over budget x")
    # no levels said: warn and crit stay empty rather than guessed from the threshold
    assert perf == {"latency_p99 model_version:2": ["0.0978s", "", "", "0"], "error_rate": ["50%", "", "", "0", "100"]}


def test_nagios_perfdata_labels_are_quoted_by_hand():
    assert nagios.perf_label("latency_p99") == "latency_p99"
    assert nagios.perf_label("p99 imgcls 1.4.0") == "'p99 imgcls 1.4.0'"
    assert nagios.perf_label("it's") == "'it''s'"
    assert nagios.perf_label("model's p99 'fast'") == "'model''s p99 ''fast'''"
    assert nagios.perf_label("model_version=1.4.0") == "model_version:1.4.0"
    assert nagios.perf_label("a=b c") == "'a:b c'"
    assert nagios.perf_label("tab\there|pipe") == "'tab here pipe'"
    assert parse_perfdata("'model''s p99 ''fast'''=1 plain=2") == {"model's p99 'fast'": ["1"], "plain": ["2"]}


def test_nagios_perfdata_numbers_and_fields():
    assert nagios.perf_item("p99", 0.0978, "s", None, 0.08, 0) == "p99=0.0978s;;0.08;0"
    assert nagios.perf_item("a b", 1.5, "%", 1, 2, 0, 100) == "'a b'=1.5%;1;2;0;100"
    assert nagios.perf_item("n", 15807) == "n=15807"
    assert nagios.perf_item("x", 2.0, "", None, None, None, 5) == "x=2;;;;5"
    assert nagios.perf_number(3.53e-251) == "0" and nagios.perf_number(-1e-12) == "0"
    assert nagios.perf_number(1.5e20) == "150000000000000000000"
    assert nagios.perf_number(float("nan")) == "" and nagios.perf_number(None) == ""
    assert nagios.perf_number(-0.25) == "-0.25"


@pytest.mark.parametrize(("p99_ms", "state"), [(50.0, "OK"), (150.0, "WARNING"), (300.0, "CRITICAL")])
def test_nagios_perfdata_has_both_levels_whatever_the_state(p99_ms, state):
    """Issue 22 §6: warn and crit are the rule's two levels (100 ms, 250 ms) in every state,
    as check_load prints its -w and -c; the finding's one threshold moves with the state."""
    finding = p99_finding(p99_ms, 250.0, "all", warning_ms=100.0)
    rate = error_rate_finding(0.01, 1, 100, 0.05, "all", warning=0.02)
    result = SimpleNamespace(findings=(finding, rate))
    got, summary, perf = check_line(result)
    assert got == state
    assert perf["latency_p99"] == [f"{p99_ms / 1000:g}s", "0.1", "0.25", "0"]
    assert perf["error_rate"] == ["1%", "2", "5", "0", "100"]
    assert finding.threshold == (250.0 if state == "CRITICAL" else 100.0)


def test_nagios_report_perfdata_has_the_warning_and_critical_levels(results):
    """The issue's example: warning 100 ms and critical 250 ms, p99 147.7 ms (97.8 ms before
    Sunday's canary): WARNING, and ``latency_p99=0.1477...s;0.1;0.25;0``, never ``;;0.1;0``."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(REPO)
        report = build_report(
            ["sample_logs/"],
            ReportOptions(p99_budget_ms=250, p99_warning_ms=100, max_error_rate=0.05, warning_error_rate=0.02),
        )
    state, summary, perf = check_line(report)
    lat, errors = report.overall.latency, report.overall.errors
    assert state == "WARNING" and 100 < lat.p99_ms < 250
    assert perf["latency_p99"] == [f"{lat.p99_ms / 1000:.10g}s", "0.1", "0.25", "0"]
    assert perf["error_rate"][1:] == ["2", "5", "0", "100"]
    assert float(perf["error_rate"][0].removesuffix("%")) == pytest.approx(
        errors.errors / errors.requests * 100, rel=1e-9
    )
    # all requests, 1.4.0 (101.1 ms) and the canary 1.5.0 (207.9 ms) are over the warning level
    assert summary.startswith("3 warning: latency_p99: p99 latency 147.7 ms is over the 100 ms warning level")


def test_nagios_status_text_has_no_semicolon():
    """Issue 22 §8: Nagios turns ``;`` into ``:``; mlmon's separators and the messages'
    own semicolons become commas, the findings are separated by `` / ``."""
    findings = (
        Finding("no_data", Severity.CRITICAL, "5 of 7 window(s) hold no record; firing now; no record at all"),
        Finding("latency_p99", Severity.CRITICAL, "fired in 1 of 7 window(s); worst: 594 ms", scope="model;version=2"),
    )
    state, summary, _ = check_line(SimpleNamespace(findings=findings))
    assert ";" not in nagios.render(SimpleNamespace(findings=findings)).split(" | ")[0]
    assert summary == (
        "2 critical: no_data: 5 of 7 window(s) hold no record, firing now, no record at all"
        " / latency_p99[model,version=2]: fired in 1 of 7 window(s), worst: 594 ms"
    )
    assert nagios.error_output("a; b\nc | d") == "MLMON UNKNOWN - a, b c / d\n"


def test_nagios_summary_names_every_rule_before_messages_that_do_not_fit():
    """With several findings whose messages pass the limit, every rule is still named."""
    scopes = ["all", "model_version=1.4.0", "feature=width", "feature=height", "feature=aspect_ratio", "feature=iso"]
    findings = tuple(
        Finding("feature_drift" if "feature" in s else "prediction_drift", Severity.CRITICAL, "x" * 80, scope=s)
        for s in scopes
    )
    state, summary, _ = check_line(SimpleNamespace(findings=findings))
    names = ["prediction_drift", "prediction_drift[model_version=1.4.0]", *(f"feature_drift[{s}]" for s in scopes[2:])]
    assert summary.startswith("6 critical: " + ", ".join(names) + " / prediction_drift: xxx")
    short = tuple(dataclasses.replace(f, message="moved") for f in findings[:2])
    assert (
        check_line(SimpleNamespace(findings=short))[1]
        == "2 critical: prediction_drift: moved / prediction_drift[model_version=1.4.0]: moved"
    )


def test_nagios_drift_counts_drifted_features_under_its_own_label(results):
    """Issue 22 §8: drift's count of drifted inputs and check's share of them are two labels
    (``features_drifted``, ``feature_drift_share``); no bare ``feature_drift`` label."""
    drift = results.drift
    perf = check_line(drift)[2]
    assert "feature_drift" not in perf
    finding = next(f for f in drift.findings if f.check == "feature_drift")
    moved, judged = map(int, re.match(r"(\d+) of (\d+) features drifted", finding.message).groups())
    assert perf["features_drifted"] == [str(moved), "", "", "0", str(judged)]


def test_prometheus_rule_status_keeps_the_more_severe_of_two_findings_on_one_scope():
    result = SimpleNamespace(
        findings=(
            Finding("error_rate", Severity.CRITICAL, "bad"),
            Finding("error_rate", Severity.OK, "fine"),
            Finding("error_rate", Severity.UNKNOWN, "?"),
        )
    )
    status = samples(families(prometheus.render(result))["mlmon_rule_status"])
    assert len(status) == 4 and status[(("rule", "error_rate"), ("scope", "all"), ("severity", "critical"))] == 1


# --- Prometheus: the alert path (issue 22) -----------------------------------------------

BASE = datetime(2026, 11, 20, tzinfo=UTC)


def _timed_logs(write_lines, minutes: dict[str, list[int]]) -> list[str]:
    """One file per name, a record per minute offset from BASE (in the order given: the
    latest is not always the last line), each with a latency."""
    paths = []
    for name, offsets in minutes.items():
        lines = [
            {"timestamp": (BASE + timedelta(minutes=m)).isoformat(), "event": "inference", "latency_ms": 10 + m % 7}
            for m in offsets
        ]
        paths.append(str(write_lines(name, lines)))
    return paths


def _value(parsed: dict, name: str) -> float:
    family = parsed[name]
    (sample,) = [s for s in family.samples if s.name == name]
    return sample.value


@pytest.mark.parametrize("chunk_bytes", [8 << 20, 200])
def test_prometheus_check_keeps_the_last_record_time_when_every_record_is_older_than_since(write_lines, chunk_bytes):
    """The silence alert (time() - mlmon_last_record_timestamp_seconds) must keep firing once
    the logs are older than --since: the time of the last record read, and the run's own."""
    minutes = {"a.log": [7, 55, 3, 41], "b.log": [12, 30, 58, 1]}
    paths = _timed_logs(write_lines, minutes)
    now = BASE + timedelta(hours=8)
    options = CheckOptions(
        now=now, window="1h", ingest=IngestOptions(since=now - timedelta(hours=6), chunk_bytes=chunk_bytes)
    )
    report = build_check(paths, options)
    assert report.ingest.records == 0 and report.ingest.outside_time_range == 8
    parsed = families(prometheus.render(report))
    assert _value(parsed, "mlmon_last_record_timestamp_seconds") == (BASE + timedelta(minutes=58)).timestamp()
    assert _value(parsed, "mlmon_run_timestamp_seconds") == now.timestamp()
    assert samples(parsed["mlmon_rule_status"])[(("rule", "no_data"), ("scope", "all"), ("severity", "critical"))] == 1


def test_prometheus_last_record_time_is_the_latest_record_before_until(write_lines):
    """Records at or after --until were not part of the run: 55 and 58 are left out, and with
    none inside [since, until) the last is the latest before --since (41)."""
    paths = _timed_logs(write_lines, {"a.log": [7, 55, 3, 41], "b.log": [12, 30, 58, 1]})
    ingest = IngestOptions(since=BASE + timedelta(minutes=45), until=BASE + timedelta(minutes=50))
    report = build_check(paths, CheckOptions(now=BASE + timedelta(minutes=50), window="5m", ingest=ingest))
    assert report.ingest.records == 0
    assert report.ingest.last_timestamp == BASE + timedelta(minutes=41)
    kept = build_check(
        paths,
        CheckOptions(
            now=BASE + timedelta(hours=1), window="5m", ingest=IngestOptions(since=BASE + timedelta(minutes=20))
        ),
    )
    assert (
        kept.ingest.last_timestamp == kept.last_record == BASE + timedelta(minutes=58)
    )  # with records kept: the last of them


def test_the_last_record_time_merges_through_summaries(write_lines, tmp_path):
    """A summary carries its read's last record time; merged with logs, the later one wins."""
    first, second = _timed_logs(write_lines, {"a.log": [7, 55, 3, 41], "b.log": [12, 30, 5, 1]})
    summary = tmp_path / "a.summary.json"
    write_summary(build_summary([first], SummaryOptions(window="1h")), summary)
    for inputs in ([str(summary), second], [second, str(summary)]):
        assert build_report(inputs, ReportOptions()).ingest.last_timestamp == BASE + timedelta(minutes=55)


def test_prometheus_latency_quantiles_are_a_summary_with_its_sum_and_count(write_lines):
    """A quantile label belongs to a summary (promtool: 'non-summary metrics should not have
    "quantile" label'); the figures cover the same input as the quantiles."""
    latencies = [12.5, 40.0, 7.25, 99.0, 18.0, 33.5]
    lines = [{"timestamp": (BASE + timedelta(seconds=i)).isoformat(), "latency_ms": v} for i, v in enumerate(latencies)]
    report = build_report([str(write_lines("l.log", lines))], ReportOptions())
    text = prometheus.render(report)
    parsed = families(text)
    family = parsed["mlmon_latency_seconds"]
    assert family.type == "summary" and "# TYPE mlmon_latency_seconds summary\n" in text
    by_name = {(s.name, s.labels.get("quantile")): s.value for s in family.samples}
    expected = np.percentile(np.array(latencies) / 1000, [50, 95, 99])
    assert [by_name[("mlmon_latency_seconds", q)] for q in ("0.5", "0.95", "0.99")] == pytest.approx(
        expected, rel=1e-12
    )
    assert by_name[("mlmon_latency_seconds_count", None)] == 6
    assert by_name[("mlmon_latency_seconds_sum", None)] == pytest.approx(math.fsum(latencies) / 1000, rel=1e-12)
    for name, fam in parsed.items():
        if fam.type != "summary":
            assert all("quantile" not in s.labels and "le" not in s.labels for s in fam.samples), name


def test_prometheus_bench_latency_is_a_summary_per_configuration():
    from mlmon.api.results import BenchReport
    from mlmon.bench.timing import latency_stats

    values = {(1, 1): [1.5, 2.0, 2.25, 9.0], (8, 2): [10.0, 11.5, 30.0]}
    configs = tuple(
        SimpleNamespace(batch_size=b, concurrency=c, latency=latency_stats(v), inferences_per_s=100.0 / b)
        for (b, c), v in values.items()
    )
    bench = BenchReport(SimpleNamespace(configs=configs), None, ())  # type: ignore[arg-type]
    family = families(prometheus.render(bench))["mlmon_bench_latency_seconds"]
    assert family.type == "summary"
    got = {
        (s.name, s.labels["batch_size"], s.labels["concurrency"], s.labels.get("quantile")): s.value
        for s in family.samples
    }
    for (b, c), v in values.items():
        where = (str(b), str(c))
        assert got[("mlmon_bench_latency_seconds", *where, "0.99")] == pytest.approx(
            np.percentile(v, 99) / 1000, rel=1e-12
        )
        assert got[("mlmon_bench_latency_seconds_count", *where, None)] == len(v)
        assert got[("mlmon_bench_latency_seconds_sum", *where, None)] == pytest.approx(math.fsum(v) / 1000, rel=1e-12)


def test_prometheus_feature_drift_series_mean_one_thing_in_drift_and_check(results):
    """drift's feature_drift{scope="all"} is the worst of the features (any drifted); check's
    share-of-features rule is its own series, scope="drifted_share", not a second meaning of "all"."""
    check = sample_result("check", reference="references/train.json", window="1d")
    share = next(f for f in check.findings if f.check == "feature_drift" and f.scope == "all")
    assert share.severity is Severity.OK and share.threshold == 0.5  # 3 of 8 features drifted: under the share
    drift_all = next(f for f in results.drift.findings if f.check == "feature_drift")
    assert drift_all.scope == "all" and drift_all.severity is Severity.CRITICAL  # a feature drifted
    status = {}
    for result in (check, results.drift):
        for s in families(prometheus.render(result))["mlmon_rule_status"].samples:
            if s.labels["rule"] == "feature_drift" and s.value == 1 and not s.labels["scope"].startswith("feature="):
                status.setdefault(s.labels["scope"], set()).add(s.labels["severity"])
    assert status == {"all": {"critical"}, "drifted_share": {"ok"}}
    worst = max((f.severity for f in check.findings if f.scope.startswith("feature=")), key=lambda s: s.rank)
    assert worst is Severity.CRITICAL  # the same verdict as drift's "all", feature by feature


def test_prometheus_check_feature_drift_not_judged_stays_all(write_lines):
    """With no feature judged, check's one feature_drift finding is the rule as a whole ("all")."""
    path = write_lines("p.log", [{"timestamp": BASE.isoformat(), "latency_ms": 5}])
    check = build_check([str(path)], CheckOptions(window="1h", now=BASE + timedelta(minutes=30)))
    scopes = {
        s.labels["scope"]
        for s in families(prometheus.render(check))["mlmon_rule_status"].samples
        if s.labels["rule"] == "feature_drift"
    }
    assert scopes <= {"all"}


def test_the_readme_prometheus_example_is_what_mlmon_prints(runner, monkeypatch):
    """The documented example is abbreviated (``...``), so the examples test skips it: every
    line it shows must still be a line of the real output, in the same order."""
    from mlmon.cli import app

    command = "mlmon report sample_logs/ --p99-budget 200ms --max-error-rate 0.02 --format prometheus"
    block = docs_text.block(f"$ {command}\n", "")  # in docs/output-formats.md
    monkeypatch.chdir(REPO)
    lines = runner.invoke(app, command.split()[1:]).stdout.splitlines()
    shown = [line for line in block.splitlines()[1:] if line != "..."]
    positions = [lines.index(line) for line in shown]
    assert positions == sorted(positions) and len(shown) > 10
