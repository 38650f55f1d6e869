"""Writing a whole file so no reader ever sees half of it, and never over an input of the
same run. A leaf: plain Python."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from mlmon.errors import UsageError


def replace_file(target: Path, text: str, new_mode: int) -> None:
    """Write ``text`` to ``target`` whole: to a temporary file beside it, flushed to disk,
    then ``os.replace`` (atomic on POSIX). The temporary name starts with a dot and ends in
    ``.tmp`` (node_exporter's collector, which reads ``*.prom``, never picks it up) and is
    removed when the write fails. The file keeps the mode of the one it replaces, else
    takes ``new_mode``. A device or pipe (``/dev/stdout``) is written through, never renamed
    over. Raises ``OSError``."""
    if target.exists() and not target.is_file():
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    mode = target.stat().st_mode & 0o7777 if target.is_file() else new_mode
    fd, temp = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else "."
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def stat_of(path: str | os.PathLike) -> os.stat_result | None:
    """``os.stat`` of what ``path`` names, through symbolic links (``-``: standard input's
    ``fstat``); None when it cannot be had (no such file, no permission, a closed or
    missing standard input). The one place that asks the file system what a path is."""
    try:
        return os.fstat(sys.stdin.fileno()) if str(path) == "-" else os.stat(path)
    except (OSError, ValueError, AttributeError):
        return None


def file_identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """``(st_dev, st_ino)`` of the regular file ``path`` names, through symbolic links
    (``-``: standard input, when it is a regular file); None when there is none."""
    info = stat_of(path)
    return (info.st_dev, info.st_ino) if info is not None and stat.S_ISREG(info.st_mode) else None


def refuse_overwriting(
    outputs: Mapping[str, str | os.PathLike | None], inputs: Iterable[tuple[str, str | os.PathLike]]
) -> None:
    """Raise ``UsageError`` (exit 2), before anything is read or written, when an output
    would replace an input of the same run or another output: the same path, a hard link,
    or a symbolic link either way (compared by ``st_dev``/``st_ino``). ``outputs``: option
    → path (``{"--output": "report.json"}``; None, ``-`` and paths that are not an existing
    regular file, such as ``/dev/stdout``, are left alone); ``inputs``: (what it is, path)
    pairs (``("the log", "logs/app.log")``). The message names both, on one line."""
    named = [(option, str(path)) for option, path in outputs.items() if path is not None and str(path) != "-"]
    targets = [(option, path, file_identity(path)) for option, path in named]
    targets = [(option, path, identity) for option, path, identity in targets if identity is not None]
    if not targets:
        return
    for index, (option, path, identity) in enumerate(targets):
        for other, other_path, other_identity in targets[:index]:
            if identity == other_identity:
                raise UsageError(
                    f"{other} {other_path} and {option} {path} name the same file{_how(other_path, path)}: give them "
                    "different files"
                )
    for what, source in inputs:
        source = str(source)
        identity = file_identity(source)
        for option, path, target in targets:
            if identity == target:
                raise UsageError(
                    f"{option} {path} would overwrite {what} {source}{_how(source, path)}: write it elsewhere "
                    "(nothing was written)"
                )


def _how(first: str, second: str) -> str:
    """How two names of one file are related, for a message: nothing when they are the same path."""
    if "-" in (first, second):
        return " (standard input is that file)"
    if os.path.abspath(first) == os.path.abspath(second):
        return ""
    if os.path.realpath(first) == os.path.realpath(second):
        return " (the same file, through a symbolic link)"
    return " (the same file: a hard link)"
