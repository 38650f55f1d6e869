"""The chunk contract of ingest (mlmon.ingest.outcome): chunks processed on their own, with
their own line numbers, and merged in order in any grouping, give what one sequential read
gives; plain files are cut by the main thread and read by the workers; memory in flight
does not grow with the core count."""

from __future__ import annotations

import gzip
import json
import pickle
import random

import polars as pl
import pytest

from mlmon.errors import InputError
from mlmon.ingest import IngestOptions, Needs, reduce_logs
from mlmon.ingest.chunks import FileSpan, count_newlines
from mlmon.ingest.discovery import discover
from mlmon.ingest.outcome import EMPTY, ChunkPlan, finish_outcome, merge_outcomes, process_chunk
from mlmon.ingest.problems import MAX_EXAMPLES
from mlmon.ingest.reader import IN_FLIGHT_BYTES, _Frames, in_flight_chunks
from mlmon.ingest.sources import CHUNK_BYTES, is_plain_file, plan_chunks

REDUCER = _Frames(Needs(("latency_ms",)))


def record(i: int, **extra) -> dict:
    return {
        "timestamp": f"2026-11-09T12:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "event": "inference",
        "latency_ms": float(i),
        **extra,
    }


def hostile_lines(n: int, seed: int) -> tuple[list[str], dict[int, str]]:
    """``n`` lines with bad ones scattered through them, and the 1-based number and reason of
    every bad line (the oracle for the examples)."""
    rng = random.Random(seed)
    lines, bad = [], {}
    for i in range(n):
        roll = rng.random()
        if roll < 0.03:
            lines.append('{"timestamp": "2026-11-09T12:00:00Z", "latency_ms": }')
            bad[i + 1] = "malformed JSON"
        elif roll < 0.05:
            lines.append("")
        elif roll < 0.07:
            lines.append(json.dumps(record(i, latency_ms="slow")))
            bad[i + 1] = "wrong type: latency_ms"
        else:
            lines.append(json.dumps(record(i)))
    return lines, bad


def outcomes_of(path, chunk_bytes: int) -> list:
    plan = ChunkPlan.of(REDUCER, IngestOptions(chunk_bytes=chunk_bytes))
    return plan, [process_chunk(plan, chunk) for chunk in plan_chunks(str(path), chunk_bytes)]


def merged_in_random_tree(outcomes: list, rng: random.Random):
    """Neighbours merged in a random order until one is left: every grouping is reachable."""
    parts = list(outcomes)
    while len(parts) > 1:
        at = rng.randrange(len(parts) - 1)
        parts[at : at + 2] = [merge_outcomes(parts[at], parts[at + 1], REDUCER)]
    return parts[0]


