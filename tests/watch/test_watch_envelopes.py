"""mlmon watch reads enveloped logs as batch mode reads them (issue 27 on issue 26): a real
Follower and engine over files written in pieces, checked against one batch ``report`` of the
final file (and the latencies written, through numpy)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlmon.api.check import CheckOptions
from mlmon.api.report import build_report
from mlmon.cli import app
from mlmon.ingest.envelopes.cri import PARTIAL
from mlmon.ingest.needs import Needs
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.reader import _Frames, read_logs, reduce_chunk
from mlmon.watch.alerts import AlertState
from mlmon.watch.checkpoint import Checkpoint, load, save
from mlmon.watch.engine import WatchEngine
from mlmon.watch.follow import Follower
from mlmon.watch.positions import Positions
from mlmon.watch.run import run_watch
from tests.watch.watch_logs import append

NOW = datetime(2026, 11, 9, 12, tzinfo=UTC)
START = datetime(2026, 11, 9, tzinfo=UTC)


def records(count: int, seed: int = 0) -> list[dict]:
    """``count`` records a minute apart with seeded latencies."""
    rng = random.Random(seed)
    return [
        {
            "ts": (START + timedelta(minutes=i)).isoformat().replace("+00:00", "Z"),
            "model_version": "1",
            "latency_ms": round(rng.lognormvariate(3.0, 0.6), 3),
            "status": 200,
            "label": rng.choice("AB"),
        }
        for i in range(count)
    ]


def text(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"))


class Watched:
    """A Follower and an engine over ``inputs``, keeping every chunk the engine reduced."""

    def __init__(self, inputs: list[str], ingest: dict | None = None, **follow: object) -> None:
        self.inputs, self.ingest, self.follow = inputs, ingest or {}, follow
        self.chunks: list = []
        self.start(None)

    def start(self, checkpoint: Checkpoint | None) -> None:
        self.engine = WatchEngine(
            CheckOptions(window="all", ingest={"max_malformed_share": 1.0, **self.ingest}),
            summary=checkpoint and checkpoint.summary,
        )
        reduce = self.engine._reduce
        self.engine._reduce = lambda chunk: (self.chunks.append(chunk), reduce(chunk))[1]
        positions = checkpoint.positions if checkpoint else None
        envelope = self.ingest.get("envelope", "auto")
        self.follower = Follower(self.inputs, "beginning", positions, envelope=envelope, **self.follow)

    def poll(self, **poll: object) -> int:
        """One poll merged; the batches it gave."""
        found = self.follower.poll(**poll)
        self.engine.step(found, NOW, evaluate=False)
        return len(found.batches)

    def drain(self) -> None:
        while self.poll():
            pass

    def restart(self, state: Path) -> None:
        """A checkpoint written and read back, and a new follower and engine from it."""
        save(state, Checkpoint(self.follower.positions(), self.engine.summary(), AlertState(), {}))
        self.follower.close()
        self.start(load(state))

    def frame(self, sources: tuple[str, ...] = ()) -> pl.DataFrame:
        """The records of the chunks reduced (after the start), as a read of them gives them."""
        reducer, options = _Frames(needs(sources)), read_options(sources, self.ingest)
        frames = [reduce_chunk(chunk, options, reducer)[0] for chunk in self.chunks if chunk.data]
        return reducer.finalize([frame for part in frames for frame in part])


def read_options(sources: tuple[str, ...], ingest: dict | None = None) -> IngestOptions:
    """A read that keeps every record and groups them by the ``source.*`` keys given."""
    return IngestOptions(allow_no_records=True, max_malformed_share=1.0, by=sources, **(ingest or {}))


def needs(sources: tuple[str, ...]) -> Needs | None:
    """Every canonical column, or (with ``sources``) a few and the ``source.*`` values."""
    return Needs(("latency_ms", "label", "group", *(f"by:{s}" for s in sources))) if sources else None


def assert_as_batch(
    watched: Watched, path: Path, ingest: dict | None = None, whole_frame: bool = True, sources: tuple[str, ...] = ()
) -> None:
    """The engine's account and report equal one batch report of ``path``; the records too
    (with ``sources``: their times, latencies, labels and those ``source.*`` values)."""
    batch = build_report(str(path), {"window": "all", "ingest": {"max_malformed_share": 1.0, **(ingest or {})}})
    stats, ingested = watched.engine.stats, batch.ingest
    assert (stats.lines, stats.records, stats.skipped) == (ingested.lines, ingested.records, ingested.skipped)
    assert list(stats.envelopes.values()) == list(ingested.envelopes.values())
    assert [(p.line, p.reason) for p in stats.examples] == [(p.line, p.reason) for p in ingested.examples]
    report = watched.engine.evaluate(NOW).report.overall.latency
    assert (report.p50_ms, report.p99_ms) == (batch.overall.latency.p50_ms, batch.overall.latency.p99_ms)
    if whole_frame:
        expected = read_logs([str(path)], read_options(sources, ingest), needs(sources)).frame.collect()
        got = watched.frame(sources)
        assert got.columns == expected.columns and got.height == stats.records
        assert got.equals(expected)
        if sources:
            assert got["group"].null_count() == 0  # every record has them


def cri_lines(count: int) -> tuple[bytes, list[float], int]:
    """A kubelet log: every 3rd record on stderr, every 4th cut into three ``P``/``P``/``F``
    pieces with a stderr line between them, one line of plain text; its bytes, the latencies
    written, and the byte offset just after the first piece of the 9th record (its run open)."""
    out: list[str] = []
    latencies, open_at = [], 0
    for i, record in enumerate(records(count)):
        latencies.append(record["latency_ms"])
        stream = "stderr" if i % 3 == 2 else "stdout"
        when = record["ts"].replace("Z", ".123456789Z")
        body = text(record)
        if i % 4 == 0:
            a, b = len(body) // 3, 2 * len(body) // 3
            out.append(f"{when} {stream} P {body[:a]}")
            if i == 8:
                open_at = len("".join(line + "\n" for line in out).encode())
            other = "stdout" if stream == "stderr" else "stderr"
            out.append(f'{when} {other} F {{"ts":"{record["ts"]}","event":"note"}}')
            out += [f"{when} {stream} P {body[a:b]}", f"{when} {stream} F {body[b:]}"]
        else:
            out.append(f"{when} {stream} F {body}")
        if i == 5:
            out.append(f"{when} stdout F starting worker 2")
    return "".join(line + "\n" for line in out).encode(), latencies, open_at


def test_a_cri_file_written_in_pieces_and_resumed_inside_a_partial_run_equals_batch(tmp_path):
    folder = tmp_path / "pods" / "default_imgcls-6d5f_6f1e2d3c" / "server"
    folder.mkdir(parents=True)
    log, state = folder / "0.log", tmp_path / "state.json"
    data, latencies, open_at = cri_lines(24)
    log.write_bytes(b"")
    watched = Watched([str(log)])
    cuts = [0, 57, 400, open_at, open_at + 450, open_at + 1100, len(data) - 10, len(data)]  # mid-line, after a P
    for start, end in zip(cuts, cuts[1:], strict=False):
        append(log, data[start:end])
        watched.poll()
        position = watched.follower.positions().files[0]
        assert position.envelope == ("cri" if b"\n" in data[:end] else None)  # decided at its first line
        if end == open_at:  # the 9th record's first piece held back: the offset stays before it
            assert position.offset < open_at and data[position.offset : open_at].count(b" P ") == 1
            assert data[:open_at].endswith(b"\n")
            watched.restart(state)
            assert watched.follower.positions().files[0].envelope == "cri"  # kept, not looked at again
    watched.drain()
    assert watched.follower.positions().files[0].offset == len(data)
    assert PARTIAL not in watched.engine.stats.skipped  # no run cut apart
    assert_as_batch(watched, log, whole_frame=False)  # the restart forgot the chunks before it
    overall = watched.engine.evaluate(NOW).report.overall.latency
    notes = [json.loads(line.split(" ", 3)[3])["ts"] for line in data.decode().splitlines() if "note" in line]
    assert watched.engine.stats.records == 24 + len(notes)
    assert overall.p50_ms == pytest.approx(np.percentile(latencies, 50), rel=1e-12)  # notes carry no latency
    assert watched.engine.stats.skipped == {"not JSON (cri)": 1}


def test_a_cri_run_open_when_its_file_is_deleted_is_handed_over_and_counted_as_batch_counts_it(tmp_path):
    log = tmp_path / "0.log"
    data, _, open_at = cri_lines(12)
    log.write_bytes(data[:open_at])
    watched = Watched([str(log)])
    watched.poll()
    held = watched.follower.positions().files[0].offset
    assert held < open_at
    copy = tmp_path / "copy" / "0.log"
    copy.parent.mkdir()
    copy.write_bytes(data[:open_at])
    log.unlink()
    watched.drain()
    assert watched.follower.positions().files == ()
    assert watched.engine.stats.skipped[PARTIAL] == 1
    assert_as_batch(watched, copy, whole_frame=False)  # the paths differ: the account and report only


def test_envelope_none_reads_a_cri_file_as_plain_lines_as_batch_does(tmp_path):
    log = tmp_path / "0.log"
    data, _, _ = cri_lines(12)
    log.write_bytes(data)
    watched = Watched([str(log)], {"envelope": "none"}, max_bytes=700)
    watched.drain()
    assert watched.follower.positions().files[0].envelope == "none"
    assert watched.engine.stats.envelopes == {}
    assert_as_batch(watched, log, {"envelope": "none"})


def docker_line(record: dict, i: int) -> str:
    wrapper = {"log": text(record) + "\n", "stream": "stderr" if i % 5 == 0 else "stdout", "time": record["ts"]}
    return json.dumps(wrapper)


def firelens_line(record: dict, i: int) -> str:
    return json.dumps(
        {
            "container_id": f"3f2a9c1e5b7d4c2a-{i % 2}",
            "container_name": "imgcls",
            "ecs_cluster": "ml-prod",
            "ecs_task_definition": "imgcls:15",
            "log": text(record) if i != 7 else "booting",
            "source": "stdout",
        }
    )


def gcp_line(record: dict, i: int) -> str:
    inner = {key: value for key, value in record.items() if key != "ts"}
    entry = {
        "insertId": f"6564f0a1000b2c3d4e5f{i:04d}",
        "jsonPayload": inner,
        "logName": "projects/demo/logs/run.googleapis.com%2Fstdout",
        "resource": {"type": "cloud_run_revision", "labels": {"revision_name": f"imgcls-0000{i % 2}"}},
        "severity": "ERROR" if i % 6 == 0 else "INFO",
        "timestamp": record["ts"].replace("Z", ".5Z"),
    }
    return json.dumps(entry)


def otlp_line(group: list[dict], i: int) -> str:
    logs = [
        {
            "timeUnixNano": str(int(datetime.fromisoformat(r["ts"]).timestamp() * 1e9)),
            "severityText": "INFO",
            "body": {"stringValue": text({k: v for k, v in r.items() if k != "ts"})},
            "attributes": [{"key": "pod", "value": {"stringValue": f"p{i}"}}],
        }
        for r in group
    ]
    resource = {"attributes": [{"key": "k8s.pod.name", "value": {"stringValue": f"imgcls-{i % 2}"}}]}
    return json.dumps({"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": logs}]}]})


SOURCES = {"docker_line": (), "firelens_line": ("source.ecs_cluster", "source.container_id")}


@pytest.mark.parametrize("shape", [docker_line, firelens_line, gcp_line])
def test_a_line_envelope_appended_line_by_line_equals_batch(tmp_path, shape):
    log = tmp_path / "app.log"
    log.write_bytes(b"")
    watched = Watched([str(log)])
    for i, record in enumerate(records(14, seed=3)):
        append(log, (shape(record, i) + "\n").encode())
        assert watched.poll() == 1
    sources = SOURCES.get(shape.__name__, ("source.revision_name", "source.resource_type"))
    assert_as_batch(watched, log, sources=sources)
    assert set(watched.engine.stats.envelopes) == ({str(log)} if sources else set())  # Docker: a plain dialect


def test_an_otlp_file_appended_line_by_line_equals_batch(tmp_path):
    log = tmp_path / "otel.json"
    log.write_bytes(b"")
    written = records(20, seed=4)
    watched = Watched([str(log)])
    for i in range(4):
        append(log, (otlp_line(written[5 * i : 5 * i + 5], i) + "\n").encode())
        assert watched.poll() == 1
    assert_as_batch(watched, log, sources=("source.k8s.pod.name",))
    frame = watched.frame(("source.k8s.pod.name",))
    assert frame.height == 20 and frame["group"].n_unique() == 2
    latencies = [r["latency_ms"] for r in written]
    overall = watched.engine.evaluate(NOW).report.overall.latency
    assert overall.p50_ms == pytest.approx(np.percentile(latencies, 50), rel=1e-12)


def vercel_array(group: list[dict]) -> bytes:
    entries = [
        {
            "id": str(i),
            "message": text({k: v for k, v in r.items() if k != "ts"}),
            "timestamp": int(datetime.fromisoformat(r["ts"]).timestamp() * 1000),
            "deploymentId": "dpl_5XrT9mQk",
            "projectId": "prj_8Qm2Zx4V",
            "statusCode": 200,
        }
        for i, r in enumerate(group)
    ]
    return json.dumps(entries, indent=1).encode()  # one key a line: the array spans many lines


def test_a_json_array_dropped_into_a_followed_folder_is_read_once_whole_when_it_stops_growing(tmp_path):
    folder = tmp_path / "drains"
    folder.mkdir()
    plain = folder / "app.log"
    plain.write_bytes(b"")
    delivery = folder / "drain.json"
    document = vercel_array(records(20, seed=5))
    delivery.write_bytes(document[:300])  # its first line is "[": not decided yet
    watched = Watched([str(folder)], rescan_seconds=5.0)
    assert watched.poll(now=0.0) == 0
    append(delivery, document[300:])
    assert watched.poll(now=1.0) == 0  # decided (vercel/array), but still growing for all it knows
    assert watched.poll(now=6.0) == 0  # grew since the last rescan
    assert watched.poll(now=12.0) == 1  # a whole rescan without growing: read whole, once
    assert watched.poll(now=20.0) == 0
    position = next(p for p in watched.follower.positions().files if p.path == str(delivery))
    assert (position.envelope, position.offset) == ("vercel/array", len(document))
    assert watched.engine.stats.envelopes[str(delivery)].envelope == "vercel"
    assert_as_batch(watched, delivery)
    assert watched.engine.stats.records == 20


def test_once_reads_a_document_at_once(tmp_path):
    delivery = tmp_path / "drain.json"
    delivery.write_bytes(vercel_array(records(20, seed=6)))
    report = run_watch([str(delivery)], {"once": True, "check": {"window": "all"}})
    batch = build_report(str(delivery), {"window": "all"})
    assert report is not None and report.ingest.records == batch.ingest.records == 20
    assert report.report.overall.latency.p99_ms == batch.overall.latency.p99_ms


def test_positions_keep_the_envelope_and_read_checkpoints_without_one(tmp_path):
    log = tmp_path / "app.log"
    log.write_bytes((gcp_line(records(1)[0], 0) + "\n").encode())
    with Follower([str(log)], "beginning") as follower:
        follower.poll()
        positions = follower.positions()
    document = positions.to_json()
    assert document["files"][0]["envelope"] == "gcp"
    assert Positions.from_json(document) == positions
    del document["files"][0]["envelope"]  # a checkpoint of the mlmon before envelopes: decided again
    older = Positions.from_json(document)
    assert older.files[0].envelope is None
    with Follower([str(log)], "beginning", older) as follower:
        follower.poll()
        assert follower.positions().files[0].envelope == "gcp"
    with Follower([str(log)], "beginning", positions, envelope="none") as follower:  # the option changed
        assert follower.positions().files[0].envelope is None
        follower.poll()
        assert follower.positions().files[0].envelope == "none"


@pytest.mark.parametrize("envelope", ["auto", "none"])
def test_the_watch_command_takes_envelope_as_check_does(tmp_path, runner, envelope):
    log = tmp_path / "0.log"
    log.write_bytes(cri_lines(12)[0])
    args = [str(log), "--once", "--window", "all", "--max-malformed", "100%", "--envelope", envelope]
    watched = runner.invoke(app, ["watch", *args, "--format", "json"])
    checked = runner.invoke(app, ["check", *args[:1], *args[2:], "--format", "json"])
    assert watched.exit_code == checked.exit_code == 0, watched.stderr + checked.stderr
    got, expected = json.loads(watched.stdout)["inputs"], json.loads(checked.stdout)["inputs"]
    keys = ("lines", "records", "lines_skipped", "examples")
    assert [got[key] for key in keys] == [expected[key] for key in keys]
    assert ("partial CRI line" in got["lines_skipped"]) is (envelope == "none")  # plain lines: P pieces counted
