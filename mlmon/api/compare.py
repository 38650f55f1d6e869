"""``mlmon compare``'s Python twin: two model versions over the time both served.

``build_compare("logs/", CompareOptions(baseline="1.4.0", candidate="1.5.0", split="10%"))``
or, with two sets of logs, ``build_compare((), CompareOptions(baseline_logs=("a/",),
candidate_logs=("b/",)))``.

The logs are read twice: once for when each side served (the operational summaries of
every version), then from the common period's start (the later first record) with every
analysis a comparison uses (:mod:`mlmon.analyses.compare`): the operational ones stop at
its end (just after the earlier last record), the label join reads on, since labels
arrive after their predictions. Then judged (:mod:`mlmon.verdicts.compare`). With
``--since`` and ``--until`` the logs are read once, and labels only up to ``--until``.
With ``ingest.by`` (``--by pod``) the second read also splits the operational analysis by
group, and each group is compared and judged too (:mod:`mlmon.api.compare_groups`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from mlmon.analyses.compare import compare_sides, side_figures
from mlmon.analyses.compare_sides import Selector, Served, ServedReducer, Side, side_of
from mlmon.analyses.ops import OpsResult
from mlmon.analyses.performance import realized
from mlmon.api.coerce import Inputs, OptionTypeError, as_inputs, options_of
from mlmon.api.compare_groups import GroupRead, SideOf, compare_groups, group_reads
from mlmon.api.inputs import RunInputs, open_inputs
from mlmon.api.performance import calibration_of, joined_with_tables
from mlmon.api.reducers import Analyses
from mlmon.api.results import CompareReport
from mlmon.errors import InputError, UsageError
from mlmon.ingest.label_tables import read_label_table
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import IngestStats
from mlmon.options import RATIO, OptionSpec
from mlmon.plain import iso_utc
from mlmon.summary.files import merge_stats
from mlmon.summary.parts import ESTIMATED, LABELS, OPS
from mlmon.units import Count
from mlmon.verdicts.compare import MIN_SAMPLES, RULES, ComparePolicy, findings, judge
from mlmon.windows import WindowSpec

SPLIT = OptionSpec(RATIO, "--split", None, optional=True)
MIN_SAMPLES_SPEC = OptionSpec(Count(1), "--min-samples", None, MIN_SAMPLES)
TOLERANCE = OptionSpec(RATIO, "--tolerance")


@dataclass(frozen=True)
class CompareOptions:
    """What to compare, and how strictly."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs (``since``/``until``: compare over that range only)."""
    baseline: str | None = None
    """The baseline's version (``1.4.0``) or ``model:version``; with ``baseline_logs``,
    optional: the version among those logs."""
    candidate: str | None = None
    """The candidate's, likewise."""
    baseline_logs: tuple[str, ...] = ()
    """The baseline's own logs (then ``candidate_logs`` too, and no other inputs)."""
    candidate_logs: tuple[str, ...] = ()
    """The candidate's own logs."""
    split: float | None = None
    """The candidate's expected share of the requests (``"10%"`` parses); None: not checked."""
    tolerances: Mapping[str, Any] = field(default_factory=dict)
    """Metric -> tolerance (``{"latency_p99": "20%"}``), over the defaults."""
    critical: tuple[str, ...] | None = None
    """The metrics whose failure fails the whole (None: the defaults)."""
    min_samples: int = MIN_SAMPLES
    """Values each side needs per metric."""
    labels: tuple[str, ...] = ()
    """Label tables (CSV, Parquet or JSON lines) besides the label records in the logs."""
    reference: str | os.PathLike[str] | None = None
    """A reference built with ``--actual``: CBPE estimates each side's accuracy."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI does."""
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        for name in ("baseline_logs", "candidate_logs", "labels"):
            value = getattr(self, name)
            value = (value,) if isinstance(value, str | os.PathLike) else tuple(value)
            object.__setattr__(self, name, tuple(os.fspath(v) for v in value))
        split = SPLIT.parse(self.split, SPLIT.named("split"))
        if split is not None and not 0 < split < 1:
            raise UsageError(f"split (--split) {self.split!r}: the candidate's share must lie strictly between 0 and 1")
        object.__setattr__(self, "split", split)
        object.__setattr__(self, "min_samples", MIN_SAMPLES_SPEC.parse(self.min_samples, "min_samples (--min-samples)"))
        object.__setattr__(self, "tolerances", _tolerances(self.tolerances))
        if self.critical is not None:
            critical = tuple(self.critical)
            _known(critical, "critical (--critical)")
            object.__setattr__(self, "critical", critical)

    def policy(self) -> ComparePolicy:
        """The verdicts' tolerances, critical metrics and minimum data."""
        critical = None if self.critical is None else frozenset(self.critical)
        return ComparePolicy(dict(self.tolerances), critical, self.min_samples)


