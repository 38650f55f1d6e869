"""``run_ab``: time two ONNX models on the same inputs, calls interleaved, and compare them.

Interleaving
------------
Each input is run on both models, one right after the other, and the order alternates
from pair to pair (A B, B A, A B, ...): machine noise (another process, a frequency step)
hits both models alike, and neither always runs on caches the other has just warmed. The
warmup is interleaved the same way. ``iterations`` is the calls of each model;
``duration_s`` the length of the whole interleaved phase.

What is per model and what is shared
------------------------------------
Latency is per call, so per model. A model's ``wall_s`` is the time spent in its own calls
(the phase's wall time is shared), so its throughput is its calls (or samples) over that
time. CPU time and RSS cannot be told apart in one process: each model's configuration
carries the whole process's over the interleaved phase (the same figures in A and B).

Agreement is computed on the outputs of an untimed pass over every distinct input of
every batch size (:mod:`mlmon.bench.agreement`).
"""

from __future__ import annotations

import os
import time
from array import array
from collections.abc import Mapping, Sequence
from itertools import cycle
from pathlib import Path
from typing import Any

import numpy as np

from mlmon.bench import inputs as inputs_mod
from mlmon.bench.ab_result import ABResult
from mlmon.bench.agreement import Outputs, output_agreement
from mlmon.bench.decision import decision_line, latency_difference
from mlmon.bench.int8 import int8_note, quantized_ops, read_cpu_flags
from mlmon.bench.options import GraphOptimization
from mlmon.bench.predict import PredictionChoice, check_output_names, classification_output
from mlmon.bench.result import ConfigResult, ModelInfo
from mlmon.bench.runner import _bench_result, _check_options, _feeds, _open_model, _predictions
from mlmon.bench.session import run_error
from mlmon.bench.timing import CallTimes, CpuMeter, PeakRssMeter, RunFn, latency_stats, rss_mib
from mlmon.errors import UsageError

Feed = Mapping[str, np.ndarray]
_DEFAULTS: dict[str, Any] = {
    "batch_sizes": None,
    "warmup": 10,
    "iterations": None,
    "duration_s": None,
    "threads": 0,
    "concurrency": 1,
    "providers": None,
    "graph_optimization": GraphOptimization.ALL,
    "seed": 0,
}
"""``run_ab``'s timing options and their defaults (``run_bench``'s)."""


def interleaved_loop(
    run_a: RunFn,
    run_b: RunFn,
    feeds: Sequence[Feed],
    *,
    calls: int | None = None,
    deadline_ns: int | None = None,
) -> tuple[CallTimes, CallTimes]:
    """Run each feed (in turn, ``itertools.cycle``) on both models, A first on even pairs and
    B first on odd ones, timing every call: ``calls`` pairs, or pairs until one ends at or
    past ``deadline_ns`` (at least one). Returns A's and B's call times, index ``i`` of each
    from the same pair."""
    if (calls is None) == (deadline_ns is None):
        raise ValueError("give calls or deadline_ns")
    clock = time.perf_counter_ns
    a = CallTimes(array("q"), array("q"), [])
    b = CallTimes(array("q"), array("q"), [])
    orders = (((run_a, a), (run_b, b)), ((run_b, b), (run_a, a)))
    for pair, feed in enumerate(cycle(feeds)):
        if calls is not None and pair >= calls:
            break
        t1 = 0
        for run, times in orders[pair & 1]:
            t0 = clock()
            run(None, feed)
            t1 = clock()
            times.starts_ns.append(t0)
            times.ends_ns.append(t1)
        if deadline_ns is not None and t1 >= deadline_ns:
            break
    return a, b


def _outputs(sessions: Sequence[Any], feeds: Sequence[Feed], batch: int) -> list[tuple[Outputs, Outputs]]:
    """Both models' outputs on every feed (untimed); a failing run is a one-line ModelError."""
    pairs = []
    for feed in feeds:
        found = []
        for which, session in zip("AB", sessions):
            try:
                found.append(session.run(None, feed))
            except Exception as exc:  # onnxruntime raises its own pybind exception types
                raise run_error(exc, f"on model {which} with batch size {batch}") from None
        pairs.append((found[0], found[1]))
    return pairs


