"""The OpenTelemetry (OTLP JSON file export) and Azure Monitor resource log envelopes (issue 26;
fixtures in tests/ingest/envelopes/otlp, azure, damaged): each told from its first bytes and
no other log taken for it; OTLP attributes of every kind as record fields (the body's keys
winning), times, levels and where each record came from, checked against a plain-Python
walk of the documents written here; damaged shapes counted on their line, never raised;
--envelope forced; the account (entries = records + skipped + outside the time range)."""

from __future__ import annotations

import gzip
import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from mlmon.errors import NoUsableRecordsError
from mlmon.ingest.envelopes import azure, envelope_for, otlp
from mlmon.ingest.envelopes._jsonlines import MANGLED
from tests.conftest import SAMPLE_LOGS
from tests.ingest.envelope_reads import problems, read_accounted

ENVELOPES = Path(__file__).parent / "envelopes"
COLUMNS = ("latency_ms", "level", "request_id", "status_code", "model_version", "label", "event")
T0 = 1795183200  # 2026-11-20T14:00:00Z
RESOURCE = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.WEB/SITES/IMGCLS"


def read(path: Path, **options):
    return read_accounted([path], COLUMNS, **options)


def value(v: object) -> dict:
    """An OTLP AnyValue, as the OTLP JSON encoding writes it."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": pairs(v)}}
    if isinstance(v, list):
        return {"arrayValue": {"values": [value(x) for x in v]}}
    return {"stringValue": v}


def pairs(values: dict) -> list[dict]:
    return [{"key": k, "value": value(v)} for k, v in values.items()]


def log_record(ns: int, body: dict | None, attributes: dict | None = None, severity: str = "INFO", **extra) -> dict:
    out = {"timeUnixNano": str(ns), "observedTimeUnixNano": str(ns + 412), "severityText": severity, "traceId": ""}
    if body is not None:
        out["body"] = body
    return {**out, "attributes": pairs(attributes or {}), **extra}


def logs_data(*resources: tuple[dict, list[dict]]) -> str:
    return json.dumps(
        {
            "resourceLogs": [
                {"resource": {"attributes": pairs(attrs)}, "scopeLogs": [{"scope": {"name": "s"}, "logRecords": recs}]}
                for attrs, recs in resources
            ]
        }
    )


def text_body(record: dict) -> dict:
    return {"stringValue": json.dumps(record)}


# --- detection -------------------------------------------------------------------------------


def fixture_files() -> list[tuple[Path, str]]:
    """Every fixture file and the envelope (key) auto must choose for it."""
    found = []
    for expected_path in sorted(ENVELOPES.rglob("*.expected.json")):
        expected = json.loads(expected_path.read_text())
        fixture = ENVELOPES / expected["fixture"]
        for file in expected["files"]:
            path = fixture / file["path"] if fixture.is_dir() else fixture
            found.append((path, file["envelope"]))
    return found


def head(path: Path) -> bytes:
    data = path.read_bytes()
    return (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)[:8192]


@pytest.mark.parametrize(("path", "envelope"), fixture_files(), ids=lambda x: str(x)[-40:])
def test_each_detector_takes_its_own_fixtures_and_no_other(path, envelope):
    first = head(path)
    assert otlp.detect(first) == (envelope == "otlp")
    assert azure.detect_lines(first) == (path.name == "PT1H.json" and path.parent.name == "jsonlines")
    assert azure.detect_records(first) == (path.name == "PT1H.json" and path.parent.name == "records")
    if envelope in ("otlp", "azure"):
        assert envelope_for(first).name == envelope


def test_plain_logs_and_a_head_cut_mid_line_are_told_apart():
    plain = sorted(p for p in SAMPLE_LOGS.rglob("*") if p.is_file() and p.suffix in (".log", ".jsonl", ".gz"))
    assert plain
    for path in plain:
        first = head(path)
        assert not otlp.detect(first) and not azure.detect_lines(first) and not azure.detect_records(first), path
    line = logs_data(({"service.name": "x"}, [log_record(T0 * 10**9, text_body({"a": 1}))] * 200))
    assert len(line) > 8192 and otlp.detect(line.encode()[:8192])  # one LogsData line is often longer than the head
    assert not otlp.detect(b'{"event": "x", "resourceLogs": []}')  # an app's own key, not the exporter's line
    assert not azure.detect_lines(b'{"time": "2026-11-20T15:00:00Z", "category": "x", "level": "info"}')
    assert not azure.detect_records(b'{"records": [{"recordId": "1", "data": "eyJ9"}]}')  # a Firehose event


# --- OTLP ------------------------------------------------------------------------------------


def expected_record(rec: dict) -> dict | None:
    """The record a LogRecord holds, walked in plain Python: the body's object, the
    attributes added where the body has no such key; None: skipped (not JSON)."""

    def plain(v: dict) -> object:
        if "kvlistValue" in v:
            return {p["key"]: plain(p["value"]) for p in v["kvlistValue"]["values"]}
        if "arrayValue" in v:
            return [plain(x) for x in v["arrayValue"]["values"]]
        if "intValue" in v:
            return int(v["intValue"])
        return next(iter(v.values()))

    attributes = {p["key"]: plain(p["value"]) for p in rec["attributes"]}
    body = rec.get("body")
    if body is None:
        return attributes or None
    if "stringValue" in body:
        try:
            inner = json.loads(body["stringValue"])
        except ValueError:
            return None
    elif "kvlistValue" in body:
        inner = plain(body)
    else:
        return None
    return {**attributes, **inner} if isinstance(inner, dict) else None


def random_document(rng: random.Random, n: int) -> tuple[str, list[tuple[int, dict | None, dict]]]:
    """A LogsData line of random records; each record's line, expected record and given values."""
    scalars = [lambda: rng.choice(["a", 'q"uo\\te', "é", "", "tab\there"]), lambda: rng.randint(-5, 10**12)]
    scalars += [lambda: rng.choice([0.5, 3.0, -1e-7]), lambda: rng.random() < 0.5]
    kinds = scalars + [lambda: {"k": rng.randint(0, 9), "n": {"deep": "x"}}, lambda: [1, "two", {"three": 3.0}]]
    resources, expected = [], []
    for r in range(rng.randint(1, 3)):
        pod = {"k8s.pod.name": f"pod-{r}", "replica": r}
        records = []
        for _ in range(rng.randint(1, 4)):
            n += 1
            attributes = {f"a{i}": rng.choice(kinds)() for i in range(rng.randint(0, 4))}
            if rng.random() < 0.3:
                attributes["latency_ms"] = 999.0  # the body's own key: the body wins
            own = {"event": "inference", "request_id": f"r-{n}", "latency_ms": float(n), "note": "a0"}
            own["msg"] = rng.choice(["plain", 'say "hi"\nbye', "é"] + ["plain"] * 6)
            body = rng.choice([text_body(own), value(own), {"stringValue": "plain text"}, {"intValue": "5"}, None])
            rec = log_record((T0 + n) * 10**9 + n, body, attributes, severity=rng.choice(["INFO", "Warn", ""]))
            records.append(rec)
            given = {"ts": f"2026-11-20T14:{n // 60:02d}:{n % 60:02d}.{n:09d}Z", "source.replica": str(r)}
            given["level"] = rec["severityText"].lower() or None
            expected.append((n, expected_record(rec), given | {"source.k8s.pod.name": f"pod-{r}"}))
        resources.append((pod, records))
    return logs_data(*resources), expected


