"""Any reducer split by where the records came from (``--by``): :class:`Grouped`.

Each chunk's records are partitioned by their canonical ``group`` value
(:mod:`mlmon.ingest.groups`); each part goes to the inner reducer, whose states are kept
per group and merged group by group with its own ``merge``; ``finalize`` finalizes each
group's state. So the wrapper is associative whenever the inner reducer is: any grouping
of the chunks gives every group the states of its records in input order. Records with no
value form a group of their own (``None`` values), counted like any other::

    reducer = Grouped(OpsReducer(window), ("pod",))
    state, stats = reduce_logs(["logs/"], IngestOptions(by=("pod",)), reducer)
    for group in reducer.finalize(state):   # GroupResult: values, result (an OpsResult)
        ...

A run split into more than :data:`MAX_GROUPS` groups is refused at ``finalize``
(``--by request_id`` splits nothing useful); states stop growing once a chunk or a merge
passes the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import polars as pl

from mlmon.analyses.group_result import GroupResult
from mlmon.errors import UsageError
from mlmon.ingest.fields import by_columns
from mlmon.ingest.groups import group_values
from mlmon.ingest.needs import ChunkReducer, Needs

S = TypeVar("S")
R = TypeVar("R")
__all__ = ["GROUPS", "MAX_GROUPS", "GroupResult", "Grouped", "GroupedState"]

GROUPS = "groups"
"""The part name a composite gives its :class:`Grouped` analyses (``mlmon.api.reducers``)."""
MAX_GROUPS = 1000
"""The most groups a run may be split into: each keeps a whole analysis' state, and a
report of more is no longer one a person reads."""


@dataclass(frozen=True)
class GroupedState(Generic[S]):
    """Partial states by group value, in order of first appearance."""

    groups: tuple[tuple[str | None, S], ...] = ()
    """``(group value, inner state)`` per group seen; each value once."""
    too_many: int = 0
    """More than :data:`MAX_GROUPS` were seen (at least this many); ``groups`` is then empty."""


@dataclass(frozen=True)
class Grouped(Generic[S, R]):
    """``inner``, split by the ``--by`` items ``by``: a result per group."""

    inner: ChunkReducer[S]
    """The reducer run on each group's records."""
    by: tuple[str, ...]
    """The ``--by`` items (``IngestOptions.by``), in order; at least one."""

    def __post_init__(self) -> None:
        if not self.by:
            raise ValueError("Grouped needs at least one --by item")
        object.__setattr__(self, "by", tuple(dict.fromkeys(self.by)))

    @property
    def needs(self) -> Needs:
        """The inner reducer's columns and ``group`` read by the ``--by`` items."""
        inner = self.inner.needs
        if inner is None:
            raise ValueError("Grouped needs an inner reducer that names its columns")
        return inner | Needs(by_columns(self.by))

    def from_chunk(self, records: pl.DataFrame) -> GroupedState[S]:
        parts = records.partition_by("group", as_dict=True, maintain_order=True, include_key=True)
        if len(parts) > MAX_GROUPS:
            return GroupedState(too_many=len(parts))
        return GroupedState(tuple((key[0], self.inner.from_chunk(part)) for key, part in parts.items()))

    def merge(self, left: GroupedState[S], right: GroupedState[S]) -> GroupedState[S]:
        if left.too_many or right.too_many:
            return GroupedState(too_many=max(left.too_many, right.too_many))
        merged = dict(left.groups)
        for key, state in right.groups:
            merged[key] = self.inner.merge(merged[key], state) if key in merged else state
        if len(merged) > MAX_GROUPS:
            return GroupedState(too_many=len(merged))
        return GroupedState(tuple(merged.items()))

    def finalize(self, state: GroupedState[S]) -> tuple[GroupResult[R], ...]:
        """Each group's result, ordered by value (the group with none last). ``UsageError``
        when there are more than :data:`MAX_GROUPS`."""
        if state.too_many:
            raise UsageError(
                f"--by {','.join(self.by)}: over {MAX_GROUPS:,} groups (at least {state.too_many:,}); "
                "split by a field with fewer values"
            )
        decoded = [(group_values(key, len(self.by)), inner) for key, inner in state.groups]
        decoded.sort(key=lambda pair: [(value is None, value or "") for value in pair[0]])
        return tuple(GroupResult(self.by, values, self._finalized(inner)) for values, inner in decoded)

    def _finalized(self, state: S) -> R:
        result: R = self.inner.finalize(state)
        return result
