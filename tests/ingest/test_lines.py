"""The look that sets broken object-shaped lines apart before polars reads a chunk
(issue 28): every usual broken shape is found, well-formed lines are not, and a chunk with
bad lines of every kind is read to the same records and the same skipped lines as a
line-by-line ``json.loads`` walk (the oracle), its good lines in one strict typed call."""

from __future__ import annotations

import json
import random

import numpy as np
import polars as pl
import pytest

from mlmon.ingest import IngestOptions, read_logs
from mlmon.ingest import decode as decode_module
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.decode import Tidiness, decode_chunk
from mlmon.ingest.lines import more_suspect_lines, sort_lines, suspect_lines
from mlmon.ingest.problems import ProblemTally

TS = "2026-11-09T12:00:00Z"


def record(rng: random.Random, i: int, braces: bool = False) -> str:
    """A well-formed record as json.dumps writes it: nested objects, a list, strings with
    quotes, backslashes, control characters and non-ASCII text (escaped or not), and with
    ``braces`` a brace inside a string."""
    text = rng.choice(['say "hi"', "C:\\data\\x", "tab\there", "née", "\u2603 snow", "a/b", "line\nbreak"])
    body = {
        "ts": TS,
        "latency_ms": float(i),
        "msg": text + (" {x}" if braces else ""),
        "features": {"a": rng.random(), "tags": [1, {"k": None}], "e": {}},
        "ok": rng.random() < 0.5,
    }
    return json.dumps(body, ensure_ascii=rng.random() < 0.5)


