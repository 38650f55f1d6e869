"""``mlmon bench``: a thin wrapper over :func:`mlmon.bench.run_bench`.

Cheap to import (typer only): numpy, rich and onnxruntime load when the command runs.
Exit codes: 0 ok, 1 a configuration's p99 latency is over ``--p99-budget``, 2 a usage or
model error (one line on stderr).
"""

from pathlib import Path
from typing import List, Optional

import typer

from mlmon.bench.options import GraphOptimization, parse_batch_sizes, parse_shapes
from mlmon.cli.boundary import finish, handle_errors
from mlmon.cli.options import Format, Output
from mlmon.render import OutputFormat
from mlmon.units import split_list
from mlmon.verdicts.findings import Severity


@handle_errors

def bench_command(
    model: Optional[Path] = typer.Argument(
        None, metavar="MODEL.onnx", show_default=False,
        help="ONNX model to time. Default: the bundled 4-class image classifier (3x64x64 CNN)."),
    batch_size: Optional[List[str]] = typer.Option(
        None, "--batch-size", "-b", metavar="N[,N...]", show_default=False,
        help="Batch size for the dynamic leading dim; several (1,8,32 or repeated) give a sweep."),
    shape: Optional[List[str]] = typer.Option(
        None, "--shape", metavar="NAME=DxDx...", show_default=False,
        help="Full shape of an input with other dynamic dims, e.g. input_ids=1x128 (repeatable)."),
    input_file: Optional[Path] = typer.Option(
        None, "--input", metavar="FILE.npz", show_default=False, help="Feed real inputs: .npz with one array per input name."),
    warmup: int = typer.Option(10, "--warmup", metavar="N", help="Untimed calls before each configuration."),
    iterations: Optional[int] = typer.Option(
        None, "--iterations", "-n", metavar="N", show_default=False, help="Timed calls per configuration."),
    duration: Optional[str] = typer.Option(
        None, "--duration", metavar="DURATION", show_default=False,
        help="Timed duration per configuration, e.g. 500ms, 5s. Default: 2s (unless --iterations)."),
    threads: int = typer.Option(0, "--threads", metavar="N", help="onnxruntime intra-op threads; 0 = its default."),
    concurrency: int = typer.Option(1, "--concurrency", "-c", metavar="N", help="Threads calling session.run at once."),
    providers: Optional[List[str]] = typer.Option(
        None, "--providers", metavar="NAME[,NAME...]", show_default=False,
        help="Execution providers in priority order, e.g. cuda,cpu. Default: CPUExecutionProvider."),
    graph_optimization: GraphOptimization = typer.Option(
        GraphOptimization.ALL, "--graph-optimization", help="onnxruntime graph optimization level."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of the synthetic inputs."),
    log: Optional[Path] = typer.Option(
        None, "--log", metavar="FILE.jsonl", show_default=False,
        help="Write one mlmon inference record per timed call (JSON lines) for `mlmon report`."),
    p99_budget: Optional[str] = typer.Option(
        None, "--p99-budget", metavar="LATENCY", show_default=False,
        help="Exit 1 when any configuration's p99 latency exceeds this, e.g. 5ms."),
    output_format: Format = OutputFormat.TERMINAL,
    output: Output = None,
) -> None:
    """Time an ONNX model: latency percentiles, throughput, CPU time and memory."""
    from mlmon.api.bench import build_bench_report
    from mlmon.units import parse_duration

    report = build_bench_report(
        model, p99_budget_ms=p99_budget, batch_sizes=parse_batch_sizes(batch_size), shapes=parse_shapes(shape),
        input_path=input_file, warmup=warmup, iterations=iterations,
        duration_s=None if duration is None else parse_duration(duration).total_seconds(),
        threads=threads, concurrency=concurrency, providers=list(split_list(providers)) or None,
        graph_optimization=graph_optimization, seed=seed, log=log,
    )
    for finding in report.findings:
        if finding.severity is Severity.CRITICAL:
            typer.echo(f"mlmon: {finding.message}", err=True)
    finish(report, output_format, output=output)
