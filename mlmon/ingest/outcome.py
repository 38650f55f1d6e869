"""One chunk of log lines reduced to a frozen value, and the in-order merge of such values:
the contract every ingest engine (the local thread pool, Dask) builds on.

* :class:`ChunkPlan` is the immutable decode setup of a read: the reducer, the options, the
  fields and features wanted and the schemas that read them. Picklable (ship it to workers
  once).
* :func:`process_chunk` ``(plan, chunk) -> ChunkOutcome`` reads (a :class:`FileSpan`),
  counts, decodes, canonicalizes and reduces one chunk of whole lines, knowing nothing of
  the chunks before it: its line numbers are its own, starting at 1. ``chunk.starts_file``
  must be true exactly for a file's first chunk (``first_chunk`` feature discovery).
* :class:`ChunkOutcome` is frozen and picklable: the reducer's partial state, the lines of
  each source, the records kept and dropped by ``--since``/``--until``, and the problems
  (counts, first examples with run-relative line numbers, stream errors among them).
* :func:`merge_outcomes` ``(a, b, reducer)`` is ``b`` after ``a``: ``b``'s line numbers in a
  source move down by ``a``'s lines of that source, counts add, the first
  ``MAX_EXAMPLES`` examples of each kind stay, states merge with ``reducer.merge``. It is
  associative, so any grouping of the chunks of the inputs, kept in input order (a tree
  reduction, say), gives the outcome of one sequential read, numbers and examples alike.
  :data:`EMPTY` is its identity.
* :func:`finish_outcome` turns the outcome of all inputs into ``(state, IngestStats)`` and
  applies the checks of a read (no usable record, too many malformed lines).

:class:`Hints` are per-file caches a local engine may pass to :func:`process_chunk`: the
keys that held values and how untidy earlier chunks were, so later chunks skip reads bound
to fail, and whether a file's first chunk holds the whole census sample, so later chunks
skip sampling. They change speed only, never the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic

import polars as pl

from mlmon.ingest.canonical import canonicalize, empty_canonical
from mlmon.ingest.census import Samples, census_of, merge_samples, sample_keys
from mlmon.ingest.chunks import Chunk, FileSpan
from mlmon.ingest.decode import Tidiness, decode_chunk
from mlmon.ingest.discovery import Discovered
from mlmon.ingest.features import OVER_CAP, FeatureRead, decode_features, split_feature_fields
from mlmon.ingest.fields import (
    LINE,
    FieldMap,
    decode_nested,
    field_map,
    object_texts,
    repaired_objects,
    with_known_keys,
)
from mlmon.ingest.found import fields_found
from mlmon.ingest.names import FEATURES
from mlmon.ingest.needs import ChunkReducer, State
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import (
    BLANK,
    CENSUS_LINES,
    STREAM_ERROR,
    TOO_LONG,
    EnvelopeRead,
    IngestStats,
    Problems,
    ProblemTally,
    add_envelopes,
    latest,
)
from mlmon.ingest.unwrap import census_chunk, read_fast, unwrap_chunk, with_given
from mlmon.ingest.usable import check_usable

if TYPE_CHECKING:
    from mlmon.ingest.envelopes.base import Unwrapped


@dataclass(frozen=True)
class ChunkPlan(Generic[State]):
    """What every chunk of one read is decoded with. Build it with :meth:`of`."""

    reducer: ChunkReducer[State]
    """Folds a chunk's canonical records into a partial state; merges states."""
    options: IngestOptions
    """The read's :class:`~mlmon.ingest.options.IngestOptions`."""
    columns: tuple[str, ...] | None
    """Canonical columns kept (``ts`` first), or None for all of them."""
    probabilities: bool
    """Whether the reducer wants the probabilities column."""
    fields: FieldMap
    """Where each canonical field is found in a record."""
    features: FeatureRead | None
    """The input features read, or None when the reducer wants none."""
    schema: dict[str, pl.DataType]
    """Every leaf read as text: the lenient schema."""
    typed_schemas: dict[bool, dict[str, pl.DataType]]
    """The strict typed schema, by whether the chunk discovers feature keys."""
    nested: dict[str, pl.DataType]
    """Objects read as text and decoded afterwards."""
    contexts: dict[str, Any] = field(default_factory=dict)
    """Per enveloped file, what its envelope's first look over the read's files found
    (:func:`~mlmon.ingest.unwrap.envelope_contexts`: GCP's repeated entries)."""

    @classmethod
    def of(cls, reducer: ChunkReducer[State], options: IngestOptions) -> ChunkPlan[State]:
        needs = reducer.needs
        columns = None if needs is None else tuple(dict.fromkeys(("ts", *needs.columns)))
        probabilities = needs is not None and needs.probabilities
        overrides, mapped = split_feature_fields(options.fields)
        fields = field_map(overrides, with_probabilities=probabilities).keeping(columns)
        wanted = needs.features if needs is not None else None
        features = FeatureRead.of(wanted, options.features, mapped) if wanted is not None else None
        typed = {
            discovering: {**fields.typed_schema(), **(_typed_features(features, discovering) if features else {})}
            for discovering in (False, True)
        }
        return cls(
            reducer=reducer,
            options=options,
            columns=columns,
            probabilities=probabilities,
            fields=fields,
            features=features,
            schema={**fields.read_schema(), **(features.read_schema() if features else {})},
            typed_schemas=typed,
            nested=fields.nested_schema(tuple(features.paths.values()) if features else ()),
        )


