"""Summary files: one JSON document holding the partial state of every analysis of a read,
so that summaries made apart (one per host, per day, per file) merge into exactly the
result of one read of everything.

The document's keys, in this order (``mlmon_summary_version`` first: that is how an input
is recognised as a summary, whatever its name)::

    {
      "mlmon_summary_version": 2,
      "mlmon_version": "0.1.0",
      "created": "2026-11-26T08:00:00.000000Z",
      "settings": {
        "window": "1h windows", "window_us": 3600000000,   # null: the whole range
        "by_version": true,
        "since": null, "until": null,                      # ISO 8601 with offset, or null
        "fields": {}, "features": [],                      # --field and --features
        "reference": null | {"source": "train.json", "fingerprint": "sha256:...",
                             "features": ["brightness", ...]}
      },
      "ingest": {...},                                      # IngestStats, encoded
      "states": {"ops": {...}, "predictions": {...}, "features": {...}}
    }

``ingest`` and each state are written by :mod:`mlmon.summary.codec` (its docstring
documents the encoding: tagged JSON objects, exact floats, base64 arrays). ``features``
is present only when the summary was made with a reference. A summary holds counts, sums,
extremes and the values that exact percentiles need (latencies and confidences, no key,
no label, no request id): never a record. ``ingest`` keeps the counts of lines, records
and skipped values, the files read and the first few problems as ``file:line: reason``.

A summary may be gzip-compressed (``mlmon summarize ... -o - | gzip > x.summary.json.gz``:
some 7 times smaller), or xz; it is recognised and read all the same, from a file, a pipe
or standard input (``zcat x.summary.json.gz | mlmon report -``).

A summary merges only into a run of the same summary version and mlmon version, with
windows that its own divide (the same, a whole multiple, or the whole range: they roll up,
:mod:`mlmon.summary.rollup`), versions judged alike and, for features, a reference with the same grids
(:mod:`mlmon.summary.parts`); a run's ``--since``/``--until`` cannot filter a summary, so
they must be the summary's own or absent. Each refusal is an ``InputError`` naming the file.
"""

from __future__ import annotations

import json
import lzma
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mlmon import __version__
from mlmon.errors import InputError
from mlmon.ingest.problems import IngestStats, Problems, add_envelopes, latest
from mlmon.ingest.sources import read_whole
from mlmon.summary.codec import CodecError, decode, encode
from mlmon.summary.parts import ReferenceKey, SummarySettings
from mlmon.windows import WindowSpec

SUMMARY_VERSION = 2
"""The summary format this mlmon writes and reads."""
VERSION_KEY = "mlmon_summary_version"
"""The document's first key; its presence at the start of a file marks a summary."""


@dataclass(frozen=True)
class Summary:
    """A summary: how its states were made, what was read, and the states."""

    settings: SummarySettings
    """The settings a run must share to merge it."""
    stats: IngestStats
    """What the read that made it read and skipped."""
    states: dict[str, Any]
    """Part name (``ops``, ``predictions``, ``features``) → that reducer's partial state."""
    mlmon_version: str = __version__
    """The mlmon that made it."""
    created: datetime | None = None
    """When it was made (UTC); None until written."""


def dumps(summary: Summary) -> str:
    """The summary as its JSON document (strict JSON: no NaN), with a final newline."""
    settings = summary.settings
    created = summary.created or datetime.now(UTC)
    document = {
        VERSION_KEY: SUMMARY_VERSION,
        "mlmon_version": summary.mlmon_version,
        "created": _iso(created),
        "settings": {
            "window": settings.window.describe(),
            "window_us": None
            if settings.window.duration is None
            else settings.window.duration // timedelta(microseconds=1),
            "by_version": settings.by_version,
            "since": _iso(settings.since),
            "until": _iso(settings.until),
            "fields": dict(settings.fields),
            "features": list(settings.features),
            "calibration": settings.calibration,
            "reference": None
            if settings.reference is None
            else {
                "source": settings.reference.source,
                "fingerprint": settings.reference.fingerprint,
                "features": list(settings.reference.features),
            },
        },
        "ingest": encode(summary.stats),
        "states": {name: encode(state) for name, state in summary.states.items()},
    }
    return json.dumps(document, allow_nan=False, separators=(",", ":")) + "\n"


