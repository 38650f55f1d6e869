"""CloudWatch Logs as the AWS CLI prints them: ``aws logs filter-log-events`` and ``aws logs
get-log-events`` write one JSON document, ``{"events": [{"logStreamName", "timestamp",
"message", "ingestionTime", "eventId"}], ...}`` (https://docs.aws.amazon.com/cli/latest/reference/logs/filter-log-events.html),
pretty-printed. Read whole: each event's ``message`` is the record, its ``timestamp`` (ms)
gives ``ts`` (ISO UTC, 3 digits, as the other CloudWatch shapes) and its ``logStreamName``
``source.log_stream`` (the output names no log group). Each event is on the line where its
object starts (the document's structural bytes, :func:`._documents.array_items`). A Python
loop per event: a CLI page is a few thousand events.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import numpy as np

from mlmon.ingest.envelopes._documents import array_items, blank_lines, with_items_skipped
from mlmon.ingest.envelopes.base import SOURCE_PREFIX, Collector, Unwrapped
from mlmon.ingest.envelopes.cloudwatch_records import NAME

NOT_A_DOCUMENT = "malformed envelope (cloudwatch events document is not JSON)"
NOT_A_LIST = "malformed envelope (cloudwatch events is not a list)"
NOT_AN_EVENT = "malformed envelope (cloudwatch event is not an object)"
_HEAD = re.compile(rb'\s*\{\s*"events"\s*:\s*\[')
_EVENTS = re.compile(rb'"events"\s*:\s*(\[)')


def detect_cli(head: bytes) -> bool:
    """A document that opens with an ``events`` list (the AWS CLI prints it first)."""
    return bool(_HEAD.match(head))


def unwrap_cli(data: bytes, source: str) -> Unwrapped:
    """The events of an AWS CLI ``logs`` document, unwrapped."""
    collector = Collector(NAME)
    blank = blank_lines(data)
    try:
        document = json.loads(data)
    except ValueError:
        collector.skip(1, NOT_A_DOCUMENT)
        return with_items_skipped(collector.result(), {}, blank)
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list):
        collector.skip(1, NOT_A_LIST)
        return with_items_skipped(collector.result(), {}, blank)
    for event, line in zip(events, _event_lines(data, len(events)), strict=True):
        if not isinstance(event, dict):
            collector.skip(line, NOT_AN_EVENT)
            continue
        given = {"ts": _iso(event.get("timestamp")), SOURCE_PREFIX + "log_stream": event.get("logStreamName")}
        collector.record(line, event.get("message"), "message", given)
    return with_items_skipped(collector.result(), {}, blank)


def _event_lines(data: bytes, count: int) -> list[int]:
    """The line each of the first ``count`` items of the ``events`` list starts on."""
    found = _EVENTS.search(data)
    if found is None:
        return [1] * count
    at = found.start(1)
    starts, _ = array_items(data[at:])  # objects one level inside the list; the list's come first
    offsets = np.concatenate(
        [at + starts[:count], np.full(max(count - len(starts), 0), at)]
    )  # no object: the list's line
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    return (np.searchsorted(newlines, offsets) + 1).tolist()


def _iso(milliseconds: object) -> str | None:
    """Milliseconds since the epoch as ISO UTC with 3 digits; None when it is no such time."""
    if not isinstance(milliseconds, int) or isinstance(milliseconds, bool):
        return None
    try:
        moment = datetime.fromtimestamp(milliseconds / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
