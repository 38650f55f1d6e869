"""Inside a directory, a file whose name does not say log is read when its first line is a
record or an envelope a reader knows (issue 26: exports name their files ``000000.gz``): a
CloudWatch Logs export to S3 is read with no flag, and gives the same report as its records
unwrapped by hand."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest

from mlmon.api.report import build_report
from mlmon.errors import InputError
from mlmon.ingest.discovery import discover

ENVELOPES = Path(__file__).parent / "envelopes"
RECORD = b'{"ts": "2026-11-20T12:00:00Z", "latency_ms": 12.5, "status": "ok"}\n'


@pytest.mark.parametrize(
    ("name", "content", "read"),
    [
        ("000000.gz", gzip.compress(RECORD, mtime=0), True),  # a CloudWatch export object
        ("events", b"2026-11-20T12:00:00.000Z " + RECORD, True),  # a time before the JSON
        ("0", b"2026-11-20T12:00:00.1Z stdout F " + RECORD, True),  # a CRI line
        ("pod", b"[pod/imgcls-1/server] " + RECORD, True),  # kubectl --prefix
        ("bom", b"\xef\xbb\xbf\n\n" + RECORD, True),  # a byte-order mark and blank lines first
        ("notes.txt", b"not a log\n", False),
        ("README.md", b"# {not a log}\n", False),
        ("aws-logs-write-test", b"Permission Check Successful", True),  # read: one item, skipped and named
        ("data.bin", bytes(range(256)), False),
        ("old.bz2", bz2.compress(RECORD), False),  # bz2 heads are not looked into (a whole block)
        (".hidden", RECORD, False),
    ],
)
def test_a_file_is_read_by_its_first_line_when_its_name_does_not_say_log(tmp_path, name, content, read):
    (tmp_path / "app.log").write_bytes(RECORD)
    (tmp_path / name).write_bytes(content)
    found = discover([str(tmp_path)])
    assert (str(tmp_path / name) in found.paths) is read
    assert (str(tmp_path / name) in found.ignored) is not read
    assert str(tmp_path / "app.log") in found.paths


def test_a_folder_of_nothing_but_other_files_says_what_it_looked_for(tmp_path):
    (tmp_path / "notes.txt").write_text("not a log\n")
    with pytest.raises(InputError, match=r"looked for \*\.log\*.* and files whose first line is a JSON record"):
        discover([str(tmp_path)])


def test_a_cloudwatch_export_to_s3_reads_as_its_records_unwrapped_by_hand():
    """``<task>/<stream>/000000.gz`` objects of ``<time> <message>`` lines, and the
    ``aws-logs-write-test`` object CloudWatch writes first (read as the envelope ``cloudwatch``:
    one item, skipped and named, so the folder's account holds every object)."""
    folder = ENVELOPES / "cloudwatch" / "export"
    expected = json.loads((ENVELOPES / "cloudwatch" / "export.expected.json").read_text())
    export = build_report(str(folder))
    by_hand = build_report(str(ENVELOPES / "cloudwatch" / "export.unwrapped.jsonl"))
    assert export.ingest.records == len(expected["records"]) == by_hand.ingest.records
    assert export.ingest.ignored_files == ()
    assert {Path(p).name: read.envelope for p, read in export.ingest.envelopes.items()} == {
        "000000.gz": "cloudwatch",
        "aws-logs-write-test": "cloudwatch",
    }
    assert export.ingest.lines_skipped == {"aws-logs-write-test": 1} == expected["skipped"]
    assert [(Path(p.source).name, p.line, p.reason) for p in export.ingest.examples] == [
        ("aws-logs-write-test", 1, "aws-logs-write-test")
    ]
    assert export.ingest.entries == len(expected["records"]) + 1 == expected["items"]
    assert (export.overall.start, export.overall.end) == (by_hand.overall.start, by_hand.overall.end)
    mine, theirs = ({k: v for k, v in r.to_dict().items() if k != "inputs"} for r in (export, by_hand))
    assert mine == theirs  # the same report JSON, but for what was read
