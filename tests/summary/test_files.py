"""Summaries that merge (issue 14): ``mlmon summarize`` writes every analysis' partial state;
``report``, ``drift`` and ``check`` merge summaries and logs into the result of one read of
everything, and refuse a summary that cannot merge, naming it.

"The same result" is compared on the JSON outputs, minus what names files (``files``,
``examples``) and the time of the run, with every integer and string equal and every float
equal to 12 significant digits: a mean's sum is added per chunk and then across chunks,
and the summaries of parts cut the logs into other chunks than one read does, so the last
digits of a few means differ (one read, run twice, gives the same digits:
``tests/analyses/test_sums.py``). The states themselves round-trip bit for bit.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mlmon.analyses.composite import Composite
from mlmon.analyses.ops import OpsReducer
from mlmon.analyses.predictions import PredictionReducer
from mlmon.api.check import CheckOptions, build_check
from mlmon.api.drift import DriftOptions, build_drift_report
from mlmon.api.inputs import reduce_inputs
from mlmon.api.report import ReportOptions, build_report
from mlmon.api.summarize import SummaryOptions, build_summary, write_summary
from mlmon.cli import app
from mlmon.errors import InputError, UsageError
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.reader import reduce_logs
from mlmon.ingest.sniff import SUMMARY, mlmon_kind
from mlmon.plain import to_plain
from mlmon.summary.codec import CodecError, decode, encode
from mlmon.summary.files import SUMMARY_VERSION
from mlmon.windows import WindowSpec
from tests.conftest import REPO, SAMPLE_LOGS
from tests.e2e.test_golden import assert_same as assert_close

REFERENCE = str(REPO / "references" / "train.json")
A = [
    str(SAMPLE_LOGS / "replica-a" / "app.log.1"),
    str(SAMPLE_LOGS / "replica-a" / "app.log.6.gz"),
]  # app.log.1:2614 is malformed
B = [str(SAMPLE_LOGS / "replica-b" / "app.log.6.gz")]
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def round_trip(value):
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))


def comparable(text: str) -> dict:
    """A command's JSON without what names files or the time of the run."""
    document = json.loads(text)
    document.pop("now", None)
    for section in (document.get("inputs") or {}, (document.get("report") or {}).get("inputs") or {}):
        section.pop("files", None)
        section.pop("examples", None)
    return document


def assert_same(got, want):
    """Equal, floats to 12 significant digits (see the module docstring)."""
    assert_close(got, want, rel=1e-12)


RUNS = {
    "report": lambda inputs: build_report(inputs, ReportOptions(window="1h", p99_budget="40ms")).to_json(),
    "drift": lambda inputs: build_drift_report(inputs, DriftOptions(reference=REFERENCE, window="1h")).to_json(),
    "check": lambda inputs: build_check(inputs, CheckOptions(reference=REFERENCE, now=NOW)).to_json(),
}


@pytest.fixture(scope="module")
def summaries(tmp_path_factory):
    """Summaries of A and of B (with the reference), and of A without it."""
    folder = tmp_path_factory.mktemp("summaries")
    paths = {}
    for name, inputs, reference in (("a", A, REFERENCE), ("b", B, REFERENCE), ("a-plain", A, None)):
        paths[name] = str(folder / f"{name}.summary.json")
        write_summary(build_summary(inputs, SummaryOptions(reference=reference)), paths[name])
    return paths


@pytest.fixture(scope="module")
def whole():
    return {command: comparable(run(A + B)) for command, run in RUNS.items()}


# -- the codec ------------------------------------------------------------------------------


