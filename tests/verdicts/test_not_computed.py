"""Issue 21 §2c: a check that cannot be computed never passes quietly.

A check the run asked for whose field is in no record of the input is exit 2 with one
line: the field, the keys seen (with counts, hand-counted here) and the ``--field`` that
maps the likely key; the Python twins raise ``MissingFieldError``. A field present but
too sparse for a window stays unknown, as before. Logs are hand-written, or written by
the real logging libraries (python-json-logger, loguru).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from mlmon.analyses.ops import OpsReducer
from mlmon.api.check import CheckOptions, build_check
from mlmon.api.check_rules import CheckRules
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.report import ReportOptions, build_report
from mlmon.cli import app
from mlmon.errors import InputError, MissingFieldError, NoUsableRecordsError
from mlmon.ingest.census import NEEDS, census_of, field_option, merge_samples, sample_keys, suggest_key
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import CENSUS_KEYS, CENSUS_LINES, KeyCensus
from mlmon.ingest.reader import reduce_logs
from mlmon.verdicts.alerting import AlertRule

T0 = datetime(2026, 11, 10, tzinfo=UTC)
REFERENCE = Path(__file__).resolve().parents[2] / "references" / "train.json"


def _stamp(i: int, minutes: int = 1) -> str:
    return (T0 + timedelta(minutes=i * minutes)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def response_t(write_lines) -> tuple[Path, list[float]]:
    """Three requests whose latency sits under a key mlmon does not read."""
    values = [12.0, 40.0, 250.0]
    lines = [
        {"timestamp": _stamp(i), "event": "inference", "status": "ok", "response_t": v} for i, v in enumerate(values)
    ]
    return write_lines("app.log", lines), values


def _error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("mlmon: error:")]
    assert len(lines) == 1, result.output
    return lines[0]


# --- report -----------------------------------------------------------------------------


def test_a_p99_budget_on_logs_without_latency_is_exit_2_naming_the_key_to_map(runner, response_t):
    path, values = response_t
    result = runner.invoke(app, ["report", str(path), "--p99-budget", "100ms"])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "needs latency, but no record has a latency field" in line
    # hand count: each of the 3 lines holds these 4 keys
    assert "keys seen: event (3), response_t (3), status (3), timestamp (3)" in line
    assert line.endswith("map one with --field latency_ms=response_t")
    with pytest.raises(MissingFieldError) as caught:
        build_report(str(path), ReportOptions(p99_budget="100ms"))
    assert (caught.value.check, caught.value.field) == ("latency_p99", "latency")
    mapped = runner.invoke(
        app, ["report", str(path), "--p99-budget", "100ms", "--field", "latency_ms=response_t", "--format", "json"]
    )
    assert mapped.exit_code == 1  # 250 ms in the tail: the budget is now judged, and breached
    assert json.loads(mapped.stdout)["latency"]["p99_ms"] == pytest.approx(np.percentile(values, 99))


def test_a_report_without_a_budget_still_reads_such_logs(runner, response_t):
    assert runner.invoke(app, ["report", str(response_t[0])]).exit_code == 0


@pytest.mark.parametrize(
    ("key", "option"),
    [
        ("took_s", "latency_s"),
        ("svc_elapsed_us", "latency_us"),
        ("duration_millis", "latency_ms"),
        ("resp_time", "latency_ms"),
    ],
)
def test_the_suggested_mapping_carries_the_unit_of_the_key(write_lines, key, option):
    path = write_lines("unit.log", [{"ts": _stamp(i), "status": "ok", key: 0.5} for i in range(3)])
    with pytest.raises(MissingFieldError, match=rf"--field {option}={key}$"):
        build_report(str(path), ReportOptions(p99_budget="1s"))


def test_no_similar_key_gives_a_placeholder(write_lines):
    path = write_lines("x.log", [{"ts": _stamp(i), "status": "ok", "zzz": "q"} for i in range(2)])
    with pytest.raises(MissingFieldError, match=r"map one with --field latency_ms=KEY$"):
        build_report(str(path), ReportOptions(p99_budget="1s"))


def test_an_error_limit_needs_requests_and_a_way_to_see_failures(runner, write_lines):
    latency_only = write_lines("l.log", [{"ts": _stamp(i), "latency_ms": 5, "result": "fail"} for i in range(4)])
    result = runner.invoke(app, ["report", str(latency_only), "--max-error-rate", "1%"])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "needs to see failures, but no record has a status, status_code, error or level field" in line
    assert line.endswith("--field status=result")
    no_requests = write_lines("r.log", [{"ts": _stamp(i), "cpu_percent": 20} for i in range(4)])
    with pytest.raises(
        MissingFieldError, match="needs requests, but no record has a latency, status, status_code or error field"
    ):
        build_report(str(no_requests), ReportOptions(max_error_rate="1%"))
    # a level is where python-json-logger and structlog show failures: 1 of 4 requests
    levels = write_lines(
        "v.log", [{"ts": _stamp(i), "latency_ms": 5, "level": "error" if i == 0 else "info"} for i in range(4)]
    )
    report = build_report(str(levels), ReportOptions(max_error_rate="50%"))
    assert report.overall.errors.rate == pytest.approx(1 / 4)


def test_values_all_of_the_wrong_type_are_not_a_pass(write_lines):
    path = write_lines("w.log", [{"ts": _stamp(i), "latency_ms": "12ms"} for i in range(3)])
    with pytest.raises(
        MissingFieldError,
        match=r"no record kept has a usable latency value \(3 wrong type: latency_ms, first: .*w.log:1",
    ):
        build_report(str(path), ReportOptions(p99_budget="1s"))


def test_a_field_present_but_outside_the_range_stays_unknown(runner, write_lines):
    """Latency on the first day only; --since the second day: the range is thin, not the
    logs (as before: n/a and exit 0)."""
    lines = [{"ts": _stamp(i, 60 * 24), **({"latency_ms": 5} if i == 0 else {"status": "ok"})} for i in range(3)]
    path = write_lines("s.log", lines)
    result = runner.invoke(
        app, ["report", str(path), "--p99-budget", "100ms", "--since", _stamp(1, 60 * 24), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["check"] == "latency_p99" and finding["severity"] == "unknown"


# --- drift ------------------------------------------------------------------------------


def test_drift_with_nothing_to_compare_is_exit_2_with_the_keys_seen(runner, write_lines):
    lines = [{"ts": _stamp(i), "klass": "A", "certainty": 0.9} for i in range(5)]
    path = write_lines("p.log", lines)
    result = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path)])
    assert result.exit_code == 2
    line = _error_line(result)
    assert (
        "drift has nothing to compare (no input features either): prediction drift needs a label, but no "
        "record has a label field"
    ) in line
    assert "keys seen: certainty (5), klass (5), ts (5)" in line and line.endswith("--field label=klass")
    with pytest.raises(MissingFieldError) as caught:
        build_drift_report(str(path), DriftOptions(reference=str(REFERENCE)))
    assert caught.value.check == "prediction_drift"
    mapped = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path), "--field", "label=klass"])
    assert mapped.exit_code != 2, mapped.output


def test_drift_on_inputs_without_labels_says_prediction_drift_was_not_computed(runner, write_lines):
    """Features but no label: data drift is judged, and prediction drift says why not
    (with the keys seen), never "no window breached"."""
    lines = [{"ts": _stamp(i), "klass": "A", "features": {"iso": 100}} for i in range(5)]
    path = write_lines("p.log", lines)
    result = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path)])
    assert result.exit_code in (0, 1), result.output
    text = " ".join(result.output.split())
    assert (
        "prediction drift not computed: no record carries a label; keys seen: features (5), klass (5), ts (5)" in text
    )
    assert "map one with --field label=klass" in text and "no window breached" not in text
    payload = json.loads(runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path), "--format", "json"]).stdout)
    assert payload["prediction_drift"]["computable"] is False and payload["prediction_drift"]["severity"] == "unknown"
    config_asks = path.parent / "mlmon.toml"
    config_asks.write_text("[rules.prediction_drift]\ncritical = 0.3\n")
    asked = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path), "--config", str(config_asks)])
    assert asked.exit_code == 2 and "prediction drift (prediction_drift) needs a label" in _error_line(asked)


def test_confidence_asked_for_on_logs_without_one_is_exit_2(runner, write_lines):
    path = write_lines("c.log", [{"ts": _stamp(i), "label": "A", "score_pct": 90} for i in range(5)])
    plain = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path), "--format", "json"])
    assert plain.exit_code == 0, plain.output  # not asked for: not analysed, with the keys
    confidence = json.loads(plain.stdout)["confidence"]
    assert confidence["computable"] is False and "--field confidence=score_pct" in confidence["reason"]
    asked = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path), "--confidence-drop", "0.05"])
    assert asked.exit_code == 2
    assert "confidence collapse (confidence_collapse) needs a confidence" in _error_line(asked)


def test_features_named_but_never_logged_are_exit_2(runner, write_lines):
    path = write_lines("f.log", [{"ts": _stamp(i), "label": "A"} for i in range(5)])
    result = runner.invoke(app, ["drift", "-r", str(REFERENCE), str(path), "--features", "brightness"])
    assert result.exit_code == 2
    assert "feature drift (feature_drift) needs input features" in _error_line(result)


# --- check ------------------------------------------------------------------------------


def test_check_names_the_config_key_of_each_level_not_set_and_exits_0(runner, response_t):
    result = runner.invoke(app, ["check", str(response_t[0]), "--window", "all"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "latency_p99 (no level set: [rules.latency_p99] critical or warning in the config)" in flat
    assert "error_rate (no level set: [rules.error_rate] critical or warning in the config)" in flat


def test_a_configured_rule_whose_field_is_in_no_record_is_exit_2(runner, response_t, tmp_path):
    config = tmp_path / "mlmon.toml"
    config.write_text('[rules.latency_p99]\ncritical = "100ms"\n')
    result = runner.invoke(app, ["check", str(response_t[0]), "--window", "all", "--config", str(config)])
    assert result.exit_code == 2
    assert "rule latency_p99 needs latency" in _error_line(result) and "--field latency_ms=response_t" in result.output
    rules = CheckRules(latency_p99=AlertRule(critical=100.0))
    with pytest.raises(MissingFieldError):
        build_check(str(response_t[0]), CheckOptions(window="all", rules=rules))


def test_check_on_logs_that_stopped_is_no_data_not_a_missing_field(write_lines):
    """No record in the range: the no_data rule's critical, as before, never exit 2."""
    path = write_lines("old.log", [{"ts": _stamp(i), "status": "ok"} for i in range(3)])
    rules = CheckRules(latency_p99=AlertRule(critical=100.0))
    now = T0 + timedelta(days=2)
    report = build_check(
        str(path), CheckOptions(window="1h", rules=rules, now=now, ingest=IngestOptions(since=T0 + timedelta(days=1)))
    )
    assert next(o for o in report.outcomes if o.rule == "no_data").severity.value == "critical"


