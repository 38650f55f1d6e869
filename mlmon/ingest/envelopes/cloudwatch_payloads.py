"""CloudWatch Logs records that arrive compressed (a Lambda event's payload, Firehose's
gzip members), each turned into what :mod:`.cloudwatch_records` reads: subscription
records as JSON text.

Decompressing is a Python loop per payload (a Lambda event's ``awslogs.data``, a Firehose
record's gzip member): zlib takes one stream at a time; each payload holds many events,
which are then read with polars.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import polars as pl

from mlmon.ingest.envelopes._documents import renumbered, with_items_skipped
from mlmon.ingest.envelopes._jsonlines import PHYSICAL, TEXT, EnvelopeLines, read_envelope_lines
from mlmon.ingest.envelopes.base import Unwrapped
from mlmon.ingest.envelopes.cloudwatch_records import blank_lines, split_values, unwrap_records

UNDECODABLE_LAMBDA = "undecodable payload (cloudwatch awslogs.data)"
UNDECODABLE_FIREHOSE = "undecodable payload (cloudwatch firehose record)"
_LAMBDA_SCHEMA: dict[str, pl.DataType] = {"awslogs": pl.Struct({"data": pl.String()})}
_GZIP = b"\x1f\x8b\x08"
_FIRST_STEP, _LAST_STEP = 4 << 10, 1 << 20
"""Compressed bytes fed to zlib at a time, doubling up to the last: the input left over
after a member ends is copied, so a member costs at most about twice its own size."""


def unwrap_lambda_lines(data: bytes, source: str) -> Unwrapped:
    """Lambda events, one a line: ``{"awslogs": {"data": base64(gzip(record))}}``."""
    lines = read_envelope_lines(data, _LAMBDA_SCHEMA)
    return _lambda_events(lines, np.arange(1, data.count(b"\n") + 2, dtype=np.int64))


def unwrap_lambda_document(data: bytes, source: str) -> Unwrapped:
    """Lambda events as documents spread over lines (pretty-printed), one after the other."""
    pieces, starts = split_values(data.decode("utf-8", "replace"))
    lines = read_envelope_lines("".join(piece + "\n" for piece in pieces).encode(), _LAMBDA_SCHEMA)
    return with_items_skipped(_lambda_events(lines, np.asarray(starts, dtype=np.int64)), {}, blank_lines(data))


def _lambda_events(lines: EnvelopeLines, physical: np.ndarray) -> Unwrapped:
    """The events of Lambda events read one a line (``physical``: the file's line of each
    line read): each payload decoded to its record, then the records read together."""
    frame = lines.frame.select(pl.col("awslogs").struct.field("data"), PHYSICAL, TEXT, pl.col("awslogs").is_not_null())
    records: list[str] = []
    where: list[int] = []
    undecodable: list[int] = []
    for payload, line, text, enveloped in frame.iter_rows():
        record = _decoded(payload) if enveloped else text
        if record is None:
            undecodable.append(int(physical[line - 1]))
        else:
            records.append(record)
            where.append(int(physical[line - 1]))
    for line, text in lines.others:
        records.append(text)
        where.append(int(physical[line - 1]))
    order = np.argsort(np.asarray(where, dtype=np.int64), kind="stable")
    data = "".join(records[i] + "\n" for i in order).encode("utf-8", "surrogatepass")
    unwrapped = renumbered(unwrap_records(data), [where[i] for i in order])
    return with_items_skipped(unwrapped, {UNDECODABLE_LAMBDA: undecodable} if undecodable else {}, lines.blank)


def _decoded(payload: str | None) -> str | None:
    """A Lambda event's ``awslogs.data`` decoded (base64, then gzip) to a JSON text on one
    line, or None when it cannot be."""
    if not payload:
        return None
    try:
        inflated = zlib.decompressobj(31)
        record = inflated.decompress(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, zlib.error):
        return None
    if not inflated.eof or not record.strip():
        return None
    return record.decode("utf-8", "replace").replace("\r", " ").replace("\n", " ")


def unwrap_firehose_gzip(data: bytes, source: str) -> Unwrapped:
    """A Firehose object of gzip members one after the other (its outer gzip already
    decompressed), each a subscription record: every item on line 1 (the object is no text)."""
    records: list[bytes] = []
    undecodable = 0
    for member in _members(data):
        if member is None:
            undecodable += 1
        else:
            records.append(member.replace(b"\r", b" ").replace(b"\n", b" ") + b"\n")
    unwrapped = renumbered(unwrap_records(b"".join(records)), np.ones(max(len(records), 1), dtype=np.int64))
    skipped = {UNDECODABLE_FIREHOSE: [1] * undecodable} if undecodable else {}
    return replace(with_items_skipped(unwrapped, skipped, 0), physical_lines=1)


def _members(data: bytes) -> Iterator[bytes | None]:
    """The decompressed gzip members of ``data`` (None for one that is cut or corrupt; the
    next is looked for after it). White space between members is skipped."""
    at, size = 0, len(data)
    while True:
        while at < size and data[at] in b" \t\r\n\x00":
            at += 1
        if at >= size:
            return
        member, end = _inflated(data, at)
        yield member
        if member is None:
            end = data.find(_GZIP, at + 1)
            if end < 0:
                return
        at = end


def _inflated(data: bytes, at: int) -> tuple[bytes | None, int]:
    """The gzip member starting at ``at``, decompressed (None: cut or corrupt), and where
    the input after it starts."""
    view, size = memoryview(data), len(data)
    inflated, pieces, fed, step = zlib.decompressobj(31), [], at, _FIRST_STEP
    try:
        while not inflated.eof and fed < size:
            pieces.append(inflated.decompress(view[fed : fed + step]))
            fed, step = fed + step, min(step * 2, _LAST_STEP)
    except zlib.error:
        return None, size
    if not inflated.eof:
        return None, size
    return b"".join(pieces), min(fed, size) - len(inflated.unused_data)
