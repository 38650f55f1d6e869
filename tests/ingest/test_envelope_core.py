"""The envelope machinery, on GCP LogEntry lines (the first reader): chosen per file from
its first bytes or by --envelope, cut into chunks anywhere, compressed, piped, damaged,
repeated across files; the account holds and every problem names its file and line."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from mlmon.errors import InputError
from mlmon.ingest import IngestOptions, read_logs
from mlmon.ingest.needs import Needs
from tests.ingest.envelope_reads import read_accounted

COLUMNS = ("latency_ms", "level", "request_id", "status_code", "model_version")


def entry(n: int, *, insert: str | None = None, payload: dict | None = None, **extra) -> str:
    record = payload if payload is not None else {"event": "inference", "request_id": f"r-{n}", "latency_ms": float(n)}
    return json.dumps(
        {
            "insertId": insert or f"id-{n:04d}",
            "jsonPayload": record,
            "logName": "projects/p/logs/run.googleapis.com%2Fstdout",
            "resource": {"type": "cloud_run_revision", "labels": {"revision_name": f"rev-{n % 2}"}},
            "severity": "WARNING",
            "timestamp": f"2026-11-20T10:{n // 60:02d}:{n % 60:02d}.5Z",
            **extra,
        }
    )


def read(paths, **options):
    return read_accounted(paths, COLUMNS, **options)


def test_chunks_cut_anywhere_give_the_same_records_and_lines(tmp_path):
    lines = [entry(n) for n in range(200)]
    lines[57] = lines[57][:40]  # a truncated envelope: the decoder names it
    lines[120] = entry(120, payload=None, textPayload="Traceback (most recent call last):", jsonPayload=None)
    path = tmp_path / "S0.json"
    path.write_text("\n".join(lines) + "\n")
    whole, stats = read([path])
    for chunk_bytes in (1_000, 10_000):  # a few lines a chunk, and many
        frame, cut = read([path], chunk_bytes=chunk_bytes)
        assert frame.equals(whole)
        assert cut.lines_skipped == stats.lines_skipped and cut.examples == stats.examples
    assert stats.records == 198
    assert [(p.line, p.reason) for p in stats.examples] == [(58, "malformed JSON"), (121, "not JSON (gcp textPayload)")]
    assert whole["level"].unique().to_list() == ["warning"]  # the severity, where the record has no level
    assert sorted(whole["latency_ms"].to_list()) == [float(n) for n in range(200) if n not in (57, 120)]


def test_the_records_own_values_win_over_the_envelopes(tmp_path):
    own = {"event": "inference", "latency_ms": 5.0, "level": "debug", "ts": "2026-11-20T09:00:00Z"}
    path = tmp_path / "S0.json"
    path.write_text(entry(1, payload=own) + "\n")
    frame, _ = read([path])
    assert frame["level"].to_list() == ["debug"]
    assert str(frame["ts"][0]) == "2026-11-20 09:00:00+00:00"


def test_repeats_are_dropped_across_files_and_within_one_but_never_an_entry_of_another_time(tmp_path):
    first, second = tmp_path / "a_S0.json", tmp_path / "a_S1.json"
    first.write_text("\n".join([entry(1), entry(2), entry(2)]) + "\n")  # a repeat inside the file
    same_id_other_time = json.loads(entry(3))
    same_id_other_time["insertId"] = "id-0001"  # an insertId reused at another time: another entry
    second.write_text("\n".join([entry(1), json.dumps(same_id_other_time), entry(4)]) + "\n")
    frame, stats = read([tmp_path])
    assert stats.lines_skipped == {"repeated insertId": 2}
    assert [(p.source.rsplit("/", 1)[1], p.line) for p in stats.examples] == [("a_S0.json", 3), ("a_S1.json", 1)]
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 2.0, 3.0, 4.0]


def test_envelope_none_reads_the_envelopes_as_plain_records_and_a_forced_one_passes_plain_lines_on(tmp_path):
    gcp = tmp_path / "S0.json"
    gcp.write_text(entry(1) + "\n")
    frame, stats = read([gcp], envelope="none")
    assert stats.envelopes == {} and frame["latency_ms"].null_count() == 1  # the latency is inside jsonPayload
    plain = tmp_path / "app.log"
    plain.write_text(json.dumps({"ts": "2026-11-20T10:00:00Z", "latency_ms": 3.0}) + "\n")
    frame, stats = read([plain], envelope="gcp")
    assert frame["latency_ms"].to_list() == [3.0] and stats.envelopes[str(plain)].items == 1


def test_compressed_and_piped_exports_read_alike(tmp_path):
    text = "\n".join(entry(n) for n in range(20)) + "\n"
    gz = tmp_path / "S0.json.gz"
    gz.write_bytes(gzip.compress(text.encode(), mtime=0))
    frame, stats = read([gz])
    assert stats.records == 20 and stats.envelopes[str(gz)].envelope == "gcp"
    code = (
        "import sys, json; from mlmon.ingest import IngestOptions, read_logs; "
        "d = read_logs(['-'], IngestOptions()); print(d.stats.records, list(d.stats.envelopes.values())[0].envelope)"
    )
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["20", "gcp"]


def test_a_mixed_folder_decides_each_file_on_its_own(tmp_path):
    (tmp_path / "S0.json").write_text(entry(1) + "\n")
    (tmp_path / "app.log").write_text(json.dumps({"ts": "2026-11-20T10:00:00Z", "latency_ms": 3.0}) + "\n")
    frame, stats = read([tmp_path])
    assert {k.rsplit("/", 1)[1]: v.envelope for k, v in stats.envelopes.items()} == {"S0.json": "gcp"}
    assert sorted(frame["latency_ms"].to_list()) == [1.0, 3.0]


@pytest.mark.parametrize("engine", ["dask"])
def test_dask_reads_an_export_as_the_local_engine_does(tmp_path, engine):
    pytest.importorskip("distributed")
    (tmp_path / "x_S0.json").write_text("\n".join(entry(n) for n in range(30)) + "\n")
    (tmp_path / "x_S1.json").write_text("\n".join(entry(n) for n in range(25, 40)) + "\n")
    local, local_stats = read([tmp_path])
    frame, stats = read([tmp_path], engine=engine)
    assert frame.equals(local) and stats.lines_skipped == local_stats.lines_skipped == {"repeated insertId": 5}


@pytest.mark.parametrize("with_text_line", [False, True])  # the fast path, and the line-by-line one
def test_escapes_in_the_record_survive_either_path(tmp_path, with_text_line):
    odd = {"event": 'say "hi"\\ \\n', "model_version": "a\\b\tc", "latency_ms": 2.0}
    lines = [entry(1, payload=odd)]
    if with_text_line:
        lines.append(entry(2, payload=None, jsonPayload=None, textPayload="plain text"))
    path = tmp_path / "S0.json"
    path.write_text("\n".join(lines) + "\n")
    data = read_logs([str(path)], IngestOptions(max_malformed_share=1.0), Needs(("event", "model_version")))
    frame = data.frame.collect()
    assert frame["event"].to_list() == [odd["event"]] and frame["model_version"].to_list() == [odd["model_version"]]


def test_a_cri_file_is_read_in_chunks_that_never_cut_a_records_pieces_apart(tmp_path):
    """Chunks of a few hundred bytes: every run of P pieces still joins into its record."""
    folder = tmp_path / "default_imgcls-1_uid" / "server"
    folder.mkdir(parents=True)
    lines = []
    for n in range(60):
        text = json.dumps({"event": "inference", "latency_ms": float(n), "request_id": f"r-{n}"})
        time = f"2026-11-20T16:00:{n:02d}.000100Z"
        if n % 3 == 0:  # split in three pieces
            thirds = [text[:10], text[10:25], text[25:]]
            lines += [f"{time} stdout P {thirds[0]}", f"{time} stdout P {thirds[1]}", f"{time} stdout F {thirds[2]}"]
        else:
            lines.append(f"{time} stdout F {text}")
    path = folder / "0.log"
    path.write_text("\n".join(lines) + "\n")
    whole, stats = read([path])
    for chunk_bytes in (150, 700):
        frame, cut = read([path], chunk_bytes=chunk_bytes)
        assert frame.equals(whole) and cut.skipped == stats.skipped == {}
    assert sorted(whole["latency_ms"].to_list()) == [float(n) for n in range(60)]
    assert stats.envelopes[str(path)].items == 60 and stats.envelopes[str(path)].lines == len(lines)


def _records(count: int) -> list[dict]:
    rng = __import__("numpy").random.default_rng(26)
    return [
        {
            "timestamp": f"2026-11-20T10:{n // 60:02d}:{n % 60:02d}.{n:03d}Z",
            "event": "inference",
            "request_id": f"r-{n}",
            "model_version": "1.4.0" if n % 3 else "1.5.0",
            "latency_ms": round(float(rng.lognormal(3, 0.5)), 3),
            "status": "ok" if n % 17 else "error",
            "status_code": 200 if n % 17 else 500,
            "label": "ABCD"[n % 4],
            "confidence": round(float(rng.uniform(0.3, 1)), 4),
        }
        for n in range(count)
    ]


def _wrapped(name: str, record: dict, n: int) -> dict:
    inner = {k: v for k, v in record.items() if k != "timestamp"}
    ms = int(datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).timestamp() * 1000)
    if name == "gcp":
        return json.loads(entry(n, payload=inner, timestamp=record["timestamp"]))
    if name == "firelens":
        return {"log": json.dumps(record), "container_id": "c1", "ecs_cluster": "x", "source": "stdout"}
    if name == "vercel":
        return {"deploymentId": "d", "projectId": "p", "timestamp": ms, "message": json.dumps(inner), "level": "info"}
    return {
        "time": record["timestamp"],
        "resourceId": "/R",
        "category": "C",
        "level": "Informational",
        "properties": inner,
    }


def _subscription(records: list[dict]) -> dict:
    events = [
        {
            "id": str(n),
            "timestamp": int(datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00")).timestamp() * 1000),
            "message": json.dumps({k: v for k, v in r.items() if k != "timestamp"}) + "\n",
        }
        for n, r in enumerate(records)
    ]
    return {"messageType": "DATA_MESSAGE", "logGroup": "/ecs/imgcls", "logStream": "s/1", "logEvents": events}


@pytest.mark.parametrize("name", ["gcp", "firelens", "vercel", "azure", "cloudwatch"])
def test_the_fast_path_gives_what_the_line_by_line_path_gives(tmp_path, monkeypatch, name):
    """Clean chunks take an envelope's fast path; the same chunks unwrapped line by line
    (the fast path turned off) give the same records, values and account."""
    path = tmp_path / f"{name}.log"
    records = _records(400)
    if name == "cloudwatch":  # ten log events a subscription record
        lines = [_subscription(records[at : at + 10]) for at in range(0, 400, 10)]
    else:
        lines = [_wrapped(name, r, n) for n, r in enumerate(records)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    fast, fast_stats = read([path], chunk_bytes=20_000)
    taken = []
    from mlmon.ingest import outcome

    real = outcome.read_fast
    monkeypatch.setattr(outcome, "read_fast", lambda *args: taken.append(real(*args) is not None))
    slow, slow_stats = read([path], chunk_bytes=20_000)
    assert taken and all(taken)  # every chunk could have taken the fast path
    assert fast.equals(slow) and fast.height == 400
    assert fast_stats.envelopes == slow_stats.envelopes and fast_stats.skipped == slow_stats.skipped
    assert sorted(fast["latency_ms"].to_list()) == sorted(r["latency_ms"] for r in _records(400))


EXPORT = Path(__file__).parent / "envelopes" / "gcp" / "export"


def _export_entries() -> list[dict]:
    return [json.loads(line) for path in sorted(EXPORT.rglob("*.json")) for line in path.read_text().splitlines()]


def test_gcloud_json_arrays_read_as_the_export_they_hold(tmp_path):
    """``gcloud logging read --format=json`` prints a pretty-printed JSON array: the same
    entries as the export's lines give the same records and the same skips, each problem on
    the line where its entry starts; split over two files, the repeat is still dropped once,
    and an array file beside a lines file shares the look for repeats."""
    entries = _export_entries()
    lines_frame, lines_stats = read([EXPORT])
    whole = tmp_path / "one" / "entries.json"
    whole.parent.mkdir()
    whole.write_text(json.dumps(entries, indent=2))
    frame, stats = read([whole])
    assert frame.equals(lines_frame)
    assert stats.lines_skipped == lines_stats.lines_skipped == {"not JSON (gcp textPayload)": 1, "repeated insertId": 1}
    starts = [n for n, text in enumerate(whole.read_text().splitlines(), 1) if text == "  {"]
    assert [p.line for p in stats.examples] == [starts[3], starts[4]]  # the text payload, then the repeat
    assert stats.envelopes[str(whole)].items == 8
    halves = tmp_path / "two"
    halves.mkdir()
    (halves / "a.json").write_text(json.dumps(entries[:4], indent=2))
    (halves / "b.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries[4:]))  # the repeat, as lines
    frame, stats = read([halves])
    assert frame.height == 6 and stats.lines_skipped["repeated insertId"] == 1


def test_a_gcloud_array_cut_short_counts_the_entry_it_cuts(tmp_path):
    text = json.dumps(_export_entries(), indent=2)
    path = tmp_path / "cut.json"
    path.write_text(text[: text.rindex('"insertId"')])  # inside the last entry
    frame, stats = read([path])
    assert stats.lines_skipped["malformed envelope (gcp JSON array cut short)"] == 1
    assert stats.envelopes[str(path)].items == 8 and frame.height == 5


SUBSCRIPTION = Path(__file__).parent / "envelopes" / "cloudwatch" / "subscription.jsonl"


def _cli_document(events: list) -> str:
    """What ``aws logs filter-log-events`` prints (4-space indents, events first)."""
    return json.dumps(
        {"events": events, "searchedLogStreams": [{"logStreamName": "s", "searchedCompletely": True}]}, indent=4
    )


def test_the_aws_cli_events_document_reads_as_the_subscription_records_it_came_from(tmp_path):
    record = json.loads(SUBSCRIPTION.read_text().splitlines()[1])  # the DATA_MESSAGE
    events = [
        {"logStreamName": record["logStream"], "timestamp": e["timestamp"], "message": e["message"], "eventId": e["id"]}
        for e in record["logEvents"]
    ]
    path = tmp_path / "events.json"
    path.write_text(
        _cli_document([*events, {"timestamp": 1795176602000, "message": "Traceback (most recent call last):"}])
    )
    frame, stats = read([path])
    subscription, _ = read([SUBSCRIPTION])
    assert frame.equals(subscription)
    starts = [n for n, text in enumerate(path.read_text().splitlines(), 1) if text == "        {"]
    assert stats.lines_skipped == {"not JSON (cloudwatch message)": 1}
    assert [p.line for p in stats.examples] == [starts[3]]  # the event's own line, not the searched streams'
    assert stats.envelopes[str(path)].items == 4 and stats.envelopes[str(path)].envelope == "cloudwatch"


def test_a_damaged_aws_cli_document_is_counted(tmp_path):
    path = tmp_path / "events.json"
    good = {"timestamp": 1795176600000, "message": json.dumps({"latency_ms": 1.5})}
    path.write_text(_cli_document([3, good]))
    frame, stats = read([path])
    assert stats.lines_skipped == {"malformed envelope (cloudwatch event is not an object)": 1}
    assert frame["latency_ms"].to_list() == [1.5]
    path.write_text(_cli_document([good])[:-30])  # cut short: no document at all
    with pytest.raises(InputError, match=r"events.json: no usable records \(1 malformed envelope \(cloudwatch events"):
        read([path])
