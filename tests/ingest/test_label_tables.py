"""Issue 24, ingest: tables of ground truth (``--labels FILE``) read into canonical label
columns, every row accounted for. Tables are written with polars (or by hand) in
``tmp_path``; expected values are worked by hand."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from mlmon.errors import InputError, UsageError
from mlmon.ingest import IngestOptions, LabelTable, Needs, read_label_table, read_logs

T0 = datetime(2026, 11, 9, 12, tzinfo=UTC)
TABLE = {
    "request_id": ["r-1", "r-2", None, "r-4", "r-5", "r-6"],
    "y_true": ["A", None, "B", "0.5", "C", "D"],
    "timestamp": ["2026-11-09T12:00:00Z", "2026-11-09T12:00:01Z", None, None, "soon", "1794225600"],
}
"""A table with a row lacking its truth, one lacking its id, a fractional truth, an
unreadable time and an epoch time (1794225600 s is 2026-11-09 12:00 UTC)."""
KEPT = [("r-1", "A", T0), ("r-5", "C", None), ("r-6", "D", T0)]
SKIPPED = {"missing actual": 1, "missing request id": 1, "wrong type: actual": 1}


def table_rows(table: LabelTable) -> list[tuple]:
    return [(row["request_id"], row["actual"], row["ts"]) for row in table.frame.to_dicts()]


def accounted(table: LabelTable) -> bool:
    return table.rows == table.frame.height + sum(table.skipped.values())


def write_json_lines(path: Path, records: list[dict], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records) + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["labels.csv", "labels.parquet", "labels.jsonl", "labels.ndjson", "labels.json"])
def test_each_kind_of_table_gives_the_same_labels_and_counts(tmp_path, name):
    path = tmp_path / name
    frame = pl.DataFrame(TABLE)
    if name.endswith(".csv"):
        frame.write_csv(path)
    elif name.endswith(".parquet"):
        frame.write_parquet(path)
    else:
        write_json_lines(path, frame.to_dicts())
    table = read_label_table(path)
    assert table_rows(table) == KEPT
    assert (table.rows, table.skipped, table.problems) == (6, SKIPPED, {"unparseable timestamp": 1})
    assert accounted(table)
    assert table.frame.schema == pl.Schema(
        {
            "request_id": pl.String(),
            "actual": pl.Categorical(),
            "ts": pl.Datetime("us", "UTC"),
            "source": pl.Categorical(),
        }
    )
    assert table.frame["source"].cast(pl.String).to_list() == [str(path)] * 3


@pytest.mark.parametrize("name", ["labels.csv.gz", "labels.jsonl.gz", "labels.gz"])
def test_compressed_tables(tmp_path, name):
    plain = tmp_path / "plain"
    if ".csv" in name:
        pl.DataFrame(TABLE).write_csv(plain)
    else:
        write_json_lines(plain, pl.DataFrame(TABLE).to_dicts())
    path = tmp_path / name
    path.write_bytes(gzip.compress(plain.read_bytes()))
    table = read_label_table(path)
    assert table_rows(table) == KEPT and table.skipped == SKIPPED


def test_typed_parquet_columns_are_read_as_the_logs_text(tmp_path):
    """Numbers, booleans and times typed in Parquet: a float id ``7.0`` is the id ``7``, a
    truth ``1.0`` the class ``1``, a boolean ``true``; a naive time is UTC, a zoned one is
    moved to UTC."""
    path = tmp_path / "typed.parquet"
    pl.DataFrame(
        {
            "prediction_id": [7.0, 8.0, 9.0],
            "actual": [1.0, 0.0, None],
            "flag": [True, False, True],
            "ts": [datetime(2026, 11, 9, 12), datetime(2026, 11, 9, 13), datetime(2026, 11, 9, 14)],
        }
    ).with_columns(pl.col("ts").dt.replace_time_zone("Europe/Paris")).write_parquet(path)
    table = read_label_table(path)
    assert table_rows(table) == [
        ("7", "1", datetime(2026, 11, 9, 11, tzinfo=UTC)),
        ("8", "0", datetime(2026, 11, 9, 12, tzinfo=UTC)),
    ]
    assert table.skipped == {"missing actual": 1}
    flags = read_label_table(path, {"actual": "flag"})
    assert [row[1] for row in table_rows(flags)] == ["true", "false", "true"]


def test_table_classes_meet_the_classes_a_log_predicts(tmp_path, write_lines):
    """The same class written as a log writes it and as a table holds it: one class."""
    logged = [1, True, "cat", 0, False]
    written = ["1.0", "True", "cat", "0", "FALSE"]
    log = write_lines("a.log", [{"ts": "2026-11-09T12:00:00Z", "label": value} for value in logged])
    predicted = read_logs([str(log)], IngestOptions(), Needs(("label",))).frame.collect()["label"].to_list()
    path = tmp_path / "truth.csv"
    pl.DataFrame({"id": [str(i) for i in range(len(written))], "actual": written}).write_csv(path)
    truth = read_label_table(path).frame["actual"].cast(pl.String).to_list()
    assert predicted == truth == ["1", "true", "cat", "0", "false"]


def test_ids_as_numbers_and_text_are_one_id(tmp_path):
    path = write_json_lines(
        tmp_path / "l.jsonl",
        [
            {"id": 123, "actual": "A"},
            {"id": "123", "actual": "A"},
            {"id": 123.0, "actual": "A"},
            {"id": "", "actual": "A"},
        ],
    )
    table = read_label_table(path)
    assert table.frame["request_id"].to_list() == ["123", "123", "123"]
    assert table.skipped == {"missing request id": 1}


def test_no_time_column_gives_null_times(tmp_path):
    path = tmp_path / "l.csv"
    pl.DataFrame({"trace_id": ["a", "b"], "ground_truth": ["X", "Y"]}).write_csv(path)
    table = read_label_table(path)
    assert table_rows(table) == [("a", "X", None), ("b", "Y", None)]
    assert table.problems == {} and table.skipped == {}


def test_a_time_out_of_range_is_counted_and_left_out(tmp_path):
    path = tmp_path / "l.csv"
    pl.DataFrame(
        {"id": ["a", "b"], "actual": ["X", "Y"], "time": ["9999-01-01T00:00:00Z", "1969-12-31T00:00:00Z"]}
    ).write_csv(path)
    table = read_label_table(path)
    assert table_rows(table) == [("a", "X", None), ("b", "Y", None)]
    assert table.problems == {"timestamp out of range": 2}


# --- --field -------------------------------------------------------------------------------------


def test_field_overrides_map_any_column(tmp_path):
    path = tmp_path / "l.csv"
    pl.DataFrame(
        {"key": ["k1", "k2"], "label.true": ["A", "B"], "request_id": ["x", "y"], "when": ["0", "60"]}
    ).write_csv(path)
    table = read_label_table(path, {"request_id": "key", "actual": "label.true", "ts": "when"})
    assert table_rows(table) == [
        ("k1", "A", datetime(1970, 1, 1, tzinfo=UTC)),
        ("k2", "B", datetime(1970, 1, 1, 0, 1, tzinfo=UTC)),
    ]


def test_field_overrides_reach_into_json_objects(tmp_path):
    path = write_json_lines(tmp_path / "l.jsonl", [{"meta": {"rid": 5}, "truth": {"cls": "A"}}])
    table = read_label_table(path, {"request_id": "meta.rid", "actual": "truth.cls"})
    assert table_rows(table) == [("5", "A", None)]


def test_a_bad_field_name_is_a_usage_error(tmp_path):
    path = tmp_path / "l.csv"
    pl.DataFrame({"id": ["a"], "actual": ["X"]}).write_csv(path)
    with pytest.raises(UsageError, match="unknown field"):
        read_label_table(path, {"truth": "actual"})


# --- what is not a label table -------------------------------------------------------------------


def one_line_error(path: Path, overrides: dict[str, str] | None = None) -> str:
    with pytest.raises(InputError) as caught:
        read_label_table(path, overrides)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_a_missing_id_column_names_the_file_its_columns_and_the_field(tmp_path):
    path = tmp_path / "l.csv"
    pl.DataFrame({"user": ["a"], "actual": ["X"]}).write_csv(path)
    message = one_line_error(path)
    assert "no request id column" in message and "columns: user, actual" in message
    assert "--field request_id=" in message


def test_a_missing_truth_column_names_the_file_its_columns_and_the_field(tmp_path):
    path = tmp_path / "l.parquet"
    pl.DataFrame({"id": ["a"], "label": ["X"]}).write_parquet(path)
    message = one_line_error(path)
    assert "no true class (actual) column" in message and "columns: id, label" in message
    assert "--field actual=" in message


def test_json_lines_without_a_truth_name_the_keys_seen(tmp_path):
    path = write_json_lines(tmp_path / "l.jsonl", [{"id": 1, "outcome_label": "A"}, {"id": 2, "outcome_label": "B"}])
    message = one_line_error(path)
    assert "keys seen: id (2), outcome_label (2)" in message and "--field actual=" in message


def test_bad_json_lines_are_counted_the_mlmon_way(tmp_path):
    records = [{"id": "a", "actual": "X"}, {"id": "b", "actual": "Y"}]
    path = write_json_lines(tmp_path / "l.jsonl", records, '{"id": "c", "act\n\n[1, 2]\n{"id": "d", "actual": "Z"')
    table = read_label_table(path)
    assert table_rows(table) == [("a", "X", None), ("b", "Y", None)]
    assert table.rows == 5  # the blank line is no row
    assert table.skipped == {"malformed JSON": 1, "not a JSON object": 1, "truncated last line": 1}
    assert accounted(table)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("l.csv", bytes(range(256)) * 8, "cannot read as CSV"),
        ("l.parquet", b"id,actual\na,X\n", "cannot read as Parquet"),
        ("l.json", b'[{"id": 1, "actual": "A"}]\n', "not JSON lines"),
        ("l.jsonl", b"hello\nworld\n", "not JSON lines"),
    ],
)
def test_a_file_that_is_not_a_table_is_a_one_line_error(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    assert words in one_line_error(path)


def test_a_file_that_does_not_exist_or_is_a_folder(tmp_path):
    assert "no such file" in one_line_error(tmp_path / "nope.csv")
    assert "not a file" in one_line_error(tmp_path)


def test_an_empty_table_has_no_labels(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("request_id,actual\n", encoding="utf-8")
    table = read_label_table(path)
    assert (table.frame.height, table.rows, table.skipped) == (0, 0, {})


def test_a_table_named_otherwise_is_known_by_its_first_bytes(tmp_path):
    parquet, text = tmp_path / "labels.bin", tmp_path / "labels.txt"
    pl.DataFrame({"id": ["a"], "actual": ["X"]}).write_parquet(parquet)
    text.write_text("id,actual\nb,Y\n", encoding="utf-8")
    assert table_rows(read_label_table(parquet)) == [("a", "X", None)]
    assert table_rows(read_label_table(text)) == [("b", "Y", None)]