@dataclass(frozen=True)
class ChunkOutcome(Generic[State]):
    """What a run of consecutive chunks gave: one chunk's, or several merged in order."""

    state: State | None
    """The reducer's partial state, None while no record was kept."""
    lines: dict[str, int]
    """Lines read per source (blank and skipped ones included), in input order."""
    records: int
    """Records kept."""
    outside_time_range: int
    """Records dropped by ``--since``/``--until``."""
    problems: Problems
    """Problems by reason and the first examples, lines counted from the run's start."""
    fields: frozenset[str] = frozenset()
    """Canonical fields that held a value in some decoded record (:func:`~mlmon.ingest.found.fields_found`)."""
    samples: Samples = field(default_factory=dict)
    """Per source, the keys of its first lines in this run (``mlmon.ingest.census``); a
    chunk after a file's first one that held a whole sample has none."""
    last_timestamp: datetime | None = None
    """The latest record time before ``--until``, kept or not (``IngestStats.last_timestamp``)."""
    envelopes: dict[str, EnvelopeRead] = field(default_factory=dict)
    """Per enveloped source: its envelope, the lines read through it and the items they held."""


EMPTY: ChunkOutcome = ChunkOutcome(None, {}, 0, 0, Problems())
"""The outcome of no chunk: ``merge_outcomes(EMPTY, x) == x``."""


@dataclass
class Hints:
    """Per-file speed hints shared by a local engine's workers (never shipped): results do
    not depend on them, so a race between workers only costs time."""

    known_keys: dict[str, frozenset[str]] = field(default_factory=dict)
    """Per file: the keys that have held values so far."""
    tidiness: dict[str, Tidiness] = field(default_factory=dict)
    """Per file: how untidy its chunks were so far."""
    sampled: set[str] = field(default_factory=set)
    """Files whose first chunk holds at least ``CENSUS_LINES`` lines: it gives the whole
    census sample (:func:`~mlmon.ingest.census.merge_samples` keeps a file's first lines),
    so their later chunks are not sampled."""


def process_chunk(plan: ChunkPlan[State], chunk: Chunk | FileSpan, hints: Hints | None = None) -> ChunkOutcome[State]:
    """Read (a span), count, decode, canonicalize and reduce one chunk. Its lines are
    numbered from 1; :func:`merge_outcomes` places them in the file."""
    chunk = (chunk.read() if isinstance(chunk, FileSpan) else chunk).counted()
    if chunk.first_line != 1:
        chunk = replace(chunk, first_line=1)
    hints = hints if hints is not None else Hints()
    tally = ProblemTally()
    lines = {chunk.source: chunk.lines}
    if chunk.too_long:
        tally.add(chunk.source, [1], TOO_LONG)
        if chunk.stream_error:
            tally.add(chunk.source, [1], STREAM_ERROR)
        return ChunkOutcome(None, lines, 0, 0, tally.problems(), samples={chunk.source: ((),)})
    if chunk.stream_error:
        tally.add(chunk.source, [1 + chunk.newline_count], STREAM_ERROR)
    if chunk.envelope is not None:
        return _process_enveloped(plan, chunk, hints, tally)
    samples = _sample(chunk, hints)
    reduced = _reduce(plan, chunk, tally, hints)  # named first: unpacked in place, mypy solves State as State | None
    state, kept, outside, found, last = reduced
    return ChunkOutcome(state, lines, kept, outside, tally.problems(), found, samples, last)