# --- no time at all: python-json-logger's default format --------------------------------


def _json_logger(path: Path, fmt: str | None) -> None:
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter(fmt) if fmt else JsonFormatter())
    logger = logging.getLogger(f"svc-{path.name}")
    logger.propagate, logger.level = False, logging.INFO
    logger.addHandler(handler)
    for latency in (10, 20, 30):
        logger.info("inference", extra={"latency_ms": latency, "status": "ok"})
    handler.close()
    logger.removeHandler(handler)


def test_python_json_logger_without_asctime_names_the_format_and_the_field(runner, tmp_path):
    path = tmp_path / "pjl.log"
    _json_logger(path, None)
    assert "asctime" not in path.read_text()
    result = runner.invoke(app, ["report", str(path)])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "no usable records (3 missing timestamp)" in line and "%(asctime)s" in line and "--field ts=" in line
    assert "keys seen: latency_ms (3), message (3), status (3)" in line
    with pytest.raises(NoUsableRecordsError, match="asctime"):
        build_report(str(path))
    timed = tmp_path / "timed.log"
    _json_logger(timed, "%(asctime)s %(levelname)s %(message)s")
    assert build_report(str(timed)).overall.latency.count == 3


def test_loguru_keys_are_listed_under_record_extra(tmp_path):
    from loguru import logger

    path = tmp_path / "loguru.log"
    sink = logger.add(path, serialize=True)
    try:
        for value in (5.0, 7.0):
            logger.bind(response_t=value).info("inference")
    finally:
        logger.remove(sink)
    with pytest.raises(
        MissingFieldError, match=r"record\.extra\.response_t \(2\).*--field latency_ms=record\.extra\.response_t$"
    ):
        build_report(str(path), ReportOptions(p99_budget="1s"))
    mapped = build_report(
        str(path),
        ReportOptions(p99_budget="1s", ingest=IngestOptions(fields={"latency_ms": "record.extra.response_t"})),
    )
    assert mapped.overall.latency.p99_ms == pytest.approx(np.percentile([5.0, 7.0], 99))


