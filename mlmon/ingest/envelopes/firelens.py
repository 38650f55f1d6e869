"""AWS ECS FireLens records (Fluent Bit or Fluentd, delivered to S3, Firehose or a file), and
the Docker ``fluentd`` logging driver's records they are built on: one JSON object a line.

The driver's record (https://docs.docker.com/engine/logging/drivers/fluentd/) holds the
application's line as ``log`` (text, here the app's JSON), with ``source`` (stdout or stderr),
``container_id`` and ``container_name``; FireLens adds ``ecs_cluster``, ``ecs_task_arn`` and
``ecs_task_definition`` (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-taskdef.html).
All of them say where the record came from (``source.<name>``; ``source`` as ``source.stream``).
No time is given by the driver; the application's own wins, else a time key the output
added (Fluent Bit's S3 output writes ``date`` by default: ``json_date_key``), else none.

A piece of a line the driver split is counted, not read (:data:`PARTIAL`). Told apart from a
Docker json-file line (``log``, ``stream``, ``time``: read by the decoder
itself) by the driver's ``container_id`` or ECS's keys. Vectorised (:mod:`._jsonlines`).
"""

from __future__ import annotations

import re

import polars as pl

from mlmon.ingest.envelopes._jsonlines import read_envelope_lines, read_text_fast, unwrapped_of
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Envelope, FastRead, Unwrapped

PARTIAL = "partial Docker line"
"""The reason for a piece of a line the driver split (``partial_message``: Docker cuts a line
at 16 KiB), as for a Docker json-file line cut so: pieces are not joined (Fluent Bit's
``multiline`` filter, ``mode partial_message``, joins them before delivery)."""
_KEPT = ("ecs_cluster", "ecs_task_arn", "ecs_task_definition", "container_name", "container_id")
"""The envelope's keys kept as ``source.<key>``."""
_SCHEMA: dict[str, pl.DataType] = {
    "log": pl.String(),
    "source": pl.String(),
    "date": pl.String(),
    "partial_message": pl.String(),
    **{key: pl.String() for key in _KEPT},
}
_HEAD = re.compile(rb'\s*\{(?=[^\n]*"log"\s*:\s*")(?=[^\n]*"(?:container_id|ecs_task_arn|ecs_cluster)"\s*:\s*")')


def detect(head: bytes) -> bool:
    """A first line holding a text ``log`` and the driver's ``container_id`` or ECS's
    ``ecs_task_arn`` or ``ecs_cluster`` (a Docker json-file line has none of them)."""
    return bool(_HEAD.match(head))


def _given() -> dict[str, pl.Expr]:
    return {
        "ts": pl.col("date"),
        **{SOURCE_PREFIX + key: pl.col(key) for key in _KEPT},
        SOURCE_PREFIX + "stream": pl.col("source"),
    }


def _enveloped() -> pl.Expr:
    return pl.col("log").is_not_null() & pl.any_horizontal(
        pl.col(key).is_not_null() for key in ("container_id", "ecs_task_arn", "ecs_cluster")
    )


def _split() -> pl.Expr:
    return pl.when(pl.col("partial_message") == "true").then(pl.lit(PARTIAL))


def unwrap(data: bytes, source: str) -> Unwrapped:
    """A chunk of FireLens records, unwrapped."""
    lines = read_envelope_lines(data, _SCHEMA)
    return unwrapped_of(
        "firelens", lines, pl.col("log"), pl.lit("log"), _given(), is_envelope=_enveloped(), skip=_split()
    )


def read_fast(data: bytes, schema: dict[str, pl.DataType]) -> FastRead | None:
    """A chunk of FireLens records read in two calls (:func:`._jsonlines.read_text_fast`)."""
    return read_text_fast(data, _SCHEMA, schema, pl.col("log"), _given(), is_envelope=_enveloped(), skip=_split())


ENVELOPE = Envelope(
    name="firelens",
    title="AWS FireLens / Docker fluentd driver record",
    detect=detect,
    unwrap=unwrap,
    read_fast=read_fast,
    priority=40,
)
