"""``mlmon compare`` for machines (issue 25): Prometheus gauges (parsed with
prometheus_client, checked with promtool where installed), the Nagios plugin line, state
and perfdata, and the exit codes of the CLI in the default format and in Nagios' for each
overall verdict. The logs are :func:`tests.render.test_compare_formats.two_version_logs`;
every value is checked against the report's JSON document."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from mlmon.api.compare import CompareOptions, build_compare
from mlmon.cli import app
from mlmon.render import nagios, prometheus
from tests.render.test_compare_formats import SCENARIOS, two_version_logs

VERDICT_VALUE = {"pass": 0, "marginal": 1, "fail": 2, "no data": 3}


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    return two_version_logs(tmp_path_factory.mktemp("compare-machine") / "logs")


@pytest.fixture(scope="module")
def reports(logs) -> dict:
    out = {
        name: build_compare(str(logs), CompareOptions(baseline="1.4.0", candidate="1.5.0", **options))
        for name, options in SCENARIOS.items()
    }
    out["pass"] = build_compare(str(logs), CompareOptions(baseline="1.4.0", candidate="1.4.0"))
    return out


def test_the_scenarios_give_each_verdict(reports):
    assert {name: r.verdict.value for name, r in reports.items()} == {n: n for n in reports}
    marginal = reports["marginal"].to_dict()
    assert {m["verdict"] for m in marginal["metrics"]} == {"pass", "fail"}  # no metric without data


# --- prometheus -----------------------------------------------------------------------------------


def samples(report) -> dict[tuple[str, str], float]:
    """(sample name, metric label) -> value; every sample of a compare gauge names both sides."""
    out = {}
    for family in text_string_to_metric_families(prometheus.render(report)):
        for s in family.samples:
            if s.name.startswith("mlmon_compare_"):
                assert (s.labels["baseline"], s.labels["candidate"]) == (report.baseline.name, report.candidate.name)
                out[(s.name, s.labels.get("metric", ""))] = s.value
    return out


def test_prometheus_differences_intervals_and_verdicts(reports):
    report = reports["fail"]
    doc = report.to_dict()
    text = prometheus.render(report)
    got = samples(report)
    for m in doc["metrics"]:
        name = m["metric"]
        assert got[("mlmon_compare_verdict", name)] == VERDICT_VALUE[m["verdict"]]
        if name == "agreement":
            continue
        if m["verdict"] == "no data":  # too few values: no measurement exported
            assert all((f"mlmon_compare_difference{s}", name) not in got for s in ("", "_lower", "_upper"))
            continue
        scale = 0.001 if m["unit"] == "ms" else 1.0  # seconds, ratios
        assert got[("mlmon_compare_difference", name)] == pytest.approx(m["difference"] * scale, rel=1e-12)
        for suffix, key in (("_lower", "low"), ("_upper", "high")):
            if m[key] is None:
                assert ("mlmon_compare_difference" + suffix, name) not in got  # no interval: left out
            else:
                assert got[("mlmon_compare_difference" + suffix, name)] == pytest.approx(m[key] * scale, rel=1e-12)
    assert got[("mlmon_compare_verdict", "all")] == 2
    a = doc["agreement"]
    assert [got[(f"mlmon_compare_agreement{s}", "")] for s in ("", "_lower", "_upper")] == pytest.approx(
        [a["rate"], a["low"], a["high"]]
    )
    assert "NaN" not in text
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP mlmon_compare")}
    assert names <= set(prometheus.HELP)
    assert all(re.fullmatch(r"# TYPE \S+ gauge", line) for line in text.splitlines() if line.startswith("# TYPE"))
    status = [line for line in text.splitlines() if line.startswith('mlmon_rule_status{rule="latency_p99"')]
    assert 'severity="critical"} 1' in "".join(status)


@pytest.mark.parametrize("name", ["pass", "marginal", "no data"])
def test_prometheus_overall_verdict_per_scenario(reports, name):
    assert samples(reports[name])[("mlmon_compare_verdict", "all")] == VERDICT_VALUE[name]


def test_prometheus_label_values_are_escaped(logs, tmp_path):
    folder = tmp_path / "named"
    shutil.copytree(logs, folder)
    path = folder / "app.log"
    path.write_text(path.read_text().replace('"imgcls"', '"img\\"cls\\\\"'))
    report = build_compare(str(folder), CompareOptions(baseline="1.4.0", candidate="1.5.0"))
    families = list(text_string_to_metric_families(prometheus.render(report)))
    sides = {s.labels["baseline"] for f in families for s in f.samples if f.name.startswith("mlmon_compare")}
    assert sides == {report.baseline.name} and '"' in report.baseline.name and "\\" in report.baseline.name


def test_prometheus_compare_passes_promtool(reports, tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed")
    path = tmp_path / "compare.prom"
    path.write_text(prometheus.render(reports["fail"]))
    done = subprocess.run([promtool, "check", "metrics"], stdin=path.open(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# --- nagios ---------------------------------------------------------------------------------------


def perfdata(line: str) -> dict[str, list[str]]:
    """label -> [value with UOM, warn, crit, min, max] (trailing empties dropped)."""
    perf = line.split(" | ", 1)[1].strip()
    return {item.split("=")[0]: item.split("=")[1].split(";") for item in perf.split(" ")}


def number(field: str) -> float:
    return float(re.sub(r"[a-z%]+$", "", field))


def test_nagios_fail_is_critical_naming_the_failing_metrics(reports):
    report = reports["fail"]
    line = nagios.render(report)
    head = "MLMON CRITICAL - imgcls:1.5.0 against imgcls:1.4.0 (2026-11-15 08:00 to 19:59 UTC): "
    assert line.startswith(head)
    summary = line.split(" | ")[0].removeprefix(head)
    doc = report.to_dict()
    failed = [m["metric"] for m in doc["metrics"] if m["verdict"] == "fail"]
    no_data = [m["metric"] for m in doc["metrics"] if m["verdict"] == "no data"]
    assert summary == (
        "fail: latency_p99 (critical), "
        + ", ".join(m for m in failed if m != "latency_p99")
        + " / no data: "
        + ", ".join(no_data)
    )
    assert nagios.exit_code(report) == 2


def test_nagios_perfdata_per_metric_difference(reports):
    doc = reports["fail"].to_dict()
    items = perfdata(nagios.render(reports["fail"]))
    for m in doc["metrics"]:
        name, unit = m["metric"], m.get("unit")  # agreement has none
        if m["verdict"] == "no data":  # a figure from too few values is no measurement
            assert name not in items and f"{name}_difference" not in items
        elif unit == "ms":
            value, warn = items[f"{name}_difference"][:2]
            assert value.endswith("s") and number(value) == pytest.approx(m["difference"] / 1000, abs=1e-9)
            assert warn.startswith("~:") and float(warn[2:]) == pytest.approx(m["limit"] / 1000, rel=1e-9)
        elif unit == "share":
            fields = items[f"{name}_difference"]
            assert fields[0].endswith("%") and number(fields[0]) == pytest.approx(m["difference"] * 100, abs=1e-7)
        elif unit in ("psi", "distance"):
            assert items[name] == [
                nagios.perf_number(m["difference"]),
                nagios.perf_number(m["tolerance"] / 2),
                nagios.perf_number(m["tolerance"]),
                "0",
            ]
    assert items["error_rate_difference"][1] == "~:" + nagios.perf_number(0.001 * 100)
    agreement = items["agreement"]
    assert number(agreement[0]) == pytest.approx(doc["agreement"]["rate"] * 100, abs=1e-7)
    assert agreement[1:] == ["90:", "", "0", "100"]


def test_nagios_lower_is_worse_levels_are_minimums(reports):
    items = perfdata(nagios.render(reports["marginal"]))
    assert items["confidence_mean_difference"][1] == "-5:"  # alert when it falls more than 5 points


@pytest.mark.parametrize(("name", "state"), [("pass", "OK"), ("marginal", "WARNING"), ("no data", "UNKNOWN")])
def test_nagios_state_follows_the_verdict(reports, name, state):
    line = nagios.render(reports[name])
    assert line.startswith(f"MLMON {state} - ")
    assert nagios.exit_code(reports[name]) == VERDICT_VALUE[name]
    if name == "pass":
        assert "every one of the 9 metrics passed" in line
    if name == "no data":  # latency failed too, but the critical confidence_mean has no data
        assert "fail: latency_p50" in line and "no data: confidence_mean (critical), confidence_shape" in line


# --- exit codes through the CLI -------------------------------------------------------------------


def cli_args(name: str) -> list[str]:
    options = {"candidate": "1.4.0" if name == "pass" else "1.5.0", **SCENARIOS.get(name, {})}
    args = ["--baseline", "1.4.0", "--candidate", options["candidate"]]
    if "critical" in options:
        args += ["--critical", ",".join(options["critical"])]
    if "min_samples" in options:
        args += ["--min-samples", str(options["min_samples"])]
    return args


@pytest.mark.parametrize(
    ("name", "default", "warning", "plugin"),
    [("pass", 0, 0, 0), ("marginal", 0, 1, 1), ("fail", 1, 1, 2), ("no data", 2, 2, 3)],
)
def test_exit_codes_default_format_fail_on_warning_and_nagios(logs, name, default, warning, plugin):
    runner = CliRunner()
    base = ["compare", str(logs), *cli_args(name)]
    done = runner.invoke(app, base, env={"MLMON_CONFIG": "", "COLUMNS": "200"})
    assert done.exit_code == default, done.output
    assert done.output.startswith({"pass": "PASS", "marginal": "MARGINAL", "fail": "FAIL", "no data": "NO DATA"}[name])
    assert runner.invoke(app, [*base, "--fail-on", "warning"], env={"MLMON_CONFIG": ""}).exit_code == warning
    plugin_run = runner.invoke(app, [*base, "--format", "nagios"], env={"MLMON_CONFIG": ""})
    assert plugin_run.exit_code == plugin, plugin_run.output
    assert plugin_run.output.startswith(f"MLMON {nagios.STATE_NAMES[plugin]} - ")
