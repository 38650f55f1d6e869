"""What the commands return: one frozen dataclass per command, each carrying its findings.
Plain Python, so renderers dispatch on these types without importing polars.

Every result has ``status`` (:func:`~mlmon.verdicts.findings.status_of`: ``ok``,
``warning``, ``critical``, ``unknown``, or ``no checks``), and ``to_dict()`` and
``to_json()``, which give exactly the document ``--format json`` prints: the payload that
:mod:`mlmon.api.payloads` builds for the result, and its text. Nothing here imports the
renderers; they import these types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlmon.api.payloads import (
    bench_payload,
    check_payload,
    drift_payload,
    findings_payload,
    json_text,
    performance_payload,
    report_payload,
)
from mlmon.verdicts.findings import Finding, Severity, status_of

if TYPE_CHECKING:
    from mlmon.analyses.compare import Comparison, SideFigures
    from mlmon.analyses.group_result import GroupResult
    from mlmon.analyses.labels import JoinCounts
    from mlmon.analyses.ops_types import OpsSummary, WindowOps
    from mlmon.bench.ab_result import ABResult
    from mlmon.bench.result import BenchResult
    from mlmon.ingest.label_tables import LabelTable
    from mlmon.ingest.problems import IngestStats
    from mlmon.reference.profile import ReferenceProfile
    from mlmon.verdicts.alerting import RuleOutcome
    from mlmon.verdicts.compare import CompareGroup, ComparePolicy, Judged, Verdict
    from mlmon.verdicts.confidence import ConfidenceTrendResult
    from mlmon.verdicts.feature_drift import FeatureDriftResult
    from mlmon.verdicts.performance import JudgedWindow, Maturity
    from mlmon.verdicts.prediction_drift import PredictionDriftResult
    from mlmon.verdicts.rules import ExitOn
    from mlmon.windows import FarRecords, WindowSpec


class _Result:
    """What every result offers besides its fields."""

    findings: tuple[Finding, ...]

    @property
    def status(self) -> str:
        """The worst verdict among the findings that could be judged (``ok``, ``warning``,
        ``critical``); ``unknown`` when none could; ``no checks`` when there is no finding."""
        return status_of(self.findings)

    def to_json(self) -> str:
        """The JSON document ``--format json`` prints for this result (indented, with a
        trailing newline): :meth:`to_dict` as text."""
        return json_text(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The JSON document as plain Python (``json.loads(self.to_json())`` gives it back);
        a result without a document of its own has ``status`` and ``findings`` only."""
        return findings_payload(self)


@dataclass(frozen=True)
class Report(_Result):
    """Everything ``mlmon report`` shows."""

    ingest: IngestStats
    """What was read and skipped."""
    overall: OpsSummary
    """The whole input."""
    by_model: tuple[OpsSummary, ...]
    """One summary per model/version named in the logs."""
    window: WindowSpec
    """How ``windows`` were cut."""
    windows: tuple[WindowOps, ...]
    """p99 and error rate per window (empty for the whole range)."""
    findings: tuple[Finding, ...]
    """Budget checks; empty when no budget was given."""
    far_from_rest: FarRecords | None = None
    """Records whose time lies far outside the bulk of the data (a clock or parsing bug);
    their figures are included, and the range that leaves them out is named."""
    groups: tuple[GroupResult[OpsSummary], ...] = ()
    """With ``--by``: each group's figures, scoped ``pod=a`` (:mod:`mlmon.api.groups`);
    empty when the run was not split."""

    def to_dict(self) -> dict[str, Any]:
        return report_payload(self)


@dataclass(frozen=True)
class DriftReport(_Result):
    """Everything ``mlmon drift`` shows."""

    ingest: IngestStats
    """What was read and skipped."""
    reference: ReferenceProfile | None
    """The profile compared against (None: no reference given)."""
    prediction: PredictionDriftResult
    """Class shares against the reference, per version and window."""
    confidence: ConfidenceTrendResult
    """Confidence per window and collapse against the baseline."""
    findings: tuple[Finding, ...]
    """One finding per check and model version."""
    features: FeatureDriftResult | None = None
    """Data drift on the inputs (None: not read, as for records already in memory)."""
    groups: tuple[GroupResult[DriftReport], ...] = ()
    """With ``--by``: each group's prediction drift and confidence, judged as the whole
    run's (their findings are among ``findings``, scoped ``pod=a``); empty when not split."""

    def to_dict(self) -> dict[str, Any]:
        return drift_payload(self)


