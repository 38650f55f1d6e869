"""A check that cannot be computed is never a pass: the rule, and its sentences.

A check the run asked for (a budget set, drift's comparison with a reference, a rule
configured with levels) that finds the field it needs in no record of the whole input
cannot be computed at all. That is an input or configuration error, exit 2
(:class:`~mlmon.errors.MissingFieldError`), with one line naming the field, the keys the
input does have and the ``--field`` that would map the likely one. A field present in the
input but too sparse for a window leaves that window unknown, as before: the data is
there, the window is thin. Exit 1 keeps meaning one thing: a check breached.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mlmon.errors import MissingFieldError
from mlmon.ingest.census import NEEDS, keys_text, missing_field_hint
from mlmon.ingest.problems import IngestStats

if TYPE_CHECKING:
    from mlmon.analyses.ops_types import OpsSummary

LATENCY_P99 = "the p99 budget (latency_p99)"
ERROR_RATE = "the error-rate limit (error_rate)"
PREDICTION_DRIFT = "prediction drift (prediction_drift)"
CONFIDENCE = "confidence collapse (confidence_collapse)"

_REQUEST_FIELDS = ("latency", "status", "status_code", "error")
"""A record is a request when it has one of these (``mlmon.ingest.canonical``)."""
_ERROR_FIELDS = ("status", "status_code", "error", "level")
"""Where errors show: a status word, an HTTP code, an error field, a log level."""
_COLUMN = {"latency": "latency_ms"}
"""The canonical column of a field, where its name differs (``mlmon.ingest.canonical``)."""


def require_budget_inputs(stats: IngestStats, overall: OpsSummary, latency: str | None, errors: str | None) -> None:
    """The fields a latency budget and an error-rate limit need (:func:`require_field`,
    :func:`require_errors_visible`), each checked when it is set: ``latency`` and
    ``errors`` name it in the message (``the p99 budget (latency_p99)``), None when it is
    not set. ``overall``: the run's operational summary (latencies and requests kept)."""
    if latency is not None:
        require_field(stats, "latency", "latency_p99", latency, overall.latency.count)
    if errors is not None:
        require_errors_visible(stats, overall.errors.requests, errors)


def require_field(stats: IngestStats, field: str, check: str, what: str, values: int) -> None:
    """Raise :class:`MissingFieldError` when the run kept records, none of them (``values``
    is 0) carries a usable ``field``, and no line read has it at all, or has it only with
    values that could not be used. A field found in lines outside ``--since``/``--until``
    is there: the range is thin, not the logs, and the windows read unknown."""
    _require(stats, (field,), field, check, f"{what} needs {NEEDS[field].noun}", values)


def require_errors_visible(
    stats: IngestStats, requests: int, what: str = ERROR_RATE, check: str = "error_rate"
) -> None:
    """Raise :class:`MissingFieldError` when the run kept records and the error rate has
    nothing to stand on: no record is a request (no latency, status, status code or error
    field anywhere), or no record could say it failed (no status, status code, error or
    level field anywhere): 0% of such requests would be a pass on no evidence."""
    _require(stats, _REQUEST_FIELDS, "status", check, f"{what} needs requests", requests)
    _require(
        stats,
        _ERROR_FIELDS,
        "status",
        check,
        f"{what} needs to see failures",
        requests if stats.fields_found & set(_ERROR_FIELDS) else 0,
    )


def _require(stats: IngestStats, fields: tuple[str, ...], suggest: str, check: str, needs: str, values: int) -> None:
    if stats.records == 0 or values > 0:
        return
    found = [name for name in fields if name in stats.fields_found]
    if not found:
        hint = missing_field_hint(NEEDS[suggest], stats.keys_seen)
        names = fields[0] if len(fields) == 1 else ", ".join(fields[:-1]) + f" or {fields[-1]}"
        raise MissingFieldError(f"{needs}, but no record has a {names} field; {hint}", check=check, field=suggest)
    if stats.outside_time_range:
        return
    reasons = {f"{kind}: {_COLUMN.get(name, name)}" for name in found for kind in ("wrong type", "impossible value")}
    unused = {reason: n for reason, n in stats.values_not_used.items() if reason in reasons}
    why = "; ".join(f"{n:,} {reason}" for reason, n in unused.items())
    first = next((f", first: {p}" for p in stats.examples if p.reason in unused), "")
    detail = f" ({why}{first})" if why else " (it is only in lines that were skipped)"
    raise MissingFieldError(
        f"{needs}, but no record kept has a usable {' or '.join(found)} value{detail}", check=check, field=found[0]
    )


def not_found_reason(stats: IngestStats, field: str) -> str:
    """Why a check has no value of ``field`` to judge, in words: ``no record carries a
    label; keys seen: ...; map one with --field label=pred``, or ``no record kept carries
    a label`` when some line has the field (outside ``--since``/``--until``, say)."""
    need = NEEDS[field]
    if field in stats.fields_found or stats.records == 0 and not stats.lines:
        return f"no record kept carries {need.noun}"
    return f"no record carries {need.noun}; {missing_field_hint(need, stats.keys_seen)}"


def require_features(stats: IngestStats, carried: bool, what: str = "feature drift (feature_drift)") -> None:
    """Raise :class:`MissingFieldError` when features were asked for (``--features``) but
    no record kept carries a ``features`` object or a named feature field."""
    if stats.records == 0 or carried:
        return
    hint = keys_text(stats.keys_seen)
    raise MissingFieldError(
        f"{what} needs input features, but no record carries a features object or a field named by --features; {hint}",
        check="feature_drift",
        field="features",
    )


def _names(names: Iterable[str], limit: int = 8) -> str:
    names = list(names)
    if not names:
        return "none"
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def reference_mismatch(
    reference_classes: Iterable[str],
    log_classes: Iterable[str],
    reference_features: Iterable[str],
    log_features: Iterable[str],
) -> str:
    """The one line of a reference that shares no class and no feature with the logs."""
    return (
        "the reference does not describe these logs: no class or feature in common "
        f"(reference classes: {_names(sorted(reference_classes))}; classes in the logs: {_names(sorted(log_classes))}; "
        f"reference features: {_names(reference_features)}; features in the logs: {_names(log_features)}); "
        "build a reference from this service's training data or a known-good window (mlmon reference build), "
        "or map the logs' fields with --field label=KEY / --features"
    )
