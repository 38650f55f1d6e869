"""``mlmon watch``'s engine: the running summary, one step per poll, and check's evaluation at
every window close.

The state is the mergeable summary ``mlmon summarize`` writes (:class:`~mlmon.summary.files.Summary`):
check's analyses' partial states (:func:`mlmon.api.check.check_analyses`, on check's windows)
and the account of what was read. Each :class:`~mlmon.watch.follow.Batch` is a chunk of its
file, numbered as the file's own lines, reduced by the reducers every read uses
(:func:`mlmon.ingest.reader.reduce_chunk`) and merged in: the merge is associative, so the
state after any cut of the lines into batches is the state of one read of them.

When the newest record's window is later than the one the last evaluation saw (a window
closed; with ``--window all``, records came in and a minute passed), or nothing was evaluated
yet, :meth:`WatchEngine.evaluate` runs check on the summary
(:func:`mlmon.api.check.check_run`, the function ``mlmon check`` runs on a summary file), so
``for`` and ``keep_firing_for`` come out of the windows the summary holds; publishes check's
Prometheus text to the exporter; steps the alert state and delivers what is due; then drops
the windows the rules no longer look at (:mod:`mlmon.watch.prune`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mlmon.analyses.composite import ByPart
from mlmon.api.check import CheckOptions, check_analyses, check_run
from mlmon.api.inputs import summary_run
from mlmon.api.reducers import Analyses
from mlmon.api.results import CheckReport
from mlmon.api.summarize import summary_settings
from mlmon.errors import UsageError
from mlmon.ingest.chunks import Chunk
from mlmon.ingest.outcome import Hints
from mlmon.ingest.problems import IngestStats
from mlmon.ingest.reader import reduce_chunk
from mlmon.reference.profile import ReferenceProfile
from mlmon.render.prometheus import render
from mlmon.summary.files import Summary, merge_stats
from mlmon.summary.parts import SummarySettings
from mlmon.watch.alerts import AlertState, DeliveryResult, Target, alerts_of, deliver
from mlmon.watch.exporter import Exporter
from mlmon.watch.polls import Batch, Poll
from mlmon.watch.prune import baseline_window, drop_windows, micros, windows_kept

STATE_NAME = "mlmon-watch-state"
"""How check names the running summary among its inputs."""
WHOLE_RANGE_SECONDS = 60.0
"""With ``--window all`` (no window ever closes): the least time between evaluations."""
Deliver = Callable[[Sequence[Any], Sequence[Target]], tuple[DeliveryResult, ...]]


class WatchEngine:
    """The running summary of the lines read, and check's evaluation of it.

    ``options``: check's (its ``now`` is ignored: each evaluation is at its own time);
    ``reference``: the profile loaded from ``options.reference``; ``summary``: the state to
    resume from (a checkpoint's), else empty; ``alerts``: the alert state to resume from."""

    def __init__(
        self,
        options: CheckOptions,
        reference: ReferenceProfile | None = None,
        *,
        summary: Summary | None = None,
        alerts: AlertState | None = None,
        exporter: Exporter | None = None,
        targets: Sequence[Target] = (),
        send: Deliver = deliver,
    ) -> None:
        if options.ingest.by:
            raise UsageError("--by: mlmon watch keeps no groups; follow each group's logs with its own watch")
        self.options = replace(options, window=replace(options.window, by_default=False), now=None)
        self.reference = reference
        self.reducer = check_analyses(self.options, reference).reducer()
        self.ingest = replace(options.ingest, allow_no_records=True, max_malformed_share=1.0)
        self.settings = _settings(self.options, reference)
        self.exporter = exporter or Exporter()
        self.alerts = alerts or AlertState()
        self.targets, self.send = tuple(targets), send
        self.report: CheckReport | None = None
        """The last evaluation's report."""
        self._hints = Hints()
        self._evaluated: int | None = None  # the newest window index the last evaluation saw
        self._pinned: int | None = None
        self._evaluated_at, self._records_seen = 0.0, 0
        if summary is None:
            self.state, self.stats = self._reduce(Chunk(STATE_NAME, b""))
            self.stats = replace(self.stats, files=())
        else:
            self.state, self.stats = ByPart.of(summary.states), summary.stats

    def summary(self) -> Summary:
        """The running state as a summary (for check, and for the checkpoint)."""
        return Summary(self.settings, self.stats, dict(self.state), created=datetime.now(UTC))

    def step(self, poll: Poll, now: datetime | None = None, *, evaluate: bool = True) -> CheckReport | None:
        """Merge the poll's batches; evaluate when a window closed (or nothing was evaluated
        yet and records were read), unless ``evaluate`` is false (``--once`` evaluates once,
        at the end). The report, when it evaluated."""
        for batch in poll.batches:
            self.add(batch)
        for event in poll.events:
            if event.kind == "deleted":
                self.exporter.forget_file(event.path)
        if evaluate and self.stats.records and self._due():
            return self.evaluate(now)
        return None

    def add(self, batch: Batch) -> None:
        """Merge one batch's lines into the state and count them."""
        start = batch.start == 0
        chunk = Chunk(batch.path, batch.data, first_line=batch.first_line, starts_file=start, envelope=batch.envelope)
        state, stats = self._reduce(chunk)
        self.state = self.reducer.merge(self.state, state)
        self.stats = _merged(self.stats, stats)
        self.exporter.count_lines(stats.lines, stats.records)
        for reason, count in stats.lines_skipped.items():
            self.exporter.count_skipped(reason, count)
        if stats.last_timestamp is not None:
            self.exporter.set_last_record(stats.last_timestamp.timestamp())

    def evaluate(self, now: datetime | None = None) -> CheckReport:
        """Run check on the running summary at ``now`` (default: the current time), publish
        its Prometheus text, step and deliver the alerts, then drop the windows no rule looks
        at any more. Raises check's errors (``MlmonError``); the windows are dropped all the
        same, and the next try is at the next window close."""
        now = now or datetime.now(UTC)
        self._evaluated, self._evaluated_at, self._records_seen = self._newest(), time.monotonic(), self.stats.records
        run = summary_run(self.summary(), STATE_NAME, replace(self.options.ingest, allow_no_records=True))
        try:
            report = check_run(run, replace(self.options, now=now), reference=self.reference)
        finally:
            self.prune()
        read = replace(report.ingest, files=self.stats.files)  # the logs followed, not the summary's name
        self.report = report = replace(report, ingest=read, report=replace(report.report, ingest=read))
        self.exporter.publish(render(report))
        self.alerts, due = self.alerts.step(alerts_of(report), now)
        for result in self.send(due, self.targets) if due and self.targets else ():
            self.exporter.count_delivery(result)
        return report

    def prune(self) -> None:
        """Drop the windows older than the rules look at (:mod:`mlmon.watch.prune`)."""
        window = self.options.window.duration
        newest = self._newest()
        if window is None or newest is None:
            return
        step = window // _MICROSECOND
        if self.reference is None and self._pinned is None:
            self._pinned = baseline_window(self.state)
        cutoff = (newest - windows_kept(self.options.rules) + 1) * step
        self.state = ByPart.of(drop_windows(self.state, cutoff, step, self._pinned))

    def reconfigure(self, options: CheckOptions) -> None:
        """Take new rules (a reloaded config) and keep the state: the windows, the reference
        and what is read must stay as they are (``UsageError`` otherwise)."""
        options = replace(options, window=replace(options.window, by_default=False), now=None)
        if options.window != self.options.window or options.reference != self.options.reference:
            raise UsageError("a reloaded config may change the rules, not the window or the reference: restart")
        if _read_alike(check_analyses(options, self.reference)) != _read_alike(
            check_analyses(self.options, self.reference)
        ):
            raise UsageError("a reloaded config asks for other analyses (labels, features): restart")
        self.options = options

    def _reduce(self, chunk: Chunk) -> tuple[ByPart[Any], IngestStats]:
        state, stats = reduce_chunk(chunk, self.ingest, self.reducer, self._hints)
        return state, stats

    def _due(self) -> bool:
        """Whether a window closed since the last evaluation (nothing evaluated yet: due). The
        whole range never closes: it is evaluated again when records came in and
        :data:`WHOLE_RANGE_SECONDS` have passed."""
        if self._evaluated is None:
            return True
        if self.options.window.duration is None:
            fresh = self.stats.records != self._records_seen
            return fresh and time.monotonic() - self._evaluated_at >= WHOLE_RANGE_SECONDS
        newest = self._newest()
        return newest is not None and newest > self._evaluated

    def _newest(self) -> int | None:
        """The index (from the epoch) of the newest record's window; 0 for the whole range."""
        last, window = self.stats.last_timestamp, self.options.window.duration
        if last is None:
            return None
        return 0 if window is None else micros(last) // (window // _MICROSECOND)


_MICROSECOND = timedelta(microseconds=1)


def _read_alike(analyses: Analyses) -> tuple[object, ...]:
    """What shapes the states of check's analyses besides the window and the reference."""
    return (analyses.low_confidence, analyses.features, analyses.labels, analyses.estimates is None, analyses.by)


def _merged(running: IngestStats, more: IngestStats) -> IngestStats:
    """Two accounts as one read's, each file listed once (a file's batches are one read of it)."""
    both = merge_stats(running, more)
    return replace(both, files=tuple(dict.fromkeys(both.files)))


def _settings(options: CheckOptions, reference: ReferenceProfile | None) -> SummarySettings:
    """The settings of a summary of check's analyses (what a later run checks before merging it)."""
    calibration = reference.calibration if reference is not None and options.rules.estimate_rules else None
    analyses = check_analyses(options, reference)
    return summary_settings(
        options.window, options.by_version, options.reference, analyses, options.ingest, calibration
    )
