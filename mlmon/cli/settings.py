"""Settings → command options: the one place where ``report`` and ``drift`` map the config
(:mod:`mlmon.config`) onto ``ReportOptions`` and ``DriftOptions``.

Every value a command uses comes from its flag, then ``MLMON_<KEY>`` (top-level keys only),
then the config file (``mlmon.toml``, ``[tool.mlmon]`` or ``--config``), then the default
in ``mlmon.verdicts.registry``. Top-level keys go through :func:`mlmon.config.load_settings`;
the threshold flags, which the config holds under ``[rules.*]``, are laid over the rules
here. Cheap to import: the api modules (and polars) load only when options are built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mlmon.cli.options import complete_choices, parse_flag
from mlmon.config import RULES, RuleSettings, Settings, load_settings
from mlmon.config.specs import (
    ALPHA,
    CONFIDENCE_DROP,
    CRITICAL_PSI,
    EXIT_ON_VALUES,
    FAIL_ON_VALUES,
    LOW_CONFIDENCE,
    MAX_ERROR_RATE,
    P99_BUDGET,
    WARNING_DROP,
    WARNING_PSI,
)
from mlmon.options import OptionSpec, check_levels, show_level
from mlmon.verdicts.findings import Severity
from mlmon.verdicts.registry import Check, FeatureDriftThresholds
from mlmon.windows import WHOLE_BY_DEFAULT, WindowSpec

if TYPE_CHECKING:
    from mlmon.api.drift import DriftOptions
    from mlmon.api.report import ReportOptions
    from mlmon.api.results import DriftReport
    from mlmon.ingest.options import IngestOptions

FailOnSetting = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        metavar="|".join(FAIL_ON_VALUES),
        autocompletion=complete_choices(*FAIL_ON_VALUES),
        help="Lowest severity that exits 1 (config: fail_on; MLMON_FAIL_ON).",
        show_default="critical",
    ),
]
"""``--fail-on`` as a setting: None when not given, so the environment and the file can set it."""
ExitOnSetting = Annotated[
    str | None,
    typer.Option(
        "--exit-on",
        metavar="|".join(EXIT_ON_VALUES),
        autocompletion=complete_choices(*EXIT_ON_VALUES),
        help=(
            "Verdict from the last judged window (last: firing now, for cron) or any window (any: for CI) (config: "
            "exit_on; default last)."
        ),
    ),
]
"""``check``'s ``--exit-on`` as a setting (None when not given)."""

DRIFT_RULES = (Check.PREDICTION_DRIFT, Check.CONFIDENCE_COLLAPSE, Check.FEATURE_DRIFT)
"""The rules ``drift`` judges; ``enabled = false`` on one drops its findings."""


def command_settings(config: str | None, **flags: Any) -> Settings:
    """The effective settings of one run: ``flags`` are top-level keys → the flag's raw value
    (None: not given), ``config`` is ``--config``. Raises ``ConfigFileError`` (exit 2)."""
    return load_settings(flags, config)


def field_options(settings: Settings, field: list[str] | None) -> list[str]:
    """``[fields]`` of the file first, then the ``--field`` flags, so a flag overrides the
    file's mapping of the same name (the last mapping of a name wins)."""
    return [*settings.field_options(), *(field or [])]


def fail_on_from(settings: Settings) -> Severity:
    """``fail_on`` (already validated: ``warning`` or ``critical``) as a severity."""
    return Severity(settings.fail_on.value)


def window_from(settings: Settings) -> WindowSpec:
    """``window``; not set anywhere: the whole range, each command's default."""
    return settings.window.value or WHOLE_BY_DEFAULT


LEVEL_FLAGS: dict[str, tuple[str, str]] = {
    spec.flag.removeprefix("--").replace("-", "_"): (name, spec.flag)
    for name, rule in RULES.items()
    for spec in (rule.warning, rule.critical)
    if spec.flag
}
"""Every flag that sets a rule's level, as the command's parameter (``critical_psi``) →
(rule, flag): ``--p99-budget``, ``--max-error-rate`` (report), ``--warning-psi``,
``--critical-psi``, ``--confidence-drop`` (drift). ``--max-silence`` is a top-level
setting, which turns ``no_data`` on in :func:`mlmon.config.load.resolve_settings`."""