def build_compare(inputs: Inputs, options: CompareOptions | None = None) -> CompareReport:
    """Compare the candidate with the baseline over the time both served. Raises
    ``MlmonError``: a version the logs do not hold, no common period, unusable input."""
    options = options_of(CompareOptions, options)
    sides = _sides(as_inputs(inputs), options)
    calibration = calibration_of(options.reference)
    tables = [read_label_table(path, options.ingest.fields) for path in options.labels]
    period = _common_period(sides, options.ingest)
    ingest = replace(options.ingest, since=period[0])  # labels are read to the end (or --until)
    (base, base_stats, base_groups), (cand, cand_stats, cand_groups) = _read_sides(
        sides, ingest, period[1], calibration, tables
    )
    stats = base_stats if sides[0].run is sides[1].run else merge_stats(base_stats, cand_stats)
    comparison = compare_sides(base, cand, options.split)
    scope, policy = f"{cand.name} vs {base.name}", options.policy()
    judged, verdict = judge(comparison, policy, scope)
    named = (SideOf(base.name, sides[0].selector), SideOf(cand.name, sides[1].selector))
    groups = compare_groups(named, (base_groups, cand_groups), options.split, policy, scope)
    return CompareReport(
        stats,
        side_figures(base),
        side_figures(cand),
        period,
        comparison,
        judged,
        verdict,
        (*findings(judged, scope), *(f for group in groups for f in group.result.findings)),
        policy,
        groups,
    )


@dataclass(frozen=True)
class _SideInput:
    """Where one side's records are, and which of them."""

    name: str
    run: RunInputs
    selector: Selector


def _sides(inputs: list[str], options: CompareOptions) -> tuple[_SideInput, _SideInput]:
    two_logs = bool(options.baseline_logs or options.candidate_logs)
    if two_logs:
        if not (options.baseline_logs and options.candidate_logs):
            raise UsageError("give both --baseline-logs and --candidate-logs, or LOGS with --baseline/--candidate")
        if inputs:
            raise UsageError("with --baseline-logs and --candidate-logs, give no other LOGS")
        runs = [_open(list(logs), options.ingest) for logs in (options.baseline_logs, options.candidate_logs)]
        names = [
            _logs_name(options.baseline_logs, options.baseline),
            _logs_name(options.candidate_logs, options.candidate),
        ]
    else:
        if not (options.baseline and options.candidate):
            raise UsageError("give --baseline and --candidate (a version, or model:version), or two sets of logs")
        if not inputs:
            raise UsageError("give the LOGS to read")
        run = _open(inputs, options.ingest)
        runs, names = [run, run], [options.baseline, options.candidate]
    selectors = [Selector.parse(s) if s else Selector() for s in (options.baseline, options.candidate)]
    return _SideInput(names[0], runs[0], selectors[0]), _SideInput(names[1], runs[1], selectors[1])


def _open(inputs: list[str], ingest: IngestOptions) -> RunInputs:
    run = open_inputs(inputs, ingest)
    if run.summaries:
        raise InputError(f"{next(iter(run.summaries))}: compare reads logs, not summaries (it needs every value)")
    if "-" in inputs and (ingest.since is None or ingest.until is None):
        raise UsageError(
            "compare reads its logs twice (first to find when both sides served): give --since and "
            "--until to read - once"
        )
    return run


def _logs_name(logs: tuple[str, ...], version: str | None) -> str:
    shown = logs[0] if len(logs) == 1 else f"{logs[0]} (+{len(logs) - 1})"
    return f"{shown} {version}" if version else shown


def _common_period(sides: tuple[_SideInput, _SideInput], ingest: IngestOptions) -> tuple[datetime, datetime]:
    """[since, until): the given range, or from the later first request or prediction of
    the two sides to just after the earlier last one."""
    if ingest.since is not None and ingest.until is not None:
        return ingest.since, ingest.until
    served: dict[int, tuple[Served, ...]] = {}
    for side in sides:  # one read per set of logs
        if id(side.run) not in served:
            reducer = ServedReducer()
            state, _ = side.run.reduce(reducer)
            served[id(side.run)] = reducer.finalize(state)
    spans = [_span(side, served[id(side.run)]) for side in sides]
    start = max(ingest.since or spans[0][0], spans[0][0], spans[1][0])
    end = min(spans[0][1], spans[1][1])
    if ingest.until is not None:
        end = min(end, ingest.until - timedelta(microseconds=1))
    if start > end:
        served_when = [
            f"{side.name} served from {iso_utc(a)} to {iso_utc(b)}" for side, (a, b) in zip(sides, spans, strict=True)
        ]
        raise InputError(f"{served_when[0]} and {served_when[1]}: no common period to compare")
    return start, end + timedelta(microseconds=1)


