"""Kubernetes container logs as the kubelet writes them (CRI logging format), under
``/var/log/pods/<namespace>_<pod>_<uid>/<container>/<N>.log``: one line per piece of the
application's output, ``<RFC 3339 time> <stdout|stderr> <P|F> <content>``
(https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md).

A line the runtime cut (``P``, partial) is joined byte for byte with the next pieces of the same
stream up to the ``F`` (full) one: the record's line is its first piece's, and so is its time
(choice 1 of the fixtures' README: the application's own ``ts`` wins). The content is everything
after the single space following the tag (a tag may carry ``:``-separated extras, as the kubelet
allows). Where the record came from: ``source.namespace``, ``source.pod``, ``source.container``
from the file's path (the pod-log layout above, or ``/var/log/containers/<pod>_<namespace>_
<container>-<id>.log``), and ``source.stream``.

Read in chunks like any log, each ending after a line that ends a record (:func:`cut`: never
inside a run of ``P`` pieces), so memory stays bounded whatever the file's size. A run the file
ends in before its ``F`` is counted (``partial CRI line``). Lines
of other shapes are passed on to the decoder as they are. Vectorised: each line split at its
first three spaces by polars, and the pieces joined by a group-by only when a ``P`` line occurs.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import polars as pl

from mlmon.ingest.envelopes._jsonlines import PHYSICAL, TEXT, EnvelopeLines, unwrapped_of
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Envelope, Unwrapped

PARTIAL = "partial CRI line"
"""The reason for a run of ``P`` pieces the file ends in before its ``F`` (the same reason
the plain-line decoder gives a lone ``P`` line)."""
NOT_JSON = "not JSON (cri)"
"""The reason for a line whose content (joined) is not a JSON object."""
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
_TIME_ONLY = rf"^{_TIME}$"
_TAG = r"^[FP](?::\S*)?$"
_HEAD = re.compile(rb"\s*" + _TIME.encode() + rb" (?:stdout|stderr) [FP](?::\S*)?(?: |\r?\n|$)")
_POD_DIR = re.compile(r"^([^_/]+)_([^_/]+)_[^_/]+$")
_POD_FILE = re.compile(r"^\d+\.log(?:\.[\w.-]+)?$")
_CONTAINERS_FILE = re.compile(r"^([^_/]+)_([^_/]+)_(.+)-[0-9a-f]{64}\.log(?:\.[\w.-]+)?$")


def detect(head: bytes) -> bool:
    """A first line ``<RFC 3339 time> <stdout|stderr> <F|P> ...``. A kubectl ``--timestamps``
    line (a time, then the record) or a CloudWatch export line (a time, then the message) has
    no stream and tag."""
    return bool(_HEAD.match(head))


def source_of(path: str) -> dict[str, str]:
    """``namespace``, ``pod`` and ``container`` from a kubelet log path (empty when the path
    has neither layout)."""
    parts = PurePath(path).parts
    if len(parts) >= 3 and _POD_FILE.match(parts[-1]) and (pod := _POD_DIR.match(parts[-3])):
        return {"namespace": pod.group(1), "pod": pod.group(2), "container": parts[-2]}
    if parts and (linked := _CONTAINERS_FILE.match(parts[-1])):
        return {"namespace": linked.group(2), "pod": linked.group(1), "container": linked.group(3)}
    return {}


def unwrap(data: bytes, source: str) -> Unwrapped:
    """A kubelet log file, its ``P`` pieces joined, unwrapped (lines of other shapes passed on)."""
    lines = data.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    frame = pl.DataFrame({TEXT: lines}, schema={TEXT: pl.String}).with_row_index(PHYSICAL, offset=1)
    parts = pl.col(TEXT).str.splitn(" ", 4)  # cheaper than one regex capturing the content
    frame = frame.with_columns(pl.col(PHYSICAL).cast(pl.Int64), parts.alias("_cri"))
    field = pl.col("_cri").struct.field
    blank = pl.col(TEXT).str.strip_chars() == ""
    shaped = (
        field("field_0").str.contains(_TIME_ONLY)
        & field("field_1").is_in(["stdout", "stderr"])
        & field("field_2").str.contains(_TAG)
    ).fill_null(False)
    frame = frame.with_columns(shaped.alias("_shaped"))
    others = frame.filter(~pl.col("_shaped") & ~blank).select(PHYSICAL, TEXT)
    pieces = frame.filter(pl.col("_shaped")).select(
        PHYSICAL,
        field("field_0").alias("time"),
        field("field_1").alias("stream"),
        field("field_2").str.head(1).alias("tag"),
        field("field_3").fill_null("").alias(TEXT),
    )
    records = _joined(pieces)
    envelope_lines = EnvelopeLines(
        records, list(zip(others[PHYSICAL].to_list(), others[TEXT].to_list())), frame.select(blank.sum()).item()
    )
    given = {"ts": pl.col("time"), SOURCE_PREFIX + "stream": pl.col("stream")}
    given |= {SOURCE_PREFIX + key: pl.lit(value) for key, value in source_of(source).items()}
    content = pl.col(TEXT)
    skip = (
        pl.when(pl.col("tag") == "P")
        .then(pl.lit(PARTIAL))
        .when(~content.str.strip_chars().str.starts_with("{"))
        .then(pl.lit(NOT_JSON))
    )
    return unwrapped_of("cri", envelope_lines, content, pl.lit(""), given, is_envelope=pl.lit(True), skip=skip)


_PIECE = re.compile(rb"\S+ (stdout|stderr) ([FP])(?::\S*)?(?: |\r?$)")
_LOOK_BACK = 256
"""Lines before a candidate cut looked at for a stream's run still open there."""