def frame_of(outcome) -> pl.DataFrame:
    return pl.concat(outcome.state, how="diagonal_relaxed").sort("ts", maintain_order=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_grouping_of_the_chunks_gives_the_sequential_read(tmp_path, seed):
    lines, bad = hostile_lines(3_000, seed)
    path = tmp_path / "a.log"
    path.write_text("\n".join(lines) + "\n")
    _, chunks = outcomes_of(path, 4_096)
    _, whole = outcomes_of(path, 1 << 30)
    assert len(chunks) > 20 and len(whole) == 1
    rng = random.Random(seed)
    for _ in range(5):
        tree = merged_in_random_tree(chunks, rng)
        assert tree.lines == whole[0].lines == {str(path): 3_000}
        assert (tree.records, tree.outside_time_range) == (whole[0].records, 0)
        assert tree.problems == whole[0].problems
        assert frame_of(tree).equals(frame_of(whole[0]))
    # the independent oracle: the bad lines written
    malformed = [n for n, reason in bad.items() if reason == "malformed JSON"]
    wrong = [n for n, reason in bad.items() if reason != "malformed JSON"]
    examples = whole[0].problems.examples
    assert [p.line for p in examples if p.reason == "malformed JSON"] == malformed[:MAX_EXAMPLES]
    assert [p.line for p in examples if p.reason != "malformed JSON"] == wrong[:MAX_EXAMPLES]
    assert whole[0].problems.counts == {
        "blank line": lines.count(""),
        "malformed JSON": len(malformed),
        "wrong type: latency_ms": len(wrong),
    }


def test_empty_is_the_identity_and_finish_matches_reduce_logs(tmp_path):
    lines, bad = hostile_lines(2_000, 7)
    first, second = tmp_path / "a.log", tmp_path / "b.log.gz"
    first.write_text("\n".join(lines) + "\n")
    second.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    options = IngestOptions(chunk_bytes=8_192, max_malformed_share=0.5)
    plan = ChunkPlan.of(REDUCER, options)
    outcome = EMPTY
    for path in (first, second):
        for chunk in plan_chunks(str(path), options.chunk_bytes):
            outcome = merge_outcomes(outcome, merge_outcomes(EMPTY, process_chunk(plan, chunk), REDUCER), REDUCER)
    frames, stats = finish_outcome(outcome, plan, discover([str(first), str(second)]))
    local_frames, local_stats = reduce_logs([str(first), str(second)], options, REDUCER)
    assert stats == local_stats
    assert pl.concat(frames, how="diagonal_relaxed").equals(pl.concat(local_frames, how="diagonal_relaxed"))
    malformed = sum(
        reason == "malformed JSON" for reason in bad.values()
    )  # a wrong type nulls a value, keeps the record
    assert stats.lines == 2 * (2_000 - lines.count("")) and stats.records == 2 * (2_000 - lines.count("") - malformed)


def test_plan_and_outcome_pickle(tmp_path):
    path = tmp_path / "a.log"
    path.write_text("\n".join(hostile_lines(500, 3)[0]) + "\n")
    plan, outcomes = outcomes_of(path, 8_192)
    again = pickle.loads(pickle.dumps(plan))
    assert again == plan
    copies = [pickle.loads(pickle.dumps(outcome)) for outcome in outcomes]
    assert [(c.lines, c.records, c.problems) for c in copies] == [(o.lines, o.records, o.problems) for o in outcomes]


def test_plain_files_are_planned_as_spans_and_compressed_ones_read_in_order_uncounted(tmp_path):
    body = ("\n".join(json.dumps(record(i)) for i in range(2_000)) + "\n").encode()
    plain, packed = tmp_path / "a.log", tmp_path / "a.log.gz"
    plain.write_bytes(body)
    packed.write_bytes(gzip.compress(body))
    assert is_plain_file(str(plain)) and not is_plain_file(str(packed)) and not is_plain_file("-")
    spans = list(plan_chunks(str(plain), 10_000))
    assert all(isinstance(span, FileSpan) for span in spans) and [s.starts_file for s in spans] == [True] + [False] * (
        len(spans) - 1
    )
    assert sum(span.length for span in spans) == len(body) and spans[-1].at_eof
    chunks = list(plan_chunks(str(packed), 10_000))
    assert all(chunk.newlines is None for chunk in chunks)  # counted by the workers
    assert b"".join(chunk.data for chunk in chunks) == b"".join(span.read().data for span in spans) == body


def test_a_file_that_shrinks_after_planning_ends_where_the_file_does(tmp_path):
    lines = [json.dumps(record(i)) for i in range(1_000)]
    path = tmp_path / "a.log"
    path.write_text("\n".join(lines) + "\n")
    plan = ChunkPlan.of(REDUCER, IngestOptions(chunk_bytes=8_192))
    spans = list(plan_chunks(str(path), 8_192))
    keep = len("\n".join(lines[:400])) + 1 + 10  # 400 lines and 10 bytes of the 401st
    with open(path, "r+b") as handle:
        handle.truncate(keep)
    outcome = EMPTY
    for span in spans:
        outcome = merge_outcomes(outcome, process_chunk(plan, span), REDUCER)
    assert outcome.lines == {str(path): 401} and outcome.records == 400
    assert [(p.line, p.reason) for p in outcome.problems.examples] == [(401, "truncated last line")]


def test_newlines_are_counted_exactly():
    for data in (b"", b"\n", b"a", b"a\nb\n\n", b"x\n" * 700_001):
        assert count_newlines(data) == data.count(b"\n")


@pytest.mark.parametrize("threads", [1, 2, 4, 16, 64])
def test_chunks_in_flight_stay_within_the_byte_budget_at_any_core_count(monkeypatch, threads):
    monkeypatch.setattr(pl, "thread_pool_size", lambda: threads)
    chunks = in_flight_chunks(CHUNK_BYTES)
    assert chunks * CHUNK_BYTES <= IN_FLIGHT_BYTES and chunks == min(2 * threads, IN_FLIGHT_BYTES // CHUNK_BYTES)
    assert in_flight_chunks(1_000) == 2 * threads  # small chunks: the threads bound it


def test_a_span_a_worker_cannot_read_skips_its_file_inside_a_directory_and_fails_a_named_one(tmp_path, monkeypatch):
    folder = tmp_path / "logs"
    folder.mkdir()
    for name, count in (("a.log", 30), ("b.log", 20), ("c.log", 10)):
        (folder / name).write_text("\n".join(json.dumps(record(i)) for i in range(count)) + "\n")
    real = FileSpan.read

    def flaky(span):
        if span.source.endswith("b.log"):
            raise InputError(f"{span.source}: cannot read: Input/output error")
        return real(span)

    monkeypatch.setattr(FileSpan, "read", flaky)
    frames, stats = reduce_logs([str(folder)], IngestOptions(), REDUCER)
    assert stats.records == 40 and stats.unreadable_files == (f"{folder / 'b.log'}: cannot read: Input/output error",)
    with pytest.raises(InputError, match="b.log: cannot read"):
        reduce_logs([str(folder / "a.log"), str(folder / "b.log")], IngestOptions(), REDUCER)
