"""Every envelope fixture (tests/ingest/envelopes/, README there) read with no flags: the
envelope chosen per file, the records (times, fields, where they came from), the items
skipped by reason and where, and the account, against the hand-worked expectation beside
each fixture; and the same report JSON as its records unwrapped by hand."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from mlmon.api.report import ReportOptions, build_report
from mlmon.ingest import IngestOptions, read_logs
from mlmon.ingest.canonical import CANONICAL_SCHEMA
from mlmon.ingest.envelopes import envelopes
from mlmon.ingest.needs import Needs
from mlmon.ingest.problems import LINE_REASONS

ENVELOPES = Path(__file__).parent / "envelopes"
EXPECTED = sorted(p for p in ENVELOPES.rglob("*.expected.json") if "_sources" not in p.parts)
COLUMNS = tuple(name for name in CANONICAL_SCHEMA if name not in ("probabilities", "probability_classes", "source"))


def fixture_id(path: Path) -> str:
    return str(path.relative_to(ENVELOPES)).removesuffix(".expected.json")


def expectation(path: Path) -> dict:
    expected = json.loads(path.read_text())
    names = {f["envelope"] for f in expected["files"]} - {"none"}
    missing = names - {envelope.name for envelope in envelopes().values()}
    if missing:
        pytest.skip(f"envelope not readable yet: {', '.join(sorted(missing))}")
    return expected


def read(path: Path, **options):
    data = read_logs([str(path)], IngestOptions(max_malformed_share=1.0, **options), Needs(COLUMNS))
    return data.frame.collect(), data.stats


def relative(fixture: Path, source: str) -> str:
    return str(Path(source).relative_to(fixture)) if fixture.is_dir() else Path(source).name


@pytest.mark.parametrize("expected_path", EXPECTED, ids=fixture_id)
def test_the_envelope_is_read_as_worked_out_by_hand(expected_path):
    expected = expectation(expected_path)
    fixture = ENVELOPES / expected["fixture"]
    frame, stats = read(fixture)
    chosen = {relative(fixture, source): read.envelope for source, read in stats.envelopes.items()}
    for file in expected["files"]:
        assert chosen.get(file["path"], "none") == file["envelope"], file["path"]
        if file["envelope"] != "none":
            assert (
                stats.envelopes[str(fixture / file["path"]) if fixture.is_dir() else str(fixture)].items
                == file["items"]
            )
    assert stats.entries == stats.records + stats.skipped_lines + stats.outside_time_range
    assert stats.records == len(expected["records"])
    assert stats.lines_skipped == expected["skipped"]
    shown = [(relative(fixture, p.source), p.line, p.reason) for p in stats.examples if p.reason in LINE_REASONS]
    assert shown == [(p["file"], p["line"], p["reason"]) for p in expected["problems"]]
    want = pl.DataFrame([r for r in expected["records"]], infer_schema_length=None)
    times = [datetime.fromisoformat(_cut(r["ts"])) for r in expected["records"]]
    assert frame["ts"].to_list() == times
    for name in ("latency_ms", "status_code", "level", "request_id", "model_version", "label", "event"):
        if name in want.columns:
            got = frame[name].cast(want[name].dtype if name != "status_code" else pl.Int64).to_list()
            assert got == want[name].cast(pl.Int64 if name == "status_code" else want[name].dtype).to_list(), name


@pytest.mark.parametrize("expected_path", EXPECTED, ids=fixture_id)
def test_the_same_report_as_the_records_unwrapped_by_hand(expected_path):
    expected = expectation(expected_path)
    fixture = ENVELOPES / expected["fixture"]
    options = ReportOptions(ingest=IngestOptions(max_malformed_share=1.0))
    wrapped = build_report(str(fixture), options)
    by_hand = build_report(str(ENVELOPES / expected["unwrapped"]), options)
    mine, theirs = ({k: v for k, v in r.to_dict().items() if k != "inputs"} for r in (wrapped, by_hand))
    assert mine == theirs


def _cut(ts: str) -> str:
    """An ISO time with its fraction cut to microseconds (mlmon holds microseconds)."""
    head, _, rest = ts.partition(".")
    if not rest:
        return ts.replace("Z", "+00:00")
    digits = rest[: len(rest) - len(rest.lstrip("0123456789"))]  # the fraction's, not the offset's
    zone = rest[len(digits) :]
    return f"{head}.{digits[:6].ljust(6, '0')}{zone}".replace("Z", "+00:00")
