"""Issue 21 §2c, what decides that a field is missing: the whole read, never the sample.

The census of keys (the first 128 lines of each file, at most 512 keys, loguru's keys under
``record.extra.``) is what an error *shows*; whether the logs carry a field, input
features among them, is decided by what the read found in every line
(``IngestStats.fields_found``). So logs whose inputs start at line 500, sit in loguru's
``record.extra``, or hide behind the census's bound on keys are never refused as
"nothing to compare". Also here: a chunk after a file's first one is not sampled when the
first held the whole sample (same census), one pass per piece finds the keys of a chunk,
and a problem counts towards a field only under its own exact reason.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon.analyses.ops import OpsReducer
from mlmon.api.check import CheckOptions, build_check
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.cli import app
from mlmon.errors import MissingFieldError
from mlmon.ingest.census import census_of, merge_samples, sample_keys
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.fields import default_field_map
from mlmon.ingest.keys import present_keys
from mlmon.ingest.names import LATENCY_SUFFIXES, default_keys, unit_of
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.outcome import ChunkPlan, Hints, process_chunk
from mlmon.ingest.problems import CENSUS_KEYS, CENSUS_LINES, IngestStats, Problem
from mlmon.verdicts.needs import require_errors_visible, require_field

T0 = datetime(2026, 11, 10, tzinfo=UTC)
NOTHING = "drift has nothing to compare (no input features either)"


def _stamp(i: int) -> str:
    return (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def classes_only(tmp_path) -> Path:
    """Training data with a label and no feature: a reference with class shares that
    judges no input (so only the read can say whether the logs carry inputs)."""
    path = tmp_path / "classes.csv"
    path.write_text("label\n" + "".join(f"{'A' if i % 2 else 'B'}\n" for i in range(100)))
    return path


def _error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("mlmon: error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_inputs_that_start_at_line_500_are_inputs(runner, write_lines, classes_only):
    """No label; a features object from line 500 only (the census saw lines 1-128)."""
    lines = [
        {"ts": _stamp(i), "klass": "A", **({"features": {"iso": 100 + i}} if i >= 499 else {})} for i in range(600)
    ]
    path = write_lines("late.log", lines)
    report = build_drift_report(str(path), DriftOptions(reference=str(classes_only)))
    assert "features" in report.ingest.fields_found and "features" not in report.ingest.keys_seen.counts
    assert report.prediction.reason.startswith(
        "no record carries a label; keys seen in the first 128 lines of each file: klass (128), ts (128)"
    )
    result = runner.invoke(app, ["drift", "-r", str(classes_only), str(path)])
    assert result.exit_code == 0, result.output
    assert "prediction drift not computed: no record carries a label" in " ".join(result.output.split())
    # the control: the same logs without any input are refused, naming the key to map
    bare = write_lines("bare.log", [{"ts": _stamp(i), "klass": "A"} for i in range(600)])
    refused = runner.invoke(app, ["drift", "-r", str(classes_only), str(bare)])
    assert (
        refused.exit_code == 2
        and NOTHING in _error_line(refused)
        and _error_line(refused).endswith("--field label=klass")
    )


def test_a_summary_says_whether_its_logs_carry_inputs(runner, write_lines, tmp_path, classes_only):
    late = write_lines(
        "late.log", [{"ts": _stamp(i), **({"features": {"iso": 1}} if i >= 299 else {})} for i in range(300)]
    )
    bare = write_lines("bare.log", [{"ts": _stamp(i), "klass": "A"} for i in range(300)])
    for logs, code in ((late, 0), (bare, 2)):
        summary = tmp_path / f"{logs.stem}.summary.json"
        assert runner.invoke(app, ["summarize", str(logs), "-o", str(summary)]).exit_code == 0
        result = runner.invoke(app, ["drift", "-r", str(classes_only), str(summary)])
        assert result.exit_code == code, result.output


def test_loguru_inputs_under_record_extra_are_inputs(runner, tmp_path, classes_only):
    """loguru's serialize=True shape, written by hand: the features sit in record.extra."""
    path = tmp_path / "loguru.log"
    lines = []
    for i in range(5):
        when = T0 + timedelta(minutes=i)
        record = {
            "time": {"repr": str(when), "timestamp": when.timestamp()},
            "message": "inference",
            "level": {"name": "INFO", "no": 20},
            "extra": {"features": {"iso": 100 + i}, "latency_ms": 3},
        }
        lines.append(json.dumps({"text": f"{when} | INFO | inference\n", "record": record}))
    path.write_text("\n".join(lines) + "\n")
    report = build_drift_report(str(path), DriftOptions(reference=str(classes_only)))
    assert "features" in report.ingest.fields_found
    assert (
        "record.extra.features" in report.ingest.keys_seen.counts and "features" not in report.ingest.keys_seen.counts
    )
    assert runner.invoke(app, ["drift", "-r", str(classes_only), str(path)]).exit_code == 0