def _process_enveloped(plan: ChunkPlan[State], chunk: Chunk, hints: Hints, tally: ProblemTally) -> ChunkOutcome[State]:
    """An enveloped chunk: read in one call where its envelope can (:func:`.unwrap.read_fast`),
    else its records unwrapped (:mod:`.unwrap`), then sampled, decoded and reduced as plain
    lines, their problems put back on the file's lines."""
    context = plan.contexts.get(chunk.source)
    if hints.tidiness.get(chunk.source, Tidiness.CLEAN) is Tidiness.CLEAN:
        discovering = plan.features is not None and plan.features.discovers(1 if chunk.starts_file else 0)
        fast = read_fast(chunk, plan.typed_schemas[discovering], context, tally)
        if fast is not None:
            frame, read = fast
            wanted = chunk.starts_file or chunk.source not in hints.sampled
            samples = _sample(census_chunk(chunk), hints) if wanted else {}
            quick = _reduce(plan, chunk, tally, hints, decoded=frame)
            state, kept, outside, found, last = quick
            lines = {chunk.source: chunk.lines}
            return ChunkOutcome(
                state, lines, kept, outside, tally.problems(), found, samples, last, {chunk.source: read}
            )
    inner, unwrapped, read = unwrap_chunk(chunk, tally, context)
    inner_tally = ProblemTally()
    samples = _sample(inner, hints)
    reduced = _reduce(plan, inner, inner_tally, hints, unwrapped)
    state, kept, outside, found, last = reduced
    tally.absorb(inner_tally, unwrapped.lines)
    lines = {chunk.source: read.lines + unwrapped.blank}
    return ChunkOutcome(state, lines, kept, outside, tally.problems(), found, samples, last, {chunk.source: read})


def _sample(chunk: Chunk, hints: Hints) -> Samples:
    """The keys of the chunk's first lines (:func:`~mlmon.ingest.census.sample_keys`),
    unless its file's first chunk gave the whole sample already: that one is merged first,
    so these would be cut off (the same census, without parsing up to
    ``CENSUS_LINES`` lines per chunk while holding the GIL)."""
    if chunk.starts_file:
        if chunk.lines >= CENSUS_LINES:
            hints.sampled.add(chunk.source)
    elif chunk.source in hints.sampled:
        return {}
    return {chunk.source: sample_keys(chunk.data, chunk.lines)}


def _reduce(
    plan: ChunkPlan[State],
    chunk: Chunk,
    tally: ProblemTally,
    hints: Hints,
    unwrapped: Unwrapped | None = None,
    decoded: pl.DataFrame | None = None,
) -> tuple[State | None, int, int, frozenset[str], datetime | None]:
    """The chunk's state, records kept, records outside the time range, the fields found
    and the latest record time before ``--until``; no state for a chunk without a record
    (blank lines only, say), which then costs no plan. ``decoded``: the chunk's records
    already read (an envelope's fast path)."""
    known = hints.known_keys.get(chunk.source)
    data = chunk.data if decoded is None else None  # read here: a listing of keys it proves needless is skipped
    discovering = plan.features is not None and plan.features.discovers(1 if chunk.starts_file else 0, data)
    if decoded is None:
        full = plan.typed_schemas[discovering]
        typed = (with_known_keys(full, known), full) if known else (full,)
        expect = hints.tidiness.get(chunk.source, Tidiness.CLEAN)
        decoded, tidiness = decode_chunk(chunk, plan.schema, tally, typed, expect=expect)
        hints.tidiness[chunk.source] = max(expect, tidiness)  # later chunks skip what failed here
        decoded = with_given(decoded, unwrapped)
    if decoded.height == 0:
        return None, 0, 0, frozenset(), None
    raw = decode_nested(decoded, plan.nested, chunk)
    if data is not None and plan.probabilities:
        raw = _probabilities_as_logged(raw, plan.fields, chunk)
    found = fields_found(raw, plan.fields, plan.features)
    hints.known_keys[chunk.source] = (known or frozenset()) | frozenset(
        name for name in raw.columns if name in plan.schema
    )
    features = None
    if plan.features is not None:
        raw, names, over_cap = decode_features(raw, plan.features, discovering, chunk)
        tally.add(chunk.source, [], OVER_CAP, count=over_cap)
        features = (plan.features, names)
    canonical = canonicalize(
        raw,
        chunk.source,
        plan.fields,
        tally,
        with_probabilities=plan.probabilities,
        columns=plan.columns,
        features=features,
    )
    kept = _in_time_range(canonical, plan.options)
    last = _last_before_until(canonical, plan.options)
    return plan.reducer.from_chunk(kept), kept.height, canonical.height - kept.height, found, last


