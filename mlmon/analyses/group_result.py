"""One group's result of a run split by ``--by`` (:mod:`mlmon.analyses.grouped`): plain
Python, so the results and their renderers load no polars."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")

NO_VALUE = "(none)"
"""How a missing value is named in a group's scope."""


@dataclass(frozen=True)
class GroupResult(Generic[R]):
    """One group's result."""

    by: tuple[str, ...]
    """The ``--by`` items the run was split by."""
    values: tuple[str | None, ...]
    """This group's value per item (None: its records have none)."""
    result: R
    """The inner reducer's result on the group's records."""

    @property
    def scope(self) -> str:
        """``pod=a`` (``item=value`` per item, comma-joined; a missing one ``(none)``)."""
        return ", ".join(f"{item}={NO_VALUE if v is None else v}" for item, v in zip(self.by, self.values, strict=True))
