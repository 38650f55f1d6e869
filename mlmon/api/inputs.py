"""Inputs that mix logs and summary files: the seam every command reads through.

``reduce_inputs(inputs, options, reducer)`` expands the inputs as the reader does
(directories, globs) and tells summaries from logs by their first bytes
(:func:`~mlmon.ingest.discovery.discover`, from the same bytes as every other look, read
once even from a pipe: a ``*.summary.json`` in a directory is a summary, never a
malformed log line), once per run: the logs are then read as found
(:func:`~mlmon.ingest.reader.reduce_logs` takes the ``Discovered``), never looked for or at
again, so a file found by walking a directory that cannot be read is skipped and counted
whether or not summaries are among the inputs. With no summary that is one read of the
logs; otherwise each run of consecutive logs is reduced on its own, the parts the run's
:class:`~mlmon.analyses.composite.Composite` names are taken from each summary once they
prove compatible (:func:`mlmon.summary.parts.mismatch`),
rolled up into the run's windows when theirs are finer (:mod:`mlmon.summary.rollup`), and
everything merges in argument order: the same order of merges as one read of all the
logs, so the same result.

A command whose windows may come from the summaries (no ``--window`` given) opens its
inputs first, asks them for its windows, then reduces::

    run = open_inputs(inputs, ingest)
    window = run.window(options.window)   # the summaries' when options.window.by_default
    state, stats = run.reduce(OpsReducer(window))

(the commands build their reducers in one place, :mod:`mlmon.api.reducers`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlmon.analyses.composite import ByPart, Composite
from mlmon.errors import InputError, MlmonError, UsageError
from mlmon.ingest.discovery import Discovered, discover
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.problems import IngestStats
from mlmon.ingest.reader import reduce_logs
from mlmon.ingest.sniff import release
from mlmon.ingest.usable import check_usable
from mlmon.windows import WindowSpec, coarsest_nesting, common_multiple, window_option

if TYPE_CHECKING:  # the summary room (files, codec, roll-up) loads only when summaries are among the inputs
    from mlmon.summary.files import Summary


def reduce_inputs(inputs: Sequence[str], options: IngestOptions | None, reducer: Any) -> tuple[Any, IngestStats]:
    """Fold every log and summary among ``inputs`` into ``reducer``'s state, in argument
    order. Raises ``InputError`` (exit 2) naming the summary that cannot merge."""
    return open_inputs(inputs, options).reduce(reducer)


def open_inputs(inputs: Sequence[str], options: IngestOptions | None) -> RunInputs:
    """``inputs`` found (directories and globs expanded) and told apart: each summary read
    once, here; the logs are read by :meth:`RunInputs.reduce`."""
    options = options or IngestOptions()
    found = discover(list(inputs))
    if not found.summaries:
        return RunInputs(tuple(inputs), options, found, {})
    from mlmon.summary.files import read_summary

    try:
        summaries = {
            path: read_summary(path) for path in found.paths if path in found.summaries
        }  # sniffed once, by discover
    except BaseException:
        release(found.paths)  # the pipes looked at will not be read
        raise
    return RunInputs(tuple(inputs), options, found, summaries)


def summary_run(summary: Summary, name: str, options: IngestOptions) -> RunInputs:
    """A summary held in memory (``mlmon watch``'s running state) as a run's only input,
    named ``name``: what a run of the summary's file would read."""
    found = Discovered(paths=(name,), ignored=(), summaries=frozenset({name}))
    return RunInputs((name,), options, found, {name: summary})


@dataclass(frozen=True)
class RunInputs:
    """A run's inputs, the summaries among them read."""

    inputs: tuple[str, ...]
    """As given."""
    options: IngestOptions
    """How to read the logs."""
    found: Discovered
    """The files, in argument order."""
    summaries: dict[str, Summary]
    """Path → the summary it holds, for every summary among ``found``."""

    def window(self, requested: WindowSpec) -> WindowSpec:
        """The run's windows: ``requested``, unless it is a command's default
        (``by_default``) and summaries are read: then the summaries' windows (the coarsest,
        when they differ and the others divide it). ``UsageError`` when they do not nest."""
        if not (requested.by_default and self.summaries):
            return requested
        made = {path: summary.settings.window for path, summary in self.summaries.items()}
        common = coarsest_nesting(list(made.values()))
        if common is None:
            lcm = common_multiple(list(made.values()))
            first: dict[WindowSpec, str] = {}
            for path, window in made.items():
                first.setdefault(window, path)
            listed = ", ".join(f"{path} has {window.describe()}" for window, path in first.items())
            raise UsageError(
                f"the summaries' windows do not nest ({listed}): run with --window {window_option(lcm)}, a multiple "
                "of it, or all"
            )
        return replace(common, by_default=False)

    def reduce(self, reducer: Any) -> tuple[Any, IngestStats]:
        """Fold every log and summary into ``reducer``'s state, in argument order; a
        summary whose windows are finer than ``reducer``'s (and divide them) rolls up.
        Raises ``InputError`` (exit 2) naming the summary that cannot merge."""
        options, found, summaries = self.options, self.found, self.summaries
        if not summaries:
            return reduce_logs(found, options, reducer)
        from mlmon.summary.files import merge_stats
        from mlmon.summary.parts import composite, part_name

        if not isinstance(reducer, Composite):  # one analysis: the summaries' part it fills
            parts, read = self.reduce(composite(reducer))
            return parts[part_name(reducer)], read
        lenient = replace(options, allow_no_records=True, max_malformed_share=1.0)  # the whole is judged once, below
        state: ByPart[Any] | None = None
        stats: IngestStats | None = None
        with _engine_session(options), _releasing(found.paths):
            for segment in _segments(found.paths, set(summaries)):
                if segment[0] in summaries:
                    part, part_stats = _from_summary(segment[0], summaries[segment[0]], options, reducer)
                else:
                    part, part_stats = reduce_logs(found.only(segment), lenient, reducer)
                state = part if state is None else reducer.merge(state, part)
                stats = part_stats if stats is None else merge_stats(stats, part_stats)
        assert stats is not None
        stats = replace(
            stats, ignored_files=found.ignored + stats.ignored_files, mlmon_files=found.mlmon_files + stats.mlmon_files
        )
        check_usable(stats, options)
        return state, stats


def _engine_session(options: IngestOptions) -> Any:
    """One Dask client (and local cluster) for every group of logs of the run."""
    if options.engine != "dask":
        return contextlib.nullcontext()
    from mlmon.ingest.dask_engine import DaskEngine, dask_session

    return dask_session(DaskEngine(options.scheduler))


@contextlib.contextmanager
def _releasing(paths: Sequence[str]) -> Any:
    """Close, when the run ends, the pipes held for a look that no read took (a summary or
    a group of logs before them failed)."""
    try:
        yield
    finally:
        release(paths)


def _segments(paths: Sequence[str], summaries: set[str]) -> list[list[str]]:
    """Each summary alone, and each run of consecutive logs together, in order."""
    segments: list[list[str]] = []
    for path in paths:
        if path in summaries or not segments or segments[-1][0] in summaries:
            segments.append([path])
        else:
            segments[-1].append(path)
    return segments


def _from_summary(
    path: str,
    summary: Summary,
    options: IngestOptions,
    reducer: Composite,
) -> tuple[ByPart[Any], IngestStats]:
    from mlmon.summary.files import as_read_from
    from mlmon.summary.parts import mismatch

    settings = summary.settings
    if (options.since, options.until) != (None, None) and (options.since, options.until) != (
        settings.since,
        settings.until,
    ):
        raise InputError(
            f"{path}: --since/--until cannot filter a summary (its records are already reduced); it was made with "
            f"--since {_when(settings.since)} --until {_when(settings.until)}: give the same, or none"
        )
    problem = mismatch(settings, reducer, summary.states)
    if problem is not None:
        raise InputError(f"{path}: {problem}")
    return _rolled_up(path, reducer, summary.states, settings.window), as_read_from(summary.stats, path)


def _rolled_up(path: str, reducer: Composite, parts: dict[str, Any], made: WindowSpec) -> ByPart[Any]:
    """The parts ``reducer`` names, each finalized alone on its own windows first, so a
    damaged state (a table without a column it needs, say) is refused naming its file
    here, not met as an internal error after the merge; then rolled up into the run's
    windows where those are coarser."""
    from mlmon.summary.parts import summary_parts
    from mlmon.summary.rollup import roll_up

    rolled: dict[str, Any] = {}
    for name, leaf in summary_parts(reducer):
        try:
            replace(leaf, window=made).finalize(parts[name])
            rolled[name] = parts[name] if leaf.window == made else roll_up(name, parts[name], leaf)
        except MlmonError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure means the file is damaged
            first = (str(error).splitlines() or [""])[0][:160]
            raise InputError(
                f"{path}: its {name} state is damaged ({type(error).__name__}: {first}); make it again with mlmon "
                "summarize"
            ) from None
    return ByPart.of(rolled)


def _when(moment) -> str:
    return "none" if moment is None else moment.isoformat().replace("+00:00", "Z")