def test_random_documents_unwrap_as_a_plain_python_walk_does():
    rng = random.Random(26)
    lines, expected, n = [], [], 0
    for line in range(1, 40):
        text, wanted = random_document(rng, n)
        n = wanted[-1][0]
        lines.append(text)
        expected += [(line, *rest) for _, *rest in wanted]
    mangled = [bool(re.search(MANGLED, line)) for line in lines]
    assert 0 < sum(mangled) < len(lines)  # both paths: lines polars writes back right, and the others
    out = otlp.unwrap(("\n".join(lines) + "\n").encode(), "x.jsonl")
    kept = [(line, rec, given) for line, rec, given in expected if rec is not None]
    assert out.items == len(expected) and out.lines.tolist() == [line for line, _, _ in kept]
    got = [json.loads(text) for text in out.data.decode().splitlines()]
    assert got == [rec for _, rec, _ in kept]
    for key in ("ts", "level", "source.k8s.pod.name", "source.replica"):
        assert list(out.given[key]) == [given[key] for _, _, given in kept], key
    skipped = [line for line, rec, _ in expected if rec is None]
    assert out.skipped == ({"not JSON (otlp body)": skipped} if skipped else {})


def test_the_time_is_the_records_in_nanoseconds_else_the_observed_time():
    ns = 1795183200123456789
    assert datetime.fromtimestamp(ns // 10**9, UTC) == datetime(2026, 11, 20, 14, 0, 0, tzinfo=UTC)
    records = [
        log_record(ns, text_body({"event": "a"})),
        {**log_record(0, text_body({"event": "b"})), "observedTimeUnixNano": str(ns + 1)},
        {"observedTimeUnixNano": str(ns + 2), "body": text_body({"event": "c"}), "severityNumber": 17},
        {"timeUnixNano": 1795183201000000000, "body": text_body({"event": "d"}), "severityNumber": 6},
    ]
    out = otlp.unwrap((logs_data(({}, records)) + "\n").encode(), "x")
    assert list(out.given["ts"]) == [
        "2026-11-20T14:00:00.123456789Z",
        "2026-11-20T14:00:00.123456790Z",
        "2026-11-20T14:00:00.123456791Z",
        "2026-11-20T14:00:01.000000000Z",  # a number where the encoding says a string
    ]
    assert list(out.given["level"]) == ["info", "info", "error", "debug"]  # severityNumber 17-20, 5-8


def test_damaged_documents_are_counted_on_their_line_and_the_rest_read(tmp_path):
    good = log_record(T0 * 10**9, text_body({"event": "inference", "latency_ms": 1.0}))
    bad_records = {"resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": ["text", None, good]}]}]}
    lines = [
        json.dumps({"resourceLogs": {"resource": {}}}),  # resourceLogs not a list
        json.dumps({"resourceLogs": [{"scopeLogs": {"logRecords": []}}, 7, {"scopeLogs": [{"logRecords": [good]}]}]}),
        json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": {"a": 1}}]}]}),
        json.dumps(bad_records),
        logs_data(({}, [log_record(T0 * 10**9, {"arrayValue": {"values": []}}), log_record(T0 * 10**9, None)])),
        '{"resourceLogs": [{"scopeLogs": [{"logRecords": [',  # cut short
        json.dumps({"resourceLogs": [], "note": "empty"}),
        json.dumps({"ts": "2026-11-20T14:00:00Z", "latency_ms": 7.0}),  # a plain record: passed on
        json.dumps({"ts": "2026-11-20T14:00:00Z", "latency_ms": 8.0, "x": {"resourceLogs": 1}}),  # passed on too
    ]
    path = tmp_path / "logs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    frame, stats = read(path)
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 1.0, 7.0, 8.0]
    assert stats.envelopes[str(path)].items == 13 and stats.records == 4
    where = {
        (1, "malformed envelope (otlp resourceLogs is not a list)"),
        (2, "malformed envelope (otlp resourceLogs entry is not an object)"),
        (2, "malformed envelope (otlp scopeLogs is not a list)"),
        (3, "malformed envelope (otlp logRecords is not a list)"),
        (4, "malformed envelope (otlp logRecord is not an object)"),
        (5, "not JSON (otlp body)"),
        (6, "malformed JSON"),
    }
    assert set(problems(stats)) <= where and len(set(problems(stats))) >= 5  # the first examples, in line order
    assert stats.lines_skipped == {reason: 1 for _, reason in where} | {
        "malformed envelope (otlp logRecord is not an object)": 2,
        "not JSON (otlp body)": 2,
    }


