"""The envelope fixtures (issue 26) agree with themselves, checked with plain Python only (json, gzip,
base64, datetime): no mlmon code is imported, so these checks hold whatever the reader does.

What is checked: every ``*.expected.json`` parses and its counts add up (items = records + skipped, per
file and in all); each ``*.unwrapped.jsonl`` holds exactly the expected records, in time order; every
record's time is a time written in its fixture; the hand-worked ``by`` groups agree with the records;
the binary fixtures decode to their sources in ``_sources/`` (as README.md and make_fixtures.py say);
Heroku's octet counts and the CRI joins are what the expectation says; no fixture file is left
without an expectation."""

from __future__ import annotations

import base64
import contextlib
import gzip
import importlib.util
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "_sources"
OWN = {"README.md", "make_fixtures.py", "test_fixtures_consistent.py", "__init__.py"}
EXPECTED = sorted(HERE.rglob("*.expected.json"))
GZIP_MAGIC = b"\x1f\x8b"
ISO = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")
EPOCH = re.compile(rb"(?<![\d.])1795\d{9}(?:\d{6})?(?![\d.])")  # 2026-11 in ms (13 digits) or ns (19)


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def fixture_root(doc: dict) -> Path:
    """The folder the ``files`` paths of an expectation are relative to."""
    fixture = HERE / doc["fixture"]
    return fixture if doc["read_as"] == "folder" else fixture.parent


def gunzip_all(data: bytes) -> bytes:
    """``data`` with every gzip layer taken off (a gzip of gzip members is two layers)."""
    while data[:2] == GZIP_MAGIC:
        data = gzip.decompress(data)
    return data


def decoded(raw: bytes) -> bytes:
    """A fixture file's bytes as its reader sees them, gzip layers off, Lambda payloads decoded when whole."""
    data = gunzip_all(raw)
    parts = [data]
    for line in data.splitlines():
        if line.startswith(b'{"awslogs"'):
            with contextlib.suppress(EOFError):  # damaged/'s truncated payload: nothing of it can be read
                parts.append(gunzip_all(base64.b64decode(json.loads(line)["awslogs"]["data"])))
    return b"\n".join(parts)


