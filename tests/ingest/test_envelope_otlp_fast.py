"""OTLP's fast path (mlmon/ingest/envelopes/_otlp_fast.py, issue 26): a clean chunk read in two
polars calls gives the records, times, levels, ``source.<key>`` values and physical lines
worked out in plain Python, and the same records and account as the line-by-line path;
every chunk it cannot read exactly is left to that path (None)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from mlmon.ingest.envelopes import _otlp_fast, otlp
from mlmon.ingest.fields import by_columns
from tests.ingest.envelope_reads import read_accounted
from tests.ingest.test_envelope_otlp_azure import T0, expected_record, log_record, logs_data, pairs, text_body

ENVELOPES = Path(__file__).parent / "envelopes"
COLUMNS = ("latency_ms", "level", "request_id", "status_code", "model_version", "label", "event", *by_columns(("pod",)))
SCHEMA = {
    "path": pl.String(),
    "event": pl.String(),
    "request_id": pl.String(),
    "latency_ms": pl.Float64(),
    "status_code": pl.Int64(),
    "model_version": pl.String(),
    "msg": pl.String(),
}
ESCAPED = 'say "hi"\nC:\\temp\\new \u00e9\ttab'


def _body(n: int, **extra) -> dict:
    return text_body({"event": "inference", "request_id": f"r-{n}", "latency_ms": n + 0.5, **extra})


def _lines(path: str = "/srv/model") -> list[str]:
    """Three LogsData lines: two resources and two scopes on one, severities as text and as
    numbers, a record with only its observed time (and one whose time is 0), attributes
    present and absent (one a key of the schema that no body holds; ``path``, text that may hold
    a backslash), a body with escapes, one spread over lines."""
    ns = (T0 + 1) * 10**9 + 123
    first = json.loads(
        logs_data(
            (
                {"k8s.pod.name": "pod-a", "replica": 1},
                [log_record(ns, _body(1), {"model_version": "1.4.0", "path": path})],
            ),
            ({"k8s.pod.name": "pod-b"}, [log_record(ns + 1, _body(2), severity="WARN")]),
        )
    )
    first["resourceLogs"][0]["scopeLogs"].append(
        {"scope": {"name": "t"}, "logRecords": [{**log_record(ns + 2, _body(3), severity=""), "severityNumber": 17}]}
    )
    observed = {"observedTimeUnixNano": str(ns + 3), "body": _body(4), "severityNumber": 6}
    zero = log_record(0, _body(5, msg=ESCAPED), {"status_code": 503, "ok": True, "ratio": 0.25})
    zero = {**zero, "timeUnixNano": "0", "observedTimeUnixNano": str(ns + 5)}
    second = logs_data(({"k8s.pod.name": "pod-a"}, [observed, zero]))
    pretty = {"stringValue": json.dumps({"event": "inference", "request_id": "r-6", "latency_ms": 6.5}, indent=1)}
    third = logs_data(({}, [log_record(ns + 6, pretty, {"http.route": "/predict"}, severity="Info")]))
    return [json.dumps(first), second, third]


def _chunk(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


@pytest.mark.parametrize("path", ["/srv/model", "C:\\srv\\new"])  # attributes decoded from text, or read as lists
def test_a_clean_chunk_gives_the_records_and_values_worked_out_in_python(path):
    lines = _lines(path)
    fast = _otlp_fast.read_fast(_chunk(lines), SCHEMA)
    assert fast is not None and fast.skipped == {} and fast.items == 6
    walked = [
        rec
        for line in lines
        for resource in json.loads(line)["resourceLogs"]
        for scope in resource["scopeLogs"]
        for rec in scope["logRecords"]
    ]
    records = [expected_record({"attributes": [], **rec}) for rec in walked]  # the plain-Python walk
    frame = fast.frame
    assert frame["_line"].to_list() == [1, 1, 1, 2, 2, 3]
    for key in SCHEMA:
        assert frame[key].to_list() == [record.get(key) for record in records], key
    assert frame["msg"][4] == ESCAPED and frame["status_code"][4] == 503 and frame["model_version"][0] == "1.4.0"
    assert frame["_prefix_ts"].dtype == pl.Datetime("ns", "UTC")  # given as a time, not text parsed again
    assert frame["_prefix_ts"].dt.to_string("%Y-%m-%dT%H:%M:%S%.9fZ").to_list() == [
        "2026-11-20T14:00:01.000000123Z",
        "2026-11-20T14:00:01.000000125Z",  # the first resource's second scope
        "2026-11-20T14:00:01.000000124Z",
        "2026-11-20T14:00:01.000000126Z",  # the observed time, where the record has none
        "2026-11-20T14:00:01.000000128Z",  # and where its time is 0
        "2026-11-20T14:00:01.000000129Z",
    ]
    assert frame["_given_level"].to_list() == ["info", "error", "warn", "debug", "info", "info"]
    assert frame["source.k8s.pod.name"].to_list() == ["pod-a", "pod-a", "pod-b", "pod-a", "pod-a", None]
    assert frame["source.replica"].to_list() == ["1", "1", None, None, None, None]
    slow = otlp.unwrap(_chunk(lines), "x")  # the line-by-line path's values: the same
    assert slow.lines.tolist() == frame["_line"].to_list()
    assert list(slow.given["ts"]) == frame["_prefix_ts"].dt.to_string("%Y-%m-%dT%H:%M:%S%.9fZ").to_list()
    columns = {"level": "_given_level", "source.k8s.pod.name": "", "source.replica": ""}
    for key, column in columns.items():
        assert list(slow.given[key]) == frame[column or key].to_list(), key


def test_the_schema_keeps_only_the_keys_the_records_hold():
    """Attributes are keys too; a key of the schema no record holds is no column, as when
    the records are decoded line by line."""
    lines = [logs_data(({}, [log_record(T0 * 10**9, _body(1), {"model_version": "1.5.0"})]))]
    fast = _otlp_fast.read_fast(_chunk(lines), {**SCHEMA, "label": pl.String()})
    assert fast is not None
    assert [name for name in fast.frame.columns if not name.startswith("_")] == [
        "event",
        "request_id",
        "latency_ms",
        "model_version",
    ]


def _variant(kind: str) -> str:
    """One LogsData line the fast path leaves to the line-by-line path."""
    good = log_record(T0 * 10**9, _body(1))
    bodies = {
        "kvlist body": {"kvlistValue": {"values": pairs({"event": "x"})}},
        "text body": {"stringValue": "Traceback (most recent call last):"},
        "no JSON": {"stringValue": "{not json}"},
        "no body": None,
        "wrong type": text_body({"latency_ms": "slow"}),
        "array body": {"arrayValue": {"values": []}},
    }
    if kind in bodies:
        return logs_data(({}, [good, log_record(T0 * 10**9, bodies[kind])]))
    attributes = {
        "nested attribute": {"extra": {"a": 1}},
        "listed attribute": {"tags": [1, 2]},
        "the body's key": {"latency_ms": 9.0},
        "object as text": {"note": "{looks like an object}"},
    }
    if kind in attributes:
        return logs_data(({}, [log_record(T0 * 10**9, _body(1), attributes[kind])]))
    damaged = {
        "resourceLogs not a list": {"resourceLogs": {"resource": {}}},
        "null record": {"resourceLogs": [{"scopeLogs": [{"logRecords": [good, None]}]}]},
        "record not an object": {"resourceLogs": [{"scopeLogs": [{"logRecords": ["text"]}]}]},
        "attributes not a list": {
            "resourceLogs": [{"scopeLogs": [{"logRecords": [{**good, "attributes": {"key": "b"}}]}]}]
        },
        "no LogsData": {"ts": "2026-11-20T14:00:00Z", "latency_ms": 7.0},
        "loguru record": {
            "resourceLogs": [{"scopeLogs": [{"logRecords": [log_record(T0 * 10**9, text_body({"record": {}}))]}]}]
        },
    }
    return json.dumps(damaged[kind])


KINDS = ["kvlist body", "text body", "no JSON", "no body", "wrong type", "array body", "nested attribute"]
KINDS += [
    "listed attribute",
    "the body's key",
    "object as text",
    "resourceLogs not a list",
    "null record",
]
KINDS += ["record not an object", "attributes not a list", "no LogsData", "loguru record", "blank line", "cut short"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_chunk_the_fast_path_cannot_read_exactly_takes_the_line_by_line_path(kind):
    clean = _lines()
    assert _otlp_fast.read_fast(_chunk(clean), {**SCHEMA, "record": pl.String()}) is not None
    if kind == "blank line":
        data = _chunk(clean[:1]) + b"\n" + _chunk(clean[1:])
    elif kind == "cut short":
        data = _chunk(clean) + clean[0][:50].encode()
    else:
        data = _chunk([*clean, _variant(kind)])
    assert _otlp_fast.read_fast(data, {**SCHEMA, "record": pl.String()}) is None


def _generated(tmp_path: Path) -> Path:
    """A file of 18 LogsData lines: :func:`_lines` six times."""
    path = tmp_path / "generated.jsonl"
    path.write_text("".join(line + "\n" for n in range(6) for line in _lines("C:\\new" if n % 2 else "/srv")))
    return path


@pytest.mark.parametrize(
    "name", ["generated", *sorted(p.name for p in (ENVELOPES / "otlp").glob("*.jsonl") if "unwrapped" not in p.name)]
)
def test_the_fast_path_gives_what_the_line_by_line_path_gives(tmp_path, monkeypatch, name):
    """Read with the fast path and with it turned off: the same records (with where each
    came from, by ``--by pod``), account, skipped items and problems; every chunk of the
    generated file takes the fast path."""
    path = _generated(tmp_path) if name == "generated" else ENVELOPES / "otlp" / name
    fast, fast_stats = read_accounted([path], COLUMNS, chunk_bytes=3_000)
    from mlmon.ingest import outcome

    taken: list[bool] = []
    real = outcome.read_fast
    monkeypatch.setattr(outcome, "read_fast", lambda *args: taken.append(real(*args) is not None))
    slow, slow_stats = read_accounted([path], COLUMNS, chunk_bytes=3_000)
    if name == "generated":
        assert taken and all(taken)
    else:  # a line with a kvlistValue body takes the line-by-line path, the other the fast path
        assert True in taken and False in taken
    assert fast.equals(slow) and fast.height == slow_stats.records
    assert "group" in fast.columns and fast["group"].null_count() < fast.height
    for field in ("records", "entries", "envelopes", "skipped", "lines_skipped", "examples"):
        assert getattr(fast_stats, field) == getattr(slow_stats, field), field
