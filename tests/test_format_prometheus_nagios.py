"""Output formats (issue 11): Prometheus text exposition for node_exporter's textfile
collector, and Nagios plugin output, on results of the real API over the sample data."""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.report import ReportOptions, build_report
from mlmon.render import nagios, prometheus
from mlmon.verdicts.findings import Finding, Severity
from tests.conftest import REPO

SEVERITIES = ("ok", "warning", "critical", "unknown")


@pytest.fixture(scope="module")
def results():
    """The report (p99 budget 80 ms: breached, p99 is 97.8 ms), a report within a 200 ms
    budget, and the drift against the training reference by day. Built once, from the repo
    root (the paths are relative)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(REPO)
        return SimpleNamespace(
            report=build_report(["sample_logs/"], ReportOptions(p99_budget_ms=80)),
            within=build_report(["sample_logs/"], ReportOptions(p99_budget_ms=200, max_error_rate="2%")),
            drift=build_drift_report(["sample_logs/"], DriftOptions(reference="references/train.json", window="1d")),
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
        assert name.startswith("mlmon_") and family.type == "gauge" and family.documentation
        assert text.count(f"# HELP {name} ") == 1 and text.count(f"# TYPE {name} gauge\n") == 1
        for sample in family.samples:
            assert sample.name == name and sample.timestamp is None and math.isfinite(sample.value)
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
    latency = {s.labels["quantile"]: s.value for s in parsed["mlmon_latency_seconds"].samples}
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
            by_rule.setdefault((sample.labels["rule"], sample.labels["scope"]), {})[sample.labels["severity"]] = sample.value
        assert set(by_rule) == {(f.check, f.scope) for f in result.findings}
        for values in by_rule.values():
            assert sorted(values) == sorted(SEVERITIES) and sorted(values.values()) == [0, 0, 0, 1]
    critical = families(prometheus.render(results.report))["mlmon_rule_status"]
    assert samples(critical)[(("rule", "latency_p99"), ("scope", "all"), ("severity", "critical"))] == 1


def test_prometheus_drift_figures_match_the_drift_result(results):
    drift = results.drift
    parsed = families(prometheus.render(drift))
    tested = [w for w in drift.prediction.windows if w.model_version == "1.4.0" and math.isfinite(w.psi)]
    latest = max(tested, key=lambda w: w.start)
    assert samples(parsed["mlmon_prediction_psi"]) == {(("model_version", "1.4.0"),): latest.psi}
    assert samples(parsed["mlmon_confidence_mean"])[(("model_version", "1.4.0"),)] == drift.confidence.windows[-1].mean
    width = next(f for f in drift.features.features if f.feature == "width")
    features = samples(parsed["mlmon_feature_drift_psi"])
    assert features[(("feature", "width"),)] == width.worst.drift.psi
    assert width.worst.drift.psi > 0.25 and len(features) == len(drift.features.features)
    status = samples(parsed["mlmon_rule_status"])
    assert status[(("rule", "prediction_drift"), ("scope", "model_version=1.4.0"), ("severity", "critical"))] == 1
    assert "mlmon_last_record_timestamp_seconds" not in parsed  # drift does not carry it
    assert parsed["mlmon_last_prediction_timestamp_seconds"].samples[0].value == max(w.end for w in drift.prediction.windows).timestamp()


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
    empty = dataclasses.replace(report.overall.latency, p50_ms=None, p95_ms=None, p99_ms=None)
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
    code = "import sys, mlmon.render.prometheus, mlmon.render.nagios; print([m for m in ('polars', 'numpy', 'scipy', 'onnxruntime') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout.strip() == "[]"


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
    assert "prediction drift" in summary and len(summary) <= nagios.MAX_SUMMARY
    finding = next(f for f in results.drift.findings if f.check == "prediction_drift")
    value, warn, crit = perf["prediction_drift model_version:1.4.0"]
    assert float(value) == pytest.approx(finding.value, rel=1e-9) and warn == "" and float(crit) == 0.25
    assert "'prediction_drift model_version:1.4.0'=" in nagios.render(results.drift)


def test_nagios_report_within_budget_is_ok_with_exit_state_0(results):
    state, summary, perf = check_line(results.within)
    assert (state, nagios.nagios_state(results.within)) == ("OK", 0)
    assert "within the 200 ms budget" in summary
    lat = results.within.overall.latency
    assert perf["latency_p99"] == [f"{lat.p99_ms / 1000:.10g}s", "", "0.2", "0"]
    assert perf["error_rate"][2:] == ["2", "0", "100"] and perf["error_rate"][0].endswith("%")
    assert perf["requests"] == ["15807", "", "", "0"]


def test_nagios_report_over_budget_is_critical(results):
    state, summary, perf = check_line(results.report)
    assert (state, nagios.nagios_state(results.report)) == ("CRITICAL", 2)
    assert summary == "p99 latency 97.8 ms is over the 80 ms budget"
    assert perf["latency_p99"][2] == "0.08"


def test_nagios_only_unknown_findings_or_none_is_unknown_with_exit_state_3(results):
    unknown = Finding("latency_p99", Severity.UNKNOWN, "no latency values to check against the p99 budget", None, 80)
    only_unknown = dataclasses.replace(results.report, findings=(unknown,))
    state, summary, _ = check_line(only_unknown)
    assert (state, nagios.nagios_state(only_unknown)) == ("UNKNOWN", 3)
    assert summary == unknown.message
    none = dataclasses.replace(results.report, findings=())
    assert check_line(none)[:2] == ("UNKNOWN", nagios.NO_FINDINGS) and nagios.nagios_state(none) == 3


@pytest.mark.parametrize(
    ("severities", "expected"),
    [(("ok", "unknown"), ("OK", 0)), (("ok", "warning", "unknown"), ("WARNING", 1)),
     (("warning", "critical", "ok"), ("CRITICAL", 2)), (("unknown", "unknown"), ("UNKNOWN", 3))],
)
def test_nagios_state_is_the_worst_known_finding(severities, expected):
    result = SimpleNamespace(findings=tuple(Finding("error_rate", Severity(s), f"{s} here", scope=f"s{i}") for i, s in enumerate(severities)))
    state, summary, _ = check_line(result)
    assert (state, nagios.nagios_state(result)) == expected
    assert f"{state.lower()} here" in summary


def test_nagios_summary_is_one_line_without_a_pipe():
    message = "p99 | over\nbudget\r\n" + "x" * 400
    result = SimpleNamespace(findings=(Finding("latency_p99", Severity.CRITICAL, message, 97.8, 80, "model_version=2"),
                                       Finding("error_rate", Severity.WARNING, "warned", 0.5, 0.1)))
    state, summary, perf = check_line(result)
    assert state == "CRITICAL" and len(summary) == nagios.MAX_SUMMARY and summary.endswith("...")
    assert summary.startswith("model_version=2: p99 / over budget x")
    assert perf == {"latency_p99 model_version:2": ["0.0978s", "", "0.08"], "error_rate": ["50%", "", "10"]}


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


def test_prometheus_rule_status_keeps_the_more_severe_of_two_findings_on_one_scope():
    result = SimpleNamespace(findings=(Finding("error_rate", Severity.CRITICAL, "bad"), Finding("error_rate", Severity.OK, "fine"),
                                       Finding("error_rate", Severity.UNKNOWN, "?")))
    status = samples(families(prometheus.render(result))["mlmon_rule_status"])
    assert len(status) == 4 and status[(("rule", "error_rate"), ("scope", "all"), ("severity", "critical"))] == 1
