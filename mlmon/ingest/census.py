"""What the input holds, for messages about what it lacks.

Two records of every read, both cheap enough for the hot path and both mergeable:

* :func:`sample_keys`: the keys of a chunk's first :data:`~.problems.CENSUS_LINES` lines,
  one tuple per line. Chunks of a file merge by keeping the file's first lines
  (:func:`merge_samples`), so the census is that of the first lines of each file however
  the file was cut; :func:`census_of` counts them into a :class:`~.problems.KeyCensus`.
* :func:`mlmon.ingest.outcome.fields_found`: the canonical fields that held a value in a
  chunk's records (null counts: no pass over the data), merged by union. Whether a field
  is in the input at all is decided from it, never from this sample.

Then :func:`suggest_key` picks, among the keys seen, the one most likely meant for a
field (name similarity by :mod:`difflib`, a unit suffix, the JSON kind of its values), and
:func:`field_option` writes the ``--field`` that maps it.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mlmon.ingest.names import DOCKER_LOG, DOCKER_STREAM, DOCKER_TIME, FEATURES, RECORD, default_keys, unit_of
from mlmon.ingest.problems import CENSUS_LINES, IngestStats, KeyCensus, bounded_keys

LineKeys = tuple[tuple[str, str], ...]
"""One sampled line's (key, JSON kind letter) pairs; empty when it is no JSON object."""
Samples = dict[str, tuple[LineKeys, ...]]
"""Source → the keys of its first sampled lines, in line order."""

MAX_SAMPLED_LINE = 16 << 10
"""Longer lines are counted as sampled but not parsed: at most 2 MiB of JSON per chunk."""
_KEYS_PER_LINE = 64
_KIND = {str: "s", bool: "b", int: "n", float: "n", dict: "o", list: "a", type(None): "z"}
_NESTED_SKIP = frozenset({FEATURES, RECORD})
"""Objects whose keys are not listed one level down: input features (read as such) and
loguru's ``record`` (only its ``extra`` holds the service's keys)."""


def sample_keys(data: bytes, lines: int) -> tuple[LineKeys, ...]:
    """The keys of the first ``min(CENSUS_LINES, lines)`` lines of ``data``."""
    wanted = min(CENSUS_LINES, lines)
    out: list[LineKeys] = []
    start = 0
    for _ in range(wanted):
        end = data.find(b"\n", start)
        stop = len(data) if end < 0 else end
        out.append(_line_keys(data, start, stop))
        start = stop + 1
    return tuple(out)


def _line_keys(data: bytes, start: int, stop: int) -> LineKeys:
    if stop - start > MAX_SAMPLED_LINE:
        return ()
    brace = data.find(b"{", start, stop)
    record = _object(data[brace:stop]) if brace >= 0 else None
    if record is None:
        return ()
    inner = record.get(DOCKER_LOG[0])
    if isinstance(inner, str) and DOCKER_STREAM[0] in record and DOCKER_TIME[0] in record:  # Docker json-file
        record = _object(inner.strip()) or record
    return tuple(_keys(record))[:_KEYS_PER_LINE]


def _object(text: str | bytes) -> dict | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _keys(record: dict) -> Iterable[tuple[str, str]]:
    for key, value in record.items():
        yield key, _KIND.get(type(value), "s")
        if key == RECORD and isinstance(value, dict) and isinstance(value.get("extra"), dict):
            yield from ((f"{RECORD}.extra.{k}", _KIND.get(type(v), "s")) for k, v in value["extra"].items())
        elif isinstance(value, dict) and key not in _NESTED_SKIP:
            yield from ((f"{key}.{k}", _KIND.get(type(v), "s")) for k, v in value.items())


def merge_samples(first: Samples, then: Samples) -> Samples:
    """``then``'s samples after ``first``'s: each source keeps its first lines. Each side
    holds ``min(CENSUS_LINES, lines)`` entries per source, so concatenating and cutting is
    associative and independent of where the chunks were cut."""
    if not then:
        return first
    merged = dict(first)
    for source, keys in then.items():
        merged[source] = (merged.get(source, ()) + keys)[:CENSUS_LINES]
    return merged


def census_of(samples: Mapping[str, tuple[LineKeys, ...]], lines: Mapping[str, int] | None = None) -> KeyCensus:
    """The sampled lines' keys, counted; ``lines``: each source's lines, to count the
    files that had more than were sampled."""
    counts: Counter = Counter()
    kinds: dict[str, set[str]] = {}
    total = 0
    for keys in samples.values():
        total += len(keys)
        for line in keys:
            seen = dict(line)
            counts.update(seen.keys())
            for key, kind in seen.items():
                kinds.setdefault(key, set()).add(kind)
    letters = {key: "".join(sorted(found)) for key, found in kinds.items()}
    cut = sum(1 for source, keys in samples.items() if lines is not None and lines.get(source, 0) > len(keys))
    return KeyCensus(total, *bounded_keys(dict(counts), letters), cut)


@dataclass(frozen=True)
class FieldNeed:
    """What a check needs from the logs, for the messages that say it is missing."""

    field: str
    """The canonical field (a name of :attr:`IngestStats.fields_found`)."""
    noun: str
    """The field in words (``latency``, ``a label``)."""
    names: tuple[str, ...]
    """Key names such a field usually has (for the suggestion)."""
    kinds: str
    """JSON kinds its values may have (letters as in :class:`KeyCensus.kinds`)."""
    option: str
    """The ``--field`` name that maps it (latency: the unit's, from the key's suffix)."""


