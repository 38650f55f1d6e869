"""The field table of docs/log-format.md and the code cannot disagree (issue 21 §2a).

The *Log format* page's table is parsed here, independently of the code: every name it
documents must be read (a record holding that name, at the top level and in loguru's
``record.extra``, gives the canonical value, in the documented unit and priority order),
and every name the code reads must be documented.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlmon.ingest import IngestOptions, Needs, read_logs
from mlmon.ingest.fields import field_map
from tests import docs_text

T0 = datetime(2026, 11, 9, 12, tzinfo=UTC)
UNIT_MS = {"_ms": 1.0, "_us": 1e-3, "_ns": 1e-6, "_s": 1e3, "_sec": 1e3, "_seconds": 1e3, "": 1.0}
"""The page's suffixes and what a value in each is in milliseconds (the oracle)."""
NOT_FROM_EXTRA = {"ts", "event", "level"}
"""The page: loguru's record.extra is read for every field but these."""


def camel(name: str) -> str:
    """``response_time_ms`` -> ``responseTimeMs`` (written here, not imported)."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def readme_table() -> dict[str, list[str]]:
    """Canonical field -> the names documented for it, in order (camelCase spellings right
    after each name, loguru paths dotted, last), parsed from docs/log-format.md."""
    section = docs_text.section("Log format")
    lines = section.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| canonical | read from"))
    rows = []
    for line in lines[header + 2 :]:  # past the header and its |---| line, up to the table's end
        if not line.startswith("|"):
            break
        rows.append(line)
    table: dict[str, list[str]] = {}
    for row in rows:
        first, cell = (part.strip() for part in row.strip("|").split("|", 1))
        canonical = re.findall(r"`([^`]+)`", first)
        if not canonical:  # "input features": a row of its own kind
            table["features"] = [cell]
            continue
        names: list[str] = []
        for index, part in enumerate(cell.split("`")):
            if index % 2 == 0 and ":" in part:
                break  # prose after a colon describes values, not names
            if index % 2:
                names.append(part)
        table[canonical[0]] = _expanded(canonical[0], names)
    return table


def _expanded(field: str, names: list[str]) -> list[str]:
    if field == "latency_ms":  # every base times every suffix, "or none"
        bases = [name for name in names if not name.startswith("_")]
        suffixes = [name for name in names if name.startswith("_")] + [""]
        names = [base + suffix for base in bases for suffix in suffixes]
    plain = [name for name in names if not name.startswith("record.")]
    loguru = [name for name in names if name.startswith("record.")]
    return list(dict.fromkeys(spelling for name in plain for spelling in (name, camel(name)))) + loguru


def latency_unit(name: str) -> float:
    """Milliseconds per unit of a latency name, from the page's suffixes (longest first)."""
    snake = re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)
    return next(UNIT_MS[suffix] for suffix in sorted(UNIT_MS, key=len, reverse=True) if snake.endswith(suffix))


TABLE = readme_table()
FIELDS = [field for field in TABLE if field != "features"]


def code_table() -> dict[str, list[str]]:
    """Canonical field -> the names the code reads, dotted, in priority order."""
    fields = field_map(with_probabilities=True)
    table = {
        "ts": fields.timestamp,
        "event": fields.event,
        "level": fields.level,
        "latency_ms": tuple(path for path, _ in fields.latency),
        **fields.simple,
    }
    return {name: [".".join(path) for path in paths] for name, paths in table.items()}


# --- both ways -------------------------------------------------------------------------------


def test_the_readme_documents_every_canonical_field_the_code_reads():
    assert set(FIELDS) == set(code_table())


@pytest.mark.parametrize("field", FIELDS)
def test_every_name_read_is_documented_and_every_documented_name_is_read_in_order(field):
    assert code_table()[field] == TABLE[field]


def test_the_table_is_not_trivially_small():
    """The parse found the names the issue promises (a parser that found nothing would pass
    the comparisons above against an empty code table only if both were empty)."""
    for field, name in [
        ("latency_ms", "response_time"),
        ("latency_ms", "inference_time"),
        ("latency_ms", "elapsed_s"),
        ("latency_ms", "durationMs"),
        ("error", "error_type"),
        ("label", "prediction"),
        ("confidence", "score"),
    ]:
        assert name in TABLE[field], (field, name)
    assert len(TABLE["latency_ms"]) >= 5 * 5 * 2


# --- every documented name is read, with its value ------------------------------------------------


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def value_for(field: str, name: str, i: int):
    """What record ``i`` logs under ``name``, and the canonical value expected from it."""
    if field == "ts":
        return iso(i), T0 + timedelta(seconds=i)
    if field == "latency_ms":
        return i + 1, pytest.approx((i + 1) * latency_unit(name), rel=1e-12)
    if field == "level":
        return ["ERROR", "Warning", "info"][i % 3], ["error", "warning", "info"][i % 3]
    if field == "status":
        return "timeout", "timeout"
    if field == "status_code":
        return 500 + i % 99, 500 + i % 99
    if field == "error":
        return f"E{i}", "error"
    if field == "confidence":
        return (i + 1) / 1000, pytest.approx((i + 1) / 1000)
    if field in ("cpu_percent", "rss_mb"):
        return i + 0.5, i + 0.5
    if field == "probabilities":
        return {"A": 0.25, "B": 0.75}, [0.25, 0.75]
    return f"{field}-{i}", f"{field}-{i}"  # event, model, model_version, label