def test_the_codec_gives_back_every_value_and_dtype_exactly():
    rng = np.random.default_rng(7)
    floats = np.concatenate(
        [
            rng.standard_normal(1000) * 10.0 ** rng.integers(-300, 300, 1000),
            [0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324],
        ]
    )
    times = pl.Series([datetime(2026, 11, 9, 12, 0, 0, 123456, tzinfo=UTC), None]).cast(pl.Datetime("us", "UTC"))
    frame = pl.DataFrame(
        {
            "f": pl.Series(floats[:2]),
            "t": times,
            "c": pl.Series(["x", None], dtype=pl.Categorical),
            "e": pl.Series([None, "b"], dtype=pl.Enum(["a", "b"])),
            "l": pl.Series([[1.5, None], None]),
            "n": pl.Series([1, None], dtype=pl.UInt32),
            "b": [True, None],
            "s": ["é", None],
        }
    )
    value = {
        ("v1", 3, None): frozenset({3, 1, 2}),
        0: (floats, frame),
        "x": [math.nan, -0.0, 0.1, np.float64(0.3), np.int64(-7)],
        "when": datetime(2026, 11, 9, 0, 0, 0, 1, tzinfo=UTC),
        "window": WindowSpec(duration=timedelta(hours=1)),
    }
    back = round_trip(value)
    assert list(back) == list(value) and back[("v1", 3, None)] == frozenset({1, 2, 3})
    got_floats, got_frame = back[0]
    assert got_floats.dtype == np.float64 and np.array_equal(
        got_floats.view(np.uint64), floats.view(np.uint64)
    )  # every bit
    assert got_frame.schema == frame.schema and got_frame.equals(frame, null_equal=True)
    assert got_frame["t"][0] == datetime(2026, 11, 9, 12, 0, 0, 123456, tzinfo=UTC)
    x = back["x"]
    assert (
        math.isnan(x[0])
        and math.copysign(1, x[1]) == -1
        and x[2] == 0.1
        and type(x[3]) is np.float64
        and type(x[4]) is np.int64
    )
    assert (
        back["when"] == value["when"] and back["when"].utcoffset() == timedelta(0) and back["window"] == value["window"]
    )
    assert "NaN" not in json.dumps(encode(value), allow_nan=False)


@pytest.mark.parametrize(
    "kind",
    [
        "os:system",
        "builtins:dict",
        "mlmon.api.report:ReportOptions",
        "mlmon.render.html:render",
        "mlmon.analyses.nope:State",
    ],
)
def test_decoding_names_no_class_outside_the_analyses(kind):
    before = set(sys.modules)
    with pytest.raises(CodecError):
        decode({"$": kind})
    assert not {m for m in set(sys.modules) - before if not m.startswith("mlmon.analyses")}


def test_a_state_decoded_finalizes_to_the_same_result():
    window = WindowSpec(duration=timedelta(hours=1))
    reducer = Composite({"ops": OpsReducer(window), "predictions": PredictionReducer(window, low_threshold=0.5)})
    state, _ = reduce_logs(B, IngestOptions(), reducer)
    ops_back, predictions_back = round_trip((state["ops"], state["predictions"]))
    ops, predictions = reducer.parts["ops"], reducer.parts["predictions"]
    assert_same(to_plain(ops.finalize(ops_back)), to_plain(ops.finalize(state["ops"])))
    assert_same(to_plain(predictions.finalize(predictions_back)), to_plain(predictions.finalize(state["predictions"])))


# -- equality with one read -----------------------------------------------------------------


@pytest.mark.parametrize("command", RUNS)
def test_summaries_of_parts_give_the_result_of_the_whole(summaries, whole, command):
    assert_same(comparable(RUNS[command]([summaries["a"], summaries["b"]])), whole[command])


@pytest.mark.parametrize("command", RUNS)
def test_summaries_and_logs_mix_in_argument_order(summaries, whole, command):
    assert_same(comparable(RUNS[command]([summaries["a"], *B])), whole[command])
    assert_same(comparable(RUNS[command]([*A, summaries["b"]])), whole[command])


def test_a_summary_of_summaries_merges_like_its_parts(summaries, whole, tmp_path):
    region = str(tmp_path / "region.summary.json")
    write_summary(build_summary([summaries["a"], summaries["b"]], SummaryOptions(reference=REFERENCE)), region)
    assert_same(comparable(RUNS["check"]([region])), whole["check"])


