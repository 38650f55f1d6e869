"""Does this CPU have what int8 kernels need? A note for ``mlmon bench A.onnx B.onnx``.

onnxruntime's quantized kernels (``QLinearConv``, ``MatMulInteger``, ``DynamicQuantizeLinear``,
...) are fast where the CPU has dot-product instructions for 8-bit integers: VNNI on x86
(``avx512_vnni``, ``avx_vnni``, or AMX ``amx_int8``), the dot-product and int8 matrix
extensions on ARM (``asimddp``, ``i8mm``). Without them a quantized model is often no faster,
or slower, than its float original (onnxruntime issues 20052, 6732, 17389). The flags are
read from ``/proc/cpuinfo`` (``flags`` on x86, ``Features`` on ARM); elsewhere they are
unknown and the note says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "asimddp", "i8mm")
"""CPU flags (Linux ``/proc/cpuinfo`` spelling) of the int8 dot-product instructions."""
QUANTIZED_OPS = frozenset(
    {
        "QLinearConv",
        "QLinearMatMul",
        "QLinearAdd",
        "QLinearMul",
        "QLinearSigmoid",
        "QLinearLeakyRelu",
        "QLinearAveragePool",
        "QLinearGlobalAveragePool",
        "QLinearConcat",
        "QLinearSoftmax",
        "QGemm",
        "MatMulInteger",
        "ConvInteger",
        "DynamicQuantizeLinear",
        "MatMulIntegerToFloat",
        "DynamicQuantizeMatMul",
    }
)
"""ONNX operators that run int8 kernels (``QLinear*``, the integer ones, dynamic quantization)."""
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The CPU feature flags in the text of ``/proc/cpuinfo`` (the ``flags`` lines on x86,
    ``Features`` on ARM; every processor's, joined)."""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in ("flags", "features"):
            flags.update(value.split())
    return frozenset(flags)


def read_cpu_flags(path: Path | None = None) -> frozenset[str] | None:
    """This machine's CPU flags (``path``: :data:`CPUINFO`), or None where it cannot be read
    (not Linux)."""
    try:
        return cpu_flags((path or CPUINFO).read_text(errors="replace"))
    except OSError:
        return None


def quantized_ops(path: Path) -> tuple[str, ...]:
    """The int8 operators of the ONNX model at ``path`` (main graph and its subgraphs),
    sorted; empty when there is none or the file cannot be read as ONNX."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # onnx raises DecodeError and friends; a model that loaded in onnxruntime is readable
        return ()
    found: set[str] = set()
    graphs = [model.graph]
    while graphs:
        graph = graphs.pop()
        for node in graph.node:
            if node.op_type in QUANTIZED_OPS:
                found.add(node.op_type)
            for attr in node.attribute:
                graphs.extend([attr.g] if attr.HasField("g") else [])
                graphs.extend(attr.graphs)
    return tuple(sorted(found))


def int8_note(quantized: Iterable[tuple[str, tuple[str, ...]]], flags: frozenset[str] | None) -> str | None:
    """The note for models ``quantized`` (name, int8 operators) on a CPU with ``flags``
    (None: unknown): None when no model has int8 operators or the CPU has an int8
    dot-product flag."""
    named = [f"{name} ({', '.join(ops[:3])}{', ...' if len(ops) > 3 else ''})" for name, ops in quantized if ops]
    if not named:
        return None
    which = " and ".join(named)
    if flags is None:
        return (
            f"{which} runs int8 kernels; this CPU's flags could not be read (no /proc/cpuinfo): int8 is fast only "
            f"with VNNI-class instructions ({', '.join(INT8_FLAGS)})"
        )
    if flags & set(INT8_FLAGS):
        return None
    return (
        f"{which} runs int8 kernels, but this CPU has none of {', '.join(INT8_FLAGS)}: int8 may be slower here "
        "than on a CPU with VNNI (onnxruntime issues 20052, 6732, 17389)"
    )