COLUMN = {"error": "error_kind"}


def nested(path: str, value) -> dict:
    record: dict = {}
    node = record
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return record


def merge(into: dict, other: dict) -> dict:
    for key, value in other.items():
        into[key] = (
            merge(into.get(key, {}), value) if isinstance(value, dict) and isinstance(into.get(key), dict) else value
        )
    return into


def read(tmp_path: Path, lines: list[dict], columns: tuple[str, ...]) -> list[dict]:
    path = tmp_path / "a.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    data = read_logs([str(path)], IngestOptions(), Needs(columns))
    assert data.stats.lines == len(lines) and data.stats.records == len(lines), data.stats.skipped
    return data.frame.collect().sort("ts").to_dicts()


def loguru_line(i: int, extra: dict) -> dict:
    epoch = (T0 + timedelta(seconds=i)).timestamp()
    return {
        "text": "x\n",
        "record": {"time": {"timestamp": epoch}, "message": "loguru", "level": {"name": "INFO"}, "extra": extra},
    }


@pytest.mark.parametrize("field", FIELDS)
def test_every_documented_name_is_read_at_the_top_level_and_in_loguru_extra(tmp_path, field):
    names = TABLE[field]
    column = COLUMN.get(field, field)
    lines, expected = [], []
    for i, name in enumerate(names):
        logged, want = value_for(field, name, i)
        line = nested(name, logged)
        if field != "ts" and not name.startswith("record."):
            line["ts"] = iso(i)
        if name.startswith("record."):  # loguru's own path: the rest of a loguru record
            line = merge(loguru_line(i, {}), line)
        lines.append(line)
        expected.append((name, want))
    if field not in NOT_FROM_EXTRA:
        for i, name in enumerate(names, start=len(names)):
            if not name.startswith("record."):
                logged, want = value_for(field, name, i)
                lines.append(loguru_line(i, {name: logged}))
                expected.append((f"record.extra.{name}", want))
    rows = read(tmp_path, lines, (column,))
    got = [(name, row[column]) for (name, _), row in zip(expected, rows)]
    assert got == expected


@pytest.mark.parametrize("field", [field for field in FIELDS if field != "error"])
def test_each_documented_name_wins_over_the_next_one(tmp_path, field):
    """Priority: of two documented names in one record, the one written first is read."""
    names = TABLE[field]
    column = COLUMN.get(field, field)
    lines, expected = [], []
    for i, (first, second) in enumerate(zip(names, names[1:])):
        logged, want = value_for(field, first, 2 * i)
        other, _ = value_for(field, second, 2 * i + 1)
        line = merge(nested(second, other), nested(first, logged))
        if field == "ts":
            expected.append(want)
        else:
            line["ts"] = iso(2 * i)
            expected.append(want)
        if any(name.startswith("record.") for name in (first, second)):
            line = merge(loguru_line(2 * i, {}), line)
        lines.append(line)
    if field == "ts":  # sorted by time: the first name's time orders the rows
        got = [row["ts"] for row in read(tmp_path, lines, ())]
        assert got == expected
        return
    got = [row[column] for row in read(tmp_path, lines, (column,))]
    assert got == expected


def test_loguru_extra_never_gives_the_time_event_or_level(tmp_path):
    extra = {"ts": iso(3600), "timestamp": iso(7200), "event": "bound", "level": "error", "latency_ms": 4}
    [row] = read(tmp_path, [loguru_line(0, extra)], ("event", "level", "latency_ms"))
    assert (row["ts"], row["event"], row["level"], row["latency_ms"]) == (T0, "loguru", "info", 4.0)


def test_a_top_level_name_wins_over_loguru_extra(tmp_path):
    line = loguru_line(0, {"latency_ms": 9, "label": "extra"}) | {"latency_ms": 2, "prediction": "top"}
    [row] = read(tmp_path, [line], ("latency_ms", "label"))
    assert (row["latency_ms"], row["label"]) == (2.0, "top")


# --- values of another shape ----------------------------------------------------------------------


def test_a_label_is_text_a_boolean_or_a_whole_number_and_nothing_else(tmp_path):
    logged = ["cat", 3, 1.0, True, "7", 0.73, "0.5", {"label": "cat"}, [0.1, 0.9], None]
    lines = [{"ts": iso(i), "prediction": value} for i, value in enumerate(logged)]
    path = tmp_path / "a.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    data = read_logs([str(path)], IngestOptions(), Needs(("label",)))
    labels = data.frame.collect().sort("ts")["label"].to_list()
    assert labels == ["cat", "3", "1", "true", "7", None, None, None, None, None]  # JSON 1.0 is the class 1
    assert data.stats.skipped == {"wrong type: label": 4}  # 0.73, "0.5", the object, the array
    assert data.stats.records == len(logged)