def _span(side: _SideInput, served: tuple[Served, ...]) -> tuple[datetime, datetime]:
    """When the side served: its version's first and last request or prediction."""
    held = [(s.model, s.version, s.records) for s in served]
    matching = [served[i] for i in _matching(side, held, "request or prediction", "requests")]
    return min(s.start for s in matching), max(s.end for s in matching)


def _summary(side: _SideInput, ops: OpsResult) -> Any:
    """The side's operational summary over the period: the whole run's, or its version's."""
    if side.selector.version is None:
        return ops.overall
    held = [(s.model, s.model_version, s.records) for s in ops.by_model]
    (index,) = _matching(side, held, "record", "records")
    return ops.by_model[index]


def _matching(side: _SideInput, held: list[tuple[str | None, str | None, int]], noun: str, unit: str) -> list[int]:
    """The indices of the (model, version, count) groups that make the side; ``UsageError``
    when a bare version names two models' versions, ``InputError`` (listing what the logs
    hold) when it names none."""
    found = [i for i, (model, version, n) in enumerate(held) if n and side.selector.matches(model, version)]
    if side.selector.version is not None and len(found) > 1:
        listed = ", ".join(_named(*held[i][:2]) for i in found)
        raise UsageError(f"{side.selector.describe()} names {listed}: give model:version")
    if not found:
        listed = ", ".join(f"{_named(model, version)} ({n:,} {unit})" for model, version, n in held)
        raise InputError(f"no {noun} of {side.name} in the logs; they hold {listed or 'none'}")
    return found


def _read_sides(
    sides: tuple[_SideInput, _SideInput], ingest: IngestOptions, until: datetime, calibration: Any, tables: list[Any]
) -> list[tuple[Side, IngestStats, tuple[GroupRead, ...]]]:
    """Each side from one read of its logs over the common period (one read for both when
    they are two versions of the same logs), with the read's ``--by`` groups."""
    if sides[0].run is sides[1].run:
        *parts, stats, groups = _read(sides[0].run, ingest, until, True, calibration, tables)
        return [(_side(side, *parts), stats, groups) for side in sides]
    found = []
    for side in sides:
        *parts, stats, groups = _read(side.run, ingest, until, side.selector.version is not None, calibration, tables)
        found.append((_side(side, *parts), stats, groups))
    return found


def _read(
    run: RunInputs, ingest: IngestOptions, until: datetime, by_version: bool, calibration: Any, tables: list[Any]
) -> tuple[Any, ...]:
    """One read with every analysis, the operational ones stopping at ``until`` and the
    label join reading on: (finalized parts, the operational state, the join's predictions
    before ``until``, the realized windows, stats, the ``--by`` groups)."""
    asked = Analyses(
        WindowSpec(),
        ops=True,
        by_version=by_version,
        labels=True,
        label_vectors=False,
        estimates=calibration,
        before=until,
        by=ingest.by,
    )
    reducer = asked.reducer()
    state, stats = replace(run, options=ingest).reduce(reducer)
    done = {name: reducer.parts[name].finalize(state[name]) for name in (OPS, ESTIMATED) if name in reducer.parts}
    joined = joined_with_tables(reducer, state, tables)
    rows = joined.rows.filter(pl.col("ts") < until)
    windows = realized(replace(joined, rows=rows), whole_range=True).windows if rows.height else ()
    join = state[LABELS]
    predictions = replace(join, predictions=tuple(p.filter(pl.col("ts") < until) for p in join.predictions))
    return done, state[OPS], predictions, windows, stats, group_reads(reducer, state)


def _side(side: _SideInput, done: Any, ops: Any, predictions: Any, windows: tuple[Any, ...]) -> Side:
    """One side from a read's results: its summary, values, predictions, accuracy, estimate."""
    version = side.selector.version
    realized_window = next((w for w in windows if w.model_version == version and w.labelled), None)
    estimate = next((e for e in done.get(ESTIMATED, ()) if e.model_version == version), None)
    summary = _summary(side, done[OPS])
    name = _named(summary.model, summary.model_version) if version is not None else side.name
    return side_of(name, side.selector, summary, ops, predictions, realized_window, estimate)


def _tolerances(given: Mapping[str, Any]) -> dict[str, float]:
    if not isinstance(given, Mapping):
        raise OptionTypeError(f"tolerances (--tolerance) {given!r}: expected metric=value pairs")
    _known(tuple(given), "tolerances (--tolerance)")
    return {metric: TOLERANCE.parse(value, f"--tolerance {metric}") for metric, value in given.items()}


def _known(metrics: tuple[str, ...], where: str) -> None:
    unknown = [m for m in metrics if m not in RULES]
    if unknown:
        raise UsageError(f"{where}: unknown metric {unknown[0]!r}; the metrics are {', '.join(RULES)}")


def _named(model: str | None, version: str | None) -> str:
    """``model:version`` (the version alone when the logs name no model)."""
    return f"{model}:{version}" if model else str(version)
