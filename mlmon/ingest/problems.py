"""What ingest skipped or could not use, by reason, with the first examples; and the
account of a whole read. Plain Python, so renderers can import it without polars."""

from __future__ import annotations

import heapq
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_EXAMPLES = 5
BLANK = "blank line"

TOO_LONG = "line too long"
STREAM_ERROR = "compressed stream truncated or corrupt"
"""A file problem, not a line: the lines decoded before the damage are read and counted."""
EMPTY_DOCKER = "empty Docker line"
"""A Docker json-file record whose ``log`` is only a newline (the application wrote a blank
line): a whole line with nothing to read, counted in ``lines`` and skipped, but not
malformed (:data:`NOT_MALFORMED`)."""


class _Reasons(frozenset):
    """Reasons by name, and by prefix for the envelopes' reasons (``not JSON (gcp
    textPayload)``): ``reason in REASONS`` answers both."""

    prefixes: tuple[str, ...] = ()

    def __new__(cls, names: frozenset[str], prefixes: tuple[str, ...]) -> _Reasons:
        made = super().__new__(cls, names)
        made.prefixes = prefixes
        return made

    def __contains__(self, reason: object) -> bool:
        return frozenset.__contains__(self, reason) or (isinstance(reason, str) and reason.startswith(self.prefixes))


ENVELOPE_QUIET = ("not JSON (", "repeated ", "CONTROL_MESSAGE", "aws-logs-write-test")
"""Envelope items skipped that are no sign of damage: a platform's own text line (a router
line, a stderr traceback), an export's repeated entry, a health check, a permission probe.
Counted and named, never towards ``--max-malformed`` (an envelope file holds them routinely)."""
ENVELOPE_DAMAGE = ("undecodable payload (", "malformed envelope (")
"""Envelope items that could not be read at all: damage, counted as malformed."""

LINE_REASONS = _Reasons(
    frozenset(
        {
            "malformed JSON",
            "truncated last line",
            "not a JSON object",
            "not JSON",
            TOO_LONG,
            "missing timestamp",
            "unparseable timestamp",
            "timestamp out of range",
            "partial CRI line",
            "partial Docker line",
            EMPTY_DOCKER,
        }
    ),
    ENVELOPE_QUIET + ENVELOPE_DAMAGE,
)
"""Reasons that drop a whole line (or a whole item of an envelope); they count towards the
malformed share. Every other reason is a value inside a kept record that could not be used,
or a file problem."""
NOT_MALFORMED = _Reasons(frozenset({EMPTY_DOCKER}), ENVELOPE_QUIET)
"""Whole lines (or items) skipped that are not malformed: they do not count towards
``--max-malformed``."""


@dataclass(frozen=True)
class EnvelopeRead:
    """How much of one file an envelope held (a frozen value that adds up over chunks)."""

    envelope: str
    """The envelope's name (``gcp``, ``cloudwatch`` ...)."""
    lines: int
    """Non-blank physical lines of the file read through the envelope."""
    items: int
    """Log items those lines held: records read plus items skipped."""

    def __add__(self, other: EnvelopeRead) -> EnvelopeRead:
        return EnvelopeRead(self.envelope, self.lines + other.lines, self.items + other.items)


def add_envelopes(first: dict[str, EnvelopeRead], then: dict[str, EnvelopeRead]) -> dict[str, EnvelopeRead]:
    """Two accounts of files read through envelopes as one (a file in both: added)."""
    if not then:
        return first
    both = dict(first)
    for source, read in then.items():
        both[source] = both[source] + read if source in both else read
    return both


@dataclass(frozen=True)
class Problem:
    """One example of a skipped line or an unusable value."""

    source: str
    """The file it came from."""
    line: int
    """1-based line number in that file (after decompression)."""
    reason: str
    """Why it was skipped, e.g. ``malformed JSON`` or ``wrong type: latency_ms``."""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class Problems:
    """The problems of a run of consecutive chunks: a frozen, picklable value. Line numbers
    count from the start of the run within each source, so two runs merge by shifting the
    later one's lines (:meth:`then`)."""

    counts: dict[str, int] = field(default_factory=dict)
    """Problems by reason, blank lines included (``BLANK``)."""
    examples: tuple[Problem, ...] = ()
    """The first ``MAX_EXAMPLES`` whole-line problems and the first ``MAX_EXAMPLES`` value
    problems, in file order, then line order (ties in the order they were found)."""

    def then(self, later: Problems, shift: dict[str, int]) -> Problems:
        """These problems followed by ``later``'s, whose lines in source ``s`` move down by
        ``shift[s]`` (the lines of ``s`` in this run). Associative: counts add, and the first
        examples of a concatenation are the first of the concatenated examples."""
        if not later.counts:
            return self
        if not self.counts:
            return Problems(later.counts, tuple(_shifted(p, shift) for p in later.examples))
        counts = Counter(self.counts)
        counts.update(later.counts)
        moved = (_shifted(p, shift) for p in later.examples)
        return Problems(dict(counts), _first_of_each_kind([*self.examples, *moved]))