def test_a_regressor_logging_numeric_predictions_gets_a_report_not_a_crash(tmp_path):
    from mlmon import build_report

    lines = [{"ts": iso(i), "prediction": 100.0 + (i + 0.5) / 7, "latency_ms": 5.0} for i in range(50)]
    path = tmp_path / "a.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report = build_report([str(path)])
    assert report.overall.errors.requests == report.overall.latency.count == 50
    assert report.overall.predictions is None or report.overall.predictions.count == 0
    assert report.ingest.skipped == {"wrong type: label": 50}
    assert report.ingest.records == 50


def test_an_object_under_score_is_a_wrong_type_not_a_confidence(tmp_path):
    lines = [{"ts": iso(0), "score": {"A": 0.9}}, {"ts": iso(1), "score": 0.8}, {"ts": iso(2), "score": 3.5}]
    path = tmp_path / "a.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    data = read_logs([str(path)], IngestOptions(), Needs(("confidence",)))
    assert data.frame.collect().sort("ts")["confidence"].to_list() == [None, 0.8, None]
    assert data.stats.skipped == {"wrong type: confidence": 1, "impossible value: confidence": 1}


def test_an_error_field_holding_null_does_not_hide_the_next_one(tmp_path):
    lines = [
        {"ts": iso(0), "error": None, "exc_info": "Traceback"},
        {"ts": iso(1), "error": False, "exception": "boom"},
        {"ts": iso(2), "error": "", "err": 0},
        {"ts": iso(3), "error_message": "None"},
    ]
    rows = read(tmp_path, lines, ("error_kind",))
    assert [row["error_kind"] for row in rows] == ["error", "error", None, None]


# --- a name is read wherever it first appears -----------------------------------------------------

LATE_FORMS = {
    "plain": '{"ts": "%s", "responseTimeMs": 7}',
    "no spaces": '{"ts":"%s","responseTimeMs":7}',
    "spaces before the colon": '{"ts": "%s", "responseTimeMs"  :\t7}',
    "Docker json-file": (
        '{"log": "{\\"ts\\": \\"%s\\", \\"responseTimeMs\\": 7}\\n", "stream": "stdout", '
        '"time": "2026-11-09T12:00:00Z"}'
    ),
    "loguru record.extra": (
        '{"text": "x", "record": {"time": {"timestamp": 1794225600}, "message": "m", '
        '"level": {"name": "INFO"}, "extra": {"responseTimeMs": 7, "t": "%s"}}}'
    ),
    "after a prefix": '[pod/api/app] 2026-11-09T12:00:00Z {"ts": "%s", "responseTimeMs": 7}',
}


@pytest.mark.parametrize("chunk_bytes", [None, 32 << 10])
@pytest.mark.parametrize("form", LATE_FORMS)
def test_a_name_first_written_deep_into_a_file_is_read(tmp_path, form, chunk_bytes):
    """Each chunk is read with the candidate names it holds as keys (decode.present_keys):
    one that first appears past the first 64 KiB of a chunk, or in a later chunk, in any
    way a writer puts a key, must be found. 3,000 records of ~75 bytes, then the late one."""
    early = [json.dumps({"ts": iso(i % 3600), "latency_ms": 1.0, "status": "error"}) for i in range(3_000)]
    late = LATE_FORMS[form] % iso(3_601)
    path = tmp_path / "a.log"
    path.write_text("\n".join([*early, late, *early[:10]]) + "\n", encoding="utf-8")
    options = IngestOptions(chunk_bytes=chunk_bytes) if chunk_bytes else IngestOptions()
    data = read_logs([str(path)], options, Needs(("latency_ms",)))
    assert data.stats.records == 3_011 and data.stats.skipped == {}
    latencies = data.frame.collect()["latency_ms"].to_list()
    assert latencies.count(7.0) == 1 and latencies.count(1.0) == 3_010


@pytest.mark.parametrize(
    ("override", "expected_ms"),
    [("latency_ns", 2.5e-6), ("latency_us", 2.5e-3), ("latency_ms", 2.5), ("latency_s", 2500.0)],
)
def test_field_names_the_unit_of_any_key(tmp_path, override, expected_ms):
    """``--field latency_<unit>=path`` for every unit the page's Latency units note names."""
    path = tmp_path / "a.log"
    path.write_text(json.dumps({"ts": iso(0), "timings": {"total": 2.5}, "latency_ms": 99}) + "\n", encoding="utf-8")
    data = read_logs([str(path)], IngestOptions(fields={override: "timings.total"}), Needs(("latency_ms",)))
    assert data.frame.collect()["latency_ms"].to_list() == [pytest.approx(expected_ms, rel=1e-12)]
