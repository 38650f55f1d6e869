"""Issue 24, ingest: the request id, the true class and the classes of a probability object,
read from logs only for an analysis that names them.

Oracles are hand-written expectations and Python's own ``json`` (the probabilities' keys
and numbers), never mlmon's functions.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from mlmon.cli import app
from mlmon.errors import UsageError
from mlmon.ingest import IngestOptions, Needs, read_logs
from mlmon.ingest.canonical import CANONICAL_SCHEMA
from mlmon.ingest.outcome import ChunkPlan

T0 = datetime(2026, 11, 9, 12, tzinfo=UTC)
NEW = ("request_id", "actual", "probability_classes")


def iso(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def rows(write_lines, records: list[dict], columns: tuple[str, ...], **options) -> tuple[list[dict], dict]:
    """``records`` (each given a time in order) read with ``Needs(columns)``: the rows in
    logged order, and the counted problems."""
    lines = [{"ts": iso(i), **record} for i, record in enumerate(records)]
    data = read_logs([str(write_lines("a.log", lines))], IngestOptions(**options), Needs(columns))
    assert data.stats.records == len(records)
    return data.frame.collect().sort("ts").to_dicts(), data.stats.skipped


class _Wants:
    """The smallest reducer: only its needs matter to a ChunkPlan."""

    def __init__(self, needs: Needs | None) -> None:
        self.needs = needs


# --- request ids ---------------------------------------------------------------------------------


def test_an_id_is_its_text_and_a_number_its_digits(write_lines):
    logged = [123, "123", 123.0, "123.0", "r-1", "", "  ", None, 12345678901234567890123, {"a": 1}, [1], "0042"]
    got, skipped = rows(write_lines, [{"request_id": value} for value in logged], ("request_id",))
    assert [row["request_id"] for row in got] == [
        "123",
        "123",
        "123",
        "123",
        "r-1",
        None,
        None,
        None,
        "12345678901234567890123",
        None,
        None,
        "0042",
    ]
    assert skipped == {"wrong type: request_id": 2}  # the object and the array


def test_the_id_names_in_priority_order_and_camel_case(write_lines):
    records = [
        {"id": "d", "trace_id": "c", "inference_id": "b", "prediction_id": "a"},
        {"id": "d", "traceId": "c"},
        {"inferenceId": "b", "id": "x"},
        {"predictionId": "a"},
        {"requestId": "r", "request_id": "s"},
        {"id": 7},
    ]
    got, _ = rows(write_lines, records, ("request_id",))
    assert [row["request_id"] for row in got] == ["a", "c", "b", "a", "s", "7"]


# --- the true class ------------------------------------------------------------------------------

CLASSES = [
    (1, "1"),
    (1.0, "1"),
    ("1", "1"),
    ("1.0", "1"),
    (-2.0, "-2"),
    (True, "true"),
    ("true", "true"),
    ("True", "true"),
    ("TRUE", "true"),
    (False, "false"),
    ("FALSE", "false"),
    ("cat", "cat"),
    ("Cat", "Cat"),
    ("007", "007"),
]
"""(logged value, canonical class), worked by hand: every form a writer gives a class."""


def test_the_true_class_is_canonicalised_exactly_like_the_predicted_one(write_lines):
    records = [{"prediction": logged, "y_true": logged} for logged, _ in CLASSES]
    got, skipped = rows(write_lines, records, ("label", "actual"))
    assert [(row["label"], row["actual"]) for row in got] == [(want, want) for _, want in CLASSES]
    assert skipped == {}


def test_a_predicted_one_meets_a_true_one_in_any_spelling(write_lines):
    """A prediction logged as ``1`` and its label logged as ``1.0``, ``"1.0"``, ``true``
    against ``"True"``: one class on both sides."""
    pairs = [(1, 1.0), (1.0, "1"), ("1.0", 1), (True, "True"), ("TRUE", True), ("true", "TRUE")]
    got, _ = rows(write_lines, [{"predicted_label": p, "actual": a} for p, a in pairs], ("label", "actual"))
    assert all(row["label"] == row["actual"] for row in got), got


def test_a_fraction_an_object_or_an_array_is_no_true_class(write_lines):
    logged = [0.5, "0.25", {"label": "A"}, ["A"], "B", None]
    got, skipped = rows(write_lines, [{"ground_truth": value} for value in logged], ("actual",))
    assert [row["actual"] for row in got] == [None, None, None, None, "B", None]
    assert skipped == {"wrong type: actual": 4}


def test_the_true_class_names_in_priority_order_and_camel_case(write_lines):
    records = [
        {"true_class": "f", "actual_label": "e", "ground_truth": "d", "true_label": "c", "y_true": "b", "actual": "a"},
        {"trueClass": "f", "actualLabel": "e"},
        {"groundTruth": "d", "trueClass": "f"},
        {"trueLabel": "c"},
        {"yTrue": "b", "trueLabel": "c"},
    ]
    got, _ = rows(write_lines, records, ("actual",))
    assert [row["actual"] for row in got] == ["a", "e", "d", "c", "b"]


def test_a_label_field_stays_the_predicted_class(write_lines):
    """``label`` is a predicted name: a record with ``label`` and ``actual`` has both."""
    got, _ = rows(write_lines, [{"label": "A", "actual": "B"}], ("label", "actual"))
    assert (got[0]["label"], got[0]["actual"]) == ("A", "B")


# --- --field -------------------------------------------------------------------------------------


def test_field_overrides_name_the_id_and_the_truth(write_lines):
    records = [
        {"meta": {"rid": 9}, "truth": "A", "request_id": "ignored", "actual": "ignored"},
        {"meta": {"rid": "r-2"}, "truth": 1.0},
        {"request_id": "r-3", "actual": "C"},  # the default names are no longer read
    ]
    fields = {"request_id": "meta.rid", "actual": "truth"}
    got, _ = rows(write_lines, records, ("request_id", "actual"), fields=fields)
    assert [(row["request_id"], row["actual"]) for row in got] == [("9", "A"), ("r-2", "1"), (None, None)]


def test_field_names_the_truth_when_a_service_logs_it_under_label(write_lines):
    records = [{"prediction": "A", "request_id": "r-1"}, {"label": "B", "request_id": "r-1", "event": "label"}]
    fields = {"actual": "label", "label": "prediction"}
    got, _ = rows(write_lines, records, ("label", "actual"), fields=fields)
    assert [(row["label"], row["actual"]) for row in got] == [("A", None), (None, "B")]


def test_an_unknown_field_name_is_a_usage_error_naming_the_new_ones(write_lines):
    path = write_lines("a.log", [{"ts": iso(0), "id": 1}])
    with pytest.raises(UsageError, match="request_id, actual"):
        read_logs([str(path)], IngestOptions(fields={"truth": "x"}), Needs(("actual",)))


# --- probabilities and their classes -------------------------------------------------------------

PROBABILITIES = [
    {"cat": 0.9, "dog": 0.1},
    {"cat": 0.7, "bird": "n/a", "dog": 0.3},
    {"a": None, "b": 0.25, "c": True, "d": 0.75},
    {"1": 0.4, "0": 0.6},
    [0.2, 0.8],
    [0.2, "x", 0.8],
    {},
    None,
]


def oracle(logged) -> tuple[list[float] | None, list[str] | None]:
    """The numbers of ``logged`` in order, and for an object its keys beside them (Python's
    own reading of the JSON; a boolean is no number); no keys when an entry is not a number."""
    if logged is None:
        return None, None
    pairs = list(logged.items()) if isinstance(logged, dict) else [(None, v) for v in logged]
    kept = [(k, v) for k, v in pairs if isinstance(v, (int, float)) and not isinstance(v, bool)]
    # an object with a value that is not a number keeps its numbers but has no classes
    named = isinstance(logged, dict) and len(kept) == len(pairs)
    return [float(v) for _, v in kept], [k for k, _ in kept] if named else None


def test_an_objects_keys_are_its_classes_aligned_with_its_probabilities(write_lines):
    records = [{"probabilities": value} for value in PROBABILITIES]
    got, skipped = rows(write_lines, records, ("probabilities", "probability_classes"))
    expected = [oracle(value) for value in PROBABILITIES]
    assert [(row["probabilities"], row["probability_classes"]) for row in got] == expected
    assert skipped == {}
    for row in got:
        if row["probability_classes"] is not None:
            assert len(row["probability_classes"]) == len(row["probabilities"])


def test_probabilities_read_alone_are_those_read_with_their_classes(write_lines):
    records = [{"probas": value} for value in PROBABILITIES]
    alone, _ = rows(write_lines, records, ("probabilities",))
    both, _ = rows(write_lines, records, ("probabilities", "probability_classes"))
    assert [row["probabilities"] for row in alone] == [row["probabilities"] for row in both]
    assert [row["probabilities"] for row in alone] == [oracle(value)[0] for value in PROBABILITIES]


def test_classes_can_be_asked_for_without_the_probabilities(write_lines):
    got, _ = rows(write_lines, [{"probs": {"x": 0.5, "y": 0.5}}, {"probs": [1.0]}], ("probability_classes",))
    assert [row["probability_classes"] for row in got] == [["x", "y"], None]
    assert set(got[0]) == {"ts", "probability_classes"}


def test_probability_keys_are_spelled_as_classes(write_lines):
    got, _ = rows(write_lines, [{"proba": {"True": 0.8, "False": 0.2}}], ("probability_classes",))
    assert got[0]["probability_classes"] == ["true", "false"]


# --- opt-in: nothing changes for a read that does not ask ----------------------------------------


def test_the_new_columns_are_canonical_with_their_dtypes():
    assert str(CANONICAL_SCHEMA["request_id"]) == "String"  # not Categorical: millions of distinct ids
    assert str(CANONICAL_SCHEMA["actual"]).startswith("Categorical")
    assert str(CANONICAL_SCHEMA["probability_classes"]) == "List(String)"


@pytest.mark.parametrize("needs", [None, Needs(()), Needs(("label", "latency_ms", "probabilities"))])
def test_a_read_that_does_not_name_them_neither_decodes_nor_counts_them(write_lines, needs):
    record = {"ts": iso(0), "request_id": {"bad": 1}, "y_true": 0.5, "label": "A", "probabilities": {"A": 1.0}}
    data = read_logs([str(write_lines("a.log", [record]))], IngestOptions(), needs)
    assert not set(NEW) & set(data.frame.collect_schema().names())
    assert data.stats.skipped == {}  # the object id and the fractional truth are not looked at
    plan = ChunkPlan.of(_Wants(needs), IngestOptions())
    keys = {"request_id", "requestId", "id", "trace_id", "y_true", "actual", "ground_truth"}
    assert not keys & set(plan.schema)


def test_a_read_that_names_them_decodes_their_keys():
    plan = ChunkPlan.of(_Wants(Needs(("request_id", "actual"))), IngestOptions())
    assert {"request_id", "requestId", "id", "trace_id", "y_true", "actual", "groundTruth"} <= set(plan.schema)
    classes = ChunkPlan.of(_Wants(Needs(("probability_classes",))), IngestOptions())
    assert "probabilities" in classes.schema and classes.probabilities


# --- a label record is neither a request nor a prediction ----------------------------------------


def service(n: int) -> list[dict]:
    """``n`` requests with their predictions: latencies, an error every seventh."""
    lines = []
    for i in range(n):
        rid = f"r-{i}"
        status = "error" if i % 7 == 0 else "ok"
        lines.append({"ts": iso(10 * i), "event": "inference", "request_id": rid, "latency_ms": i, "status": status})
        lines.append({"ts": iso(10 * i), "event": "prediction", "request_id": rid, "label": "AB"[i % 2]})
    return lines


def test_label_records_change_no_request_or_prediction_figure_of_report(runner, write_lines):
    lines = service(40)
    labels = [{"ts": iso(10 * i + 5), "event": "label", "request_id": f"r-{i}", "actual": "B"} for i in range(0, 39, 3)]
    mixed = lines + labels  # each label 5 s after its prediction, inside the span
    plain = json.loads(runner.invoke(app, ["report", "--format", "json", str(write_lines("p.log", lines))]).stdout)
    result = runner.invoke(app, ["report", "--format", "json", str(write_lines("l.log", mixed))])
    assert result.exit_code == 0, result.output
    labelled = json.loads(result.stdout)
    assert labelled["records"] == plain["records"] + len(labels)
    assert plain["errors"]["requests"] == 40 and plain["predictions"]["count"] == 40
    for key in ("throughput", "latency", "errors", "predictions", "by_model", "windows", "status", "findings"):
        assert labelled[key] == plain[key], key


@pytest.mark.parametrize(
    "key", ["1.0", "-2.00", "1.", "007.0", "1.5", "x.5", "True", "TRUE", "true", "False", "FALSE", "cat", "a b", "1e3"]
)
def test_an_objects_keys_are_spelled_as_class_text_spells_a_class(key):
    """The keys are respelled in the object's text in one pass; each must come out as
    class_text writes the same text read as a class."""
    from mlmon.ingest.classes import class_text, probability_entries

    text = json.dumps({key: 0.25, "other": 0.75})
    _, classes = probability_entries(pl.lit(text))
    got = pl.select(classes).item().to_list()
    assert got == [pl.select(class_text(pl.lit(key))).item(), "other"]
