"""Which drift comparisons a run asks for, from its flags and config: the ``required`` of
``build_drift_report`` and ``build_check`` (``mlmon.api.drift_inputs``). A comparison
asked for that finds nothing to compare in any record is exit 2, never a quiet pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlmon.cli.settings import DRIFT_RULES
from mlmon.config.schema import DEFAULT_SOURCE
from mlmon.verdicts.registry import Check

if TYPE_CHECKING:
    from mlmon.config import Settings


def required_checks(settings: Settings, *, features_named: bool, confidence_flags: bool = False) -> frozenset[str]:
    """Each drift rule that is on and asked for: prediction drift by levels set in the
    config's ``[rules.prediction_drift]``; feature drift by ``--features`` or levels set
    in ``[rules.feature_drift]``; confidence collapse by a flag (``--confidence-drop``,
    ``--low-confidence``) or levels set in ``[rules.confidence_collapse]``. A rule left at
    its defaults is judged where the logs allow, not required (``drift`` still refuses
    logs that give it nothing to compare, ``mlmon.api.drift_inputs``)."""
    asked = {Check.FEATURE_DRIFT: features_named, Check.CONFIDENCE_COLLAPSE: confidence_flags}
    rules = {check: settings.rule(check.value) for check in DRIFT_RULES}
    return frozenset(
        check.value
        for check, rule in rules.items()
        if rule.enabled.value and (asked.get(check, False) or _set_in_file(rule))
    )


def _set_in_file(rule) -> bool:
    return any(
        getattr(rule, tier).source != DEFAULT_SOURCE and getattr(rule, tier).value is not None
        for tier in ("warning", "critical")
    )
