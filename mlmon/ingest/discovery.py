"""Which files a run reads: paths, directories (recursively), globs and ``-`` expanded, and
each told apart by its first bytes (:mod:`.sniff`): logs, summaries (merged), and mlmon's
own other files (skipped and listed, or refused when named). Plain Python: no polars."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlmon.errors import InputError, MlmonError
from mlmon.ingest.sniff import PROFILE, STDIN, SUMMARY, mlmon_kind, release, starts_like_a_log

_LOG_NAME_PARTS = (".log", ".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Discovered:
    """The files an invocation will read."""

    paths: tuple[str, ...]
    """Files to read, in argument order (``-`` for standard input)."""
    ignored: tuple[str, ...]
    """Entries found inside directories (or by globs) that are not read: names that do not
    look like logs, and anything that is not a regular file (a FIFO would block the run)."""
    in_directories: frozenset[str] = frozenset()
    """The paths found by walking a directory: one that cannot be read is skipped."""
    summaries: frozenset[str] = frozenset()
    """The paths among ``paths`` that hold an mlmon summary (merged, not read as logs)."""
    mlmon_files: tuple[str, ...] = ()
    """mlmon's own files (reference profiles, reports, ...) found in directories or by
    globs, skipped, each as ``path: what it is``; summaries are inputs, not listed here."""

    def only(self, paths: Sequence[str]) -> Discovered:
        """``paths`` (some of :attr:`paths`, in order) read as a run of their own, each as
        it was found: one found by walking a directory may still be skipped when it cannot
        be read. The ignored entries and mlmon's own files stay with the whole run, which
        counts them once."""
        chosen = frozenset(paths)
        return Discovered(
            paths=tuple(paths),
            ignored=(),
            in_directories=self.in_directories & chosen,
            summaries=self.summaries & chosen,
        )


def looks_like_log(name: str) -> bool:
    """Names read when found inside a directory: ``*.log``, ``*.log.3``, ``*.jsonl.gz``, ..."""
    return not name.startswith(".") and any(part in name for part in _LOG_NAME_PARTS)


def discover(inputs: list[str] | tuple[str, ...], *, sniff: bool = True) -> Discovered:
    """Expand paths, directories (recursively) and globs into a list of files, and (unless
    ``sniff`` is false) tell them apart by their first bytes (:func:`.sniff.mlmon_kind`):
    summaries are inputs (:attr:`Discovered.summaries`); mlmon's other files found in a
    directory or by a glob are skipped and listed, and one named on the command line is an
    ``InputError``."""
    if not inputs:
        raise InputError("no input given: pass log files, directories, globs, or - for stdin")
    paths: list[str] = []
    ignored: list[str] = []
    walked: set[str] = set()
    for item in inputs:
        if item == STDIN:
            paths.append(STDIN)
        elif os.path.isdir(item):
            found, others = _walk(item)
            paths.extend(found)
            walked.update(found)
            ignored.extend(others)
        elif os.path.exists(item):
            paths.append(item)
        elif glob.has_magic(item):
            matches = sorted(p for p in glob.glob(item, recursive=True) if not os.path.isdir(p))
            if not matches:
                raise InputError(f"{item}: no files match this pattern")
            paths.extend(p for p in matches if os.path.isfile(p))
            ignored.extend(p for p in matches if not os.path.isfile(p))  # a FIFO would block the run
        else:
            raise InputError(f"{item}: no such file or directory")
    named = set(inputs)  # a file named on the command line is never skipped, even one a walk found too
    unique = tuple(dict.fromkeys(paths))
    kinds = {path: mlmon_kind(path) for path in unique} if sniff else {}
    own = tuple(f"{path}: {kinds[path]}" for path in unique if kinds.get(path) not in (None, SUMMARY))
    for path in unique:
        if kinds.get(path) not in (None, SUMMARY) and path in named:
            release(unique)  # the pipes looked at will not be read
            raise InputError(named_mlmon_file(path, kinds[path]))  # type: ignore[arg-type]
    logs = tuple(path for path in unique if kinds.get(path) in (None, SUMMARY))
    if not logs:
        mlmon = f", only mlmon's own files ({'; '.join(own[:3])})" if own else ""
        raise InputError(
            f"{', '.join(inputs)}: no log files found{mlmon} (looked for *.log*, *.jsonl*, *.ndjson*, *.json* and "
            "files whose first line is a JSON record)"
        )
    return Discovered(
        paths=logs,
        ignored=tuple(ignored),
        in_directories=frozenset(walked - named) & frozenset(logs),
        summaries=frozenset(path for path in logs if kinds.get(path) == SUMMARY),
        mlmon_files=own,
    )


def _walk(folder: str) -> tuple[list[str], list[str]]:
    """The files under ``folder`` (recursively, sorted), parted once: the regular files
    named like logs, or whose first line is a record (:func:`.sniff.starts_like_a_log`:
    exports name their files ``000000.gz``), which are read, and the rest, which are not."""
    logs: list[str] = []
    others: list[str] = []
    for entry in sorted(p for p in Path(folder).rglob("*") if not p.is_dir()):
        read = entry.is_file() and not entry.name.startswith(".")
        read = read and (looks_like_log(entry.name) or starts_like_a_log(str(entry)))
        (logs if read else others).append(str(entry))
    return logs, others


def named_mlmon_file(path: str, kind: str) -> str:
    """The error for one of mlmon's own files named where a log is expected."""
    if kind == PROFILE:
        return f"{path}: this is a reference profile; pass it with --reference"
    return f"{path}: this is {kind}, mlmon's own output, not a log"


def refuse_summaries(found: Discovered) -> None:
    """A summary reaches the log reader only when a caller reads logs alone (``read_logs``,
    a reference built from logs): ``InputError`` naming it, never its JSON as bad lines.
    Report, drift, check and summarize merge summaries (``mlmon.api.inputs``)."""
    if found.summaries:
        path = next(p for p in found.paths if p in found.summaries)
        raise InputError(
            f"{path}: this is an mlmon summary, which only report, drift, check and summarize merge; give the logs it "
            "was made from"
        )


def files_read(items: Sequence[str]) -> tuple[str, ...]:
    """The files a run given ``items`` would read as logs or summaries, without reading
    them (a file found in a directory is looked at only to leave mlmon's own outputs out):
    what an output must not replace. Inputs that cannot be expanded stand for themselves
    (the read reports what is wrong with them)."""
    try:
        found = discover(list(items), sniff=False).paths if items else ()
    except MlmonError:
        return tuple(items)
    return tuple(path for path in found if path in items or mlmon_kind(path) in (None, SUMMARY))