def _shifted(problem: Problem, shift: dict[str, int]) -> Problem:
    offset = shift.get(problem.source, 0)
    return Problem(problem.source, problem.line + offset, problem.reason) if offset else problem


def _first_of_each_kind(ranked: list[Problem]) -> tuple[Problem, ...]:
    """The first ``MAX_EXAMPLES`` whole-line problems and value problems of ``ranked``
    (lines skipped but not malformed, :data:`NOT_MALFORMED`, have their own
    ``MAX_EXAMPLES``, so they never hide the first malformed line)."""
    lines = [p for p in ranked if p.reason in LINE_REASONS and p.reason not in NOT_MALFORMED][:MAX_EXAMPLES]
    quiet = [p for p in ranked if p.reason in NOT_MALFORMED][:MAX_EXAMPLES]
    values = [p for p in ranked if p.reason not in LINE_REASONS][:MAX_EXAMPLES]
    keep = {id(p) for p in lines + quiet + values}
    return tuple(p for p in ranked if id(p) in keep)


@dataclass
class ProblemTally:
    """Mutable accumulator for one chunk, filled by the decoders and frozen by
    :meth:`problems`. Line numbers are the chunk's own."""

    counts: Counter = field(default_factory=Counter)
    _found: list[tuple[int, int, Problem]] = field(default_factory=list, repr=False)

    def add(self, source: str, lines: list[int], reason: str, count: int | None = None) -> None:
        """Count ``count`` problems (default ``len(lines)``), keeping the first examples."""
        total = len(lines) if count is None else count
        if total == 0:
            return
        self.counts[reason] += total
        if reason == BLANK or not lines:
            return
        first = heapq.nsmallest(MAX_EXAMPLES, (int(n) for n in lines))
        self._found.extend((line, len(self._found) + i, Problem(source, line, reason)) for i, line in enumerate(first))

    def absorb(self, other: ProblemTally, line_of: Sequence[int] | Any) -> None:
        """Add ``other``'s problems, whose line ``n`` is line ``line_of[n - 1]`` here (an
        enveloped chunk's records, numbered as unwrapped, put back on the file's lines)."""
        self.counts.update(other.counts)
        for _, _, problem in sorted(other._found, key=lambda found: found[:2]):
            line = int(line_of[problem.line - 1])
            self._found.append((line, len(self._found), Problem(problem.source, line, problem.reason)))

    def problems(self) -> Problems:
        """The counts, and the first examples in line order (ties in the order found)."""
        ranked = [problem for _, _, problem in sorted(self._found, key=lambda found: found[:2])]
        return Problems(dict(self.counts), _first_of_each_kind(ranked))


CENSUS_LINES = 128
"""Lines of each file whose keys the census records (:mod:`mlmon.ingest.census`)."""
CENSUS_KEYS = 512
"""Distinct keys a census keeps; past it, those with the smallest CRC-32 (a choice that
depends on the keys only, so sums stay associative)."""


@dataclass(frozen=True)
class KeyCensus:
    """The keys of the first :data:`CENSUS_LINES` lines of each file: what an error shows
    when a field a check needs is in no record (``keys seen: response_t (3,486), ...``).
    A sample, so the read's hot path does not pay for it; it adds up like every other count."""

    lines: int = 0
    """Lines sampled (blank and unreadable ones included)."""
    counts: dict[str, int] = field(default_factory=dict)
    """Key → sampled lines that hold it: top-level keys as logged, a Docker wrapper's inner
    line's keys, ``record.extra.KEY`` for loguru, and ``KEY.SUB`` one object down."""
    kinds: dict[str, str] = field(default_factory=dict)
    """Key → the JSON kinds its values had, as letters in order: ``a`` array, ``b``
    boolean, ``n`` number, ``o`` object, ``s`` string, ``z`` null."""
    files_cut: int = 0
    """Files with more lines than were sampled: 0 means the counts cover every line."""

    def __add__(self, other: KeyCensus) -> KeyCensus:
        """Both censuses as one (associative; :data:`CENSUS_KEYS` bounds the keys kept)."""
        if not other.lines and not other.counts:
            return self
        if not self.lines and not self.counts:
            return other
        counts = Counter(self.counts)
        counts.update(other.counts)
        kinds = dict(self.kinds)
        for key, letters in other.kinds.items():
            kinds[key] = "".join(sorted(set(kinds.get(key, "")) | set(letters)))
        return KeyCensus(self.lines + other.lines, *bounded_keys(dict(counts), kinds), self.files_cut + other.files_cut)

    def most_common(self, limit: int | None = None) -> list[tuple[str, int]]:
        """(key, lines) by count, then shallower keys, then name."""
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0].count("."), item[0]))
        return ranked if limit is None else ranked[:limit]