def test_attributes_of_the_wrong_type_never_lose_the_record():
    body = text_body({"event": "inference", "latency_ms": 2.0})
    records = [
        {**log_record(T0 * 10**9, body), "attributes": [{"key": "a", "value": {"stringValue": {"x": 1}}}]},
        {**log_record(T0 * 10**9, body), "attributes": {"key": "b"}},  # not a list: no attributes
        log_record(T0 * 10**9, body, {"c": 3}),
    ]
    out = otlp.unwrap((logs_data(({}, records)) + "\n").encode(), "x")
    got = [json.loads(line) for line in out.data.decode().splitlines()]
    assert json.loads(got[0].pop("a")) == {"x": 1}  # an object where text belongs: kept as its text
    assert got == [
        {"event": "inference", "latency_ms": 2.0},
        {"event": "inference", "latency_ms": 2.0},
        {"event": "inference", "latency_ms": 2.0, "c": 3},
    ]


def test_the_otlp_fixture_read_in_small_chunks_and_compressed_gives_the_same_records(tmp_path):
    fixture = ENVELOPES / "otlp" / "logs.jsonl"
    whole, stats = read(fixture)
    for chunk_bytes in (500, 3000):
        frame, cut = read(fixture, chunk_bytes=chunk_bytes)
        assert frame.equals(whole) and cut.envelopes == stats.envelopes
    gz = tmp_path / "logs.jsonl.gz"
    gz.write_bytes(gzip.compress(fixture.read_bytes(), mtime=0))
    frame, _ = read(gz)
    assert frame.drop("source", strict=False).equals(whole.drop("source", strict=False))


