"""Several reducers over one read, as one reducer: :class:`Composite`.

A run that wants operations, predictions and input features reads its logs once: each
chunk goes to every part, and states merge part by part. The parts are named (``ops``,
``predictions``, ``features``: the names a summary file stores its states under,
``mlmon.summary.parts``), and the composite's state and its result are mappings by those
names (:class:`ByPart`), never positions in nested pairs::

    reducer = Composite({"ops": OpsReducer(window), "predictions": PredictionReducer(window)})
    state, stats = reduce_logs(["logs/"], None, reducer)
    done = reducer.finalize(state)          # done["ops"]: OpsResult, done["predictions"]: windows

``finalize`` finalizes the parts in their order, so the first part's refusal (too many
windows, say) is the one a run reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import polars as pl

from mlmon.ingest.needs import ChunkReducer, Needs

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class ByPart(Mapping[str, T], Generic[T]):
    """A frozen mapping by part name, in the parts' order: a composite's reducers, its
    state, and its result."""

    pairs: tuple[tuple[str, T], ...] = ()
    """``(name, value)`` per part, in order; each name once."""

    def __post_init__(self) -> None:
        names = [name for name, _ in self.pairs]
        if len(set(names)) != len(names):
            raise ValueError(f"each part is named once: {names}")

    @classmethod
    def of(cls, values: Mapping[str, T]) -> ByPart[T]:
        """``values`` as a frozen mapping, in their order."""
        return cls(tuple(values.items()))

    def __getitem__(self, name: str) -> T:
        for own, value in self.pairs:
            if own == name:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"ByPart({dict(self.pairs)!r})"


@dataclass(frozen=True)
class Composite:
    """Named reducers fed by one read: a chunk goes to each part, states merge part by
    part, and ``finalize`` gives each part's result under its name."""

    parts: Mapping[str, ChunkReducer[object]]
    """The reducers by part name, in the order they finalize (kept as a :class:`ByPart`)."""

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("a composite needs at least one part")
        object.__setattr__(self, "parts", ByPart.of(self.parts))

    @property
    def needs(self) -> Needs | None:
        """Every part's columns (:meth:`Needs.__or__`); None (every column) when a part
        reads them all."""
        needs = [part.needs for part in self.parts.values()]
        if any(each is None for each in needs):
            return None
        union = needs[0]
        for each in needs[1:]:
            union = union | each  # type: ignore[operator]
        return union

    def from_chunk(self, records: object) -> ByPart[object]:
        return ByPart(tuple((name, part.from_chunk(records)) for name, part in self.parts.items()))

    def merge(self, left: ByPart[object], right: ByPart[object]) -> ByPart[object]:
        return ByPart(tuple((name, part.merge(left[name], right[name])) for name, part in self.parts.items()))

    def finalize(self, state: ByPart[object]) -> ByPart[object]:
        """Each part's result, finalized in the parts' order."""
        return ByPart(tuple((name, part.finalize(state[name])) for name, part in self.parts.items()))


@dataclass(frozen=True)
class Before:
    """A reducer fed only the records before ``until``: ``compare`` reads its common
    period's operational records, and the labels that arrived after it, in one read."""

    inner: ChunkReducer[object]
    """The reducer."""
    until: datetime
    """Records at or after this time are not given to it."""

    @property
    def needs(self) -> Needs | None:
        """The inner reducer's columns."""
        return self.inner.needs

    def from_chunk(self, records: object) -> object:
        assert isinstance(records, pl.DataFrame)
        return self.inner.from_chunk(records.filter(pl.col("ts") < self.until))

    def merge(self, left: object, right: object) -> object:
        return self.inner.merge(left, right)

    def finalize(self, state: object) -> object:
        return self.inner.finalize(state)
