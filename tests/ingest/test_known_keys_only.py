"""A chunk that would list the keys of the ``features`` object (a file's first chunk with a
reference, ``discover="first_chunk"``; every chunk with ``"all"``) skips the listing when
its bytes prove every object holds known keys only (``features.holds_known_keys_only``):
it is then read as later chunks are. The oracle is the listing itself: every read here is
compared with the same read whose proof is switched off, frame and counts alike, and the
proof is checked against ``json.loads`` of every line."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlmon.ingest.features as features_module
import mlmon.ingest.outcome as outcome_module
from mlmon.ingest import IngestOptions, Needs, read_logs
from mlmon.ingest.features import FEATURES_KEY, holds_known_keys_only
from mlmon.ingest.needs import FeatureNeeds

KNOWN = ("x", "y", "region", 'a"b', "back\\slash")
NUMERIC, CATEGORICAL = ("x", "y"), ("region", 'a"b', "back\\slash")


def rec(i: int, **extra: object) -> dict:
    return {"timestamp": f"2026-11-09T12:{i // 60 % 60:02d}:{i % 60:02d}Z", "label": "cat", **extra}


def lines(*records: dict | str, separators: tuple[str, str] | None = None) -> bytes:
    text = (r if isinstance(r, str) else json.dumps(r, separators=separators, ensure_ascii=False) for r in records)
    return "".join(f"{line}\n" for line in text).encode()


def only_known(data: bytes, known: tuple[str, ...] = KNOWN) -> bool:
    """The oracle: every object under a ``features`` key, at any depth of every line that
    parses, holds only ``known`` keys with scalar values (and some line has one)."""
    found: list[dict] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == FEATURES_KEY:
                    found.append(inner)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for line in data.decode("utf-8", "replace").splitlines():
        try:
            walk(json.loads(line))
        except ValueError:
            continue
    return bool(found) and all(
        isinstance(obj, dict) and all(k in known and not isinstance(v, dict | list) for k, v in obj.items())
        for obj in found
    )


GOOD = [rec(0, features={"x": 1, "y": 2.5, "region": "eu"}), rec(1, features={"region": "us"}), rec(2)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (lines(*GOOD), True),
        (lines(*GOOD, separators=(",", ":")), True),
        (lines('{"features" :\t{ "x" : 1 ,"y":2 } }'), True),
        (lines(rec(0, features={})), True),
        (lines(rec(0, features={"x": None, "region": True, "y": -1e-300})), True),
        (lines(rec(0, features={"region": 'a, "b" {c} [d] \\ e', "x": 1})), True),  # a string holding anything
        (lines(rec(0, features={'a"b': 1, "back\\slash": "C:\\dir"})), True),  # keys JSON escapes
        (lines('{"features": {"x": 1, "x": 2}}'), True),  # a known key twice
        (lines(*GOOD, rec(9, features={"x": 1, "new": 2})), False),  # an unseen key on the last line
        (lines(rec(0, features={"xy": 1})), False),  # a known key's prefix is no match
        (lines(rec(0, features={"x": {"deep": 1}})), False),
        (lines(rec(0, features={"x": [1, 2]})), False),
        (lines(rec(0, features=None)), False),
        (lines(rec(0, features=5)), False),
        (lines(rec(0, features=[{"x": 1}])), False),
        (lines('{"features": {"\\u0078": 1}}'), False),  # a known key written with unicode escapes
        (lines('{"features": {"x": 1}, "message": "the features were late"}'), False),
        (lines(rec(0, my_features={"x": 1}, features={"x": 1})), False),
        (lines(rec(0, event="features")), False),
        (lines({"log": json.dumps(rec(0, features={"new": 1})) + "\n", "stream": "stdout"}), False),  # Docker
        (lines(rec(0, record={"extra": {"features": {"new": 1}}})), False),  # loguru's extra, an unseen key
        (lines(rec(0, record={"extra": {"features": {"x": 1}}})), True),
        (lines(rec(0)), False),  # no object to prove anything of
        (b'{"features": {"x": "\xff"}}\n', False),  # not UTF-8
    ],
)
def test_the_proof_on_bytes(data: bytes, expected: bool) -> None:
    assert holds_known_keys_only(data, KNOWN) is expected
    if expected:
        assert only_known(data)


def test_the_proof_over_pieces_of_a_long_chunk() -> None:
    good = lines(*(rec(i, features={"x": i, "region": "eu" * (i % 7)}) for i in range(40_000)))
    assert len(good) > 3 << 20 and holds_known_keys_only(good, KNOWN)
    assert not holds_known_keys_only(good + lines(rec(0, features={"x": 1, "late": 2})), KNOWN)
    assert not holds_known_keys_only(good[:-2] + b"\xff}\n", KNOWN)  # not UTF-8 in the last piece


def test_no_known_names_proves_nothing() -> None:
    assert holds_known_keys_only(lines(rec(0, features={})), ()) is False


def read(path: Path, discover: str, prove: bool, monkeypatch: pytest.MonkeyPatch, **options: object):
    """The frame and stats of a read, with the proof on or off, and per chunk that read a
    features object whether it listed its keys (read the object as text), the file's first
    chunk first."""
    listed: list[tuple[bool, bool]] = []
    real = outcome_module.decode_features

    def spy(raw, read_, discovering, chunk=None):
        if FEATURES_KEY in raw.columns:
            listed.append((not chunk.starts_file, isinstance(raw.schema[FEATURES_KEY], pl.String)))
        return real(raw, read_, discovering, chunk)

    with monkeypatch.context() as patch:
        patch.setattr(outcome_module, "decode_features", spy)
        if not prove:
            patch.setattr(features_module, "holds_known_keys_only", lambda data, known: False)
        needs = Needs(("label",), FeatureNeeds(NUMERIC, CATEGORICAL, discover))
        data = read_logs([str(path)], IngestOptions(**options), needs)
        return data.frame.collect(), data.stats, [text for _, text in sorted(listed, key=lambda each: each[0])]


def same_read(path: Path, discover: str, monkeypatch: pytest.MonkeyPatch, **options: object):
    frame, stats, listed = read(path, discover, True, monkeypatch, **options)
    listed_frame, listed_stats, always = read(path, discover, False, monkeypatch, **options)
    assert frame.equals(listed_frame) and frame.columns == listed_frame.columns
    assert stats == listed_stats
    return frame, stats, listed, always


def test_a_first_chunk_of_known_keys_is_read_typed_with_the_same_result(tmp_path, monkeypatch) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(lines(*(rec(i, features={"x": i, "region": f"r{i % 3}"}) for i in range(3000))))
    frame, stats, listed, always = same_read(path, "first_chunk", monkeypatch, chunk_bytes=16 << 10)
    assert always[0] is True and listed[0] is False  # the first chunk's listing is skipped
    assert not any(listed) and not any(always[1:])
    assert frame["feature:x"].to_list() == [float(i) for i in range(3000)]
    assert [c for c in frame.columns if c.startswith("feature:")] == [f"feature:{n}" for n in KNOWN]


@pytest.mark.parametrize("discover", ["first_chunk", "all"])
def test_an_unseen_key_late_in_the_first_chunk_is_still_listed(tmp_path, monkeypatch, discover: str) -> None:
    path = tmp_path / "a.log"
    records = [rec(i, features={"x": i}) for i in range(200)] + [rec(200, features={"x": 1, "late": "v"})]
    path.write_bytes(lines(*records))
    frame, stats, listed, _ = same_read(path, discover, monkeypatch)
    assert listed == [True]
    assert frame["feature:late"].to_list() == [None] * 200 + ["v"]


@pytest.mark.parametrize(
    "odd",
    [
        {"x": "12.5"},  # a number as text: the typed read fails, read as text
        {"x": "n/a", "region": 7},
        {"x": {"deep": 1}},
        {"region": [1, 2]},
        {"x": None},
        {"x": True},
    ],
)
def test_odd_values_of_known_keys_give_the_listings_counts(tmp_path, monkeypatch, odd: dict) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(lines(rec(0, features={"x": 1}), rec(1, features=odd), rec(2, features={"y": 2})))
    _, stats, _, _ = same_read(path, "first_chunk", monkeypatch)
    assert stats.records == 3


def test_docker_and_loguru_lines_keep_their_listing(tmp_path, monkeypatch) -> None:
    docker = tmp_path / "docker.log"
    inner = [json.dumps(rec(i, features={"x": i, "hidden": i})) + "\n" for i in range(5)]
    docker.write_bytes(lines(*({"log": text, "stream": "stdout", "time": "2026-11-09T12:00:00Z"} for text in inner)))
    frame, _, _, _ = same_read(docker, "first_chunk", monkeypatch)
    assert frame["feature:hidden"].to_list() == [str(i) for i in range(5)]
    loguru = tmp_path / "loguru.log"
    loguru.write_bytes(
        lines(
            *(
                {"text": "x", "record": {"time": {"timestamp": 1794225600 + i}, "extra": {"features": {"x": i, **m}}}}
                for i, m in enumerate([{}, {}, {"extra_key": "e"}])
            )
        )
    )
    frame, _, _, _ = same_read(loguru, "first_chunk", monkeypatch)
    assert frame["feature:extra_key"].to_list() == [None, None, "e"]


VALUE = st.one_of(
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet='ab,{}[]":\\ é\t', max_size=6),
    st.none(),
    st.booleans(),
    st.just({"deep": 1}),
    st.just([1, "x"]),
)
KEY = st.sampled_from([*KNOWN, "late", "xy", "", "x "])
RECORD = st.one_of(
    st.builds(lambda i: rec(i), st.integers(0, 59)),
    st.builds(lambda i, f: rec(i, features=f), st.integers(0, 59), st.dictionaries(KEY, VALUE, max_size=4)),
    st.builds(lambda i, f: rec(i, features=f), st.integers(0, 59), st.one_of(st.none(), st.just(5), st.just("t"))),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=st.lists(RECORD, min_size=1, max_size=12),
    compact=st.booleans(),
    discover=st.sampled_from(["first_chunk", "all"]),
)
def test_any_chunk_reads_as_its_listing_does(records: list[dict], compact: bool, discover: str) -> None:
    data = lines(*records, separators=(",", ":") if compact else None)
    if holds_known_keys_only(data, KNOWN):
        assert only_known(data)
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as monkeypatch:
        path = Path(folder) / "a.log"
        path.write_bytes(data)
        same_read(path, discover, monkeypatch)