def broken(kind: str, good: str) -> str:
    """A line polars rejects, made from a well-formed one."""
    return {
        "missing_value": '{"event": "inference", "latency_ms": }',
        "missing_value_tight": '{"a":}',
        "trailing_comma": good[:-1] + ",}",
        "trailing_comma_spaced": good[:-1] + ", }",
        "interleaved": good[: len(good) // 2] + good,
        "two_records": good + good,
        "two_records_spaced": good + " " + good,
        "extra_brace": good + "}",
        "bad_escape": good[:-1] + ', "path": "C:\\data"}',
        "bad_unicode_escape": good[:-1] + ', "u": "\\u12G4"}',
        "escape_at_end": good[:-1] + ', "p": "x\\\\\\q"}',
    }[kind]


LOOKED = [
    "missing_value",
    "missing_value_tight",
    "trailing_comma",
    "trailing_comma_spaced",
    "interleaved",
    "two_records",
    "two_records_spaced",
    "extra_brace",
    "bad_escape",
    "bad_unicode_escape",
    "escape_at_end",
]
"""Broken shapes the first look finds."""
SECOND = {
    "mid_missing": '{"a": , "b": 1}',
    "doubled_comma": '{"a": 1,, "b": 1}',
    "nan": '{"ts": "2026-11-09T12:00:00Z", "latency_ms": NaN}',
    "raw_tab": '{"a": "x\ty"}',
}
"""Broken shapes only the second look finds."""


def lines_bytes(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


@pytest.mark.parametrize("kind", LOOKED)
def test_each_usual_broken_shape_is_found_and_no_good_line(kind):
    rng = random.Random(kind)
    lines = [record(rng, i) for i in range(400)]
    bad_at = sorted(rng.sample(range(400), 7))
    for at in bad_at:
        lines[at] = broken(kind, lines[at])
        with pytest.raises(ValueError):
            json.loads(lines[at])  # the oracle agrees the line is broken
    data = lines_bytes(lines)
    assert suspect_lines(data).tolist() == bad_at
    assert suspect_lines(data, sort_lines(data).object_ends).tolist() == bad_at


def test_no_line_of_well_formed_records_looks_broken():
    rng = random.Random(7)
    data = lines_bytes([record(rng, i) for i in range(2_000)])
    assert suspect_lines(data).tolist() == []
    assert more_suspect_lines(data).tolist() == []


def test_invalid_utf8_is_found_and_valid_utf8_is_not():
    rng = random.Random(3)
    lines = [record(rng, i).encode() for i in range(50)]
    lines[4] = lines[4][:-1] + b', "x": "\xff"}'
    lines[31] = lines[31][:-1] + b', "x": "\xc3"}'  # a two-byte sequence cut short
    data = b"".join(line + b"\n" for line in lines)
    assert suspect_lines(data).tolist() == [4, 31]


@pytest.mark.parametrize("kind", sorted(SECOND))
def test_the_second_look_finds_what_the_first_leaves(kind):
    rng = random.Random(kind)
    lines = [record(rng, i) for i in range(100)]
    lines[17] = SECOND[kind]
    data = lines_bytes(lines)
    assert suspect_lines(data).tolist() == []
    assert more_suspect_lines(data).tolist() == [17]


def test_braces_inside_strings_only_cost_their_lines_a_look():
    rng = random.Random(11)
    lines = [record(rng, i, braces=i % 50 == 0) for i in range(500)]
    flagged = suspect_lines(lines_bytes(lines)).tolist()
    assert flagged == list(range(0, 500, 50))


def _oracle(lines: list[str]) -> tuple[list[float | None], list[int], list[int]]:
    """Latencies of the records kept, line numbers (1-based) of the malformed lines and of
    the NaN lines, by json.loads line by line (it reads NaN; polars' reader does not)."""
    kept, malformed, nans = [], [], []
    for number, line in enumerate(lines, start=1):
        try:
            value = json.loads(line)
        except ValueError:
            malformed.append(number)
            continue
        if not isinstance(value, dict):
            malformed.append(number)  # every non-object line below is text, "not JSON"
            continue
        latency = value.get("latency_ms")
        if isinstance(latency, float) and latency != latency:
            nans.append(number)
            latency = None
        kept.append(latency)
    return kept, malformed, nans


def test_a_file_with_bad_lines_of_every_kind_reads_as_json_loads_says(tmp_path):
    """Several chunks (the later ones expect broken lines), every broken shape, braces in
    strings, text lines, NaN: the records, their values and the skipped lines are the
    oracle's, whichever way each line was found."""
    rng = random.Random(2028)
    lines = [record(rng, i, braces=rng.random() < 0.01) for i in range(6_000)]
    kinds = [*LOOKED, *SECOND, "text", "truncated", "tru", "missing_colon"]
    for n, at in enumerate(sorted(rng.sample(range(6_000), 90))):
        kind = kinds[n % len(kinds)]
        good = lines[at]
        lines[at] = (
            SECOND[kind]
            if kind in SECOND
            else {"text": "Traceback (most recent call last):", "truncated": good[:40], "tru": '{"ok": tru}'}.get(
                kind, '{"event" "inference"}' if kind == "missing_colon" else None
            )
            or broken(kind, good)
        )
    path = tmp_path / "app.log"
    path.write_bytes(lines_bytes(lines))
    data = read_logs([str(path)], IngestOptions(max_malformed_share=1.0, chunk_bytes=256 * 1024))
    frame, stats = data.frame.collect(), data.stats
    kept, malformed, nans = _oracle(lines)
    assert sorted(frame["latency_ms"].to_list(), key=lambda v: (v is None, v)) == sorted(
        kept, key=lambda v: (v is None, v)
    )
    skipped = {p.line for p in stats.examples if p.reason in ("malformed JSON", "not JSON")}
    assert stats.skipped_lines == len(malformed) and skipped <= set(malformed)
    assert stats.lines_skipped.get("malformed JSON", 0) + stats.lines_skipped.get("not JSON", 0) == len(malformed)
    assert stats.skipped.get("impossible value: NaN/Infinity read as null") == len(nans)


def test_a_chunk_with_broken_lines_reads_its_good_lines_in_one_strict_typed_call(monkeypatch):
    """The broken lines (one of every kind the first look finds) are set apart before any
    read: polars is called once for the good lines, typed, not once per piece."""
    rng = random.Random(5)
    lines = [json.dumps({"ts": TS, "latency_ms": float(i), "msg": "x"}) for i in range(3_000)]
    bad_at = sorted(rng.sample(range(3_000), len(LOOKED)))
    for kind, at in zip(LOOKED, bad_at):
        lines[at] = broken(kind, lines[at])
    calls = []
    real = decode_module.fast_read
    monkeypatch.setattr(decode_module, "fast_read", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    schema = {"ts": pl.String, "latency_ms": pl.String, "msg": pl.String}
    typed = {"ts": pl.String, "latency_ms": pl.Float64, "msg": pl.String}
    tally = ProblemTally()
    chunk = Chunk("a.log", lines_bytes(lines), 1, at_eof=False).counted()
    frame, tidiness = decode_chunk(chunk, schema, tally, (typed,), expect=Tidiness.BROKEN)
    assert calls == [3_000 - len(LOOKED)] and tidiness is Tidiness.BROKEN
    assert frame.schema["latency_ms"] == pl.Float64
    assert sorted(frame["latency_ms"].to_list()) == [float(i) for i in range(3_000) if i not in bad_at]
    problems = tally.problems()
    assert problems.counts == {"malformed JSON": len(LOOKED)}
    first = [at + 1 for at in bad_at][: len(problems.examples)]
    assert np.array_equal(sorted(p.line for p in problems.examples), first)


def test_many_lines_that_only_look_broken_are_read_in_pieces_not_line_by_line(monkeypatch):
    """Braces in every message and one broken line: the look mistakes every line, the
    one-call read fails, and the lines set apart are read in pieces; only the piece of at
    most 64 lines holding the broken one is left for the line-aware path."""
    lines = [json.dumps({"ts": TS, "latency_ms": float(i), "msg": "payload={x}"}) for i in range(1_000)]
    lines[321] = broken("missing_value", lines[321])
    seen = []
    real = decode_module.decode_lines
    monkeypatch.setattr(decode_module, "decode_lines", lambda *a, **k: seen.append(len(a[1])) or real(*a, **k))
    schema = {"ts": pl.String, "latency_ms": pl.String, "msg": pl.String}
    typed = {"ts": pl.String, "latency_ms": pl.Float64, "msg": pl.String}
    tally = ProblemTally()
    chunk = Chunk("a.log", lines_bytes(lines), 1, at_eof=False).counted()
    frame, _ = decode_chunk(chunk, schema, tally, (typed,), expect=Tidiness.BROKEN)
    assert len(seen) == 1 and 1 <= seen[0] <= 64
    assert frame["latency_ms"].to_list() == [float(i) for i in range(1_000) if i != 321]  # in the file's order
    assert tally.problems().counts == {"malformed JSON": 1} and [p.line for p in tally.problems().examples] == [322]


@pytest.mark.parametrize("others", [False, True])
def test_records_come_in_the_file_order_whichever_lines_were_set_apart(others):
    """Lines that only look broken (a brace in a message), a NaN read as null and the good
    lines of a piece polars rejects come back in place among the other object rows (sums
    then equal a clean read's to the last bit); text lines are still counted, and rows of
    lines of another shape (a kubectl prefix) still come after the objects."""
    rng = random.Random(9)
    values = [rng.lognormvariate(3, 1) for _ in range(2_000)]
    lines = [json.dumps({"ts": TS, "latency_ms": v, "msg": "m"}) for v in values]
    for at in (3, 700, 1_999):
        lines[at] = json.dumps({"ts": TS, "latency_ms": values[at], "msg": "{looks} broken"})
    lines[1_000] = '{"ts": "2026-11-09T12:00:00Z", "latency_ms": NaN}'
    lines[1_200], lines[1_500] = '{"ok": tru}', broken("trailing_comma", lines[1_500])
    prefixed = [f"[pod/a/b] {json.dumps({'ts': TS, 'latency_ms': 1.0 + i})}" for i in range(3)] if others else []
    gaps = lines[:50] + ["Traceback (most recent call last):"] + prefixed + lines[50:]
    schema = {"ts": pl.String, "latency_ms": pl.String, "msg": pl.String}
    typed = {"ts": pl.String, "latency_ms": pl.Float64, "msg": pl.String}
    tally = ProblemTally()
    frame, _ = decode_chunk(Chunk("a.log", lines_bytes(gaps), 1, at_eof=False).counted(), schema, tally, (typed,))
    expected = [None if i == 1_000 else v for i, v in enumerate(values) if i not in (1_200, 1_500)]
    assert frame["latency_ms"].to_list() == expected + [1.0 + i for i in range(len(prefixed))]
    assert frame["_line"].to_list()[: len(expected)] == sorted(frame["_line"].to_list()[: len(expected)])
    assert tally.problems().counts == {
        "malformed JSON": 2,
        "not JSON": 1,
        "impossible value: NaN/Infinity read as null": 1,
    }


def test_joined_object_lines_are_the_kept_ones_and_the_look_is_the_same_on_a_whole_chunk():
    """SortedLines.join against a Python filter of the lines, on random mixes of shapes; the
    look made while sorting a whole chunk flags the object lines suspect_lines flags on
    the object lines alone."""
    rng = random.Random(17)
    shapes = ['{"a": 1}', "text", "", '{"a": }', '{"m": "{x}"}', ' {"a": 1}', '{"a": 1}\r', '{"a": 1}{"a": 2}']
    for _ in range(300):
        lines = [rng.choice(shapes) for _ in range(rng.randint(1, 30))]
        data = lines_bytes(lines)
        sorted_ = sort_lines(data, look=True)
        objects = [line for line in lines if line.startswith("{") and line.rstrip("\r").endswith("}")]
        keep = np.array([rng.random() < 0.6 for _ in objects], dtype=bool)
        joined, ends = sorted_.join(keep)
        kept = [line + "\n" for line, k in zip(objects, keep) if k]
        assert joined == "".join(kept).encode() and ends.tolist() == np.cumsum([len(k) for k in kept]).tolist()
        assert sorted_.objects == lines_bytes(objects)
        assert sorted_.suspects.tolist() == suspect_lines(sorted_.objects).tolist()
        assert sorted_.texts(np.arange(len(objects))) == [line.encode() for line in objects]
