"""``mlmon check``'s Python twin: every configured rule over one read of the logs.

    build_check("logs/", CheckOptions(reference="train.json", window="1h"))

One pass feeds three reducers (operations, predictions, and inputs when the reference
profiles features), and the label join when a label rule has a level
(``mlmon.verdicts.label_rules``) and CBPE's estimates when an estimate rule has one; the
drift statistics and verdicts are ``drift``'s own,
and the rules (``mlmon.verdicts.alerting``) add levels, persistence and the verdict per
rule and scope.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mlmon.analyses.group_result import GroupResult
from mlmon.analyses.ops import OpsResult
from mlmon.analyses.ops_types import OpsSummary, WindowOps
from mlmon.analyses.performance import realized
from mlmon.api.check_rules import CheckRules, outcomes_of, require_estimate_inputs, require_rule_inputs
from mlmon.api.coerce import Inputs, OptionError, OptionTypeError, as_inputs, check_fields, options_of
from mlmon.api.drift import DriftOptions, judge_drift, prediction_analyses
from mlmon.api.feature_drift import feature_result
from mlmon.api.groups import group_ops, group_summaries
from mlmon.api.inputs import RunInputs, open_inputs
from mlmon.api.reducers import Analysed, Analyses, analyse
from mlmon.api.results import CheckReport, DriftReport, Report
from mlmon.config.specs import (
    BY_VERSION,
    CONFIDENCE_THRESHOLDS,
    DRIFT_SHARE,
    DRIFT_THRESHOLDS,
    EXIT_ON,
    FEATURE_THRESHOLDS,
    REFERENCE,
    RULES,
    WINDOW,
    parse_rule,
    rule_keys,
)
from mlmon.errors import UsageError
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import IngestStats, latest
from mlmon.ingest.time_options import NOW, parse_moment
from mlmon.reference.profile import ReferenceProfile
from mlmon.reference.store import load_reference
from mlmon.units import type_name
from mlmon.verdicts.alerting import AlertRule
from mlmon.verdicts.label_rules import LabelThresholds
from mlmon.verdicts.performance import Maturity
from mlmon.verdicts.rules import DEFAULT_EXIT_ON, ExitOn, FiringRule
from mlmon.windows import MAX_WINDOWS, WindowSpec, time_window_count, window_starts

DEFAULT_WINDOW = WindowSpec(duration=timedelta(hours=1), by_default=True)
"""``check``'s window when none is set: an hour, the step of an hourly cron job (or the
windows of the summaries read)."""


@dataclass(frozen=True)
class CheckOptions:
    """What ``check`` reads and which rules it applies."""

    ingest: IngestOptions = field(default_factory=IngestOptions)
    """How to read the logs; ``since``/``until`` also bound the windows that must hold records."""
    window: WindowSpec = DEFAULT_WINDOW
    """Time windows (``for`` counts them) or the whole range; a string such as ``"1h"`` parses."""
    reference: str | Path | None = None
    """Reference profile (or raw training data) for prediction and feature drift."""
    rules: CheckRules = field(default_factory=CheckRules)
    """Every rule's levels, persistence and statistics."""
    exit_on: ExitOn | str = DEFAULT_EXIT_ON
    """``last``: the verdict is whether a rule fires now (cron); ``any``: anywhere (CI). A
    string parses; after ``__post_init__`` it is always an ``ExitOn``."""
    by_version: bool = True
    """Judge prediction drift and confidence per model version."""
    now: datetime | None = None
    """The time of the run (None: the current time); a string parses as ``--since`` does."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI and the config file do, through their
        option specs (:mod:`mlmon.config.specs`): strings and typed values alike; ``ingest``
        and ``rules`` may be dicts, and every rule is read as the config file's
        (:func:`checked_rules`). ``OptionError`` (a ``ValueError``) names the field."""
        object.__setattr__(self, "ingest", options_of(IngestOptions, self.ingest, "ingest"))
        object.__setattr__(self, "rules", checked_rules(options_of(CheckRules, self.rules, "rules")))
        check_fields(self, CHECK_OPTIONS)
        object.__setattr__(self, "exit_on", ExitOn(self.exit_on))
        object.__setattr__(self, "now", parse_moment(NOW, self.now, "now"))
        if self.window.records is not None:
            raise OptionError(
                f"{WINDOW.named('window')} {self.window.records}: check needs time windows (15m, 1h, 1d) or the whole "
                "range: for and keep_firing_for count windows in time"
            )


