"""Build the binary envelope fixtures (gzip, base64) from their plain sources in ``_sources/``.

Run from anywhere: ``python tests/ingest/envelopes/make_fixtures.py``. Deterministic in content (gzip
with mtime 0, sorted inputs); the compressed bytes may differ between zlib builds, so the tests compare
what the fixtures decode to, never their bytes. Only the standard library is used: the fixtures must
not depend on mlmon.

What each built file is (the README says the same, and ``test_fixtures_consistent.py`` checks it):

- ``cloudwatch/export/<task>/<stream>/000000.gz``: gzip of ``_sources/cloudwatch/export-000000.txt``
  (a CloudWatch Logs export to S3: ``<ISO time> <message>`` per line).
- ``cloudwatch/lambda-event.json``: ``{"awslogs": {"data": base64(gzip(<DATA_MESSAGE>))}}``, the event
  a Lambda subscription receives, of ``_sources/cloudwatch/lambda-data-message.json``.
- ``cloudwatch/firehose/.../<object>.gz``: what Firehose writes to S3 with GZIP compression on for a
  CloudWatch Logs subscription: gzip of the concatenated gzip members of each record of
  ``_sources/cloudwatch/firehose-records/`` (gzip inside gzip; inside, ``}{`` with no newline).
- ``damaged/lambda-truncated.jsonl``: two Lambda events, one line each; the second's base64 payload
  is cut to half its length (a multiple of 4, so base64 decodes and the gzip stream is truncated).
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "_sources"

EXPORT_OBJECT = "cloudwatch/export/0c7a5e1d-9b3f-4f2a-8d6e-2b1c4a5f7e90/imgcls-web-1/000000.gz"
LAMBDA_EVENT = "cloudwatch/lambda-event.json"
FIREHOSE_OBJECT = "cloudwatch/firehose/2026/11/20/13/imgcls-cwl-1-2026-11-20-13-00-05-1a2b3c4d.gz"
TRUNCATED = "damaged/lambda-truncated.jsonl"


def gz(data: bytes) -> bytes:
    """One gzip member of ``data``, with mtime 0 so that a rebuild holds the same header."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def source(name: str) -> bytes:
    """A source file's bytes without its final newline (a subscription record is one JSON text)."""
    return (SOURCES / name).read_bytes().rstrip(b"\n")


def awslogs_event(payload: bytes) -> str:
    """The Lambda event of a CloudWatch Logs subscription: base64 of the gzip'd record."""
    return json.dumps({"awslogs": {"data": base64.b64encode(gz(payload)).decode("ascii")}})


def cut_base64(text: str) -> str:
    """``text`` cut to half its length, rounded down to a multiple of 4 (valid base64, cut gzip)."""
    return text[: len(text) // 2 // 4 * 4]


def build() -> dict[str, bytes]:
    """Every built fixture, by its path relative to this folder."""
    firehose_records = sorted((SOURCES / "cloudwatch/firehose-records").glob("*.json"))
    members = b"".join(gz(path.read_bytes().rstrip(b"\n")) for path in firehose_records)
    cut = json.loads(awslogs_event(source("damaged/lambda-cut.json")))
    cut["awslogs"]["data"] = cut_base64(cut["awslogs"]["data"])
    truncated = awslogs_event(source("damaged/lambda-good.json")) + "\n" + json.dumps(cut) + "\n"
    return {
        EXPORT_OBJECT: gz((SOURCES / "cloudwatch/export-000000.txt").read_bytes()),
        LAMBDA_EVENT: (awslogs_event(source("cloudwatch/lambda-data-message.json")) + "\n").encode(),
        FIREHOSE_OBJECT: gz(members),
        TRUNCATED: truncated.encode(),
    }


def main() -> None:
    for name, data in build().items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