# --- the census: a sample that adds up ----------------------------------------------------


def test_the_census_is_the_first_lines_of_each_file_however_the_file_is_cut(write_lines):
    lines = [
        {"ts": _stamp(i), "a": 1, **({"late": 1} if i >= 200 else {}), **({"b": "x"} if i % 2 else {})}
        for i in range(300)
    ]
    lines.insert(7, "not json")
    path = write_lines("big.log", lines)
    whole = reduce_logs([str(path)], IngestOptions(), OpsReducer())[1]
    cut = reduce_logs([str(path)], IngestOptions(chunk_bytes=1_000), OpsReducer())[1]
    assert whole.keys_seen == cut.keys_seen
    census = whole.keys_seen
    # by hand: the first 128 lines are 127 records (i = 0..126) and one text line
    assert census.lines == CENSUS_LINES == 128
    assert census.counts == {"ts": 127, "a": 127, "b": 63}
    assert census.kinds == {"ts": "s", "a": "n", "b": "s"}
    assert "late" not in census.counts and {"ts", "latency"} - whole.fields_found == {"latency"}


def test_merging_samples_is_associative_and_keeps_each_files_first_lines():
    def keys(n: int, key: str) -> tuple:
        return tuple(((key, "n"),) for _ in range(n))

    parts = [{"a": keys(100, "x")}, {"a": keys(50, "y"), "b": keys(3, "z")}, {"a": keys(10, "w")}]
    left = merge_samples(merge_samples(parts[0], parts[1]), parts[2])
    right = merge_samples(parts[0], merge_samples(parts[1], parts[2]))
    assert left == right
    assert census_of(left).counts == {"x": 100, "y": 28, "z": 3}