# --- Azure -----------------------------------------------------------------------------------


def azure_record(n: int, properties: object, **fields) -> dict:
    return {
        "time": f"2026-11-20T15:00:{n:02d}.1234567Z",
        "resourceId": RESOURCE,
        "category": "AppServiceConsoleLogs",
        "operationName": "Microsoft.Web/sites/log",
        "level": "Informational",
        "properties": properties,
        **fields,
    }


LEVELS = [("Informational", "info"), ("Warning", "warning"), ("Error", "error"), ("Critical", "critical")]
LEVELS += [("Verbose", "debug")]


@pytest.mark.parametrize("shape", ["jsonlines", "records"])
def test_azure_levels_ids_statuses_and_where_from(tmp_path, shape):
    request = {"event": "inference", "latency_ms": 5.0, "status": "ok"}
    records = [azure_record(n, request, level=level, correlationId=f"c-{n}") for n, (level, _) in enumerate(LEVELS)]
    records[0]["resultSignature"] = "429"
    records[1]["resultSignature"] = "Succeeded"  # not a status
    records[2]["properties"] = json.dumps({**request, "request_id": "own", "status_code": 200})  # text holding JSON
    records[3]["properties"] = {"event": "prediction", "label": "A"}
    records[3]["resultSignature"] = "500"  # not a request: no status
    path = tmp_path / "PT1H.json"
    text = "\n".join(json.dumps(r) for r in records) + "\n"
    path.write_text(text if shape == "jsonlines" else '{"records": [\n' + text.replace("}\n{", "},\n{") + "]}\n")
    frame, stats = read(path)
    assert stats.envelopes[str(path)].envelope == "azure" and stats.records == 5 and not stats.examples
    assert frame["level"].to_list() == [mlmon for _, mlmon in LEVELS]
    assert frame["request_id"].to_list() == ["c-0", "c-1", "own", "c-3", "c-4"]
    assert frame["status_code"].to_list() == [429, None, 200, None, None]
    assert frame["ts"][0] == datetime(2026, 11, 20, 15, 0, 0, 123456, tzinfo=UTC)