def with_level_flags(settings: Settings, flags: Mapping[str, Any]) -> Settings:
    """``settings`` with the rule of every level flag given in ``flags`` (parameter → the
    flag's value, None: not given; other keys ignored) turned on: a flag wins over the
    file's ``enabled = false``, the flag's level replaces that one key, and the rule's other
    keys in the file apply as they would with the rule on."""
    given: dict[str, str] = {}
    for key, value in flags.items():
        if key in LEVEL_FLAGS and value is not None:
            name, flag = LEVEL_FLAGS[key]
            given.setdefault(name, f"flag {flag}")
    return settings.with_rules_on(given)


def budget_levels(rule: RuleSettings, flag: float | None) -> tuple[float | None, float | None]:
    """(critical, warning) of a budget rule. Critical: the flag, else the rule's ``critical``.
    Warning: the rule's ``warning``, only when below the critical level in effect (or with
    no critical level). A rule with ``enabled = false``: no level, unless the flag is given,
    which turns it on (:func:`with_level_flags`)."""
    if not rule.enabled.value and flag is None:
        return None, None
    critical = flag if flag is not None else rule.critical.value
    warning = rule.warning.value
    if warning is not None and critical is not None and warning >= critical:
        warning = None
    return critical, warning


def report_options_from(
    settings: Settings, ingest: IngestOptions, p99_budget: str | None, max_error_rate: str | None
) -> ReportOptions:
    """``report``'s options: ``window`` and the two budget rules, ``--p99-budget`` over
    ``[rules.latency_p99]`` and ``--max-error-rate`` over ``[rules.error_rate]``."""
    from mlmon.api.report import ReportOptions

    p99_flag, rate_flag = parse_flag(P99_BUDGET, p99_budget), parse_flag(MAX_ERROR_RATE, max_error_rate)
    settings = with_level_flags(settings, {"p99_budget": p99_budget, "max_error_rate": max_error_rate})
    p99, p99_warning = budget_levels(settings.rule(Check.LATENCY_P99.value), p99_flag)
    rate, rate_warning = budget_levels(settings.rule(Check.ERROR_RATE.value), rate_flag)
    return ReportOptions(
        ingest=ingest,
        window=window_from(settings),
        p99_budget_ms=p99,
        max_error_rate=rate,
        p99_warning_ms=p99_warning,
        warning_error_rate=rate_warning,
    )


def _first(flag: Any, setting: Any) -> Any:
    return flag if flag is not None else setting


def _psi_levels(
    rule: RuleSettings, warning_flag: float | None = None, critical_flag: float | None = None
) -> tuple[float, float]:
    """(warning, critical) PSI of a rule, flags first, by the shared two-tier rule
    (:func:`mlmon.verdicts.alerting.psi_levels`)."""
    from mlmon.verdicts.alerting import psi_levels  # drift's and check's: report never loads it

    return psi_levels(_first(warning_flag, rule.warning.value), _first(critical_flag, rule.critical.value))


def feature_thresholds_from(settings: Settings) -> FeatureDriftThresholds:
    """The data-drift rule: ``[rules.feature_drift]`` (``min_samples`` also follows
    ``--min-samples`` / ``MLMON_MIN_SAMPLES`` / the top-level key); other fields default."""
    rule = settings.rule(Check.FEATURE_DRIFT.value)
    warning, critical = _psi_levels(rule)
    return FeatureDriftThresholds(
        min_samples=rule.extra("min_samples"), alpha=rule.extra("alpha"), warning_psi=warning, critical_psi=critical
    )