def _config(times: CallTimes, batch: int, feed: Feed, meters: dict[str, Any]) -> ConfigResult:
    """One model's :class:`ConfigResult` from its interleaved calls (see the module docstring)."""
    starts = np.frombuffer(times.starts_ns, dtype=np.int64)
    latencies = (np.frombuffer(times.ends_ns, dtype=np.int64) - starts) / 1e6
    busy_s = float(latencies.sum()) / 1000.0
    calls = int(latencies.size)
    return ConfigResult(
        batch_size=batch,
        concurrency=1,
        input_shapes=tuple((name, tuple(int(d) for d in a.shape)) for name, a in feed.items()),
        calls=calls,
        wall_s=busy_s,
        latency=latency_stats(latencies),
        inferences_per_s=calls / busy_s if busy_s > 0 else 0.0,
        samples_per_s=calls * batch / busy_s if busy_s > 0 else 0.0,
        cpu_user_s=meters["cpu"][0],
        cpu_system_s=meters["cpu"][1],
        rss_start_mib=meters["rss_start"],
        rss_end_mib=meters["rss_end"],
        peak_rss_mib=max(meters["peak_rss"], meters["rss_end"], meters["rss_start"]),
        peak_rss_method=meters["method"],
        latencies_ms=tuple(latencies.tolist()),
    )


def _timed_pairs(
    sessions: Sequence[Any], feeds: list[dict[str, np.ndarray]], batch: int, timing: dict[str, Any]
) -> tuple[ConfigResult, ConfigResult]:
    """The interleaved warmup and timed phase of one batch size, with the process's meters."""
    run_a, run_b = sessions[0].run, sessions[1].run
    try:
        interleaved_loop(run_a, run_b, feeds, calls=timing["warmup"])
        peak = PeakRssMeter()
        peak.start()
        meters: dict[str, Any] = {"rss_start": rss_mib()}
        cpu = CpuMeter()
        begin = time.perf_counter_ns()
        duration = timing["duration_s"]
        deadline = None if duration is None else begin + int(duration * 1e9)
        a, b = interleaved_loop(run_a, run_b, feeds, calls=timing["iterations"], deadline_ns=deadline)
        meters.update(cpu=cpu.stop(), peak_rss=peak.stop(), rss_end=rss_mib(), method=peak.method)
    except Exception as exc:
        raise run_error(exc, f"with batch size {batch}") from None
    return _config(a, batch, feeds[0], meters), _config(b, batch, feeds[0], meters)


def _choices(
    infos: Sequence[ModelInfo], pair: tuple[Outputs, Outputs], feed: Feed, chosen: dict[str, Any]
) -> tuple[PredictionChoice, PredictionChoice]:
    """The outputs each model's prediction is read from, chosen on its first outputs."""
    options = {k: chosen[k] for k in ("label_output", "proba_output", "enabled")}
    shapes = [a.shape for a in feed.values()]
    a, b = (
        classification_output(info.outputs, out, input_shapes=shapes, labels=info.labels, **options)
        for info, out in zip(infos, pair)
    )
    return a, b


def _check_pair_options(o: dict[str, Any], log: Any) -> None:
    """Two models are timed one call at a time, without ``--log``."""
    if o["concurrency"] != 1:
        raise UsageError("--concurrency times one model: two models are timed one call at a time, interleaved")
    if log is not None:
        raise UsageError("--log writes one model's calls: give one model, or leave --log out")


def _check_inputs(infos: Sequence[ModelInfo]) -> None:
    """The two models take the same inputs (names and types)."""
    signature = [[(t.name, t.type) for t in info.inputs] for info in infos]
    if signature[0] != signature[1]:
        show = ["; ".join(f"{name} {kind}" for name, kind in s) for s in signature]
        raise UsageError(f"the two models take different inputs (A: {show[0]}; B: {show[1]}): nothing to compare")


def _note(infos: Sequence[ModelInfo]) -> tuple[str, ...]:
    """The int8 note, when a model has int8 operators and the CPU lacks VNNI-class flags."""
    found = [(f"{w} ({info.name})", quantized_ops(Path(info.path))) for w, info in zip("AB", infos)]
    note = int8_note(found, read_cpu_flags()) if any(ops for _, ops in found) else None
    return () if note is None else (note,)