def test_azure_lines_read_in_one_call_give_what_the_unwrapping_gives(tmp_path, monkeypatch):
    levels = [level for level, _ in LEVELS]
    records = [
        azure_record(
            n % 60,
            {"event": "inference", "latency_ms": float(n), **({"request_id": f"own-{n}"} if n % 3 else {})},
            level=levels[n % 5],
            correlationId=f"c-{n}",
            resultSignature=["200", "Succeeded", "503"][n % 3],
        )
        for n in range(40)
    ]
    path = tmp_path / "PT1H.json"
    data = "".join(json.dumps(r) + "\n" for r in records)
    path.write_text(data)
    assert azure.read_fast(data.encode(), {"latency_ms": pl.Float64()}) is not None  # this chunk takes the fast path
    fast, stats = read(path)
    monkeypatch.setattr("mlmon.ingest.outcome.read_fast", lambda *args: None)
    unwrapped, unwrapped_stats = read(path)
    assert fast.equals(unwrapped) and stats.envelopes == unwrapped_stats.envelopes and stats.records == 40
    assert fast["status_code"].to_list()[:3] == [200, None, 503]
    assert fast["request_id"].to_list()[:4] == ["c-0", "own-1", "own-2", "c-3"]
    assert fast["level"].to_list()[:5] == [mlmon for _, mlmon in LEVELS]


def test_azure_records_documents_cut_short_or_of_the_wrong_shape_are_counted(tmp_path):
    one = json.dumps(azure_record(1, {"event": "inference", "latency_ms": 1.0}))
    two = json.dumps(azure_record(2, {"event": "inference", "latency_ms": 2.0}))
    text = "\n".join(
        [
            '{"records": [',
            one + ",",
            '"text",',
            json.dumps(azure_record(3, "plain text")) + "]}",
            '{"records": {"a": 1}}',
            '{"records": [' + two + ", " + two,  # two on one line: both at line 6
            "]}",
            '{"records": [',
            one[:60],
        ]
    )
    path = tmp_path / "PT1H.json"
    path.write_text(text + "\n")
    frame, stats = read(path)
    assert frame["latency_ms"].to_list() == [1.0, 2.0, 2.0]
    assert stats.envelopes[str(path)].items == 7
    assert problems(stats) == [
        (3, "malformed envelope (azure record is not an object)"),
        (4, "not JSON (azure properties)"),
        (5, "malformed envelope (azure records is not a list)"),
        (9, "malformed envelope (azure records cut short)"),
    ]
    assert stats.lines_skipped["malformed envelope (azure records cut short)"] == 1


def test_azure_json_lines_with_a_plain_line_and_text_properties(tmp_path):
    lines = [
        json.dumps(azure_record(1, {"event": "inference", "latency_ms": 1.0})),
        json.dumps(azure_record(2, "Container started")),
        json.dumps({"ts": "2026-11-20T15:00:03Z", "latency_ms": 3.0}),
        "",
        json.dumps(azure_record(4, json.dumps({"event": "inference", "latency_ms": 4.0}))),
    ]
    path = tmp_path / "PT1H.json"
    path.write_text("\n".join(lines) + "\n")
    frame, stats = read(path, chunk_bytes=400)
    assert frame["latency_ms"].to_list() == [1.0, 3.0, 4.0]
    assert problems(stats) == [(2, "not JSON (azure properties)")] and stats.envelopes[str(path)].items == 4


# --- forced ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["otlp", "azure"])
def test_a_forced_envelope_passes_plain_records_on_and_none_reads_the_envelopes_as_records(tmp_path, name):
    plain = tmp_path / "app.log"
    plain.write_text(json.dumps({"ts": "2026-11-20T10:00:00Z", "latency_ms": 3.0}) + "\n")
    frame, stats = read(plain, envelope=name)
    assert frame["latency_ms"].to_list() == [3.0] and stats.envelopes[str(plain)].envelope == name
    fixture = ENVELOPES / ("otlp/logs.jsonl" if name == "otlp" else "azure/records/PT1H.json")
    frame, stats = read(fixture, envelope=name)
    assert stats.records == (7 if name == "otlp" else 3)
    if name == "otlp":
        with pytest.raises(NoUsableRecordsError, match="no usable records"):  # LogsData lines as records: no time
            read(fixture, envelope="none")
    else:
        frame, stats = read(ENVELOPES / "azure/jsonlines/PT1H.json", envelope="none")
        assert stats.envelopes == {} and frame.height == 3 and frame["latency_ms"].null_count() == 3
