"""``mlmon bench``: latency, throughput, CPU and memory of an ONNX model's ``session.run``.

Bench room: sessions, inputs, timing and the mlmon log it writes. Its command line lives in
``mlmon.cli.bench``, its budget check in ``mlmon.verdicts.budgets`` and its output in
``mlmon.render``; it may import the leaves and onnxruntime, numpy and psutil, never another
room. Two models (``mlmon bench A.onnx B.onnx``): :mod:`mlmon.bench.ab` times them interleaved,
:mod:`mlmon.bench.decision` and :mod:`mlmon.bench.agreement` compare them, :mod:`mlmon.bench.int8`
adds the note on int8 kernels. Importing this package is cheap: numpy and onnxruntime load only when :func:`run_bench`
is first used (PEP 562 lazy attribute).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlmon.bench.options import GraphOptimization
from mlmon.bench.result import BenchResult, ConfigResult, LatencyStats, ModelInfo, TensorSpec

if TYPE_CHECKING:  # pragma: no cover
    from mlmon.bench.runner import run_bench

__all__ = ["BenchResult", "ConfigResult", "GraphOptimization", "LatencyStats", "ModelInfo", "TensorSpec", "run_bench"]


def __getattr__(name: str) -> Any:
    if name == "run_bench":
        from mlmon.bench.runner import run_bench

        return run_bench
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
