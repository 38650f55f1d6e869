"""``mlmon check``: the issue's "Done when" on sample_logs/ with the example config, the
per-window numbers against numpy, no data, persistence through the CLI, exit codes, and
every output format parsed back."""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mlmon.api.check import CheckOptions, build_check
from mlmon.api.check_rules import CheckRules
from mlmon.cli import app
from mlmon.errors import UsageError
from mlmon.ingest.options import IngestOptions
from mlmon.verdicts.alerting import AlertRule
from mlmon.verdicts.findings import Severity, Unknown
from mlmon.verdicts.rules import ExitOn, FiringRule
from tests.conftest import REPO, SAMPLE_LOGS
from tests.render.test_prometheus_nagios import PLUGIN_LINE

EXAMPLE = REPO / "examples" / "mlmon.toml"
WEDNESDAY, THURSDAY = datetime(2026, 11, 11, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
DAYS = [datetime(2026, 11, 9, tzinfo=UTC) + timedelta(days=d) for d in range(7)]
T0 = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No config file or MLMON_* variable from the machine running the tests."""
    for name in (
        "MLMON_CONFIG",
        "MLMON_WINDOW",
        "MLMON_REFERENCE",
        "MLMON_FAIL_ON",
        "MLMON_EXIT_ON",
        "MLMON_MAX_SILENCE",
        "MLMON_MIN_SAMPLES",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def sample_check(tmp_path_factory):
    args = [
        "check",
        str(SAMPLE_LOGS),
        "--config",
        str(EXAMPLE),
        "--exit-on",
        "any",
        "--format",
        "json",
    ]  # a replay, as the docs run it
    result = _invoke(args, tmp_path_factory.mktemp("cwd"))
    return result.exit_code, json.loads(result.stdout)


def _invoke(args, cwd: Path, env: dict[str, str] | None = None):
    import os

    from typer.testing import CliRunner

    here = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, args, env={"MLMON_CONFIG": "", **(env or {})})
    finally:
        os.chdir(here)


def _rule(payload, rule, scope):
    return next(r for r in payload["rules"] if r["rule"] == rule and r["scope"] == scope)


def _day(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_example_config_finds_the_sample_weeks_incidents_and_nothing_else(sample_check):
    """Done when: the Thursday drift, the confidence collapse and the camera change are
    critical, the slow Wednesday is a latency breach, and the quiet days are ok. Sunday's
    canary (sample_logs/README.md, "Canary"): 1.5.0's tail lifts Sunday's p99 (1.5.0's own
    p99 is 207.9 ms: a warning), its class shares move off the reference (PSI 0.07, a
    warning) and its mean confidence 0.64 is a collapse; it served no request before Sunday."""
    code, payload = sample_check
    assert code == 1 and payload["status"] == "critical" and payload["exit_on"] == "any"
    fired = {(r["rule"], r["scope"]): [_day(t) for t in r["fired"]] for r in payload["rules"] if r["fired"]}
    after, sunday = DAYS[3:], DAYS[6]
    assert fired == {
        ("latency_p99", "all"): [WEDNESDAY, sunday],
        ("latency_p99", "imgcls 1.4.0"): [WEDNESDAY],
        ("latency_p99", "imgcls 1.5.0"): [sunday],
        ("prediction_drift", "model_version=1.4.0"): after,
        ("prediction_drift", "model_version=1.5.0"): [sunday],
        ("confidence_collapse", "model_version=1.4.0"): after,
        ("confidence_collapse", "model_version=1.5.0"): [sunday],
        ("feature_drift", "feature=width"): after,
        ("feature_drift", "feature=height"): after,
        ("feature_drift", "feature=aspect_ratio"): after,
    }
    warnings = {("latency_p99", "imgcls 1.5.0"), ("prediction_drift", "model_version=1.5.0")}
    for rule, scope in fired:
        assert _rule(payload, rule, scope)["severity"] == ("warning" if (rule, scope) in warnings else "critical")
    # generate.py --truth: canary.per_version["1.5.0"].latency_ms_all.p99 (1.5.0 serves only in the canary period)
    assert _rule(payload, "latency_p99", "imgcls 1.5.0")["windows"][-1]["value"] == pytest.approx(207.872, abs=5e-4)
    quiet = [r for r in payload["rules"] if (r["rule"], r["scope"]) not in fired]
    assert quiet and all(r["severity"] == "ok" for r in quiet)
    for r in payload["rules"]:  # every day outside an incident is ok; 1.5.0's days before Sunday unknown
        bad = {_day(w["start"]) for w in r["windows"] if w["effective"] not in ("ok", "unknown")}
        assert bad == set(fired.get((r["rule"], r["scope"]), [])), (r["rule"], r["scope"])
        unknown = [_day(w["start"]) for w in r["windows"] if w["effective"] == "unknown"]
        assert unknown == (DAYS[:6] if r["scope"].endswith("1.5.0") else []), (r["rule"], r["scope"])
    assert payload["not_checked"] == [] and _rule(payload, "no_data", "all")["message"] == "records in every window (7)"


def test_the_example_config_is_for_cron_the_last_window_decides(tmp_path):
    """``exit_on = "last"`` in the example: the week's run judges Sunday, where the shift
    still fires and the slow Wednesday has cleared (1.4.0's latency is ok), while the canary's
    slow tail makes Sunday's p99 of all requests a warning."""
    payload = json.loads(
        _invoke(["check", str(SAMPLE_LOGS), "--config", str(EXAMPLE), "--format", "json"], tmp_path).stdout
    )
    assert payload["exit_on"] == "last" and payload["status"] == "critical"
    latency = _rule(payload, "latency_p99", "imgcls 1.4.0")
    assert latency["severity"] == "ok" and latency["fired"] and "not firing now (cleared)" in latency["message"]
    assert _rule(payload, "latency_p99", "all")["severity"] == "warning"
    assert _rule(payload, "prediction_drift", "model_version=1.4.0")["severity"] == "critical"


def _sample_latencies() -> tuple[np.ndarray, np.ndarray]:
    """(epoch seconds, latency_ms) of every inference record, read with json alone."""
    times, latencies = [], []
    for path in sorted(SAMPLE_LOGS.glob("replica-*/app.log*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "latency_ms" not in record:
                    continue
                stamp = record.get("timestamp") or record["asctime"].replace(",", ".") + "+00:00"
                times.append(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
                latencies.append(record["latency_ms"])
    return np.asarray(times), np.asarray(latencies)


def test_hourly_latency_windows_are_numpys_p99_and_the_slow_afternoon_fires():
    rules = CheckRules(latency_p99=AlertRule(warning=100.0, critical=250.0))
    report = build_check([str(SAMPLE_LOGS)], CheckOptions(window="1h", rules=rules, exit_on=ExitOn.ANY))
    outcome = next(o for o in report.outcomes if o.rule == "latency_p99")
    times, latencies = _sample_latencies()
    breached = set()  # hours whose numpy p99 is over the warning level
    for w in outcome.windows:
        start = w.start.timestamp()
        values = latencies[(times >= start) & (times < start + 3600)]
        assert w.value == pytest.approx(np.percentile(values, 99), rel=1e-9)
        expected = Severity.CRITICAL if w.value > 250 else Severity.WARNING if w.value > 100 else Severity.OK
        assert w.raw is expected
        if np.percentile(values, 99) > 100:
            breached.add(w.start)
    afternoon = [WEDNESDAY + timedelta(hours=h) for h in (13, 14, 15, 16)]
    slow = [w.start for w in outcome.windows if w.raw is Severity.CRITICAL]
    # a stray 1 s timeout lifts p99 of ~100 requests; Sunday 20:00 is the canary's slow tail (274.8 ms)
    assert set(afternoon) <= set(slow) and len(slow) == 17 and DAYS[6] + timedelta(hours=20) in slow
    assert outcome.severity is Severity.CRITICAL
    # for = 3: three slow hours in a row, which for 1.4.0 only the afternoon has; it fires at the
    # third. Over all requests Sunday's canary hours (1.5.0's tail, 06:00-22:00) are slow too.
    sustained = CheckRules(latency_p99=AlertRule(warning=100.0, critical=250.0, firing=FiringRule(3)))
    report = build_check([str(SAMPLE_LOGS)], CheckOptions(window="1h", rules=sustained, exit_on=ExitOn.ANY))
    fired = {o.scope: o.fired for o in report.outcomes if o.rule == "latency_p99"}
    assert fired["imgcls 1.4.0"] == tuple(afternoon[2:])
    runs = [w.start for w in outcome.windows if all(w.start - timedelta(hours=k) in breached for k in range(3))]
    assert fired["all"] == tuple(runs) and set(afternoon[2:]) < set(runs)


def test_for_two_ignores_a_lone_breaching_hour_and_fires_on_a_sustained_one(write_lines):
    """Hourly p99: 300 ms in hours 0, 2, 5, 6, 7; 20 ms elsewhere. With for=2 only the run
    5-7 fires, at its second hour; keep_firing_for=1 holds hour 8."""
    slow = {0, 2, 5, 6, 7}
    lines = [
        {"ts": (T0 + timedelta(hours=h, minutes=m)).isoformat(), "latency_ms": 300.0 if h in slow else 20.0}
        for h in range(10)
        for m in range(0, 60, 5)
    ]
    path = write_lines("app.log", lines)
    rule = AlertRule(critical=250.0, firing=FiringRule(2, 1))
    report = build_check([str(path)], CheckOptions(window="1h", rules=CheckRules(latency_p99=rule), exit_on=ExitOn.ANY))
    outcome = next(o for o in report.outcomes if o.rule == "latency_p99")
    assert [w.start.hour for w in outcome.windows if w.effective is Severity.CRITICAL] == [6, 7, 8]
    assert [w.start.hour for w in outcome.windows if w.held] == [8]
    assert outcome.fired == tuple(T0 + timedelta(hours=h) for h in (6, 7, 8))
    flapping = build_check(
        [str(path)],
        CheckOptions(
            window="1h",
            ingest=IngestOptions(until=T0 + timedelta(hours=5)),
            rules=CheckRules(latency_p99=AlertRule(critical=250.0, firing=FiringRule(2))),
            exit_on=ExitOn.ANY,
        ),
    )
    assert (
        next(o for o in flapping.outcomes if o.rule == "latency_p99").severity is Severity.OK
    )  # 0 and 2: never two in a row


def _hours(write_lines, hours, name="app.log"):
    lines = [
        {"ts": (T0 + timedelta(hours=h, minutes=m)).isoformat(), "latency_ms": 20.0}
        for h in hours
        for m in range(0, 60, 10)
    ]
    return write_lines(name, lines)


def test_an_empty_window_inside_the_run_is_no_data_critical(write_lines):
    path = _hours(write_lines, [0, 1, 3])
    report = build_check([str(path)], CheckOptions(window="1h", exit_on=ExitOn.ANY))
    outcome = next(o for o in report.outcomes if o.rule == "no_data")
    assert [w.raw for w in outcome.windows] == [Severity.OK, Severity.OK, Severity.CRITICAL, Severity.OK]
    assert outcome.severity is Severity.CRITICAL and "1 of 4 window(s) hold no record" in outcome.message
    now_ok = build_check([str(path)], CheckOptions(window="1h", exit_on=ExitOn.LAST))
    cleared = next(o for o in now_ok.outcomes if o.rule == "no_data")
    assert cleared.severity is Severity.OK and cleared.message.endswith(
        "; not firing now (records again)"
    )  # hour 3 has records


def test_logs_that_stopped_fire_now_for_an_hourly_cron_run(write_lines):
    """--since 6h at 06:30 with records only until 02:xx: hours 3, 4, 5 are empty and whole."""
    path = _hours(write_lines, [0, 1, 2])
    now = T0 + timedelta(hours=6, minutes=30)
    options = CheckOptions(window="1h", ingest=IngestOptions(since=now - timedelta(hours=6)), now=now)
    outcome = next(o for o in build_check([str(path)], options).outcomes if o.rule == "no_data")
    raw = [(w.start.hour, w.raw) for w in outcome.windows]
    assert raw == [
        (0, Severity.OK),
        (1, Severity.OK),
        (2, Severity.OK),
        (3, Severity.CRITICAL),
        (4, Severity.CRITICAL),
        (5, Severity.CRITICAL),
        (6, Severity.UNKNOWN),
    ]
    assert outcome.severity is Severity.CRITICAL and outcome.current is Severity.CRITICAL
    assert outcome.message == "3 of 7 window(s) hold no record, first from 2026-11-20T03:00:00Z; firing now"


def test_a_silent_last_record_is_critical_against_max_silence(write_lines):
    path = _hours(write_lines, [0])
    last = T0 + timedelta(minutes=50)
    rule = AlertRule(warning=600.0, critical=900.0)
    for minutes, expected in ((5, Severity.OK), (12, Severity.WARNING), (16, Severity.CRITICAL)):
        options = CheckOptions(window="1h", rules=CheckRules(no_data=rule), now=last + timedelta(minutes=minutes))
        outcome = next(o for o in build_check([str(path)], options).outcomes if o.rule == "no_data")
        assert outcome.severity is expected and outcome.value == pytest.approx(minutes * 60)
        assert outcome.threshold == (900.0 if expected is Severity.CRITICAL else 600.0)


def test_no_record_in_range_is_no_data_exit_1_but_unusable_lines_are_exit_2(write_lines, tmp_path):
    path = _hours(write_lines, [0])
    result = _invoke(["check", str(path), "--since", "2026-12-01", "--until", "2026-12-01T03:00:00Z"], tmp_path)
    assert result.exit_code == 1, result.output
    assert "no_data" in result.stdout and "hold no record" in result.stdout
    junk = write_lines("junk.log", ["not json", "{broken"])
    assert _invoke(["check", str(junk)], tmp_path).exit_code == 2


def test_a_rule_that_cannot_be_computed_is_unknown_and_junit_skips_it(write_lines, tmp_path):
    path = _hours(write_lines, [0, 1])
    report = build_check([str(path)], CheckOptions(window="1h"))
    drift = next(o for o in report.outcomes if o.rule == "prediction_drift")
    assert (
        drift.severity is Severity.UNKNOWN
        and drift.unknown is Unknown.MISSING_INPUT
        and "no reference" in drift.message
    )
    result = _invoke(["check", str(path), "--format", "junit"], tmp_path)
    assert result.exit_code == 0
    case = ET.fromstring(result.stdout).find(".//testcase[@name='prediction_drift[all]']")
    assert case is not None and case.find("skipped") is not None and case.get("classname") == "mlmon.prediction_drift"


def test_record_count_windows_are_refused():
    with pytest.raises(UsageError, match="time windows"):
        CheckOptions(window="1000")


def test_every_format_parses(tmp_path, reuse_sample_builds):  # the formats differ: the week is read once
    args = ["check", str(SAMPLE_LOGS), "--config", str(EXAMPLE), "--exit-on", "any"]
    junit = ET.fromstring(_invoke([*args, "-f", "junit"], tmp_path).stdout)
    names = [(c.get("classname"), c.get("name")) for c in junit.iter("testcase")]
    # 20 rules (latency and error rate also per version, 1.5.0 the canary); 8 critical and 2 warning
    assert len(names) == len(set(names)) == 20 and junit.get("failures") == "10"
    assert ("mlmon.prediction_drift", "prediction_drift[model_version=1.4.0]") in names
    families = {
        f.name: f for f in text_string_to_metric_families(_invoke([*args, "-f", "prometheus"], tmp_path).stdout)
    }
    assert {"mlmon_rule_status", "mlmon_latency_seconds", "mlmon_prediction_psi", "mlmon_feature_drift_psi"} <= set(
        families
    )
    status = {
        (s.labels["rule"], s.labels["scope"])
        for s in families["mlmon_rule_status"].samples
        if s.labels["severity"] == "critical" and s.value == 1
    }
    assert ("latency_p99", "all") in status and ("feature_drift", "feature=aspect_ratio") in status
    nagios = _invoke([*args, "-f", "nagios"], tmp_path)
    assert nagios.exit_code == 2 and PLUGIN_LINE.match(nagios.stdout).group(1) == "CRITICAL"
    markdown = _invoke([*args, "-f", "markdown"], tmp_path).stdout
    assert markdown.startswith("## mlmon check: critical") and re.search(
        r"\| \*\*critical\*\* \| `latency_p99` \| all \|", markdown
    )


def test_flags_beat_the_environment_beat_the_file(tmp_path, write_lines):
    path = _hours(write_lines, [0, 1, 2, 3])
    (tmp_path / "mlmon.toml").write_text('window = "2h"\n[rules.latency_p99]\ncritical = "10ms"\n')
    from typer.testing import CliRunner

    runner = CliRunner()
    windows = lambda result: json.loads(result.stdout)["window"]  # noqa: E731
    assert windows(runner.invoke(app, ["check", str(path), "-f", "json"])) == "2h windows"
    assert windows(runner.invoke(app, ["check", str(path), "-f", "json"], env={"MLMON_WINDOW": "30m"})) == "30m windows"
    assert (
        windows(runner.invoke(app, ["check", str(path), "-f", "json", "--window", "1h"], env={"MLMON_WINDOW": "30m"}))
        == "1h windows"
    )
    assert runner.invoke(app, ["check", str(path)]).exit_code == 1  # 20 ms over the file's 10 ms
    assert (
        runner.invoke(app, ["check", str(path), "--fail-on", "warning"], env={"MLMON_FAIL_ON": "critical"}).exit_code
        == 1
    )


def test_config_errors_exit_2_and_3_in_nagios_mode(tmp_path, write_lines):
    path = _hours(write_lines, [0])
    (tmp_path / "mlmon.toml").write_text('[rules.latency_p99]\ncritical = "fast"\n')
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 2 and "mlmon.toml" in result.output and "rules.latency_p99.critical" in result.output
    assert CliRunner().invoke(app, ["check", str(path), "--format", "nagios"]).exit_code == 3


def test_a_slow_version_hiding_behind_a_fast_one_is_its_own_scope(write_lines):
    """300 fast requests of 1.0 and 2 slow ones of 2.0 per hour: the overall p99 is fast
    (numpy says 20 ms), version 2.0's is 300 ms."""
    lines = []
    for h in range(3):
        for i in range(300):
            lines.append(
                {
                    "ts": (T0 + timedelta(hours=h, seconds=i * 10)).isoformat(),
                    "model_version": "1.0",
                    "latency_ms": 20.0,
                }
            )
        for i in range(2):
            lines.append(
                {
                    "ts": (T0 + timedelta(hours=h, minutes=30 + i)).isoformat(),
                    "model_version": "2.0",
                    "latency_ms": 300.0,
                }
            )
    path = write_lines("app.log", lines)
    rules = CheckRules(latency_p99=AlertRule(critical=250.0))
    report = build_check([str(path)], CheckOptions(window="1h", rules=rules, exit_on=ExitOn.ANY))
    latency = {o.scope: o for o in report.outcomes if o.rule == "latency_p99"}
    assert len(latency) == 3 and latency["all"].severity is Severity.OK
    assert latency["all"].windows[0].value == pytest.approx(np.percentile([20.0] * 300 + [300.0] * 2, 99))
    slow = next(o for scope, o in latency.items() if "2.0" in scope)
    assert slow.severity is Severity.CRITICAL and [w.value for w in slow.windows] == [300.0] * 3
    assert next(o for scope, o in latency.items() if "1.0" in scope).severity is Severity.OK


def test_an_empty_run_and_a_log_without_predictions(write_lines, tmp_path):
    """An empty file is no data (exit 1), whole-range windows included; a log with no
    prediction record reads prediction drift unknown, never ok or absent."""
    empty = write_lines("empty.log", [], final_newline=False)
    for window in ("1h", "all"):
        report = build_check([str(empty)], CheckOptions(window=window, exit_on=ExitOn.ANY))
        assert next(o for o in report.outcomes if o.rule == "no_data").severity is Severity.CRITICAL, window
    path = _hours(write_lines, [0, 1])
    report = build_check([str(path)], CheckOptions(window="1h", reference=REPO / "references" / "train.json"))
    drift = next(o for o in report.outcomes if o.rule == "prediction_drift")
    assert drift.severity is Severity.UNKNOWN and "no predictions" in drift.message


def test_too_many_windows_is_a_usage_error(write_lines):
    path = _hours(write_lines, [0])
    options = CheckOptions(
        window="1m", ingest=IngestOptions(since=T0 - timedelta(days=30)), now=T0 + timedelta(hours=1)
    )
    with pytest.raises(UsageError, match="over the 10,000 limit"):
        build_check([str(path)], options)


# --- issue 22 §1, §2: logs that stopped page, a stray malformed line and the config notwithstanding ---


def _stopped(write_lines, hours_ago: float, malformed: int = 0, records: int = 120):
    """``records`` records, one a minute, the last ``hours_ago`` before now, then ``malformed``
    truncated lines; returns (path, the last record's time)."""
    last = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0)
    lines = [{"ts": (last - timedelta(minutes=m)).isoformat(), "latency_ms": 20.0} for m in reversed(range(records))]
    return write_lines("app.log", lines + ['{"ts": "2026-11-20T00:00:00Z", "latency_'] * malformed), last


def test_logs_that_stopped_with_a_malformed_line_are_no_data_not_an_input_error(write_lines, tmp_path):
    """Every record older than --since 6h and one malformed line (within --max-malformed):
    no_data, exit 1, saying how long ago the last record was (the last record read, not
    "no record at all"); over the limit it stays the one-line input error, exit 2."""
    path, last = _stopped(write_lines, hours_ago=8, malformed=1)
    result = _invoke(["check", str(path), "--since", "6h", "--max-silence", "15m", "-f", "json"], tmp_path)
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert _day(payload["last_record"]) == last
    no_data = _rule(payload, "no_data", "all")
    assert no_data["severity"] == "critical" and no_data["value"] == pytest.approx(
        (_day(payload["now"]) - last).total_seconds()
    )
    assert (
        f"; last record 8h ago ({last.isoformat().replace('+00:00', 'Z')}), over the 15m critical silence level"
        in no_data["message"]
    )
    strict = _invoke(["check", str(path), "--since", "6h", "--max-silence", "15m", "--max-malformed", "0"], tmp_path)
    assert strict.exit_code == 2
    assert strict.stderr.strip().startswith(
        f"mlmon: error: {path}: no usable records (120 outside --since/--until; 1 malformed JSON)"
    )
    many, _ = _stopped(write_lines, hours_ago=8, malformed=10, records=90)  # 10 of 100 lines: over 5%
    assert _invoke(["check", str(many), "--since", "6h"], tmp_path).exit_code == 2


def test_the_silence_of_logs_older_than_since_is_measured_from_their_last_record(write_lines):
    """The Python twin: ``last_record`` and the silence are the last record read before
    --until, kept or older than --since."""
    path = _hours(write_lines, [0, 1])
    last = T0 + timedelta(hours=1, minutes=50)
    now = T0 + timedelta(hours=9, minutes=50)
    options = CheckOptions(
        window="1h",
        ingest=IngestOptions(since=now - timedelta(hours=6)),
        now=now,
        rules=CheckRules(no_data=AlertRule(critical=900.0)),
    )
    report = build_check([str(path)], options)
    assert report.last_record == last and report.ingest.records == 0
    outcome = next(o for o in report.outcomes if o.rule == "no_data")
    assert outcome.value == 8 * 3600 and "last record 8h ago (2026-11-20T01:50:00Z)" in outcome.message


def test_max_silence_on_the_command_line_wins_over_enabled_false_in_the_file(write_lines, tmp_path):
    """Flags win over the file: --max-silence (or MLMON_MAX_SILENCE) turns [rules.no_data]
    on where the file says enabled = false; without either the file's word stands."""
    path, _ = _stopped(write_lines, hours_ago=8)
    (tmp_path / "mlmon.toml").write_text("[rules.no_data]\nenabled = false\n")
    quiet = _invoke(["check", str(path), "--since", "6h", "-f", "json"], tmp_path)
    assert quiet.exit_code == 0 and {"rule": "no_data", "reason": "disabled"} in json.loads(quiet.stdout)["not_checked"]
    for args, env in ((["--max-silence", "15m"], {}), ([], {"MLMON_MAX_SILENCE": "15m"})):
        result = _invoke(["check", str(path), "--since", "6h", "-f", "json", *args], tmp_path, env)
        assert result.exit_code == 1, (args, env, result.output)
        no_data = _rule(json.loads(result.stdout), "no_data", "all")
        assert (
            no_data["severity"] == "critical"
            and no_data["threshold"] == 900.0
            and "15m critical silence level" in no_data["message"]
        )


@pytest.mark.parametrize(
    ("toml", "args", "message"),
    [
        (
            'max_silence = "15m"\n[rules.no_data]\nenabled = false\n',
            [],
            (
                "mlmon.toml: max_silence: 15m turns the no_data rule on, but rules.no_data.enabled = false in "
                "the same file"
            ),
        ),
        (
            '[rules.no_data]\nwarning = "1h"\n',
            ["--max-silence", "15m"],
            "mlmon.toml: rules.no_data.warning 1h exceeds --max-silence 15m",
        ),
        (
            'max_silence = "15m"\n[rules.no_data]\nwarning = "1h"\n',
            [],
            "mlmon.toml: rules.no_data.warning 1h exceeds max_silence 15m",
        ),
    ],
)
def test_a_silence_level_that_contradicts_the_file_is_refused_naming_both(write_lines, tmp_path, toml, args, message):
    path, _ = _stopped(write_lines, hours_ago=1)
    (tmp_path / "mlmon.toml").write_text(toml)
    result = _invoke(["check", str(path), *args], tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith(f"mlmon: error: {message}"), result.output
