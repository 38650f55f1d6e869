"""``mlmon bench``: a thin wrapper over :func:`mlmon.bench.run_bench`.

Cheap to import (typer only): numpy, rich and onnxruntime load when the command runs.
Exit codes: 0 ok, 1 a configuration's p99 latency is over ``--p99-budget``, 2 a usage or
model error (one line on stderr). ``--log`` replaces an existing file only with ``--force``.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from mlmon.bench.options import GraphOptimization, bench_options, parse_shapes
from mlmon.cli.boundary import finish, handle_errors, say_wrote
from mlmon.cli.options import Color, Format, Output
from mlmon.render import OutputFormat
from mlmon.verdicts.findings import Severity

LabelOutput = Annotated[
    str | None,
    typer.Option(
        "--label-output",
        metavar="NAME",
        show_default=False,
        help="--log: read each record's label from this output (default: guessed from the outputs).",
    ),
]
ProbaOutput = Annotated[
    str | None,
    typer.Option(
        "--proba-output",
        metavar="NAME",
        show_default=False,
        help=(
            "--log: read confidences (and labels, without --label-output) from this output: "
            "[batch, classes] scores or a ZipMap."
        ),
    ),
]
NoPredictions = Annotated[
    bool, typer.Option("--no-predictions", help="--log: write no label or confidence, even for a classifier.")
]
P99Budget = Annotated[
    str | None,
    typer.Option(
        "--p99-budget",
        metavar="LATENCY",
        show_default=False,
        help="Exit 1 when any configuration's p99 latency exceeds this, e.g. 5ms.",
    ),
]


@handle_errors
def bench_command(
    model: Path | None = typer.Argument(
        None,
        metavar="MODEL.onnx",
        show_default=False,
        help="ONNX model to time. Default: the bundled 4-class image classifier (3x64x64 CNN).",
    ),
    model_b: Path | None = typer.Argument(
        None,
        metavar="B.onnx",
        show_default=False,
        help="A second model (A/B): both run on the same inputs, calls interleaved, and are compared.",
    ),
    batch_size: list[str] | None = typer.Option(
        None,
        "--batch-size",
        "--batch",
        "-b",
        metavar="N[,N...]",
        show_default=False,
        help="Batch size for the dynamic leading dim; several (1,8,32 or repeated) give a sweep.",
    ),
    shape: list[str] | None = typer.Option(
        None,
        "--shape",
        metavar="NAME=DxDx...",
        show_default=False,
        help="Full shape of an input with other dynamic dims, e.g. input_ids=1x128 (repeatable).",
    ),
    input_file: Path | None = typer.Option(
        None,
        "--input",
        metavar="FILE.npz",
        show_default=False,
        help="Feed real inputs: .npz with one array per input name.",
    ),
    warmup: int = typer.Option(10, "--warmup", metavar="N", help="Untimed calls before each configuration."),
    iterations: int | None = typer.Option(
        None, "--iterations", "-n", metavar="N", show_default=False, help="Timed calls per configuration."
    ),
    duration: str | None = typer.Option(
        None,
        "--duration",
        metavar="DURATION",
        show_default=False,
        help="Timed duration per configuration, e.g. 500ms, 5s. Default: 2s (unless --iterations).",
    ),
    threads: int = typer.Option(0, "--threads", metavar="N", help="onnxruntime intra-op threads; 0 = its default."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", metavar="N", help="Threads calling session.run at once."),
    providers: list[str] | None = typer.Option(
        None,
        "--providers",
        metavar="NAME[,NAME...]",
        show_default=False,
        help="Execution providers in priority order, e.g. cuda,cpu. Default: CPUExecutionProvider.",
    ),
    graph_optimization: GraphOptimization = typer.Option(
        GraphOptimization.ALL, "--graph-optimization", help="onnxruntime graph optimization level."
    ),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the synthetic inputs."),
    log: Path | None = typer.Option(
        None,
        "--log",
        metavar="FILE.jsonl",
        show_default=False,
        help="Write one mlmon inference record per timed call (JSON lines) for `mlmon report`.",
    ),
    force: bool = typer.Option(False, "--force", help="Let --log replace a file that exists."),
    label_output: LabelOutput = None,
    proba_output: ProbaOutput = None,
    no_predictions: NoPredictions = False,
    p99_budget: P99Budget = None,
    output_format: Format = OutputFormat.TERMINAL,
    output: Output = None,
    color: Color = None,
) -> None:
    """Time an ONNX model: latency percentiles, throughput, CPU time and memory.

    \b
    Examples:
      # the bundled model, 2 s per configuration:
      mlmon bench
      mlmon bench model.onnx -b 1,8,32 --p99-budget 20ms
      mlmon bench model.onnx -n 1000 --log bench.jsonl
      mlmon report bench.jsonl
      # A/B: the same inputs, calls interleaved, outputs compared:
      mlmon bench model.onnx model.int8.onnx --batch 1,8

    Exit codes: 0 ok, 1 a configuration's p99 latency over --p99-budget, 2 usage or
    model error, or a --log that cannot be written (or exists, without --force).
    """
    from mlmon.api.bench import build_bench_report

    given = {
        "warmup": warmup,
        "iterations": iterations,
        "threads": threads,
        "concurrency": concurrency,
        "seed": seed,
        "providers": providers,
    }
    report = build_bench_report(
        model,
        model_b,
        **_parsed(batch_size, duration, p99_budget, log, force, given),
        shapes=parse_shapes(shape),
        input_path=input_file,
        graph_optimization=graph_optimization,
        log=log,
        label_output=label_output,
        proba_output=proba_output,
        predictions=not no_predictions,
    )
    _say(report, log)
    finish(report, output_format, output=output, color=color)


def _say(report: Any, log: Path | None) -> None:
    """On stderr: each budget breach, and the ``--log`` file written."""
    for finding in (f for f in report.findings if f.severity is Severity.CRITICAL):
        typer.echo(f"mlmon: {finding.message}", err=True)
    if log is not None:
        say_wrote(str(log), f"{report.result.log_records:,} inference records")


def _parsed(
    batch_size: list[str] | None,
    duration: str | None,
    p99_budget: str | None,
    log: Path | None,
    force: bool,
    given: dict,
) -> dict:
    """The options whose errors must name their flags, parsed and checked by their specs
    (``mlmon.bench.options.BENCH_OPTIONS``, the Python twin's too); ``--log`` checked for ``--force``."""
    from mlmon.bench.logfile import refuse_existing_log

    if log is not None and not force:
        refuse_existing_log(log)
    return bench_options(
        {"batch_sizes": batch_size, "duration_s": duration, "p99_budget_ms": p99_budget, **given}, flags=True
    )