@dataclass(frozen=True)
class BenchReport(_Result):
    """Everything ``mlmon bench`` shows."""

    result: BenchResult
    """The timings of every configuration."""
    budget_ms: float | None
    """The ``--p99-budget`` the configurations were checked against (None: not checked)."""
    findings: tuple[Finding, ...]
    """One ``latency_p99`` finding per configuration when a budget was given (of B in an A/B run)."""
    ab: ABResult | None = None
    """``mlmon bench A.onnx B.onnx``: both models and their comparison (``result`` is A's)."""

    def to_dict(self) -> dict[str, Any]:
        return bench_payload(self)


@dataclass(frozen=True)
class CheckReport(_Result):
    """Everything ``mlmon check`` shows: one verdict per rule and scope, from one read."""

    ingest: IngestStats
    """What was read and skipped."""
    window: WindowSpec
    """How the run was cut into windows (``for`` counts these)."""
    now: datetime
    """The time of the run: relative ``--since``, the silence check and ``exit_on=last``."""
    span: tuple[datetime, datetime] | None
    """The range the windows cover: ``--since`` (else the first record) to ``--until``
    (else now with ``--since``, else the last record); None with no records and no range."""
    last_record: datetime | None
    """Time of the last record read before ``--until``, records older than ``--since``
    included (``IngestStats.last_timestamp``): what the silence is measured from. None: none."""
    exit_on: ExitOn
    """Which windows the verdicts reflect: the last judged (``last``) or any (``any``)."""
    outcomes: tuple[RuleOutcome, ...]
    """One per rule and scope, in rule order, with every window."""
    findings: tuple[Finding, ...]
    """The outcomes' verdicts, one per rule and scope: what the exit code reads."""
    not_checked: tuple[tuple[str, str], ...]
    """(rule, why) for each rule not evaluated: disabled, no levels set, no reference."""
    report: Report
    """The operational figures of the same read (for the metrics outputs)."""
    drift: DriftReport
    """The drift figures of the same read (for the metrics outputs)."""

    def to_dict(self) -> dict[str, Any]:
        return check_payload(self)


@dataclass(frozen=True)
class PerformanceReport(_Result):
    """Everything ``mlmon performance`` shows: realized performance per version and window."""

    ingest: IngestStats
    """What was read and skipped from the logs."""
    window: WindowSpec
    """How predictions were cut into windows (by prediction time)."""
    windows: tuple[JudgedWindow, ...]
    """Per (version, window): the figures, the labels still awaited, the verdict."""
    counts: JoinCounts
    """Labels and predictions the join could not use, counted."""
    label_tables: tuple[LabelTable, ...]
    """The label tables read (``--labels``), with their skipped rows."""
    maturity: Maturity
    """When a window is judged."""
    findings: tuple[Finding, ...]
    """One ``accuracy`` finding per version when a minimum is set."""

    def to_dict(self) -> dict[str, Any]:
        return performance_payload(self)


@dataclass(frozen=True)
class CompareReport(_Result):
    """Everything ``mlmon compare`` shows: two sides over the time both served."""

    ingest: IngestStats
    """What was read and skipped over the compared period (both sides' logs)."""
    baseline: SideFigures
    """The baseline's counts."""
    candidate: SideFigures
    """The candidate's counts."""
    period: tuple[datetime, datetime]
    """The compared period: ``[since, until)``."""
    comparison: Comparison
    """Every metric measured: figures, differences and intervals."""
    judged: tuple[Judged, ...]
    """Each metric's verdict, in the order shown."""
    verdict: Verdict
    """The whole comparison's verdict."""
    findings: tuple[Finding, ...]
    """One per metric judged (a failure of a metric not critical is a warning)."""
    policy: ComparePolicy
    """The tolerances, critical metrics and minimum data it was judged with."""
    groups: tuple[GroupResult[CompareGroup], ...] = ()
    """With ``--by``: each group's comparison (:mod:`mlmon.api.compare_groups`; their
    findings are among ``findings``); empty when not split."""

    def to_dict(self) -> dict[str, Any]:
        from mlmon.api.compare_payload import compare_payload

        return compare_payload(self)

    def exit_code(self, fail_on: Severity) -> int:
        """1 when the comparison fails (or is marginal with ``--fail-on warning``), 2 when
        it has no data on a metric and nothing failed, else 0; with ``--by``, the worst of
        the whole comparison and its groups (a group not compared counts for nothing)."""
        from mlmon.verdicts.compare import Verdict, worst

        verdict = worst((self.verdict, *(group.result.verdict for group in self.groups)))
        if verdict is Verdict.FAIL:
            return 1
        if verdict is Verdict.NO_DATA:
            return 2
        return 1 if verdict is Verdict.MARGINAL and Severity.WARNING.at_least(fail_on) else 0