def bounded_keys(counts: dict[str, int], kinds: dict[str, str]) -> tuple[dict[str, int], dict[str, str]]:
    if len(counts) <= CENSUS_KEYS:
        return counts, kinds
    kept = set(sorted(counts, key=lambda key: (zlib.crc32(key.encode("utf-8", "replace")), key))[:CENSUS_KEYS])
    return {k: n for k, n in counts.items() if k in kept}, {k: v for k, v in kinds.items() if k in kept}


def latest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two optional times (None: not known): how ``last_timestamp`` merges."""
    return a if b is None else b if a is None else max(a, b)


@dataclass(frozen=True)
class IngestStats:
    """What was read and what was skipped."""

    files: tuple[str, ...]
    """Files read, in the order given."""
    ignored_files: tuple[str, ...]
    """Entries inside directories that were not read: names that do not look like logs, and
    anything that is not a regular file (a FIFO, a socket, a broken link)."""
    lines: int
    """Non-blank lines read."""
    records: int
    """Records kept: parsed, timestamped and inside ``--since``/``--until``."""
    outside_time_range: int
    """Records dropped by ``--since``/``--until`` (not problems)."""
    skipped: dict[str, int]
    """Problems by reason: whole lines skipped, and values that could not be used."""
    examples: tuple[Problem, ...]
    """The first few problems as ``file:line: reason``."""
    unreadable_files: tuple[str, ...] = ()
    """Files found inside directories that could not be read, each as ``path: why``."""
    mlmon_files: tuple[str, ...] = ()
    """mlmon's own files (reference profiles, reports, ...) found in directories or by globs
    and not read, each as ``path: what it is``; summaries are merged, not listed here."""
    fields_found: frozenset[str] = frozenset()
    """Canonical fields (``ts``, ``latency``, ``status``, ``level``, ``label`` ...) that held
    a value, of any type, in some line read (before ``--since``/``--until``): a field not
    here appears nowhere in the input (:func:`mlmon.ingest.outcome.fields_found`). Also
    ``features`` when the read took input features and some line carried them."""
    keys_seen: KeyCensus = KeyCensus()
    """The keys of the first lines of each file, for messages about fields not found
    (a sample: never what decides whether a field is there)."""
    last_timestamp: datetime | None = None
    """Time of the latest record read before ``--until``: the last record kept, or, when
    every record is older than ``--since``, the latest of those (what a silence alert
    measures from). None: no record (or not known)."""
    envelopes: dict[str, EnvelopeRead] = field(default_factory=dict)
    """Files read through an envelope (``mlmon.ingest.envelopes``): which, the lines read
    through it and the log items they held. The account then holds for entries, not lines:
    ``entries = records + skipped_lines + outside_time_range``."""

    @property
    def entries(self) -> int:
        """Log entries read: non-blank lines, each enveloped file's lines counted as the
        items they held (a CloudWatch line of three log events is three entries)."""
        return self.lines + sum(read.items - read.lines for read in self.envelopes.values())

    @property
    def lines_skipped(self) -> dict[str, int]:
        """Whole lines skipped, by reason."""
        return {reason: n for reason, n in self.skipped.items() if reason in LINE_REASONS}

    @property
    def values_not_used(self) -> dict[str, int]:
        """Values nulled inside kept records, and file problems, by reason."""
        return {reason: n for reason, n in self.skipped.items() if reason not in LINE_REASONS}

    @property
    def first_skipped_line(self) -> Problem | None:
        """The first malformed line skipped, else the first line skipped."""
        lines = [p for p in self.examples if p.reason in LINE_REASONS]
        return next((p for p in lines if p.reason not in NOT_MALFORMED), lines[0] if lines else None)

    @property
    def skipped_lines(self) -> int:
        """Whole lines skipped (values nulled inside kept records are not counted)."""
        return sum(n for reason, n in self.skipped.items() if reason in LINE_REASONS)

    @property
    def malformed_lines(self) -> int:
        """Whole lines skipped as malformed (:data:`NOT_MALFORMED` left out)."""
        return self.skipped_lines - sum(n for reason, n in self.skipped.items() if reason in NOT_MALFORMED)

    @property
    def malformed_share(self) -> float:
        """Malformed lines (and items) as a share of the entries read (0 when there were none)."""
        return self.malformed_lines / self.entries if self.entries else 0.0