NEEDS: dict[str, FieldNeed] = {
    need.field: need
    for need in (
        FieldNeed(
            "ts",
            "a time",
            ("timestamp", "time", "ts", "asctime", "datetime", "date", "created", "logged_at", "when"),
            "sn",
            "ts",
        ),
        FieldNeed(
            "latency",
            "latency",
            ("latency", "duration", "elapsed", "inference_time", "response_time", "took", "time_taken", "runtime"),
            "n",
            "latency_ms",
        ),
        FieldNeed(
            "label",
            "a label",
            ("label", "prediction", "predicted_label", "pred", "class", "predicted_class", "category", "output"),
            "sn",
            "label",
        ),
        FieldNeed(
            "confidence",
            "a confidence",
            ("confidence", "score", "probability", "prob", "proba", "certainty"),
            "n",
            "confidence",
        ),
        FieldNeed("status", "a status", ("status", "outcome", "result", "state", "success", "ok"), "sb", "status"),
        FieldNeed(
            "status_code",
            "a status code",
            ("status_code", "http_status", "code", "response_code", "http_code"),
            "n",
            "status_code",
        ),
        FieldNeed(
            "error",
            "an error",
            ("error", "exception", "exc_info", "err", "failure", "error_type", "error_message"),
            "so",
            "error",
        ),
        FieldNeed("level", "a level", ("level", "levelname", "severity", "log_level", "loglevel"), "s", "level"),
    )
}
"""The fields checks need, by canonical name."""

_RATIO = 0.6


def suggest_key(census: KeyCensus, need: FieldNeed, exclude: Iterable[str] = ()) -> str | None:
    """The key seen most likely meant for ``need``: the best :mod:`difflib` ratio between
    its last part (less a unit suffix) and ``need.names``, at least 0.6, among keys whose
    values had a kind ``need`` takes and that mlmon does not read already (nor
    ``exclude``); a unit suffix (latency) and a higher count break ties."""
    skip = set(exclude) | default_keys()
    best: tuple[float, int, str] | None = None
    for key, count in census.counts.items():
        kinds = census.kinds.get(key, "")
        if key in skip or (kinds and not set(kinds) - {"z"} <= set(need.kinds + "z")) or kinds == "z":
            continue
        stem, unit = _split_unit(key.rsplit(".", 1)[-1].lower())
        score = max(_similarity(stem, name) for name in need.names)
        if score < _RATIO:
            continue
        score += 0.05 if unit and need.field == "latency" else 0.0
        if best is None or (score, count) > best[:2]:
            best = (score, count, key)
    return None if best is None else best[2]


def _similarity(stem: str, name: str) -> float:
    if stem == name:
        return 1.0
    ratio = difflib.SequenceMatcher(None, stem, name).ratio()
    if len(stem) >= 3 and (name.startswith(stem) or stem.startswith(name)):
        ratio = max(ratio, 0.8)
    return ratio


def _split_unit(name: str) -> tuple[str, str | None]:
    stem, sep, suffix = name.rpartition("_")
    unit = unit_of(suffix) if sep and stem else None
    return (stem, unit) if unit is not None else (name, None)


def field_option(need: FieldNeed, key: str) -> str:
    """``--field NAME=KEY`` mapping ``key`` to ``need``'s field: for latency, the unit of
    the key's suffix (``_s``, ``_us``, ``_ms``; none: milliseconds)."""
    name = need.option
    if need.field == "latency":
        unit = _split_unit(key.rsplit(".", 1)[-1].lower())[1] or "ms"
        name = f"latency_{unit}"
    return f"--field {name}={key}"


def keys_text(census: KeyCensus, limit: int = 8) -> str:
    """``keys seen: a (3,486), b (3,486), ...`` (``in the first 128 lines of each file``
    when some file had more lines than the census saw)."""
    if not census.counts:
        return "no JSON object seen in the first lines" if census.lines else "no keys sampled"
    shown = census.most_common(limit)
    more = len(census.counts) - len(shown)
    text = ", ".join(f"{key} ({count:,})" for key, count in shown) + (f" and {more} more" if more > 0 else "")
    where = f" in the first {CENSUS_LINES} lines of each file" if census.files_cut else ""
    return f"keys seen{where}: {text}"


def missing_field_hint(need: FieldNeed, census: KeyCensus, exclude: Iterable[str] = ()) -> str:
    """``keys seen: ...; map one with --field latency_ms=response_t`` (a placeholder
    ``KEY`` when no key seen looks like one)."""
    key = suggest_key(census, need, exclude)
    mapping = field_option(need, key) if key is not None else field_option(need, "KEY")
    return f"{keys_text(census)}; map one with {mapping}"


def timestamp_hint(stats: IngestStats) -> str:
    """What to do when no record has a time at all: python-json-logger's default format
    writes none (``%(asctime)s`` adds it), or ``--field ts=KEY`` maps the key that holds
    it. Empty when some line had a time, or none lacked one."""
    if "missing timestamp" not in stats.skipped or "ts" in stats.fields_found:
        return ""
    hint = missing_field_hint(NEEDS["ts"], stats.keys_seen)
    return (
        f"; no record has a time field (python-json-logger's default format writes none: add %(asctime)s to it, "
        f"or log a timestamp); {hint}"
    )
