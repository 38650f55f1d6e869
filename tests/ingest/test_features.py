"""Input features in ingest: the ``features`` object, ``--features`` and ``--field features.NAME``
(``mlmon.ingest.features``): typed reads, wrong types counted, absent is missing, discovery."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlmon.ingest.outcome as reader_module
from mlmon.errors import UsageError
from mlmon.ingest import IngestOptions, Needs, read_logs
from mlmon.ingest.features import FEATURES_KEY, MAX_FEATURES, OVER_CAP
from mlmon.ingest.needs import FeatureNeeds


def rec(i: int, **extra) -> dict:
    return {
        "timestamp": f"2026-11-09T{12 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "event": "inference",
        "label": "cat",
        **extra,
    }


def read(path, numeric=(), categorical=(), discover="none", **options):
    paths = [str(p) for p in path] if isinstance(path, list) else [str(path)]
    data = read_logs(
        paths, IngestOptions(**options), Needs(("label",), FeatureNeeds(tuple(numeric), tuple(categorical), discover))
    )
    return data.frame.collect(), data.stats


def features_of(frame: pl.DataFrame) -> list[str]:
    return [name for name in frame.columns if name.startswith("feature:")]


def first_line(stats, reason: str) -> int:
    return next(p.line for p in stats.examples if p.reason == reason)


@pytest.fixture
def text_chunks(monkeypatch):
    """(the chunk's bytes, read as text?) of every chunk whose records hold a features object."""
    seen: list[tuple[bytes, bool]] = []
    real = reader_module.decode_features

    def spy(raw, read_, discovering, chunk=None):
        if FEATURES_KEY in raw.columns:
            seen.append((chunk.data, isinstance(raw.schema[FEATURES_KEY], pl.String)))
        return real(raw, read_, discovering, chunk)

    monkeypatch.setattr(reader_module, "decode_features", spy)
    return seen


# --- typed reads and wrong types -------------------------------------------------------


def test_typed_fast_path_reads_numbers_and_categories_and_a_numeric_category_as_its_digits(write_lines, text_chunks):
    path = write_lines(
        "a.log",
        [
            rec(0, features={"brightness": 0.41, "camera": "cam-2"}),
            rec(1, features={"brightness": 2, "camera": 800}),
            rec(2, features={"brightness": -1.5e3, "camera": "cam-1", "other": [1]}),
        ],
    )
    frame, stats = read(path, numeric=("brightness",), categorical=("camera",))
    assert frame.schema["feature:brightness"] == pl.Float64 and frame.schema["feature:camera"] == pl.String
    assert frame["feature:brightness"].to_list() == [0.41, 2.0, -1500.0]
    assert frame["feature:camera"].to_list() == ["cam-2", "800", "cam-1"]
    assert frame["has_features"].to_list() == [True, True, True]
    assert features_of(frame) == ["feature:brightness", "feature:camera"]
    assert stats.skipped == {} and [as_text for _, as_text in text_chunks] == [False]


@pytest.mark.parametrize("bad", ["n/a", True, {"a": 1}, [1, 2]], ids=["text", "true", "object", "array"])
def test_each_wrong_type_in_a_numeric_feature_is_counted_at_its_line(write_lines, bad):
    lines = [rec(i, features={"x": float(i), "c": "ok"}) for i in range(5)]
    lines[2]["features"]["x"] = bad
    frame, stats = read(write_lines("a.log", lines), numeric=("x",), categorical=("c",))
    assert frame["feature:x"].to_list() == [0.0, 1.0, None, 3.0, 4.0]
    assert frame["feature:c"].to_list() == ["ok"] * 5
    assert stats.skipped == {"wrong type: feature x": 1}
    assert first_line(stats, "wrong type: feature x") == 3 and stats.records == 5


def test_wrong_types_in_numeric_and_categorical_features_together(write_lines):
    path = write_lines(
        "a.log",
        [
            rec(0, features={"x": 1.5, "c": "ok"}),
            rec(1, features={"x": "n/a"}),
            rec(2, features={"x": True}),
            rec(3, features={"x": {"a": 1}}),
            rec(4, features={"x": [1, 2]}),
            rec(5, features={"c": {"a": 1}}),
            rec(6, features={"c": [1]}),
            rec(7, features={"x": " 2 ", "c": "fine"}),  # a number in text is still a number
        ],
    )
    frame, stats = read(path, numeric=("x",), categorical=("c",))
    assert frame["feature:x"].to_list() == [1.5, None, None, None, None, None, None, 2.0]
    assert frame["feature:c"].to_list() == ["ok", None, None, None, None, None, None, "fine"]
    assert stats.skipped == {"wrong type: feature x": 4, "wrong type: feature c": 2}
    assert first_line(stats, "wrong type: feature x") == 2 and first_line(stats, "wrong type: feature c") == 6
    assert stats.records == 8


@pytest.mark.parametrize("discover", ["none", "all"])
def test_objects_in_a_category_are_counted_even_when_polars_cannot_write_them_back(write_lines, discover):
    """Polars renders an object read as text without escaping backslashes or keys."""
    path = write_lines(
        "a.log",
        [
            rec(0, features={"c": {"dir": "C:\\x"}}),
            rec(1, features={"c": {'a"b': 1}}),
            rec(2, features={"c": "[none]"}),
            rec(3, features={"c": "C:\\logs\tx"}),
            rec(4, features={"c": "[0-10]"}),
            rec(5, features={"c": "{id}"}),
            rec(6, features={"c": "[10, 20]"}),  # JSON array text in a string: read as an array
        ],
    )
    frame, stats = read(path, categorical=("c",), discover=discover)
    assert frame["feature:c"].to_list() == [None, None, "[none]", "C:\\logs\tx", "[0-10]", "{id}", None]
    assert stats.skipped == {"wrong type: feature c": 3}


def test_objects_polars_cannot_write_back_are_read_from_the_line_plain_cri_and_docker(write_lines):
    inner = rec(1, features={"dir": "C:\\x", 'q"k': "tab\there", "x": 1.0})
    path = write_lines(
        "a.log",
        [
            json.dumps(rec(0, features={"dir": "C:\\x", 'q"k': "tab\there", "x": 0.5})),
            "2026-11-09T12:00:01.000Z stdout F " + json.dumps(inner),
            json.dumps(
                {
                    "log": json.dumps(rec(2, features={"dir": "D:\\y", "x": 2.0})) + "\n",
                    "stream": "stdout",
                    "time": "2026-11-09T12:00:02Z",
                }
            ),
        ],
    )
    frame, stats = read(path, numeric=("x",), discover="all")
    assert frame["feature:x"].to_list() == [0.5, 1.0, 2.0]
    assert frame["feature:dir"].to_list() == ["C:\\x", "C:\\x", "D:\\y"]
    assert frame['feature:q"k'].to_list() == ["tab\there", "tab\there", None]
    assert stats.skipped == {}


@pytest.mark.parametrize("discover", ["none", "all"])
def test_backslashes_that_polars_would_turn_into_valid_escapes_keep_their_values(write_lines, discover):
    r"""``C:\\temp\\new`` read as text comes back from polars as ``C:\temp\new``: valid JSON
    of a tab and a newline, so only its backslash tells it was written back wrong."""
    values = ["C:\\temp\\new", "C:\\b\\f\\r", "\\u00e9", "end\\", "plain"]
    path = write_lines("a.log", [rec(i, features={"c": value, "x": float(i)}) for i, value in enumerate(values)])
    frame, stats = read(path, numeric=("x",), categorical=("c",), discover=discover)
    assert frame["feature:c"].to_list() == values
    assert frame["feature:x"].to_list() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert stats.skipped == {}


# --- hostile shapes ----------------------------------------------------------------------


def deep(levels: int) -> dict:
    node: dict = {"v": 1}
    for _ in range(levels):
        node = {"n": node}
    return node


ODD_KEYS = {'a"b': 1, "back\\slash": 2, "üñí": "é", "": 4, "tab\tkey": "C:\\dir"}


@pytest.mark.parametrize("discover", ["none", "first_chunk", "all"])
def test_hostile_features_values_never_raise_and_are_counted(write_lines, discover):
    path = write_lines(
        "a.log",
        [
            rec(0, features="text"),
            rec(1, features=[1, 2]),
            rec(2, features=5),
            rec(3, features=None),
            rec(4, features={}),
            rec(5, features={"x": deep(50)}),
            rec(6, features=ODD_KEYS),
            rec(7, features={"timestamp": "1999-01-01T00:00:00Z", "label": "dog", "x": 3}),
            rec(8),
        ],
    )
    frame, stats = read(path, numeric=("x",), categorical=("label",), discover=discover)
    assert stats.records == 9
    assert stats.skipped == {"wrong type: features": 3, "wrong type: feature x": 1}
    assert [first_line(stats, "wrong type: features"), first_line(stats, "wrong type: feature x")] == [1, 6]
    assert frame["feature:x"].to_list() == [None] * 7 + [3.0, None]
    assert frame["feature:label"].to_list() == [None] * 7 + ["dog", None]
    assert frame["label"].to_list() == ["cat"] * 9  # a feature never overwrites a canonical field
    assert frame["ts"].dt.hour().to_list() == [12] * 9
    assert frame["has_features"].to_list() == [True, True, True, False, True, True, True, True, False]


def test_odd_keys_are_discovered_exactly_beside_a_wrong_type(write_lines):
    lines = [rec(0, features={**ODD_KEYS, "x": deep(50)}), rec(1, features={"": "again", "x": 1})]
    frame, stats = read(write_lines("a.log", lines), numeric=("x",), discover="all")
    assert features_of(frame) == ["feature:x"] + ["feature:" + key for key in ODD_KEYS]
    row = frame.row(0, named=True)
    assert {key: row["feature:" + key] for key in ODD_KEYS} == {key: str(value) for key, value in ODD_KEYS.items()}
    assert frame["feature:"].to_list() == ["4", "again"] and frame["feature:x"].to_list() == [None, 1.0]
    assert stats.skipped == {"wrong type: feature x": 1}


def test_absent_is_missing_not_zero_and_has_features_marks_the_object(write_lines):
    path = write_lines("a.log", [rec(0), rec(1, features={"y": 1}), rec(2, features={"x": 2, "y": 0})])
    frame, stats = read(path, numeric=("x", "y"))
    assert frame["feature:x"].to_list() == [None, None, 2.0]
    assert frame["feature:y"].to_list() == [None, 1.0, 0.0]
    assert frame["has_features"].to_list() == [False, True, True]
    assert stats.skipped == {}


def test_a_wrong_type_deep_in_a_chunked_file_is_counted_and_other_chunks_stay_typed(write_lines, text_chunks):
    lines = [rec(i, features={"x": float(i % 100), "c": f"k{i % 3}"}) for i in range(30_500)]
    lines[29_999]["features"]["x"] = "n/a"  # line 30,000
    frame, stats = read(write_lines("a.log", lines), numeric=("x",), categorical=("c",), chunk_bytes=64 << 10)
    assert stats.records == 30_500 and stats.skipped == {"wrong type: feature x": 1}
    assert first_line(stats, "wrong type: feature x") == 30_000
    expected = [float(i % 100) for i in range(30_500)]
    expected[29_999] = None
    assert frame["feature:x"].to_list() == expected
    assert frame["feature:c"].to_list() == [f"k{i % 3}" for i in range(30_500)]
    text = [data for data, as_text in text_chunks if as_text]
    assert len(text_chunks) > 20 and len(text) == 1
    assert b'"n/a"' in text[0]  # the chunk read as text is the one holding line 30,000


# --- discovery ------------------------------------------------------------------------


def late_key_file(write_lines, name: str):
    lines = [rec(i, features={"a": i}) for i in range(3_000)]
    lines[2_900]["features"]["late"] = "yes"
    return write_lines(name, lines)


def test_discover_all_lists_every_key_including_one_first_seen_in_a_late_chunk(write_lines):
    frame, stats = read(late_key_file(write_lines, "a.log"), discover="all", chunk_bytes=16 << 10)
    assert features_of(frame) == ["feature:a", "feature:late"]
    assert frame["feature:a"].to_list() == [str(i) for i in range(3_000)]
    assert frame["feature:late"].to_list() == [None] * 2_900 + ["yes"] + [None] * 99
    assert stats.skipped == {}


def test_discover_first_chunk_lists_and_reads_keys_of_each_files_first_chunk_only(write_lines):
    first = late_key_file(write_lines, "a.log")
    second = write_lines("b.log", [rec(5_000 + i, features={"b": "x"}) for i in range(3)])
    frame, _ = read([first, second], discover="first_chunk", chunk_bytes=16 << 10)
    assert features_of(frame) == ["feature:a", "feature:b"]  # "late" is in a later chunk
    in_first_chunk = frame["feature:a"].drop_nulls().to_list()
    assert 0 < len(in_first_chunk) < 3_000 and in_first_chunk == [str(i) for i in range(len(in_first_chunk))]
    assert frame["feature:b"].to_list()[-3:] == ["x", "x", "x"]


def test_discover_none_reads_only_the_known_names(write_lines):
    frame, _ = read(late_key_file(write_lines, "a.log"), numeric=("a",), chunk_bytes=16 << 10)
    assert features_of(frame) == ["feature:a"] and frame.schema["feature:a"] == pl.Float64
    assert frame["feature:a"].sum() == sum(range(3_000))


def test_the_cap_keeps_the_first_max_features_keys_as_logged_and_counts_the_other_values(write_lines):
    keys = {f"k{i:03d}": float(i) for i in reversed(range(MAX_FEATURES + 5))}  # logged k504 first
    lines = [rec(0, features={"early": 1}), rec(1, features=keys), rec(2, features={"k000": 1.0, "k504": 2.0})]
    frame, stats = read(write_lines("a.log", lines), discover="all")
    kept = ["feature:early"] + [f"feature:k{i:03d}" for i in reversed(range(6, MAX_FEATURES + 5))]
    assert features_of(frame) == kept and len(kept) == MAX_FEATURES
    assert stats.skipped == {OVER_CAP: 7}  # k005..k000 on line 2, k000 on line 3
    assert frame["feature:k504"].to_list() == [None, "504", "2"]


# --- named features -------------------------------------------------------------------


def test_top_level_fields_named_as_features(write_lines):
    path = write_lines("a.log", [rec(0, a=1.5, b="x"), rec(1), rec(2, a="n/a", b=7, features={"a": 9.0})])
    frame, stats = read(path, numeric=("a",), categorical=("b",), features=("a", "b"))
    assert frame["feature:a"].to_list() == [1.5, None, None]  # the named field wins over the object
    assert frame["feature:b"].to_list() == ["x", None, "7"]
    assert frame["has_features"].to_list() == [True, False, True]
    assert stats.skipped == {"wrong type: feature a": 1}


def test_a_canonical_numeric_field_named_as_a_categorical_feature_reads_as_text(write_lines):
    path = write_lines("a.log", [rec(0, latency_ms=5.5, confidence=0.5), rec(1, latency_ms=7, confidence=0.25)])
    frame, stats = read(
        path, numeric=("confidence",), categorical=("latency_ms",), features=("latency_ms", "confidence")
    )
    assert frame.schema["feature:latency_ms"] == pl.String and frame["feature:latency_ms"].to_list() == ["5.5", "7"]
    assert frame["feature:confidence"].to_list() == [0.5, 0.25]
    assert stats.skipped == {}


def test_field_mapping_to_a_nested_path(write_lines):
    path = write_lines(
        "a.log", [rec(0, ctx={"region": "eu"}), rec(1, ctx={"other": 1}), rec(2), rec(3, ctx={"region": {"x": 1}})]
    )
    frame, stats = read(path, categorical=("region",), fields={"features.region": "ctx.region"})
    assert frame["feature:region"].to_list() == ["eu", None, None, None]
    assert frame["has_features"].to_list() == [True, False, False, True]  # ctx without region carries no input
    assert stats.skipped == {"wrong type: feature region": 1}


def test_field_mapping_to_loguru_extra_and_to_an_absent_path(write_lines):
    def loguru(i: int, **extra) -> dict:
        record = {
            "time": {"timestamp": 1794744000.0 + i},
            "message": "inference",
            "level": {"name": "INFO"},
            "extra": extra,
        }
        return {"text": "x", "record": record}

    path = write_lines("a.log", [loguru(0, x=0.5), loguru(1, x="1.5"), loguru(2, cpu_percent=3.0)])
    frame, stats = read(path, numeric=("x", "q"), fields={"features.x": "record.extra.x", "features.q": "nowhere.q"})
    assert frame["feature:x"].to_list() == [0.5, 1.5, None]
    assert frame["feature:q"].to_list() == [None, None, None]
    assert frame["has_features"].to_list() == [True, True, False]
    assert stats.records == 3 and stats.skipped == {}


@pytest.mark.parametrize("fields", [{"features.": "x"}, {"features.x": ""}, {"features.x": "..."}])
def test_a_feature_mapping_without_a_name_or_path_is_a_usage_error(write_lines, fields):
    with pytest.raises(UsageError, match="features.NAME=dotted.path"):
        read(write_lines("a.log", [rec(0)]), numeric=("x",), fields=fields)


# --- property -------------------------------------------------------------------------

NUMBER = st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False))
WRONG = st.one_of(
    st.text("abcxyz ", max_size=6).map(lambda s: "t" + s),
    st.booleans(),
    st.dictionaries(st.text("ab", max_size=2), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)
ROW = st.one_of(
    st.none(),  # no features object
    st.fixed_dictionaries({}, optional={"x": st.one_of(NUMBER, WRONG, st.none()), "other": st.one_of(NUMBER, WRONG)}),
)


def kind(value: object) -> str:
    if value is None:
        return "missing"
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "wrong"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=30), discover=st.sampled_from(["none", "all"]))
def test_every_feature_row_is_a_number_a_wrong_type_or_missing(rows, discover):
    kinds = [kind(None if row is None else row.get("x")) for row in rows]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.log"
        path.write_text(
            "".join(
                json.dumps(rec(i, **({} if row is None else {"features": row}))) + "\n" for i, row in enumerate(rows)
            )
        )
        frame, stats = read(path, numeric=("x",), discover=discover)
    values = frame["feature:x"]
    assert values.dtype == pl.Float64
    counted = stats.skipped.get("wrong type: feature x", 0)
    assert values.drop_nulls().len() == kinds.count("number")
    assert counted == kinds.count("wrong")
    assert values.drop_nulls().len() + counted + (values.null_count() - counted) == len(rows)
    assert values.null_count() - counted == kinds.count("missing")
    assert frame["has_features"].sum() == sum(1 for row in rows if row is not None)
