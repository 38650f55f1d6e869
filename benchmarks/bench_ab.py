"""The bundled model against its int8 copy: ``mlmon bench A.onnx B.onnx``'s figures.

Quantizes ``mlmon/models/imgcls4.onnx`` with ``onnxruntime.quantization.quantize_dynamic``
(weights int8, activations quantized at run time) into a temporary directory, then runs
:func:`mlmon.bench.ab.run_ab` on the two at batch 1 and 8 (calls interleaved A B, B A, ...,
on the same synthetic inputs) and prints per model and batch size the latency percentiles,
per-sample latency and throughput, the ratio of mean latencies B / A with its 95% bootstrap
interval, the output agreement, the decision line, the int8 note and the CPU's int8 flags.

Usage::

    python benchmarks/bench_ab.py                          # 2 s per batch size, default threads
    python benchmarks/bench_ab.py --threads 1 --duration 5 --batch 1,8,32
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlmon.bench.ab import run_ab  # noqa: E402
from mlmon.bench.ab_result import ABResult  # noqa: E402
from mlmon.bench.int8 import INT8_FLAGS, read_cpu_flags  # noqa: E402
from mlmon.bench.session import bundled_model_path  # noqa: E402


def quantized_copy(directory: Path) -> Path:
    """The bundled model quantized dynamically (int8 weights) into ``directory``."""
    from onnxruntime.quantization import quantize_dynamic

    path = directory / "imgcls4_int8.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(bundled_model_path()), str(path))
    return path


def machine() -> str:
    """CPU model, cores, Python and onnxruntime versions, and the int8 flags present."""
    import onnxruntime

    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    flags = read_cpu_flags()
    present = "unknown" if flags is None else (", ".join(f for f in INT8_FLAGS if f in flags) or "none")
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, onnxruntime "
        f"{onnxruntime.__version__}; int8 flags: {present}"
    )


def table(ab: ABResult) -> str:
    """A Markdown table: per batch size and model, p50, p99, per sample, samples/s, B / A."""
    lines = [
        "| batch | model | p50 ms | p99 ms | per sample ms | samples/s | mean B/A [95% interval] |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for a, b, d in zip(ab.a.configs, ab.b.configs, ab.differences):
        r = d.mean_ratio
        for name, c in (("float32", a), ("int8", b)):
            ratio = f"{r.value:.2f} [{r.low:.2f}, {r.high:.2f}] {d.verdict}" if c is b else ""
            lines.append(
                f"| {c.batch_size} | {name} | {c.latency.p50_ms:.3f} | {c.latency.p99_ms:.3f} | "
                f"{c.per_sample_ms:.3f} | {c.samples_per_s:,.0f} | {ratio} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per batch size (both models)")
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default)")
    parser.add_argument("--batch", default="1,8", help="batch sizes, e.g. 1,8,32")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        int8 = quantized_copy(Path(tmp))
        ab = run_ab(
            None,
            int8,
            batch_sizes=args.batch,
            duration_s=args.duration,
            threads=args.threads,
            warmup=20,
        )
    print(machine())
    print(f"threads {args.threads or 'default'} · {args.duration:g} s per batch size, both models interleaved")
    print(table(ab))
    g = ab.agreement
    print(
        f"agreement on {g.rows} inputs: top-1 {g.top1_share:.1%} [{g.top1_low:.1%}, {g.top1_high:.1%}], "
        f"largest probability difference {g.max_abs_proba_diff:.3g}, mean KL(A||B) {g.mean_kl:.3g} nats"
    )
    print(f"decision: {ab.decision}")
    for note in ab.notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