def test_a_file_cut_into_pieces_summarizes_to_the_whole_file(tmp_path):
    lines = (SAMPLE_LOGS / "replica-a" / "app.log.1").read_bytes().splitlines(keepends=True)
    cuts = [0, 1000, 2613, 3601, len(lines)]  # the malformed line 2614 opens the third piece
    pieces = []
    for index, (start, end) in enumerate(zip(cuts, cuts[1:])):
        piece = tmp_path / f"piece{index}.log"
        piece.write_bytes(b"".join(lines[start:end]))
        pieces.append(str(tmp_path / f"piece{index}.summary.json"))
        write_summary(build_summary([str(piece)], SummaryOptions(reference=REFERENCE)), pieces[-1])
    for run in RUNS.values():
        assert_same(comparable(run(pieces)), comparable(run([A[0]])))


def test_a_directory_of_gzipped_summaries_and_logs_is_read_as_such(summaries, whole, tmp_path, runner):
    (tmp_path / "a.summary.json.gz").write_bytes(gzip.compress(open(summaries["a"], "rb").read()))
    (tmp_path / "b.log.gz").write_bytes(open(B[0], "rb").read())
    result = runner.invoke(app, ["report", str(tmp_path), "--window", "1h", "--p99-budget", "40ms", "-f", "json"])
    data = comparable(result.stdout)
    assert data["inputs"]["lines_skipped"] == {"malformed JSON": 1}  # A's line, never the summary's
    assert_same(data, whole["report"])
    assert result.exit_code == 1 and data["status"] == "critical"  # the budget breached, as with the logs


def test_summarize_on_the_command_line_writes_what_check_merges(runner, tmp_path, whole):
    for name, inputs in (("a", A), ("b", B)):
        result = runner.invoke(
            app, ["summarize", *inputs, "-r", REFERENCE, "-o", str(tmp_path / f"{name}.summary.json")]
        )
        assert result.exit_code == 0, result.output
        assert (
            result.stderr.startswith(f"mlmon: wrote {tmp_path / name}.summary.json (")
            and "1h windows, 8 features" in result.stderr
        )
    piped = runner.invoke(app, ["summarize", *B, "-r", REFERENCE, "-o", "-", "-q"])
    assert (
        piped.exit_code == 0
        and piped.stdout.startswith(f'{{"mlmon_summary_version":{SUMMARY_VERSION},')
        and piped.stderr == ""
    )
    result = runner.invoke(app, ["check", str(tmp_path), "-r", REFERENCE, "-f", "json"])
    assert result.exit_code == 0, result.output
    got = comparable(result.stdout)
    got.pop("now", None)
    assert_same({k: v for k, v in got.items() if k != "span"}, {k: v for k, v in whole["check"].items() if k != "span"})


def test_a_summary_holds_no_record(summaries):
    text = open(summaries["b"], encoding="utf-8").read()
    with gzip.open(B[0], "rt", encoding="utf-8") as lines:
        ids = {record["request_id"] for record in map(json.loads, lines) if "request_id" in record}
    assert len(ids) > 1000 and not [i for i in ids if f'"{i}"' in text]
    assert (
        text.startswith(f'{{"mlmon_summary_version":{SUMMARY_VERSION},"mlmon_version":')
        and mlmon_kind(summaries["b"]) == SUMMARY
    )


def test_an_empty_read_gives_a_summary_that_merges(tmp_path):
    empty = str(tmp_path / "quiet.summary.json")
    late = IngestOptions(since=datetime(2030, 1, 1, tzinfo=UTC))
    write_summary(build_summary(B, SummaryOptions(ingest=late, reference=REFERENCE)), empty)
    _, stats = reduce_inputs(
        [empty], IngestOptions(allow_no_records=True), OpsReducer(WindowSpec(duration=timedelta(hours=1)))
    )
    assert stats.records == 0 and stats.outside_time_range == stats.lines > 3000
    with pytest.raises(InputError, match="no usable records"):
        build_report([empty], ReportOptions(window="1h"))


# -- refusals ------------------------------------------------------------------------------


def edited(path, tmp_path, edit) -> str:
    document = json.loads(open(path, encoding="utf-8").read())
    edit(document)
    target = tmp_path / "edited.summary.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    return str(target)