CHECK_OPTIONS = {"window": WINDOW, "reference": REFERENCE, "exit_on": EXIT_ON, "by_version": BY_VERSION}
"""``CheckOptions``' own fields and their specs (``--window``, ``--reference``, ``--exit-on``)."""


def checked_rules(rules: CheckRules) -> CheckRules:
    """``rules`` with every rule read as the config file's ``[rules.NAME]`` is, by
    :func:`~mlmon.config.specs.parse_rule`: each level in its rule's unit (ms for
    ``latency_p99``, a ratio for ``error_rate``, PSI, a confidence drop, seconds or a
    duration for ``no_data``), ``for`` and ``keep_firing_for``, and a warning level above
    the critical one refused. A rule is an ``AlertRule`` or a dict of the table's keys
    (``enabled``, ``warning``, ``critical``, ``for``, ``keep_firing_for``, or ``firing``);
    a key a dict leaves out takes the config's default, and a level set to None is no
    level. The statistics (``drift``, ``confidence``, ``features``, ``drift_share``) are
    checked by their fields' specs, and ``labels`` (``LabelThresholds`` or a dict of its
    fields, each maturity a ``Maturity`` or a dict) by the label rules' keys."""
    alerts = {name: _alert_rule(name, getattr(rules, name)) for name in RULES}
    return replace(
        rules,
        **alerts,
        drift=check_fields(rules.drift, DRIFT_THRESHOLDS, "rules.drift.", copy=True),
        confidence=check_fields(rules.confidence, CONFIDENCE_THRESHOLDS, "rules.confidence.", copy=True),
        features=check_fields(rules.features, FEATURE_THRESHOLDS, "rules.features.", copy=True),
        drift_share=DRIFT_SHARE.parse(rules.drift_share, DRIFT_SHARE.named("rules.drift_share")),
        labels=_label_thresholds(rules.labels),
    )


def _label_thresholds(value: object) -> LabelThresholds:
    """``CheckRules.labels`` checked by the keys of ``[rules.accuracy]``,
    ``[rules.calibration_error]``, ``[rules.estimate_gap]`` (``min_coverage``,
    ``min_labelled``) and ``[rules.label_coverage]`` (``delay``)."""
    labels = options_of(LabelThresholds, value, "rules.labels")
    maturities = {}
    for field_name, rule in (("accuracy", "accuracy"), ("calibration", "calibration_error"), ("gap", "estimate_gap")):
        where = f"rules.labels.{field_name}"
        maturity = options_of(Maturity, getattr(labels, field_name), where)
        keys = rule_keys(rule)
        specs = {key: keys[key] for key in ("min_coverage", "min_labelled")}
        maturities[field_name] = check_fields(maturity, specs, f"{where}.", copy=True)
    delay = rule_keys("label_coverage")["delay"]
    return replace(labels, **maturities, delay=delay.parse(labels.delay, delay.named("rules.labels.delay")))


def _alert_rule(name: str, rule: object) -> AlertRule:
    """The rule ``name`` (an ``AlertRule`` or a dict) read as the config file's ``[rules.NAME]``."""
    where = f"rules.{name}"
    values = parse_rule(name, _rule_table(rule, where), where, extras=False)
    firing = FiringRule(values["for"], values["keep_firing_for"])
    return AlertRule(values["enabled"], _seconds(values["warning"]), _seconds(values["critical"]), firing)


def _rule_table(rule: object, where: str) -> dict[str, object]:
    """An ``AlertRule`` or a dict as ``[rules.NAME]``'s keys; ``firing`` (a ``FiringRule``
    or a dict of its fields) as ``for`` and ``keep_firing_for``."""
    table: dict[str, object]
    if isinstance(rule, AlertRule):
        table = {"enabled": rule.enabled, "warning": rule.warning, "critical": rule.critical, "firing": rule.firing}
    elif isinstance(rule, Mapping):
        table = dict(rule)
    else:
        raise OptionTypeError(f"{where}: expected AlertRule or a dict of its keys, got {type_name(rule)} {rule!r}")
    firing = table.pop("firing", None)
    if isinstance(firing, FiringRule):
        firing = {"for_windows": firing.for_windows, "keep_firing_for": firing.keep_firing_for}
    if firing is not None:
        if not isinstance(firing, Mapping) or not set(firing) <= {"for_windows", "keep_firing_for"}:
            raise OptionTypeError(
                f"{where}.firing: expected FiringRule or a dict of for_windows and keep_firing_for, got {firing!r}"
            )
        table.update({"for": firing.get("for_windows"), "keep_firing_for": firing.get("keep_firing_for")})
    return table


