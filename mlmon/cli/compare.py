"""``mlmon compare``."""

from __future__ import annotations

from typing import Annotated

import typer

from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import (
    By,
    Color,
    ConfigPath,
    Engine,
    EnvelopeOption,
    Field,
    Format,
    LabelTables,
    MaxMalformed,
    Output,
    Quiet,
    Scheduler,
    Since,
    Until,
    ingest_options,
)
from mlmon.cli.settings import FailOnSetting, command_settings, fail_on_from, field_options
from mlmon.errors import UsageError
from mlmon.render import OutputFormat

Side = Annotated[str | None, typer.Option(metavar="VERSION", show_default=False)]
SideLogs = Annotated[list[str] | None, typer.Option(metavar="PATH", show_default=False)]


@handle_errors
def compare_command(
    logs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[LOGS]...", help="Logs holding both versions: files, directories, globs.", show_default=False
        ),
    ] = None,
    baseline: Side = None,
    candidate: Side = None,
    baseline_logs: SideLogs = None,
    candidate_logs: SideLogs = None,
    split: Annotated[
        str | None,
        typer.Option(metavar="SHARE", help="The candidate's expected share of requests, e.g. 10%: check the split."),
    ] = None,
    tolerance: Annotated[
        list[str] | None,
        typer.Option(metavar="METRIC=VALUE", help="A metric's tolerance, e.g. latency_p99=20% (repeatable)."),
    ] = None,
    critical: Annotated[
        str | None,
        typer.Option(
            metavar="METRIC[,METRIC...]", help="The metrics whose failure fails the whole (replaces the defaults)."
        ),
    ] = None,
    min_samples: Annotated[
        str | None, typer.Option(metavar="N", help="Values each side needs per metric.", show_default="100")
    ] = None,
    labels: LabelTables = None,
    reference: Annotated[
        str | None,
        typer.Option("--reference", "-r", metavar="PATH", help="A reference built with --actual: estimated accuracy."),
    ] = None,
    format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    fail_on: FailOnSetting = None,
    since: Since = None,
    until: Until = None,
    field: Field = None,
    max_malformed: MaxMalformed = "5%",
    config: ConfigPath = None,
    quiet: Quiet = False,
    engine: Engine = None,
    scheduler: Scheduler = None,
    envelope: EnvelopeOption = None,
    by: By = None,
    color: Color = None,
) -> None:
    """Compare two model versions over the time both served: latency, errors, predicted
    classes, confidence, agreement on shared requests and accuracy, each as a difference
    with its 95% interval, judged pass, marginal or fail against a tolerance.

    \b
    Examples:
      mlmon compare logs/ --baseline 1.4.0 --candidate 1.5.0
      mlmon compare logs/ --baseline 1.4.0 --candidate 1.5.0 --split 10%
      mlmon compare --baseline-logs stable/ --candidate-logs canary/
      mlmon compare logs/ --baseline 1.4.0 --candidate 1.5.0 --tolerance latency_p99=20% --critical error_rate
      mlmon compare logs/ --baseline 1.4.0 --candidate 1.5.0 --by pod

    A metric fails when its whole 95% interval lies beyond its tolerance, is marginal when
    only the difference does; too few values on either side is "no data", never a pass.
    The comparison fails when a critical metric fails (default: latency_p99, error_rate,
    predicted_classes, accuracy, traffic_split), else is marginal when any metric is.

    With --by, each group (pod, revision, ...) is compared too, its candidate against its
    baseline; a group with only one side's records is named, not judged.

    Exit codes: 0 pass (or marginal), 1 fail (marginal too with --fail-on warning),
    2 no data on a metric with nothing failing, or a usage, config or input error; with
    --by, the worst of the whole comparison and its groups.
    """
    from mlmon.api.compare import CompareOptions, build_compare

    settings = command_settings(config, reference=reference, fail_on=fail_on)
    ingest = ingest_options(
        field_options(settings, field),
        since,
        until,
        max_malformed,
        engine=engine,
        scheduler=scheduler,
        envelope=envelope,
        by=by,
    )
    options = CompareOptions(
        ingest=ingest,
        baseline=baseline,
        candidate=candidate,
        baseline_logs=tuple(baseline_logs or ()),
        candidate_logs=tuple(candidate_logs or ()),
        split=split,  # type: ignore[arg-type]  # parsed by the options' specs
        tolerances=_pairs(tolerance or []),
        critical=None if critical is None else tuple(m.strip() for m in critical.split(",") if m.strip()),
        labels=tuple(labels or ()),
        reference=settings.reference.value,
        **({"min_samples": min_samples} if min_samples is not None else {}),  # type: ignore[arg-type]
    )
    finish(build_compare(logs or [], options), format, fail_on_from(settings), output, color, quiet)


def _pairs(given: list[str]) -> dict[str, str]:
    pairs = {}
    for item in given:
        metric, sep, value = item.partition("=")
        if not sep or not metric.strip() or not value.strip():
            raise UsageError(f"--tolerance {item!r}: expected METRIC=VALUE, e.g. latency_p99=20%")
        pairs[metric.strip()] = value.strip()
    return pairs