def other_reference(tmp_path) -> str:
    profile = json.loads(open(REFERENCE, encoding="utf-8").read())
    numeric = next(f for f in profile["features"].values() if f.get("grid"))
    numeric["grid"][1] = numeric["grid"][1] + 1e-9
    target = tmp_path / "other.json"
    target.write_text(json.dumps(profile), encoding="utf-8")
    return str(target)


REFUSALS = {
    "summary version": (
        lambda s, t: [
            "report",
            edited(s["a"], t, lambda d: d.update(mlmon_summary_version=SUMMARY_VERSION + 1)),
            "--window",
            "1h",
        ],
        f"summary format version {SUMMARY_VERSION + 1}",
    ),
    "mlmon version": (
        lambda s, t: ["report", edited(s["a"], t, lambda d: d.update(mlmon_version="0.0.1")), "--window", "1h"],
        "made by mlmon 0.0.1",
    ),
    "finer window": (
        lambda s, t: ["report", s["a"], "--window", "15m"],
        "made with 1h windows, which cannot be split into this run's 15m windows",
    ),
    "not a multiple": (
        lambda s, t: ["check", s["a"], "--window", "90m"],
        "run with --window 1h or a whole multiple of it",
    ),
    "reference": (
        lambda s, t: ["drift", s["a"], "-r", other_reference(t), "--window", "1h"],
        "grids of another reference",
    ),
    "no features": (
        lambda s, t: ["drift", s["a-plain"], "-r", REFERENCE, "--window", "1h"],
        "made without --reference",
    ),
    "since": (
        lambda s, t: ["report", s["a"], "--window", "1h", "--since", "2026-11-10"],
        "--since/--until cannot filter a summary",
    ),
    "truncated": (lambda s, t: ["check", _truncated(s["a"], t)], "not a complete mlmon summary"),
    "field of another type": (
        lambda s, t: ["check", edited(s["a"], t, _groups_as_text)],
        "groups: expected tuple, found str",
    ),
    "table without a column": (
        lambda s, t: ["check", edited(s["a"], t, _minute_renamed)],
        "its ops state is damaged (",
    ),
}


def _groups_as_text(document: dict) -> None:
    document["states"]["ops"]["groups"] = "abc"


def _minute_renamed(document: dict) -> None:
    columns = document["states"]["ops"]["groups"]["items"][0]["columns"]
    next(c for c in columns if c["name"] == "_minute")["name"] = "minute"


def _truncated(path, tmp_path) -> str:
    data = open(path, "rb").read()
    target = tmp_path / "cut.summary.json"
    target.write_bytes(data[: len(data) // 2])
    return str(target)


@pytest.mark.parametrize("case", REFUSALS)
def test_a_summary_that_cannot_merge_is_refused_naming_it(summaries, tmp_path, runner, case):
    make, words = REFUSALS[case]
    args = make(summaries, tmp_path)
    result = runner.invoke(app, [*args, *B])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("mlmon: error: ") and words in lines[0], lines
    assert any(arg in lines[0] for arg in args if arg.endswith(".summary.json")), lines[0]


def test_the_same_since_and_until_are_accepted(tmp_path):
    since, until = datetime(2026, 11, 9, 6, tzinfo=UTC), datetime(2026, 11, 9, 18, tzinfo=UTC)
    ingest = IngestOptions(since=since, until=until)
    path = str(tmp_path / "b.summary.json")
    write_summary(build_summary(B, SummaryOptions(ingest=ingest)), path)
    options = ReportOptions(window="1h", ingest=ingest)
    assert_same(comparable(build_report([path], options).to_json()), comparable(build_report(B, options).to_json()))


def test_versions_pooled_or_apart_do_not_mix(summaries):
    with pytest.raises(InputError, match="counted per model version, this run counts them pooled"):
        build_drift_report([summaries["a"]], DriftOptions(window="1h", by_version=False))


def test_record_count_windows_are_refused_by_summarize():
    with pytest.raises(UsageError, match="record-count windows keep every record"):
        SummaryOptions(window="10000")