def _seconds(level: float | timedelta | None) -> float | None:
    """``no_data``'s levels as ``CheckRules`` holds them: seconds."""
    return level.total_seconds() if isinstance(level, timedelta) else level


def build_check(
    inputs: Inputs, options: CheckOptions | None = None, *, required: Collection[str] | None = None
) -> CheckReport:
    """Read ``inputs`` (a path, directory, glob or ``-``, or a sequence of them) once and
    apply every rule. Raises ``MlmonError`` on unusable input, ``MissingFieldError`` when
    a configured rule's field is in no record and ``ReferenceMismatchError`` when the
    reference shares nothing with the logs (:func:`~mlmon.api.check_rules.require_rule_inputs`;
    ``required``: the drift comparisons asked for, as ``build_drift_report`` takes them)."""
    options = options_of(CheckOptions, options)
    run = open_inputs(as_inputs(inputs), replace(options.ingest, allow_no_records=True))
    return check_run(run, options, required=required)


def check_analyses(options: CheckOptions, reference: ReferenceProfile | None) -> Analyses:
    """The analyses ``check`` reads its inputs with (``mlmon watch`` keeps their states)."""
    rules = options.rules
    return replace(
        prediction_analyses(_drift_options(options, reference)),
        ops=True,
        reference=reference,
        features=rules.feature_drift.enabled,
        labels=rules.reads_labels,
        estimates=reference.calibration if rules.estimate_rules and reference is not None else None,
        by=options.ingest.by,
    )


def check_run(
    run: RunInputs,
    options: CheckOptions,
    *,
    required: Collection[str] | None = None,
    reference: ReferenceProfile | None = None,
) -> CheckReport:
    """:func:`build_check` on inputs already opened (:func:`~mlmon.api.inputs.open_inputs`,
    or a summary in memory: :func:`~mlmon.api.inputs.summary_run`); ``reference``: the
    profile already loaded (None: loaded from ``options.reference``)."""
    now = options.now or datetime.now(UTC)
    rules = options.rules
    options = replace(options, window=run.window(options.window))
    reference = _load(options.reference) if reference is None else reference
    require_estimate_inputs(rules, reference, options.reference)
    drift_options = _drift_options(options, reference)
    found = analyse(run, check_analyses(options, reference))
    ops, windows, stats = found.ops, found.predictions, found.stats
    performance = None if found.labels is None else realized(found.labels, options.window.duration is None).windows
    assert ops is not None
    features = feature_result(found.features, reference, rules.feature_thresholds)
    require_rule_inputs(
        rules, ops.overall, reference, windows, features, stats, required, bool(options.ingest.features)
    )
    drift = judge_drift(windows, reference, drift_options, stats, features)
    span = _span(ops, options, now)
    starts = _starts(options.window, span)
    report, op_windows = _scoped(ops, stats, options.window, found.groups)
    group_drift = _group_drift(found.groups, reference, drift_options, stats)
    last = latest(stats.last_timestamp, ops.overall.end)  # older than --since too: how long the logs have been silent
    outcomes, not_checked = outcomes_of(
        rules, op_windows, drift, starts, options, span, last, now, performance, found.estimates, group_drift
    )
    findings = tuple(outcome.finding() for outcome in outcomes)
    return CheckReport(
        stats,
        options.window,
        now,
        span,
        last,
        ExitOn(options.exit_on),
        outcomes,
        findings,
        not_checked,
        report,
        drift,
    )


def _load(reference: str | Path | None):
    return None if reference is None else load_reference(reference)