def _probabilities_as_logged(raw: pl.DataFrame, fields: FieldMap, chunk: Chunk) -> pl.DataFrame:
    """``raw`` with each ``probabilities`` object that polars read as text taken as logged.
    Polars writes an object back without escaping its keys or strings (``{"q\\"x": 0.9}`` as
    ``{"q"x":0.9}``: the class ``x``, its value lost), so such a text is read again from its
    line (:func:`~mlmon.ingest.fields.repaired_objects`); only a chunk holding a backslash
    can have one. ``chunk``: the lines ``raw`` was read from, numbered as its rows."""
    if b"\\" not in chunk.data:
        return raw
    keys = [path[0] for path in fields.simple.get("probabilities", ()) if len(path) == 1]
    lines = raw.get_column(LINE)
    return raw.with_columns(
        pl.coalesce(repaired_objects(object_texts(raw.get_column(key)), lines, chunk, key), pl.col(key)).alias(key)
        for key in keys
        if raw.schema.get(key) == pl.String
    )


_PROBE = pl.Struct({"_mlmon_probe": pl.String()})
"""A struct of a key no object has: polars fills it without reading the object's keys."""


def _typed_features(features: FeatureRead, discovering: bool) -> dict[str, pl.DataType]:
    """The strict schema's feature entries. A read that asks only whether records carry
    inputs (no feature known or listed, no named path through the object) reads the
    ``features`` object as :data:`_PROBE`, not as text: its contents are never looked at."""
    typed = features.typed_schema(discovering)
    needs = features.needs
    if (
        discovering
        or needs.numeric
        or needs.categorical
        or any(path[0] == FEATURES for path in features.paths.values())
    ):
        return typed
    return {**typed, FEATURES: _PROBE}


def merge_outcomes(
    first: ChunkOutcome[State], then: ChunkOutcome[State], reducer: ChunkReducer[State]
) -> ChunkOutcome[State]:
    """``then`` after ``first`` (both runs of consecutive chunks, ``then`` following):
    associative, with :data:`EMPTY` as identity."""
    if first.state is None or then.state is None:
        state = first.state if then.state is None else then.state
    else:
        state = reducer.merge(first.state, then.state)
    lines = dict(first.lines)
    for source, count in then.lines.items():
        lines[source] = lines.get(source, 0) + count
    return ChunkOutcome(
        state=state,
        lines=lines,
        records=first.records + then.records,
        outside_time_range=first.outside_time_range + then.outside_time_range,
        problems=first.problems.then(then.problems, first.lines),
        fields=first.fields | then.fields,
        samples=merge_samples(first.samples, then.samples),
        last_timestamp=latest(first.last_timestamp, then.last_timestamp),
        envelopes=add_envelopes(first.envelopes, then.envelopes),
    )


def finish_outcome(
    outcome: ChunkOutcome[State], plan: ChunkPlan[State], found: Discovered, unreadable: tuple[str, ...] = ()
) -> tuple[State, IngestStats]:
    """The state (an empty chunk's when no record was kept) and the account of the read
    of ``found``, whose chunks all merged into ``outcome`` in input order. Raises
    ``InputError`` when nothing is usable or too many lines were malformed."""
    counts = dict(outcome.problems.counts)
    blank = counts.pop(BLANK, 0)
    stats = IngestStats(
        files=found.paths,
        ignored_files=found.ignored,
        unreadable_files=unreadable,
        mlmon_files=found.mlmon_files,
        lines=sum(outcome.lines.values()) - blank,
        records=outcome.records,
        outside_time_range=outcome.outside_time_range,
        skipped=dict(sorted(counts.items(), key=lambda item: -item[1])),
        examples=outcome.problems.examples,
        fields_found=outcome.fields,
        keys_seen=census_of(outcome.samples, outcome.lines),
        last_timestamp=outcome.last_timestamp,
        envelopes=outcome.envelopes,
    )
    check_usable(stats, plan.options)
    state = (
        outcome.state
        if outcome.state is not None
        else plan.reducer.from_chunk(empty_canonical(plan.probabilities, plan.columns))
    )
    return state, stats


def _in_time_range(records: pl.DataFrame, options: IngestOptions) -> pl.DataFrame:
    if options.since is None and options.until is None:
        return records
    keep = pl.lit(True)
    if options.since is not None:
        keep = keep & (pl.col("ts") >= options.since)
    if options.until is not None:
        keep = keep & (pl.col("ts") < options.until)
    return records.filter(keep)


def _last_before_until(records: pl.DataFrame, options: IngestOptions) -> datetime | None:
    """The latest ``ts`` of ``records`` before ``options.until``, records older than
    ``--since`` included: they still say when the logs last had a record."""
    ts = records.get_column("ts")
    if options.until is not None:
        ts = ts.filter(ts < options.until)
    return ts.max()  # type: ignore[return-value]
