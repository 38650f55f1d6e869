"""What ingest skipped or could not use, by reason, with the first examples; and the
account of a whole read. Plain Python, so renderers can import it without polars."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

MAX_EXAMPLES = 5
BLANK = "blank line"

TOO_LONG = "line too long"
STREAM_ERROR = "compressed stream truncated or corrupt"
"""A file problem, not a line: the lines decoded before the damage are read and counted."""

LINE_REASONS = frozenset(
    {"malformed JSON", "truncated last line", "not a JSON object", "not JSON", TOO_LONG,
     "missing timestamp", "unparseable timestamp", "timestamp out of range", "partial CRI line", "partial Docker line"}
)
"""Reasons that drop a whole line; they count towards the malformed share. Every other
reason is a value inside a kept record that could not be used, or a file problem."""


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
    """The first ``MAX_EXAMPLES`` whole-line problems and value problems of ``ranked``."""
    lines = [p for p in ranked if p.reason in LINE_REASONS][:MAX_EXAMPLES]
    values = [p for p in ranked if p.reason not in LINE_REASONS][:MAX_EXAMPLES]
    keep = {id(p) for p in lines + values}
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

    def problems(self) -> Problems:
        """The counts, and the first examples in line order (ties in the order found)."""
        ranked = [problem for _, _, problem in sorted(self._found, key=lambda found: found[:2])]
        return Problems(dict(self.counts), _first_of_each_kind(ranked))


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
        return next((p for p in self.examples if p.reason in LINE_REASONS), None)

    @property
    def skipped_lines(self) -> int:
        """Whole lines skipped (values nulled inside kept records are not counted)."""
        return sum(n for reason, n in self.skipped.items() if reason in LINE_REASONS)

    @property
    def malformed_share(self) -> float:
        """Skipped lines as a share of non-blank lines (0 when there were none)."""
        return self.skipped_lines / self.lines if self.lines else 0.0