def cut(data: bytes) -> int:
    """The newline ending the last line of ``data`` after which no stream's run of ``P``
    pieces is open (-1: none): a chunk ending there never cuts a record's pieces apart, even
    where the two streams' pieces interleave. A run open further back than
    :data:`_LOOK_BACK` lines is not looked for (its remainder is then counted, never read
    as a record)."""
    ends: list[int] = []
    end = data.rfind(b"\n")
    while end >= 0 and len(ends) < _LOOK_BACK:
        ends.append(end)
        end = data.rfind(b"\n", 0, end)
    ends.append(-1)  # the start of the first line looked at
    tags = [_tag_of(data, ends[i + 1] + 1, ends[i]) for i in range(len(ends) - 1)]
    for i in range(len(tags) - 1):  # not after the first line: it may have begun before ``data``
        open_streams = {stream: tag == b"P" for stream, tag in reversed([t for t in tags[i:] if t is not None])}
        if not any(open_streams.values()):
            return ends[i]
    return -1


def _tag_of(data: bytes, start: int, end: int) -> tuple[bytes, bytes] | None:
    found = _PIECE.match(data, start, end)
    return (found.group(1), found.group(2)) if found else None


def _joined(pieces: pl.DataFrame) -> pl.DataFrame:
    """One row per record: a ``F`` line alone, or a run of ``P`` pieces of one stream joined
    with the pieces up to its ``F`` (the first piece's line and time; tag ``P`` when the run
    never ends)."""
    if not (pieces["tag"] == "P").any():
        return pieces
    ended = (pl.col("tag") == "F").cast(pl.Int64)
    runs = pieces.with_columns(ended.cum_sum().shift(1, fill_value=0).over("stream").alias("_run"))
    runs = runs.with_columns(pl.len().over("stream", "_run").alias("_pieces"))
    alone = runs.filter((pl.col("_pieces") == 1) & (pl.col("tag") == "F"))
    joined = (
        runs.filter((pl.col("_pieces") > 1) | (pl.col("tag") == "P"))
        .group_by("stream", "_run")
        .agg(
            pl.col(PHYSICAL).first(),
            pl.col("time").first(),
            pl.col("tag").last(),
            pl.col(TEXT).str.join(""),
        )
    )
    return pl.concat([alone.select(pieces.columns), joined.select(pieces.columns)]).sort(PHYSICAL)


ENVELOPE = Envelope(
    name="cri",
    title="Kubernetes container log (CRI format, kubelet)",
    detect=detect,
    unwrap=unwrap,
    cut=cut,
    priority=40,
)