def read_summary(path: str) -> Summary:
    """The summary in ``path``. ``InputError`` naming the file when it cannot be read, is
    not complete JSON, or is of another summary version or mlmon version."""
    try:
        document = json.loads(read_whole(path))  # decompressed; a pipe's head is not lost
    except OSError as error:
        raise InputError(f"{path}: cannot read the summary: {error.strerror or error}") from None
    except (ValueError, RecursionError, EOFError, zlib.error, lzma.LZMAError) as error:
        raise InputError(
            f"{path}: not a complete mlmon summary ({_json_problem(error)}); make it again with mlmon summarize"
        ) from None
    return summary_from_document(document, path)


def summary_from_document(document: object, path: str) -> Summary:
    """The summary a parsed JSON document holds (:func:`read_summary`'s checks, for a
    document kept inside another file: ``mlmon watch``'s checkpoint), ``path`` naming it in
    the ``InputError`` that says why it is none."""
    if not isinstance(document, dict):
        raise InputError(f"{path}: not an mlmon summary (not a JSON object)")
    version, made_by = document.get(VERSION_KEY), document.get("mlmon_version")
    if version != SUMMARY_VERSION:
        raise InputError(
            f"{path}: summary format version {version!r}; this mlmon ({__version__}) reads version {SUMMARY_VERSION}"
        )
    if made_by != __version__:
        raise InputError(
            f"{path}: made by mlmon {made_by}, this is mlmon {__version__}: summaries merge only within one version; "
            "make it again"
        )
    try:
        return _summary_of(document)
    except (CodecError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"{path}: not a valid mlmon summary ({type(error).__name__}: {error})") from None


def _summary_of(document: dict) -> Summary:
    raw = document["settings"]
    reference = raw["reference"]
    window_us = raw["window_us"]
    settings = SummarySettings(
        window=WindowSpec() if window_us is None else WindowSpec(duration=timedelta(microseconds=int(window_us))),
        by_version=bool(raw["by_version"]),
        reference=None
        if reference is None
        else ReferenceKey(reference["source"], str(reference["fingerprint"]), tuple(reference["features"])),
        since=_moment(raw["since"]),
        until=_moment(raw["until"]),
        fields={str(k): str(v) for k, v in raw["fields"].items()},
        features=tuple(str(name) for name in raw["features"]),
        calibration=None if raw.get("calibration") is None else str(raw["calibration"]),
    )
    stats = decode(document["ingest"])
    if not isinstance(stats, IngestStats):
        raise TypeError("ingest is not an IngestStats")
    states = {str(name): decode(state) for name, state in document["states"].items()}
    return Summary(settings, stats, states, str(document["mlmon_version"]), _moment(document["created"]))


def merge_stats(left: IngestStats, right: IngestStats) -> IngestStats:
    """Two reads' accounts as one read's: files in order, counts added, problem reasons by
    count (ties in first-seen order), and the first few examples of each kind as a read
    of both would keep them (:meth:`~mlmon.ingest.problems.Problems.then`: the files
    differ, so no line moves)."""
    problems = Problems(left.skipped, left.examples).then(Problems(right.skipped, right.examples), {})
    return IngestStats(
        files=left.files + right.files,
        ignored_files=left.ignored_files + right.ignored_files,
        lines=left.lines + right.lines,
        records=left.records + right.records,
        outside_time_range=left.outside_time_range + right.outside_time_range,
        skipped=dict(sorted(problems.counts.items(), key=lambda item: -item[1])),
        examples=problems.examples,
        unreadable_files=left.unreadable_files + right.unreadable_files,
        mlmon_files=left.mlmon_files + right.mlmon_files,
        fields_found=left.fields_found | right.fields_found,
        keys_seen=left.keys_seen + right.keys_seen,
        last_timestamp=latest(left.last_timestamp, right.last_timestamp),
        envelopes=add_envelopes(left.envelopes, right.envelopes),
    )


def as_read_from(stats: IngestStats, path: str) -> IngestStats:
    """A summary's account inside a run: the summary file stands for the files it read
    (which it lists itself; its problem examples still name them)."""
    return replace(stats, files=(path,))


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


def _json_problem(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"JSON error at line {error.lineno}, column {error.colno}: {error.msg}"
    return f"{type(error).__name__}: {error}"
