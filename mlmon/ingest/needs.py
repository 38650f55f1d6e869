"""What an analysis asks of ingest, and the reducer shape ingest drives.

This is the one channel through which ingest takes orders: an analysis states the canonical
columns it reads in a :class:`Needs`, and ingest decodes nothing else. Ingest then hands each
chunk's canonical records to the analysis' ``from_chunk`` in its worker threads and folds
the partial states together with ``merge``, in input order. Plain Python: no polars here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

State = TypeVar("State")

Discovery = Literal["none", "first_chunk", "all"]


@dataclass(frozen=True)
class FeatureNeeds:
    """The input features an analysis reads (``mlmon.ingest.features``)."""

    numeric: tuple[str, ...] = ()
    """Features read as numbers: a value of another type is counted, never used."""
    categorical: tuple[str, ...] = ()
    """Features read as text (categories; a number becomes its digits)."""
    discover: Discovery = "none"
    """Which chunks also report the other keys of the ``features`` object, as text:
    ``all`` of them (profiling logs), each file's ``first_chunk`` (listing the keys a
    reference lacks, at the cost of one chunk per file), or ``none``."""

    def __or__(self, other: FeatureNeeds) -> FeatureNeeds:
        order = ("none", "first_chunk", "all")
        numeric = tuple(dict.fromkeys((*self.numeric, *other.numeric)))
        categorical = tuple(
            name for name in dict.fromkeys((*self.categorical, *other.categorical)) if name not in numeric
        )
        return FeatureNeeds(numeric, categorical, max(self.discover, other.discover, key=order.index))


@dataclass(frozen=True)
class Needs:
    """The canonical columns an analysis reads (``ts`` is always read)."""

    columns: tuple[str, ...] = ()
    """Canonical column names (see ``mlmon.ingest.canonical``). ``probabilities`` is decoded
    only when it is named here: it is the costliest column."""

    features: FeatureNeeds | None = None
    """Input features to read as ``feature:<name>`` columns, with ``has_features``; None:
    the ``features`` object is not read at all."""

    def __or__(self, other: Needs) -> Needs:
        """Both analyses' needs: the union of their columns, in first-named order."""
        features = (
            self.features
            if other.features is None
            else other.features
            if self.features is None
            else self.features | other.features
        )
        return Needs(tuple(dict.fromkeys((*self.columns, *other.columns))), features)

    @property
    def probabilities(self) -> bool:
        """True when the class-probability lists (or their classes) must be decoded."""
        return "probabilities" in self.columns or "probability_classes" in self.columns


class ChunkReducer(Protocol[State]):
    """What ingest drives: chunk → partial state, and an associative merge of two states;
    ``finalize(state)`` then gives the analysis' result.

    ``from_chunk`` runs in ingest's worker threads on one chunk's canonical records (a polars
    DataFrame holding ``ts`` and the columns of ``needs``); ``merge(a, b)`` runs in input
    order, and must give the same result however a run's chunks are grouped. ``finalize``
    takes nothing but the state: whatever else it reads is the reducer's own field.
    Several reducers over one read: ``mlmon.analyses.composite``.
    """

    @property
    def needs(self) -> Needs | None:
        """The columns to decode; None: every canonical column but ``probabilities``."""

    def from_chunk(self, records: Any) -> State: ...

    def merge(self, left: State, right: State) -> State: ...

    def finalize(self, state: State) -> Any: ...