def test_inputs_logged_by_loguru_itself_are_inputs(runner, tmp_path, classes_only):
    from loguru import logger

    path = tmp_path / "loguru.log"
    sink = logger.add(path, serialize=True)
    try:
        for value in (0.4, 0.5, 0.6):
            logger.bind(features={"brightness": value}).info("inference")
    finally:
        logger.remove(sink)
    report = build_drift_report(str(path), DriftOptions(reference=str(classes_only)))
    assert "features" in report.ingest.fields_found and report.prediction.reason.startswith("no record carries a label")
    empty = tmp_path / "plain.log"
    sink = logger.add(empty, serialize=True)
    try:
        logger.bind(latency_ms=3).info("inference")
    finally:
        logger.remove(sink)
    with pytest.raises(MissingFieldError, match=NOTHING.replace("(", r"\(").replace(")", r"\)")):
        build_drift_report(str(empty), DriftOptions(reference=str(classes_only)))


def test_fields_named_by_features_are_inputs(runner, write_lines, classes_only):
    path = write_lines("flat.log", [{"ts": _stamp(i), "iso": 100 + i} for i in range(5)])
    assert runner.invoke(app, ["drift", "-r", str(classes_only), str(path)]).exit_code == 2
    named = runner.invoke(app, ["drift", "-r", str(classes_only), str(path), "--features", "iso"])
    assert named.exit_code == 0, named.output


def test_inputs_past_the_census_bound_on_keys_are_inputs(write_lines, classes_only):
    """600 other keys, each with a CRC-32 below that of ``features``, fill the census's
    512 places (it keeps the smallest CRCs): ``features`` is not among the keys seen."""
    limit = zlib.crc32(b"features")
    keys = [key for key in (f"k{i}" for i in range(20_000)) if zlib.crc32(key.encode()) < limit][:600]
    assert len(keys) == 600
    lines = [
        {"ts": _stamp(i), **{key: 1 for key in keys[i * 60 : (i + 1) * 60]}, "features": {"iso": 1}} for i in range(10)
    ]
    path = write_lines("wide.log", lines)
    report = build_drift_report(str(path), DriftOptions(reference=str(classes_only)))
    assert len(report.ingest.keys_seen.counts) == CENSUS_KEYS and "features" not in report.ingest.keys_seen.counts
    assert "features" in report.ingest.fields_found


def test_check_says_there_are_no_predictions_and_which_field_is_missing(write_lines, classes_only):
    """A reference with class shares and logs without a label: prediction drift in check
    reads unknown, "no predictions in the logs (no record carries a label; ...)"; without
    a reference it says why not, unwrapped."""
    path = write_lines("inputs.log", [{"ts": _stamp(i), "klass": "A", "features": {"iso": i}} for i in range(5)])
    outcome = next(
        o
        for o in build_check(str(path), CheckOptions(reference=str(classes_only), window="all")).outcomes
        if o.rule == "prediction_drift"
    )
    assert outcome.severity.value == "unknown"
    assert outcome.message.endswith(
        "no predictions in the logs (no record carries a label; keys seen: features (5), klass (5), ts (5); "
        "map one with --field label=klass)"
    )
    bare = next(o for o in build_check(str(path), CheckOptions(window="all")).outcomes if o.rule == "prediction_drift")
    assert bare.severity.value == "unknown" and "no predictions in the logs (" not in bare.message


# --- the census sample, taken once per file ------------------------------------------------


def _chunk(first: int, count: int, starts_file: bool, at_eof: bool) -> Chunk:
    lines = [json.dumps({"ts": _stamp(i), "k" + str(i % 3): i}) for i in range(first, first + count)]
    return Chunk("f.log", ("\n".join(lines) + "\n").encode(), at_eof=at_eof, starts_file=starts_file)