def instant_us(text: str) -> int:
    """Microseconds since the epoch of an ISO-8601 time with 0 to 9 fractional digits, Z or an offset;
    digits past the sixth are cut, as a reader holding microseconds keeps them."""
    match = re.fullmatch(r"([\d-]+T[\d:]+)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    assert match, text
    base, fraction, zone = match.groups()
    moment = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    return round(moment.timestamp()) * 1_000_000 + int((fraction or "").ljust(6, "0")[:6])


def epoch_us(digits: bytes) -> int:
    value = int(digits)
    return value * 1000 if len(digits) == 13 else value // 1000


def times_written(paths: list[Path]) -> set[int]:
    """Every instant written anywhere in these files: ISO times and 2026-11 epoch ms/ns numbers."""
    found: set[int] = set()
    for path in paths:
        text = decoded(path.read_bytes())
        found.update(instant_us(m.decode()) for m in ISO.findall(text))
        found.update(epoch_us(m) for m in EPOCH.findall(text))
    return found


def listed_files(doc: dict) -> list[Path]:
    return [fixture_root(doc) / entry["path"] for entry in doc["files"]]


@pytest.fixture(params=EXPECTED, ids=lambda p: str(p.relative_to(HERE)))
def expected(request) -> dict:
    return load(request.param)


def test_there_is_an_expectation_for_every_envelope_and_variant():
    fixtures = {load(p)["fixture"] for p in EXPECTED}
    for name in (
        "gcp/export",
        "cloudwatch/export",
        "cloudwatch/subscription.jsonl",
        "cloudwatch/lambda-event.json",
        "cloudwatch/firehose",
        "otlp/logs.jsonl",
        "azure/jsonlines/PT1H.json",
        "azure/records/PT1H.json",
        "cri/pods",
        "firelens/firelens.jsonl",
        "vercel/drain.json",
        "vercel/drain.ndjson",
        "heroku/drain-body.txt",
        "damaged/lambda-truncated.jsonl",
        "damaged/logevents-not-list.jsonl",
        "damaged/otlp-body-not-json.jsonl",
        "damaged/gcp-text-payload.json",
        "mixed",
    ):
        assert name in fixtures


def test_counts_add_up_per_file_and_in_all(expected):
    assert (HERE / expected["fixture"]).exists()
    files = expected["files"]
    for entry in files:
        assert entry["items"] == entry["records"] + sum(entry["skipped"].values()), entry["path"]
    assert expected["items"] == sum(entry["items"] for entry in files)
    assert len(expected["records"]) == sum(entry["records"] for entry in files)
    assert expected["items"] == len(expected["records"]) + sum(expected["skipped"].values())
    totals: dict[str, int] = {}
    for entry in files:
        for reason, count in entry["skipped"].items():
            totals[reason] = totals.get(reason, 0) + count
    assert totals == expected["skipped"]
    named = [(p["file"], p["reason"]) for p in expected["problems"]]
    assert len(named) == sum(expected["skipped"].values())
    for file, reason in named:
        entry = next(e for e in files if e["path"] == file)
        assert reason in entry["skipped"]


def test_the_listed_files_exist_and_hold_the_lines_said(expected):
    for entry, path in zip(expected["files"], listed_files(expected), strict=True):
        text = gunzip_all(path.read_bytes())
        assert len([line for line in text.splitlines() if line.strip()]) == entry["lines"], entry["path"]


def test_the_unwrapped_file_holds_exactly_the_expected_records(expected):
    lines = (HERE / expected["unwrapped"]).read_text().splitlines()
    assert [json.loads(line) for line in lines] == expected["records"]


def test_records_are_in_time_order_and_each_time_is_written_in_the_fixture(expected):
    instants = [instant_us(record["ts"]) for record in expected["records"]]
    assert instants == sorted(instants)
    written = times_written(listed_files(expected))
    assert set(instants) <= written


def test_the_hand_worked_groups_agree_with_the_records(expected):
    for key, groups in expected.get("by", {}).items():
        assert set(groups) == {r[key] for r in expected["records"]}
        for value, group in groups.items():
            rows = [r for r in expected["records"] if r[key] == value]
            requests = [r for r in rows if "latency_ms" in r or "status" in r]
            assert group["records"] == len(rows)
            assert group["requests"] == len(requests)
            assert group["errors"] == sum(r.get("status") == "error" for r in requests)
            assert group["latency_ms"] == [r["latency_ms"] for r in requests]
            assert group["latency_ms_mean"] == pytest.approx(sum(group["latency_ms"]) / len(group["latency_ms"]))
            if "model_version" in group:
                assert group["model_version"] == sorted({r["model_version"] for r in rows})


def test_every_fixture_file_is_claimed_by_exactly_one_expectation():
    claimed: list[Path] = []
    for path in EXPECTED:
        doc = load(path)
        claimed += [path, HERE / doc["unwrapped"], *listed_files(doc)]
    assert len(claimed) == len(set(claimed))
    present = {
        p
        for p in HERE.rglob("*")
        if p.is_file() and p.name not in OWN and "_sources" not in p.parts and "__pycache__" not in p.parts
    }
    assert present == set(claimed)


def built() -> dict[str, bytes]:
    spec = importlib.util.spec_from_file_location("make_fixtures", HERE / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build()


def content(raw: bytes) -> list[bytes]:
    """What a built file holds, whatever zlib compressed it: its text with the gzip layers off, or for
    Lambda events each payload decoded (``b"undecodable"`` for a cut one)."""
    data = gunzip_all(raw)
    if not data.startswith(b'{"awslogs"'):
        return [data]
    payloads = []
    for line in data.splitlines():
        try:
            payloads.append(gunzip_all(base64.b64decode(json.loads(line)["awslogs"]["data"])))
        except EOFError:
            payloads.append(b"undecodable")
    return payloads


def test_the_binary_fixtures_are_what_make_fixtures_builds():
    for name, data in built().items():
        assert content((HERE / name).read_bytes()) == content(data), name


def test_the_export_object_is_the_gzip_of_its_source():
    path = next((HERE / "cloudwatch/export").rglob("000000.gz"))
    assert path.read_bytes()[:2] == GZIP_MAGIC
    assert gzip.decompress(path.read_bytes()) == (SOURCES / "cloudwatch/export-000000.txt").read_bytes()
    assert (HERE / "cloudwatch/export/aws-logs-write-test").read_text() == "Permission Check Successful"


def test_the_lambda_event_is_base64_of_gzip_of_its_data_message():
    event = load(HERE / "cloudwatch/lambda-event.json")
    assert list(event) == ["awslogs"] and list(event["awslogs"]) == ["data"]
    payload = gzip.decompress(base64.b64decode(event["awslogs"]["data"], validate=True))
    assert payload == (SOURCES / "cloudwatch/lambda-data-message.json").read_bytes().rstrip(b"\n")


def test_the_firehose_object_is_gzip_of_gzip_members_joined_with_no_newline():
    path = next((HERE / "cloudwatch/firehose").rglob("*.gz"))
    inner = gzip.decompress(path.read_bytes())
    assert inner[:2] == GZIP_MAGIC
    text = gzip.decompress(inner)
    sources = sorted((SOURCES / "cloudwatch/firehose-records").glob("*.json"))
    assert text == b"".join(p.read_bytes().rstrip(b"\n") for p in sources)
    assert text.count(b"}{") == len(sources) - 1 and b"\n" not in text
    kinds = [json.loads(p.read_text())["messageType"] for p in sources]
    assert kinds == ["DATA_MESSAGE", "CONTROL_MESSAGE", "DATA_MESSAGE"]


def test_the_truncated_lambda_payload_is_valid_base64_of_a_cut_gzip_stream():
    good, cut = (json.loads(line)["awslogs"]["data"] for line in (HERE / "damaged/lambda-truncated.jsonl").open())
    assert gzip.decompress(base64.b64decode(good)) == (SOURCES / "damaged/lambda-good.json").read_bytes().rstrip(b"\n")
    raw = base64.b64decode(cut, validate=True)
    assert raw[:2] == GZIP_MAGIC and len(cut) % 4 == 0
    with pytest.raises(EOFError):
        gzip.decompress(raw)


def test_the_heroku_body_is_octet_counted_frames():
    body = (HERE / "heroku/drain-body.txt").read_bytes()
    doc = load(HERE / "heroku/drain-body.expected.json")
    frames, at = [], 0
    while at < len(body):
        space = body.index(b" ", at)
        length = int(body[at:space])
        frame = body[space + 1 : space + 1 + length]
        assert frame.startswith(b"<") and frame.endswith(b"\n") and b"\n" not in frame[:-1]
        frames.append(length)
        at = space + 1 + length
    assert frames == doc["frames"] and len(frames) == doc["items"]


def test_the_cri_partial_lines_join_into_the_expected_records():
    doc = load(HERE / "cri/pods.expected.json")
    lines = listed_files(doc)[0].read_text().splitlines()
    for join in doc["joined"]:
        pieces = [lines[n - 1].split(" ", 3) for n in join["lines"]]
        assert [p[2] for p in pieces] == ["P"] * (len(pieces) - 1) + ["F"]
        inner = json.loads("".join(p[3] for p in pieces))
        record = doc["records"][join["record"] - 1]
        assert {k: v for k, v in record.items() if k != "ts" and not k.startswith("source.")} == {
            k: v for k, v in inner.items() if k != "ts"
        }
        assert record["ts"] == inner.get("ts", pieces[0][0])


def test_instant_us_cuts_digits_past_the_sixth_and_reads_offsets():
    assert instant_us("2026-11-20T10:50:00.123456789Z") - instant_us("2026-11-20T10:50:00Z") == 123456
    assert instant_us("2026-11-20T19:00:00.5+01:00") == instant_us("2026-11-20T18:00:00.500000Z")
    assert epoch_us(b"1795176000000") == instant_us("2026-11-20T12:00:00Z")
    assert epoch_us(b"1795183200100000000") == instant_us("2026-11-20T14:00:00.1Z")
    assert datetime.fromtimestamp(1795176000, UTC).isoformat() == "2026-11-20T12:00:00+00:00"
