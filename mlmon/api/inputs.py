"""Inputs that mix logs and summary files: the seam every command reads through.

``reduce_inputs(inputs, options, reducer)`` is :func:`~mlmon.ingest.reader.reduce_logs`
when no input is a summary. Otherwise it expands the inputs as the reader does
(directories, globs), tells summaries from logs by their first bytes
(:func:`mlmon.summary.files.is_summary`: a ``*.summary.json`` in a directory is a
summary, never a malformed log line), reduces each run of consecutive logs with
``reduce_logs``, takes from each summary the parts ``reducer`` needs once they prove
compatible (:func:`mlmon.summary.parts.mismatch`), and merges everything in argument order:
the same order of merges as one read of all the logs, so the same result.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from mlmon.analyses.predictions import PredictionReducer
from mlmon.errors import InputError, MlmonError
from mlmon.ingest.problems import IngestStats
from mlmon.ingest.outcome import check_usable
from mlmon.ingest.reader import IngestOptions, reduce_logs
from mlmon.ingest.sources import STDIN, discover
from mlmon.summary.files import as_read_from, is_summary, merge_stats, read_summary
from mlmon.summary.parts import assemble, leaves, mismatch, part_name


def reduce_inputs(inputs: Sequence[str], options: IngestOptions | None, reducer: Any) -> tuple[Any, IngestStats]:
    """Fold every log and summary among ``inputs`` into ``reducer``'s state, in argument
    order. Raises ``InputError`` (exit 2) naming the summary that cannot merge."""
    options = options or IngestOptions()
    found = discover(list(inputs))
    summaries = {path for path in found.paths if path != STDIN and is_summary(path)}
    if not summaries:
        return reduce_logs(inputs, options, reducer)
    lenient = replace(options, allow_no_records=True, max_malformed_share=1.0)  # the whole is judged once, below
    state, stats = None, None
    with _engine_session(options):
        for segment in _segments(found.paths, summaries):
            if segment[0] in summaries:
                part, part_stats = _from_summary(segment[0], options, reducer)
            else:
                part, part_stats = reduce_logs(segment, lenient, reducer)
            state = part if state is None else reducer.merge(state, part)
            stats = part_stats if stats is None else merge_stats(stats, part_stats)
    assert stats is not None
    stats = replace(stats, ignored_files=found.ignored + stats.ignored_files)
    check_usable(stats, options)
    return state, stats


def _engine_session(options: IngestOptions) -> Any:
    """One Dask client (and local cluster) for every group of logs of the run."""
    if options.engine != "dask":
        return contextlib.nullcontext()
    from mlmon.ingest.dask_engine import DaskEngine, dask_session

    return dask_session(DaskEngine(options.scheduler))


def _segments(paths: Sequence[str], summaries: set[str]) -> list[list[str]]:
    """Each summary alone, and each run of consecutive logs together, in order."""
    segments: list[list[str]] = []
    for path in paths:
        if path in summaries or not segments or segments[-1][0] in summaries:
            segments.append([path])
        else:
            segments[-1].append(path)
    return segments


def _from_summary(path: str, options: IngestOptions, reducer: Any) -> tuple[Any, IngestStats]:
    summary = read_summary(path)
    settings = summary.settings
    if (options.since, options.until) != (None, None) and (options.since, options.until) != (settings.since, settings.until):
        raise InputError(
            f"{path}: --since/--until cannot filter a summary (its records are already reduced); it was made with "
            f"--since {_when(settings.since)} --until {_when(settings.until)}: give the same, or none"
        )
    problem = mismatch(settings, reducer, summary.states)
    if problem is not None:
        raise InputError(f"{path}: {problem}")
    _finalizes(path, reducer, summary.states)
    return assemble(reducer, summary.states), as_read_from(summary.stats, path)


def _finalizes(path: str, reducer: Any, parts: dict[str, Any]) -> None:
    """Finalize each part alone, so a damaged state (a table without a column it needs,
    say) is refused naming its file here, not met as an internal error after the merge."""
    for leaf in leaves(reducer):
        name = part_name(leaf)
        try:
            leaf.finalize(parts[name], 0.5) if isinstance(leaf, PredictionReducer) else leaf.finalize(parts[name])
        except MlmonError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure means the file is damaged
            first = (str(error).splitlines() or [""])[0][:160]
            raise InputError(f"{path}: its {name} state is damaged ({type(error).__name__}: {first}); make it again with mlmon summarize") from None


def _when(moment) -> str:
    return "none" if moment is None else moment.isoformat().replace("+00:00", "Z")
