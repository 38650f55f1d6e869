"""``mlmon bench``: latency, throughput, CPU and memory of an ONNX model's ``session.run``.

Bench room: sessions, inputs, timing and the mlmon log it writes. Its command line lives in
``mlmon.cli.bench``, its budget check in ``mlmon.verdicts.budgets`` and its output in
``mlmon.render``; it may import the leaves and onnxruntime, numpy and psutil, never another
room. Two models (``mlmon bench A.onnx B.onnx``): :mod:`mlmon.bench.ab` times them interleaved,
:mod:`mlmon.bench.decision` and :mod:`mlmon.bench.agreement` compare them, :mod:`mlmon.bench.int8`
adds the note on int8 kernels. Importing this package is cheap: each name loads its module
on first use (PEP 562 lazy attributes), so ``mlmon.bench.options`` (what every command line
imports) loads neither the results' dataclasses nor numpy and onnxruntime, which load only
when :func:`run_bench` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlmon.exports import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from mlmon.bench.options import GraphOptimization
    from mlmon.bench.result import BenchResult, ConfigResult, LatencyStats, ModelInfo, TensorSpec
    from mlmon.bench.runner import run_bench

_EXPORTS = {
    "BenchResult": "mlmon.bench.result",
    "ConfigResult": "mlmon.bench.result",
    "GraphOptimization": "mlmon.bench.options",
    "LatencyStats": "mlmon.bench.result",
    "ModelInfo": "mlmon.bench.result",
    "TensorSpec": "mlmon.bench.result",
    "run_bench": "mlmon.bench.runner",
}

__all__ = ["BenchResult", "ConfigResult", "GraphOptimization", "LatencyStats", "ModelInfo", "TensorSpec", "run_bench"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