def run_ab(
    model_a: str | os.PathLike[str] | None,
    model_b: str | os.PathLike[str],
    *,
    shapes: Mapping[str, tuple[int, ...]] | None = None,
    input_path: str | os.PathLike[str] | None = None,
    log: str | os.PathLike[str] | None = None,
    label_output: str | None = None,
    proba_output: str | None = None,
    predictions: bool = True,
    **options: Any,
) -> ABResult:
    """Time ``model_a`` (None: the bundled model) and ``model_b`` on the same inputs, their
    calls interleaved, and compare them: :func:`mlmon.bench.run_bench`'s options
    (``options``: ``batch_sizes``, ``warmup``, ``iterations``, ``duration_s``, ``threads``,
    ``providers``, ``graph_optimization``, ``seed``; ``concurrency`` must be 1 and ``log``
    None), the inputs built from A's metadata. ``label_output``/``proba_output`` name the
    prediction outputs of both; ``predictions=False`` compares raw outputs only.

    Raises ``UsageError`` for contradictory options or models that take different inputs,
    ``ModelError`` for a missing or corrupt model or a failing run."""
    unknown = sorted(set(options) - set(_DEFAULTS))
    if unknown:
        raise TypeError(f"run_ab() got unexpected keyword arguments: {', '.join(unknown)}")
    o = _check_options({**_DEFAULTS, **options}, shapes, input_path)
    chosen = _predictions(predictions, label_output, proba_output)
    _check_pair_options(o, log)
    optimization = GraphOptimization(o["graph_optimization"])
    opened = [_open_model(m, o["providers"], o["threads"], optimization) for m in (model_a, model_b)]
    sessions, infos = [s for s, _ in opened], [i for _, i in opened]
    _check_inputs(infos)
    for info in infos:
        check_output_names(info.outputs, label_output, proba_output)
    base_feed = None if input_path is None else inputs_mod.load_npz(Path(input_path), infos[0].inputs)
    timing = {k: o[k] for k in ("warmup", "iterations", "duration_s")}
    configs: tuple[list[ConfigResult], list[ConfigResult]] = ([], [])
    pairs: list[tuple[Outputs, Outputs]] = []
    choices: tuple[PredictionChoice, PredictionChoice] | None = None
    for batch_size in o["batch_sizes"] or [None]:
        feeds = _feeds(infos[0], base_feed, batch_size, shapes, o["seed"])
        batch = inputs_mod.batch_size_of(feeds[0], infos[0].inputs)
        outputs = _outputs(sessions, feeds, batch)  # fails fast on a wrong shape, before any timing
        choices = choices or _choices(infos, outputs[0], feeds[0], chosen)
        pairs += outputs
        for side, config in zip(configs, _timed_pairs(sessions, feeds, batch, timing)):
            side.append(config)
    assert choices is not None  # one configuration at least
    return _ab_result(infos, configs, o, input_path, pairs, choices)


def _ab_result(
    infos: Sequence[ModelInfo],
    configs: tuple[list[ConfigResult], list[ConfigResult]],
    o: dict[str, Any],
    input_path: str | os.PathLike[str] | None,
    pairs: list[tuple[Outputs, Outputs]],
    choices: tuple[PredictionChoice, PredictionChoice],
) -> ABResult:
    """The comparison: both results, the latency differences, the agreement, the decision."""
    a, b = (_bench_result(info, cs, o, input_path, None, {}) for info, cs in zip(infos, configs))
    differences = tuple(
        latency_difference(ca.latencies_ms, cb.latencies_ms, ca.batch_size, o["seed"])
        for ca, cb in zip(a.configs, b.configs)
    )
    names = tuple([s.name for s in info.outputs] for info in infos)
    labels = infos[0].labels if infos[0].labels == infos[1].labels else ()
    agreement = output_agreement(pairs, (names[0], names[1]), choices, labels)
    return ABResult(a, b, differences, agreement, decision_line(differences, agreement), _note(infos))
