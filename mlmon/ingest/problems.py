"""What ingest skipped or could not use, by reason, with the first examples; and the
account of a whole read. Plain Python, so renderers can import it without polars."""

from __future__ import annotations

import threading
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


@dataclass
class ProblemTally:
    """Mutable accumulator used while reading; frozen into ``IngestStats`` at the end."""

    counts: Counter = field(default_factory=Counter)
    examples: list[Problem] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, source: str, lines: list[int], reason: str, count: int | None = None) -> None:
        """Count ``count`` problems (default ``len(lines)``), keeping the first examples.
        Safe to call from the chunk workers."""
        total = len(lines) if count is None else count
        if total == 0:
            return
        with self._lock:
            self.counts[reason] += total
            if reason == BLANK:
                return
            kept = sum(1 for example in self.examples if example.reason == reason)
            self.examples.extend(Problem(source, int(n), reason) for n in lines[: max(MAX_EXAMPLES - kept, 0)])

    def first_examples(self, sources: tuple[str, ...]) -> tuple[Problem, ...]:
        """The first few skipped lines and the first few unusable values, in file order,
        then line order."""
        order = {source: index for index, source in enumerate(sources)}
        ranked = sorted(self.examples, key=lambda p: (order.get(p.source, len(order)), p.line))
        lines = [p for p in ranked if p.reason in LINE_REASONS][:MAX_EXAMPLES]
        values = [p for p in ranked if p.reason not in LINE_REASONS][:MAX_EXAMPLES]
        return tuple(sorted(lines + values, key=ranked.index))

    def skipped_lines(self) -> int:
        return sum(n for reason, n in self.counts.items() if reason in LINE_REASONS)


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