def drift_options_from(
    settings: Settings,
    ingest: IngestOptions,
    reference: str | None,
    thresholds: Mapping[str, str | None],
    raw_reference: dict[str, Any],
) -> DriftOptions:
    """``drift``'s options. ``reference``: the flag (relative to the working directory), else
    the setting (a file's value is relative to the file). ``thresholds``: the flags
    ``alpha``, ``warning_psi``, ``critical_psi``, ``confidence_drop``, ``low_confidence``
    (None: not given), each over its rule: ``[rules.prediction_drift]`` (``warning``,
    ``critical``, ``alpha``, ``min_samples``) and ``[rules.confidence_collapse]``
    (``critical`` is the drop, ``warning`` the warning drop, ``low_confidence``). ``raw_reference``: ``DriftOptions``'
    ``reference_*`` fields for raw training data."""
    from mlmon.api.drift import DriftOptions

    prediction = settings.rule(Check.PREDICTION_DRIFT.value)
    confidence = settings.rule(Check.CONFIDENCE_COLLAPSE.value)
    levels = parse_threshold_flags(thresholds)
    warning, critical = _psi_levels(prediction, levels.get("warning_psi"), levels.get("critical_psi"))
    _check_levels(
        prediction,
        (WARNING_PSI, CRITICAL_PSI),
        (levels.get("warning_psi"), levels.get("critical_psi")),
        (warning, critical),
    )
    drop = _first(levels.get("confidence_drop"), confidence.critical.value)
    _check_levels(
        confidence,
        (WARNING_DROP, CONFIDENCE_DROP),
        (None, levels.get("confidence_drop")),
        (confidence.warning.value, drop),
    )
    return DriftOptions(
        reference=_first(reference, settings.reference.value),
        ingest=ingest,
        window=window_from(settings),
        min_samples=prediction.extra("min_samples"),
        alpha=_first(levels.get("alpha"), prediction.extra("alpha")),
        warning_psi=warning,
        critical_psi=critical,
        collapse_drop=drop,
        warning_drop=confidence.warning.value,
        low_confidence=_first(levels.get("low_confidence"), confidence.extra("low_confidence")),
        features=feature_thresholds_from(settings),
        **raw_reference,
    )


THRESHOLD_FLAGS: dict[str, OptionSpec] = {
    "alpha": ALPHA,
    "warning_psi": WARNING_PSI,
    "critical_psi": CRITICAL_PSI,
    "confidence_drop": CONFIDENCE_DROP,
    "low_confidence": LOW_CONFIDENCE,
}
"""``drift``'s threshold flags and their specs (:mod:`mlmon.config.specs`): the bounds and
messages of the config file's keys and of ``DriftOptions``' fields."""


def parse_threshold_flags(thresholds: Mapping[str, str | None]) -> dict[str, float | None]:
    """Each threshold flag's text (None: not given) through its spec; ``UsageError``
    (exit 2) naming the first flag refused: ``--alpha 1.5: must be between 0 and 1 (exclusive)``."""
    return {key: parse_flag(THRESHOLD_FLAGS[key], value) for key, value in thresholds.items()}


def _check_levels(
    rule: RuleSettings, specs: tuple[OptionSpec, OptionSpec], flags: tuple[Any, Any], levels: tuple[Any, Any]
) -> None:
    """The levels in effect (``levels``: warning, critical) when a flag set either
    (``flags``), by the rule every pair follows (:func:`~mlmon.options.check_levels`): each
    level named by its flag (else its config key), and where it came from when no flag
    gave it: ``--warning-psi 0.01 (default) exceeds --critical-psi 0.005``."""
    if flags == (None, None):
        return
    names = tuple(spec.flag or spec.config for spec in specs)
    shown = tuple(
        None if flag is not None or level is None else f"{show_level(level)} ({setting.source})"
        for flag, level, setting in zip(flags, levels, (rule.warning, rule.critical))
    )
    check_levels(*levels, names=names, shown=shown)  # type: ignore[arg-type]


def without_disabled(report: DriftReport, settings: Settings) -> DriftReport:
    """``report`` less the findings of every drift rule with ``enabled = false``."""
    off = {check.value for check in DRIFT_RULES if not settings.rule(check.value).enabled.value}
    if not off:
        return report
    return replace(report, findings=tuple(f for f in report.findings if f.check not in off))
