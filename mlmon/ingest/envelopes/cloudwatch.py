"""Amazon CloudWatch Logs, in every shape its logs leave it: one envelope, ``cloudwatch``,
with a variant per shape (each told from the file's first bytes; ``--envelope cloudwatch``
takes the one whose detector accepts the file, else subscription records one a line).

- ``subscription``: subscription records as decoded from Kinesis, one a line
  (``messageType``, ``logGroup``, ``logStream``, ``logEvents``: :mod:`.cloudwatch_records`,
  read with polars, ``logEvents`` exploded); ``run-together``: the same records run together
  with no newline (``}{``, as Firehose writes them to S3 uncompressed), or a first record
  longer than the head, read as one document.
- ``lambda``: the event a Lambda subscription receives, ``{"awslogs": {"data":
  base64(gzip(record))}}``, one a line; ``lambda-document``: pretty-printed, read whole.
- ``firehose``: Firehose's S3 object with GZIP compression on: the object's gzip (undone by
  the reader) holds one gzip member per record, one after the other; read whole.
- ``cli``: the document ``aws logs filter-log-events`` and ``get-log-events`` print
  (``{"events": [...]}``, :mod:`.cloudwatch_cli`); read whole.
- ``export``: an export task to S3 (``<task>/<stream>/000000.gz``) of ``<ISO time>Z
  <message>`` lines, the time given as ``ts`` (:mod:`.cloudwatch_export`; told from
  kubectl's ``--timestamps`` lines by the 3 fractional digits); ``write-test``: the
  ``aws-logs-write-test`` object the task writes first (``Permission Check Successful``),
  one item, skipped.

The record's own values win; the event's time fills ``ts`` and its log group and stream
``source.log_group`` and ``source.log_stream`` (the export keeps no source: its object path
is not documented by AWS). CloudWatch carries no severity. Items skipped: ``CONTROL_MESSAGE``
(a health check), ``aws-logs-write-test``, ``not JSON (cloudwatch message)``; damage:
``undecodable payload (cloudwatch awslogs.data)`` or ``(cloudwatch firehose record)``,
``malformed envelope (cloudwatch logEvents is not a list)`` or ``(... logEvents missing)``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

from mlmon.ingest.envelopes.base import Envelope, Unwrapped
from mlmon.ingest.envelopes.cloudwatch_cli import detect_cli, unwrap_cli
from mlmon.ingest.envelopes.cloudwatch_export import unwrap_export, unwrap_write_test
from mlmon.ingest.envelopes.cloudwatch_payloads import unwrap_firehose_gzip, unwrap_lambda_document, unwrap_lambda_lines
from mlmon.ingest.envelopes.cloudwatch_records import NAME, read_fast_records, unwrap_records

_RECORD = re.compile(
    rb'[ \t]*\{[^\n]*"(?:messageType"[ \t]*:[ \t]*"(?:DATA|CONTROL)_MESSAGE"|logEvents"[ \t]*:[ \t]*\[)'
)
"""A first line holding a subscription record: its message type, or a list of log events."""
_LAMBDA_LINE = re.compile(rb'[ \t]*\{[ \t]*"awslogs"[ \t]*:[ \t]*\{')
_LAMBDA_DOCUMENT = re.compile(rb'\s*\{\s*"awslogs"\s*:\s*\{')
_EXPORT = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \{")
"""CloudWatch's export line: a time with milliseconds, ``Z``, the message (kubectl's
``--timestamps`` RFC 3339 times carry 9 digits)."""
_WRITE_TEST = b"Permission Check Successful"
Unwrap = Callable[[bytes, str], Unwrapped]


def _subscription(head: bytes) -> bool:
    return bool(_RECORD.match(head)) and not _run_together(head)


def _run_together(head: bytes) -> bool:
    """Records run together on the first line, or a first line longer than the head: read
    whole (up to ``WHOLE_FILE_BYTES``), as a Firehose object of records with no newline
    would be a line too long to read."""
    first, newline, _ = head.partition(b"\n")
    return bool(_RECORD.match(head)) and (b"}{" in first or not newline)


def _firehose(head: bytes) -> bool:
    if not head.startswith(b"\x1f\x8b"):
        return False
    try:
        start = zlib.decompressobj(31).decompress(head, 4096)
    except zlib.error:
        return False
    return bool(_RECORD.match(start))


def _lambda_line(head: bytes) -> bool:
    return bool(_LAMBDA_LINE.match(head))


def _lambda_document(head: bytes) -> bool:
    return bool(_LAMBDA_DOCUMENT.match(head))


def _export(head: bytes) -> bool:
    return bool(_EXPORT.match(head))


def _write_test(head: bytes) -> bool:
    return head.strip() == _WRITE_TEST


def _records(data: bytes, source: str) -> Unwrapped:
    return unwrap_records(data)


def _variant(variant: str, title: str, detect: Callable[[bytes], bool], unwrap: Unwrap, priority: int) -> Envelope:
    whole = variant in ("run-together", "lambda-document", "firehose", "write-test", "cli")
    fast = read_fast_records if variant == "subscription" else None
    return Envelope(NAME, title, detect, unwrap, whole_file=whole, priority=priority, variant=variant, read_fast=fast)


ENVELOPES = (
    _variant("subscription", "CloudWatch Logs subscription records", _subscription, _records, 40),
    _variant("run-together", "CloudWatch Logs records run together", _run_together, _records, 41),
    _variant("lambda", "CloudWatch Logs to Lambda events", _lambda_line, unwrap_lambda_lines, 42),
    _variant("lambda-document", "CloudWatch Logs to Lambda event", _lambda_document, unwrap_lambda_document, 43),
    _variant("firehose", "CloudWatch Logs through Firehose to S3", _firehose, unwrap_firehose_gzip, 44),
    _variant("export", "CloudWatch Logs export to S3", _export, unwrap_export, 45),
    _variant("write-test", "CloudWatch Logs export's write test", _write_test, unwrap_write_test, 46),
    _variant("cli", "CloudWatch Logs events as the AWS CLI prints them", detect_cli, unwrap_cli, 47),
)
"""The variants, in detection order; the first is what ``--envelope cloudwatch`` reads a file
no detector accepts as."""