def test_a_chunk_after_a_full_first_one_is_not_sampled_and_the_census_is_the_same():
    plan = ChunkPlan.of(OpsReducer(), IngestOptions())
    first, later = _chunk(0, 200, True, False), _chunk(200, 50, False, True)
    hints = Hints()
    shared = [process_chunk(plan, first, hints), process_chunk(plan, later, hints)]
    alone = [process_chunk(plan, first), process_chunk(plan, later)]  # no hints: every chunk sampled
    assert shared[1].samples == {} and len(alone[1].samples["f.log"]) == 50
    merged = [merge_samples(a.samples, b.samples) for a, b in (shared, alone)]
    assert merged[0] == merged[1] and len(merged[0]["f.log"]) == CENSUS_LINES
    # hand count of the first 128 lines: ts in all, k0 in 43 (i = 0, 3, ..., 126), k1 and k2 in 43 and 42
    assert census_of(merged[0]).counts == {"ts": 128, "k0": 43, "k1": 43, "k2": 42}


def test_a_short_first_chunk_leaves_the_next_ones_sampled():
    plan = ChunkPlan.of(OpsReducer(), IngestOptions())
    hints = Hints()
    outcomes = [
        process_chunk(plan, _chunk(0, 100, True, False), hints),
        process_chunk(plan, _chunk(100, 100, False, True), hints),
    ]
    merged = merge_samples(outcomes[0].samples, outcomes[1].samples)
    whole = sample_keys(_chunk(0, 200, True, True).data, 200)
    assert merged["f.log"] == whole and len(whole) == CENSUS_LINES


# --- the keys of a chunk ---------------------------------------------------------------------


def test_present_keys_finds_keys_in_every_piece_and_nothing_else():
    head = b'{"ts": 1, "latency_ms": 2, "note": "status"}\n' * 30_000  # over 1 MiB: two pieces at least
    tail = b'{"log": "{\\"status_code\\":500}\\n", "stream": "stdout", "time": "x"}\n'
    keys = ["ts", "latency_ms", "status", "status_code", "log", "stream", "time", "error"]
    assert len(head) > 1 << 20
    assert present_keys(head + tail, keys) == frozenset({"ts", "latency_ms", "status_code", "log", "stream", "time"})
    assert present_keys(b"", keys) == frozenset()


# --- one table of names, one of units -------------------------------------------------------


def test_the_keys_read_without_a_field_are_the_field_maps():
    assert default_keys() == {".".join(path) for path in default_field_map().all_paths()}


def test_every_latency_suffix_read_names_its_unit_in_the_one_table():
    for suffix, unit in LATENCY_SUFFIXES:
        if suffix:
            assert unit_of(suffix.removeprefix("_")) == unit
    assert (unit_of("secs"), unit_of("millis"), unit_of("nanos"), unit_of("fortnights")) == ("s", "ms", "ns", None)


# --- a problem counts towards its own field only --------------------------------------------


def _stats(fields: set[str], skipped: dict[str, int], examples: tuple[Problem, ...] = ()) -> IngestStats:
    return IngestStats(("a.log",), (), 10, 4, 0, skipped, examples, fields_found=frozenset(fields))


def test_a_status_code_problem_is_not_a_status_problem():
    """``status`` is in lines that were skipped; status codes of the wrong type are another
    field's problem (the old substring match listed them)."""
    stats = _stats(
        {"status"},
        {"missing timestamp": 6, "wrong type: status_code": 2},
        (Problem("a.log", 3, "wrong type: status_code"),),
    )
    with pytest.raises(MissingFieldError) as caught:
        require_errors_visible(stats, 0)
    message = str(caught.value)
    assert "no record kept has a usable status value (it is only in lines that were skipped)" in message
    assert "status_code" not in message


def test_only_the_fields_own_reasons_explain_it():
    skipped = {"wrong type: label": 3, "wrong type: feature label_source": 2, "impossible value: latency_ms": 1}
    examples = (Problem("a.log", 2, "wrong type: feature label_source"), Problem("a.log", 5, "wrong type: label"))
    with pytest.raises(MissingFieldError) as caught:
        require_field(_stats({"label"}, skipped, examples), "label", "prediction_drift", "prediction drift", 0)
    assert str(caught.value).endswith(
        "no record kept has a usable label value (3 wrong type: label, first: a.log:5: wrong type: label)"
    )
    with pytest.raises(MissingFieldError) as latency:
        require_field(_stats({"latency"}, skipped), "latency", "latency_p99", "the p99 budget", 0)
    assert str(latency.value).endswith("(1 impossible value: latency_ms)")
