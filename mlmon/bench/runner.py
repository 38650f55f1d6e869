"""``run_bench``: time an ONNX model's ``session.run`` the way a service calls it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import numpy as np

from mlmon.bench import inputs as inputs_mod
from mlmon.bench.logfile import LogWriter, check_log_path
from mlmon.bench.options import GraphOptimization, bench_options
from mlmon.bench.predict import (
    PredictionChoice,
    check_output_names,
    classification_output,
    decode_kept,
)
from mlmon.bench.result import BenchResult, ConfigResult, ModelInfo
from mlmon.bench.session import (
    bundled_model_path,
    load_session,
    model_labels,
    resolve_providers,
    run_error,
    tensor_specs,
)
from mlmon.bench.timing import (
    CallTimes,
    CpuMeter,
    PeakRssMeter,
    concurrent_loops,
    durations_ms,
    latency_stats,
    rss_mib,
    timed_loop,
)
from mlmon.errors import UsageError
from mlmon.files import refuse_overwriting

DEFAULT_DURATION_S = 2.0
"""Timed seconds per configuration when neither ``iterations`` nor ``duration_s`` is given."""


def _check_options(options: dict[str, Any], shapes: Mapping[str, Any] | None, input_path: Any) -> dict[str, Any]:
    """``options`` (``run_bench``'s keyword arguments) parsed and checked by their specs
    (:data:`mlmon.bench.options.BENCH_OPTIONS`, the CLI's), and the pairs that exclude each
    other refused; ``duration_s`` is :data:`DEFAULT_DURATION_S` when no stop is given."""
    options = bench_options(options)
    if options["iterations"] is not None and options["duration_s"] is not None:
        raise UsageError("give --iterations or --duration, not both")
    if shapes and input_path is not None:
        raise UsageError("give --shape or --input, not both (an --input file fixes the shapes)")
    if options["iterations"] is None and options["duration_s"] is None:
        options["duration_s"] = DEFAULT_DURATION_S
    return options


def _predictions(predictions: bool, label_output: str | None, proba_output: str | None) -> dict[str, Any]:
    """The prediction options, checked; the first configuration adds its ``choice``."""
    if not predictions and (label_output is not None or proba_output is not None):
        raise UsageError("give --label-output/--proba-output or --no-predictions, not both")
    return {"label_output": label_output, "proba_output": proba_output, "enabled": predictions}


def _run_config(
    session: Any,
    info: ModelInfo,
    feeds: list[dict[str, np.ndarray]],
    *,
    warmup: int,
    iterations: int | None,
    duration_s: float | None,
    concurrency: int,
    log: LogWriter | None,
    predictions: dict[str, Any],
) -> ConfigResult:
    batch = inputs_mod.batch_size_of(feeds[0], info.inputs)
    run = session.run
    try:
        probe = run(None, feeds[0])  # fails fast on a wrong shape or dtype, before any timing
    except Exception as exc:
        raise run_error(exc, f"with batch size {batch}") from None
    keep = _choose_outputs(info, probe, feeds[0], predictions) if log is not None else None
    duration_ns = None if duration_s is None else int(duration_s * 1e9)
    try:
        times, begin, end, meters = _time_calls(run, feeds, keep, warmup, iterations, duration_ns, concurrency)
        cpu_user, cpu_system = meters["cpu"].stop()
        peak_rss, rss_end = meters["peak"].stop(), rss_mib()
    except Exception as exc:
        raise run_error(exc, f"with batch size {batch}") from None
    starts, latencies, order = durations_ms(times)
    if log is not None:
        labels, confidences = _decode_kept(times, order, predictions["choice"], info.labels)
        log.write(starts, latencies, batch, labels, confidences)
    wall_s = (end - begin) / 1e9
    calls = int(latencies.size)
    return ConfigResult(
        batch_size=batch,
        concurrency=concurrency,
        input_shapes=tuple((name, tuple(int(d) for d in a.shape)) for name, a in feeds[0].items()),
        calls=calls,
        wall_s=wall_s,
        latency=latency_stats(latencies),
        inferences_per_s=calls / wall_s,
        samples_per_s=calls * batch / wall_s,
        cpu_user_s=cpu_user,
        cpu_system_s=cpu_system,
        rss_start_mib=meters["rss_start"],
        rss_end_mib=rss_end,
        peak_rss_mib=max(peak_rss, rss_end, meters["rss_start"]),
        peak_rss_method=meters["peak"].method,
        latencies_ms=tuple(latencies.tolist()),
    )


def _time_calls(
    run: Any,
    feeds: list[dict[str, np.ndarray]],
    keep: tuple[int, ...] | None,
    warmup: int,
    iterations: int | None,
    duration_ns: int | None,
    concurrency: int,
) -> tuple[list[CallTimes], int, int, dict[str, Any]]:
    """``warmup`` untimed calls (per thread), then the timed ones on one thread or
    ``concurrency``: (each thread's call times, first and last ``perf_counter_ns``, the
    meters started once the warmup is over: ``rss_start``, ``peak``, ``cpu``)."""
    meters: dict[str, Any] = {}

    def start_meters() -> None:
        meters["peak"] = PeakRssMeter()
        meters["peak"].start()
        # read after the peak meter's reset, so the peak it reports is never below it
        meters["rss_start"] = rss_mib()
        meters["cpu"] = CpuMeter()

    if concurrency != 1:
        times, begin, end = concurrent_loops(
            run,
            feeds,
            concurrency=concurrency,
            warmup=warmup,
            calls=iterations,
            duration_ns=duration_ns,
            keep_output=keep,
            on_start=start_meters,
        )
        return times, begin, end, meters
    for feed in islice(cycle(feeds), warmup):
        run(None, feed)
    start_meters()
    begin = time.perf_counter_ns()
    deadline_ns = None if duration_ns is None else begin + duration_ns
    times = [timed_loop(run, feeds, calls=iterations, keep_output=keep, deadline_ns=deadline_ns)]
    return times, begin, time.perf_counter_ns(), meters


def _choose_outputs(
    info: ModelInfo, probe: Sequence[Any], feed: Mapping[str, np.ndarray], predictions: dict[str, Any]
) -> tuple[int, ...] | None:
    """Output indices to keep from each timed call. The first configuration decides (on its
    probe call) and later ones reuse that choice, so every batch size reads the same outputs."""
    if "choice" not in predictions:
        predictions["choice"] = classification_output(
            info.outputs,
            probe,
            input_shapes=[a.shape for a in feed.values()],
            labels=info.labels,
            label_output=predictions.get("label_output"),
            proba_output=predictions.get("proba_output"),
            enabled=predictions.get("enabled", True),
        )
    choice: PredictionChoice = predictions["choice"]
    return choice.indices or None


def _decode_kept(
    times: Sequence[CallTimes], order: np.ndarray, choice: PredictionChoice, labels: Sequence[str]
) -> tuple[list[str], list[float | None]]:
    """Label and confidence of the first sample of every call, in start order."""
    kept = [out for ct in times for out in ct.kept]
    return decode_kept(choice, [kept[i] for i in order.tolist()] if kept else [], labels)


def _open_model(
    model: str | os.PathLike[str] | None, providers: Sequence[str] | None, threads: int, optimization: GraphOptimization
) -> tuple[Any, ModelInfo]:
    """The onnxruntime session of ``model`` (None: the bundled one) and what it is."""
    provider_list = resolve_providers(providers)
    path = bundled_model_path() if model is None else Path(model)
    session, load_ms = load_session(path, provider_list, threads, optimization)
    return session, _model_info(session, path, model is None, load_ms, optimization, threads)


def _model_info(
    session: Any, path: Path, bundled: bool, load_ms: float, optimization: GraphOptimization, threads: int
) -> ModelInfo:
    return ModelInfo(
        path=str(path),
        name=path.stem,
        size_bytes=path.stat().st_size,
        bundled=bundled,
        load_time_ms=load_ms,
        providers=tuple(session.get_providers()),
        graph_optimization=optimization.value,
        intra_op_threads=threads,
        inputs=tensor_specs(session.get_inputs()),
        outputs=tensor_specs(session.get_outputs()),
        labels=model_labels(session),
        rss_after_load_mib=rss_mib(),
    )


def _feeds(
    info: ModelInfo, base_feed: Any, batch_size: int | None, shapes: Mapping[str, tuple[int, ...]] | None, seed: int
) -> Any:
    if base_feed is not None:
        return inputs_mod.npz_feeds(base_feed, info.inputs, batch_size)
    return inputs_mod.synthetic_feeds(info.inputs, batch_size, shapes or {}, seed)


def _run_configs(
    session: Any,
    info: ModelInfo,
    feed_sets: Iterable[list[dict[str, np.ndarray]]],
    writer: LogWriter | None,
    chosen: dict[str, Any],
    **timing: Any,
) -> list[ConfigResult]:
    """One :class:`ConfigResult` per set of feeds; the ``--log`` file is closed at the end."""
    try:
        return [_run_config(session, info, feeds, log=writer, predictions=chosen, **timing) for feeds in feed_sets]
    finally:
        if writer is not None:
            writer.close()


def _check_log(
    log: str | os.PathLike[str] | None, model: str | os.PathLike[str] | None, input_path: str | os.PathLike[str] | None
) -> None:
    """``log`` can be written and names neither the model nor the inputs it times."""
    if log is not None:
        refuse_overwriting(
            {"--log": log},
            [(what, p) for what, p in (("the model", model), ("the --input file", input_path)) if p is not None],
        )
        check_log_path(Path(log))


def run_bench(
    model: str | os.PathLike[str] | None = None,
    *,
    batch_sizes: Sequence[int] | None = None,
    shapes: Mapping[str, tuple[int, ...]] | None = None,
    input_path: str | os.PathLike[str] | None = None,
    warmup: int = 10,
    iterations: int | None = None,
    duration_s: float | None = None,
    threads: int = 0,
    concurrency: int = 1,
    providers: Sequence[str] | None = None,
    graph_optimization: GraphOptimization | str = GraphOptimization.ALL,
    seed: int = 0,
    log: str | os.PathLike[str] | None = None,
    label_output: str | None = None,
    proba_output: str | None = None,
    predictions: bool = True,
) -> BenchResult:
    """Time ``session.run`` on an ONNX model, one configuration per batch size.

    ``model`` None times the bundled ``imgcls4.onnx`` (a 4-class CNN over 3x64x64 images).
    ``batch_sizes`` sweeps the leading dynamic dimension; ``shapes`` gives full shapes for
    other dynamic dimensions; ``input_path`` feeds real inputs from an ``.npz`` (one array
    per input name). Each configuration runs ``warmup`` untimed calls per thread, then stops
    after ``iterations`` timed calls or ``duration_s`` seconds (neither:
    ``DEFAULT_DURATION_S``), with ``concurrency`` threads calling the one session.
    ``threads`` is onnxruntime's intra-op thread count (0: its default); ``providers`` the
    execution providers in priority order. ``log`` writes one mlmon ``inference`` record
    per timed call (``ts``, ``latency_ms``, ``status``, ``model``, ``batch_size`` and, for
    classifiers, ``label`` and ``confidence`` of the first sample, read by
    :func:`mlmon.instrument.outputs.read_prediction` from the outputs ``label_output`` /
    ``proba_output`` when given; ``predictions=False``: none).

    Raises ``UsageError`` for contradictory or out-of-range options or an unknown provider,
    and ``ModelError`` for a missing or corrupt model, inputs that cannot be built, or a
    failing ``session.run``, and ``OutputError`` when ``log`` cannot be written (checked
    before the model loads where the system lets it show).
    """
    o = _check_options(
        dict(
            batch_sizes=batch_sizes,
            warmup=warmup,
            iterations=iterations,
            duration_s=duration_s,
            threads=threads,
            concurrency=concurrency,
            providers=providers,
            graph_optimization=graph_optimization,
            seed=seed,
        ),
        shapes,
        input_path,
    )
    chosen = _predictions(predictions, label_output, proba_output)
    _check_log(log, model, input_path)
    session, info = _open_model(model, o["providers"], o["threads"], GraphOptimization(o["graph_optimization"]))
    check_output_names(info.outputs, label_output, proba_output)
    base_feed = None if input_path is None else inputs_mod.load_npz(Path(input_path), info.inputs)
    writer = None if log is None else LogWriter(Path(log), info.name)
    feed_sets = (_feeds(info, base_feed, b, shapes, o["seed"]) for b in (o["batch_sizes"] or [None]))
    configs = _run_configs(
        session,
        info,
        feed_sets,
        writer,
        chosen,
        warmup=o["warmup"],
        iterations=o["iterations"],
        duration_s=o["duration_s"],
        concurrency=o["concurrency"],
    )
    return _bench_result(info, configs, o, input_path, writer, chosen)


def _bench_result(
    info: ModelInfo,
    configs: list[ConfigResult],
    o: dict[str, Any],
    input_path: str | os.PathLike[str] | None,
    writer: LogWriter | None,
    chosen: dict[str, Any],
) -> BenchResult:
    """The run's result: its configurations and how they were run (``o``: the options)."""
    return BenchResult(
        model=info,
        configs=tuple(configs),
        warmup=o["warmup"],
        iterations=o["iterations"],
        duration_s=None if o["iterations"] is not None else o["duration_s"],
        seed=o["seed"],
        input_source="synthetic" if input_path is None else str(input_path),
        log_path=None if writer is None else str(writer.path),
        log_records=0 if writer is None else writer.records,
        prediction_source=chosen["choice"].source if "choice" in chosen else None,
    )
