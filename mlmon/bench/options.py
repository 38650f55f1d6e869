"""Choices and option parsing for ``mlmon bench`` (cheap to import: no numpy, no onnxruntime)."""

from __future__ import annotations

import enum
from typing import Iterable

from mlmon.errors import UsageError
from mlmon.units import split_list


class GraphOptimization(str, enum.Enum):
    """onnxruntime graph optimization level (``SessionOptions.graph_optimization_level``)."""

    DISABLE = "disable"
    BASIC = "basic"
    EXTENDED = "extended"
    ALL = "all"

    @property
    def ort_name(self) -> str:
        """Name of the matching ``onnxruntime.GraphOptimizationLevel`` member."""
        return {"disable": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC",
                "extended": "ORT_ENABLE_EXTENDED", "all": "ORT_ENABLE_ALL"}[self.value]


def parse_batch_sizes(values: Iterable[str] | None) -> list[int] | None:
    """``--batch-size 1,8 --batch-size 32`` -> ``[1, 8, 32]``; None when not given."""
    items = split_list(values)
    if not items:
        return None
    sizes: list[int] = []
    for item in items:
        try:
            size = int(item)
        except ValueError:
            raise UsageError(f"invalid batch size {item!r}: use positive integers, e.g. 1,8,32") from None
        if size < 1:
            raise UsageError(f"invalid batch size {item!r}: must be at least 1")
        if size not in sizes:
            sizes.append(size)
    return sizes


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
            raise UsageError(f"invalid --shape {value!r}: dimensions must be integers, e.g. image=1x3x224x224") from None
        if any(d < 1 for d in shape):
            raise UsageError(f"invalid --shape {value!r}: dimensions must be at least 1")
        if name in shapes:
            raise UsageError(f"--shape given twice for input {name!r}")
        shapes[name] = shape
    return shapes
