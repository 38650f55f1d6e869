"""Choices and option parsing for ``mlmon bench`` (cheap to import: no numpy, no onnxruntime).

Every option with a value to check has its spec in :data:`BENCH_OPTIONS` (kinds from
:mod:`mlmon.units`, specs as :mod:`mlmon.options` makes them): the CLI, the Python twin
``build_bench_report`` and ``run_bench`` parse through the same one."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from mlmon.errors import UsageError
from mlmon.options import OptionSpec
from mlmon.units import BadValue, Choice, Count, Duration, Kind, Latency, Names, split_list, wrong_type


class GraphOptimization(str, enum.Enum):
    """onnxruntime graph optimization level (``SessionOptions.graph_optimization_level``)."""

    DISABLE = "disable"
    BASIC = "basic"
    EXTENDED = "extended"
    ALL = "all"

    @property
    def ort_name(self) -> str:
        """Name of the matching ``onnxruntime.GraphOptimizationLevel`` member."""
        return {
            "disable": "ORT_DISABLE_ALL",
            "basic": "ORT_ENABLE_BASIC",
            "extended": "ORT_ENABLE_EXTENDED",
            "all": "ORT_ENABLE_ALL",
        }[self.value]


class BatchSizes(Kind):
    """``--batch-size``: ``"1,8,32"``, repeated values, or ints; each at least 1, in order,
    duplicates dropped."""

    expected = "batch sizes such as 1,8,32 or a list of ints"

    def from_text(self, text: str) -> list[int] | None:
        return self.from_value([text])

    def from_value(self, value: Any) -> list[int] | None:
        items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(items, (str, bytes, dict)) or not isinstance(items, Iterable):
            raise wrong_type(self.expected, value)
        sizes: list[int] = []
        for item in items:
            if isinstance(item, str):
                sizes += [self._size(part) for part in split_list(item)]
            elif isinstance(item, int) and not isinstance(item, bool):
                sizes.append(self._size(str(item)))
            else:
                raise wrong_type(self.expected, value)
        return list(dict.fromkeys(sizes)) or None

    @staticmethod
    def _size(text: str) -> int:
        try:
            size = int(text)
        except ValueError:
            raise BadValue(f"invalid batch size {text!r}: use positive integers, e.g. 1,8,32") from None
        if size < 1:
            raise BadValue(f"invalid batch size {text!r}: must be at least 1")
        return size


BENCH_OPTIONS: dict[str, OptionSpec] = {
    "batch_sizes": OptionSpec(BatchSizes(), "--batch-size", optional=True),
    "warmup": OptionSpec(Count(0), "--warmup", default=10),
    "iterations": OptionSpec(Count(1), "--iterations", optional=True),
    "duration_s": OptionSpec(Duration(seconds=True), "--duration", optional=True),
    "threads": OptionSpec(Count(0), "--threads", default=0),
    "concurrency": OptionSpec(Count(1), "--concurrency", default=1),
    "providers": OptionSpec(Names(), "--providers", optional=True),
    "graph_optimization": OptionSpec(
        Choice(tuple(g.value for g in GraphOptimization)), "--graph-optimization", default="all"
    ),
    "seed": OptionSpec(Count(0), "--seed", default=0),
    "p99_budget_ms": OptionSpec(Latency(), "--p99-budget", optional=True),
}
"""``mlmon bench``'s options with a value to check, and their specs: ``build_bench_report``'s
keyword arguments (``run_bench``'s, and the budget) and the flags that set them."""


def bench_options(values: dict[str, Any], flags: bool = False) -> dict[str, Any]:
    """``values`` with every option of :data:`BENCH_OPTIONS` parsed and checked: the CLI's
    strings and typed values alike; None is the default. ``OptionError`` names the keyword
    and its flag (``warmup (--warmup): must be at least 0, got -1``), or the flag alone
    (``flags``)."""
    out = dict(values)
    for key, spec in BENCH_OPTIONS.items():
        if key in out:
            parsed = spec.parse(out[key], spec.flag if flags else spec.named(key))  # type: ignore[arg-type]
            out[key] = (
                (list(parsed) or None) if key == "providers" and parsed is not None else parsed
            )  # none named: the default
    if isinstance(out.get("shapes"), (str, list, tuple)):
        out["shapes"] = parse_shapes([out["shapes"]] if isinstance(out["shapes"], str) else list(out["shapes"]))
    return out


def parse_shapes(values: Iterable[str] | None) -> dict[str, tuple[int, ...]]:
    """``--shape input_ids=1x128 --shape pixel_values=1x3x224x224`` -> name to shape.

    A scalar input is written ``name=`` (empty shape).
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for value in values or ():
        name, sep, dims = value.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"invalid --shape {value!r}: use NAME=DIMxDIMx..., e.g. image=1x3x224x224")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x")) if dims.strip() else ()
        except ValueError:
            raise UsageError(
                f"invalid --shape {value!r}: dimensions must be integers, e.g. image=1x3x224x224"
            ) from None
        if any(d < 1 for d in shape):
            raise UsageError(f"invalid --shape {value!r}: dimensions must be at least 1")
        if name in shapes:
            raise UsageError(f"--shape given twice for input {name!r}")
        shapes[name] = shape
    return shapes