def test_a_census_keeps_a_bounded_set_of_keys_and_adds_up_in_any_order():
    many = [KeyCensus(1, {f"k{i}_{j}": 1 for j in range(300)}, {}) for i in range(4)]
    one = ((many[0] + many[1]) + many[2]) + many[3]
    other = many[0] + (many[1] + (many[2] + many[3]))
    assert one == other and len(one.counts) == CENSUS_KEYS and one.lines == 4


def test_sampled_lines_read_docker_wrappers_and_prefixes():
    inner = json.dumps({"ts": "2026-11-10T00:00:00Z", "took_ms": 3})
    data = (json.dumps({"log": inner + "\n", "stream": "stdout", "time": "2026-11-10T00:00:00Z"}) + "\n").encode()
    data += b'[pod/x/c] {"rt": 1, "nested": {"t_ms": 2}}\n'
    assert sample_keys(data, 2) == (
        (("ts", "s"), ("took_ms", "n")),
        (("rt", "n"), ("nested", "o"), ("nested.t_ms", "n")),
    )


def test_a_suggestion_skips_keys_mlmon_reads_and_values_of_another_kind():
    census = KeyCensus(
        3, {"timestamp": 3, "duration_txt": 3, "dur_ms": 3}, {"timestamp": "s", "duration_txt": "s", "dur_ms": "n"}
    )
    assert suggest_key(census, NEEDS["latency"]) == "dur_ms"
    assert field_option(NEEDS["latency"], "dur_ms") == "--field latency_ms=dur_ms"


def test_the_error_is_an_input_error():
    assert issubclass(MissingFieldError, InputError)


def test_a_summary_carries_what_its_logs_held(runner, response_t, tmp_path):
    """The fields found and the keys seen travel in a summary: a budget on it is refused
    as on the logs themselves."""
    summary = tmp_path / "app.summary.json"
    assert runner.invoke(app, ["summarize", str(response_t[0]), "-o", str(summary)]).exit_code == 0
    result = runner.invoke(app, ["report", str(summary), "--p99-budget", "100ms"])
    assert result.exit_code == 2
    assert (
        "keys seen: event (3), response_t (3), status (3), timestamp (3); map one with --field latency_ms=response_t"
        in _error_line(result)
    )


def test_keys_seen_say_when_they_are_a_sample(write_lines):
    long = write_lines("long.log", [{"ts": _stamp(i), "rt": 1, "status": "ok"} for i in range(200)])
    with pytest.raises(
        MissingFieldError,
        match=r"keys seen in the first 128 lines of each file: rt \(128\), status \(128\), ts \(128\);",
    ):
        build_report(str(long), ReportOptions(p99_budget="1s"))
    short = write_lines("short.log", ["", *[{"ts": _stamp(i), "rt": 1, "status": "ok"} for i in range(3)], ""])
    with pytest.raises(MissingFieldError, match=r"keys seen: rt \(3\), status \(3\), ts \(3\);"):
        build_report(str(short), ReportOptions(p99_budget="1s"))


def test_with_every_record_before_since_the_unjudged_rules_say_so(tmp_path):
    """Logs that stopped: the confidence rule is unknown because no record lies in the
    range, not because no prediction logs a confidence (issue 21 §2c, issue 22 §1)."""
    log = tmp_path / "app.log"
    start = datetime(2026, 11, 9, tzinfo=UTC)
    log.write_text(
        "".join(
            json.dumps(
                {
                    "ts": (start + timedelta(seconds=i)).isoformat(),
                    "event": "prediction",
                    "label": "A",
                    "confidence": 0.9,
                    "latency_ms": 5,
                }
            )
            + "\n"
            for i in range(300)
        )
    )
    report = build_check(
        str(log),
        CheckOptions(ingest=IngestOptions(since="2026-11-10T00:00:00Z", until="2026-11-10T06:00:00Z"), window="1h"),
    )
    assert report.drift.confidence.reason == "no record inside --since/--until (300 outside it)"
