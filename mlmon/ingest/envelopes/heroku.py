"""Heroku HTTPS log drain bodies, as a drain's receiver stores them: RFC 5424 syslog messages
with octet-counting framing, several in one body (https://devcenter.heroku.com/articles/log-drains;
https://github.com/heroku/logplex/blob/master/doc/README.http_drains.md): ``<length> <message>``,
the length counting the message's bytes with its trailing newline.

A message is ``<PRI>1 <time> <host> <app> <proc> <msgid> <text>`` (logplex writes no
STRUCTURED-DATA; an RFC 5424 ``-`` or ``[...]`` in its place is passed over). The text is the
application's line, read when it is a JSON object (the router's ``at=info ...`` lines are
``not JSON (heroku message)``); the time fills the record's, ``PRI mod 8`` its level (3
``error``, 4 ``warning``, 6 ``info``, 7 ``debug``; 0-2 ``emergency``, ``alert``,
``critical``; 5 ``notice``), and the app name and process (``web.1``) say where it came from.
An item's "line" is its frame's number in the file.

Read whole (:attr:`~.base.Envelope.whole_file`): the framing is sequential, each length says
where the next frame starts. A body laid one frame a line, every length agreeing with its
line, is cut by one vectorised pass (:func:`frames_a_line`); any other body (a message
holding a newline, a wrong length, damage) by a Python loop, one step a frame
(:func:`frames`). The messages are then parsed by one vectorised regex pass. A frame whose length runs past the end
of the body, or that does not start with a length, is counted (``malformed envelope (heroku
frame)``); reading goes on at the next line.
"""

from __future__ import annotations

import re

import polars as pl

from mlmon.ingest.envelopes._jsonlines import PHYSICAL, TEXT, EnvelopeLines, unwrapped_of
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Envelope, Unwrapped

BAD_FRAME = "malformed envelope (heroku frame)"
"""The reason for a frame that has no length, or a length past the end of the body."""
NOT_SYSLOG = "malformed envelope (heroku message is not RFC 5424)"
"""The reason for a frame whose message has no RFC 5424 header."""
SEVERITIES = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
"""The RFC 5424 severities, by ``PRI mod 8``, as levels."""
_FRAME = re.compile(rb"[ \t\r\n]*(\d{1,9}) ")
_HEAD = re.compile(rb"\s*\d{1,9} <\d{1,3}>\d{1,2} ")
_PRI_VERSION = r"^<(\d{1,3})>\d{1,2}$"
"""A message's first field, ``<PRI>VERSION``; then ``TIMESTAMP HOSTNAME APP-NAME PROCID MSGID``
and the text, each after one space."""
_STRUCTURED_DATA = r"^(?:-|(?:\[(?:[^\]\\]|\\.)*\])+) "
"""RFC 5424 STRUCTURED-DATA at the start of the text, when written (logplex writes none)."""


def detect(head: bytes) -> bool:
    """A body starting ``<length> <PRI>VERSION ``."""
    return bool(_HEAD.match(head))


def frames(data: bytes) -> tuple[list[str], list[int], list[int], int]:
    """The messages of a drain body: their texts, their frame numbers, the numbers of the
    frames not read (:data:`BAD_FRAME`), and the blank lines between frames."""
    texts: list[str] = []
    good: list[int] = []
    bad: list[int] = []
    blank = at = 0
    while at < len(data):
        found = _FRAME.match(data, at)
        gap = data[at : found.start(1)] if found else b""
        blank += gap.count(b"\n")
        if found is None:
            gap_end = len(data) - len(data[at:].lstrip())
            blank += data[at:gap_end].count(b"\n")
            if gap_end == len(data):
                break
            bad.append(len(texts) + len(bad) + 1)
            line_end = data.find(b"\n", gap_end)
            at = len(data) if line_end < 0 else line_end + 1
            continue
        start, size = found.end(), int(found.group(1))
        if start + size > len(data):
            bad.append(len(texts) + len(bad) + 1)
            break
        good.append(len(texts) + len(bad) + 1)
        texts.append(data[start : start + size].decode("utf-8", "replace").removesuffix("\n").removesuffix("\r"))
        at = start + size
    return texts, good, bad, blank


def frames_a_line(data: bytes) -> tuple[pl.DataFrame, int] | None:
    """The frames of a body laid one a line, as logplex writes them (each length counting its
    line and the newline), found by one vectorised pass: a frame of :data:`PHYSICAL` (frame
    number) and :data:`TEXT`, and the blank lines; None for any other body."""
    if not data.endswith(b"\n"):
        return None
    lines = pl.Series(TEXT, data.decode("utf-8", "replace").split("\n")[:-1], dtype=pl.String)
    text = pl.col(TEXT)
    filled = lines.to_frame().filter(text.str.strip_chars() != "")
    length = text.str.extract(r"^(\d{1,9}) ", 1)
    counted = length.cast(pl.Int64) == text.str.len_bytes() - length.str.len_bytes()
    if not filled.select(counted.fill_null(False).all()).item():
        return None
    found = filled.select(
        pl.int_range(1, filled.height + 1, dtype=pl.Int64).alias(PHYSICAL),
        text.str.slice(length.str.len_bytes() + 1).str.strip_suffix("\r").alias(TEXT),
    )
    return found, lines.len() - filled.height


def unwrap(data: bytes, source: str) -> Unwrapped:
    """A drain body (or several one after another), unwrapped."""
    laid = frames_a_line(data)
    bad: list[int] = []
    if laid is not None:
        frame, blank = laid
    else:
        texts, numbers, bad, blank = frames(data)
        frame = pl.DataFrame({PHYSICAL: numbers, TEXT: texts}, schema={PHYSICAL: pl.Int64, TEXT: pl.String})
    field = pl.col("_m").struct.field  # splitting at spaces costs a fifth of one regex capturing the text
    frame = frame.with_columns(pl.col(TEXT).str.splitn(" ", 7).alias("_m")).select(
        PHYSICAL,
        TEXT,
        field("field_0").str.extract(_PRI_VERSION, 1).alias("pri"),
        field("field_1").alias("time"),
        field("field_3").alias("app"),
        field("field_4").alias("proc"),
        field("field_6").str.replace(_STRUCTURED_DATA, "").alias("text"),
    )
    severity = pl.col("pri").cast(pl.Int64, strict=False) % 8
    given = {
        "ts": pl.col("time"),
        "level": severity.replace_strict(list(range(8)), list(SEVERITIES), default=None, return_dtype=pl.String),
        SOURCE_PREFIX + "app_name": pl.col("app"),
        SOURCE_PREFIX + "proc_id": pl.col("proc"),
    }
    unwrapped = unwrapped_of(
        "heroku",
        EnvelopeLines(frame, [], blank),
        pl.col("text").str.strip_prefix("\ufeff"),
        pl.lit("message"),
        given,
        is_envelope=pl.lit(True),
        skip=pl.when(pl.col("pri").is_null()).then(pl.lit(NOT_SYSLOG)),
    )
    if not bad:
        return unwrapped
    skipped = {**unwrapped.skipped, BAD_FRAME: bad}
    return Unwrapped(unwrapped.data, unwrapped.lines, unwrapped.given, skipped, unwrapped.items + len(bad), blank)


ENVELOPE = Envelope(
    name="heroku", title="Heroku HTTPS log drain body", detect=detect, unwrap=unwrap, whole_file=True, priority=40
)