def _drift_options(options: CheckOptions, reference) -> DriftOptions:
    rules = options.rules
    drift, confidence = rules.drift_thresholds, rules.confidence_thresholds
    return DriftOptions(
        reference=None,
        window=options.window,
        min_samples=drift.min_samples,
        alpha=drift.alpha,
        warning_psi=drift.warning_psi,
        critical_psi=drift.critical_psi,
        low_confidence=confidence.low_threshold,
        collapse_drop=confidence.collapse_drop,
        warning_drop=confidence.warning_drop,
        by_version=options.by_version,
        features=rules.feature_thresholds,
    )


def _span(ops: OpsResult, options: CheckOptions, now: datetime) -> tuple[datetime, datetime] | None:
    """The half-open range the windows must cover: ``--since`` else the first record, to
    ``--until`` else (with ``--since``) now, else just after the last record."""
    since, until = options.ingest.since, options.ingest.until
    first, last = ops.overall.start, ops.overall.end
    start = since or first
    end = until or (now if since is not None else None)
    if end is None and last is not None:
        end = last + timedelta(microseconds=1)  # the span is half-open: keep the last record's window
    if start is None or end is None or end <= start:
        return None
    return start, end


def _starts(window: WindowSpec, span: tuple[datetime, datetime] | None) -> tuple[datetime | None, ...]:
    if window.duration is None:
        return (None,)
    if span is None:
        return ()
    last = span[1] - timedelta(microseconds=1)
    count = time_window_count(window.duration, span[0], last)
    if count > MAX_WINDOWS:
        raise UsageError(
            f"{count:,} windows of {window.describe().removesuffix(' windows')} between {span[0]:%Y-%m-%d %H:%M} and "
            f"{span[1]:%Y-%m-%d %H:%M} UTC: over the {MAX_WINDOWS:,} limit; use a wider --window or a later --since"
        )
    return tuple(window_starts(window.duration, span[0], last))


def _scoped(
    ops: OpsResult, stats: IngestStats, window: WindowSpec, split: Sequence[GroupResult[Analysed]]
) -> tuple[Report, tuple[tuple[str, tuple[WindowOps, ...]], ...]]:
    """The report a check carries and the operational windows its rules judge, per scope:
    the run's, each model's, and each ``--by`` group's."""
    groups = group_ops(split)
    return _report(ops, stats, window, groups), _op_windows(ops, window, groups)


def _group_drift(
    split: Sequence[GroupResult[Analysed]],
    reference: ReferenceProfile | None,
    options: DriftOptions,
    stats: IngestStats,
) -> tuple[tuple[str, DriftReport], ...]:
    """Each ``--by`` group's predictions judged as the run's, by scope; none without a
    reference (each group would only repeat that there is none)."""
    if reference is None:
        return ()
    return tuple((g.scope, judge_drift(g.result.predictions, reference, options, stats)) for g in split)


def _report(ops: OpsResult, stats: IngestStats, window: WindowSpec, groups: Sequence[GroupResult[OpsResult]]) -> Report:
    """The report a check carries (no findings of its own: the rules give them)."""
    summaries = group_summaries(groups)
    return Report(stats, ops.overall, ops.by_model, window, ops.windows, (), ops.far_from_rest, summaries)


def _op_windows(
    ops: OpsResult, window: WindowSpec, groups: Sequence[GroupResult[OpsResult]] = ()
) -> tuple[tuple[str, tuple[WindowOps, ...]], ...]:
    """The operational windows of the whole input (scope ``all``), then of each model or
    version when the logs name more than one, then of each ``--by`` group (scope
    ``pod=a``); the whole range is one window, keyed None."""
    if window.duration is not None:
        overall, models = ops.windows, tuple((m.scope, m.windows) for m in ops.model_windows)
    else:
        overall, models = (_whole(ops.overall),), tuple((s.scope, (_whole(s),)) for s in ops.by_model)
    split = tuple((g.result.overall.scope, _windows(g.result, window)) for g in groups)
    return (("all", overall), *(models if len(models) > 1 else ()), *split)


def _windows(ops: OpsResult, window: WindowSpec) -> tuple[WindowOps, ...]:
    """The operational windows of one scope: its time windows, or the whole range as one."""
    return ops.windows if window.duration is not None else (_whole(ops.overall),)


def _whole(summary: OpsSummary) -> WindowOps:
    return WindowOps(None, summary.records, summary.errors.requests, summary.latency.p99_ms, summary.errors.rate)  # type: ignore[arg-type]
