"""GitHub Actions, besides ``--format markdown``'s text (:func:`deliver_in_actions`, which
the CLI calls through the markdown format): the breaches as ``::error``/``::warning`` workflow
commands on standard output, escaped by the rules of GitHub's actions toolkit
(``escapeData`` for the message, ``escapeProperty`` for the title), at most 10 of each kind
(GitHub shows no more per step), when ``GITHUB_ACTIONS`` is ``true``; and the markdown
appended to the step-summary file (``$GITHUB_STEP_SUMMARY``, when set) without letting it
pass GitHub's 1 MiB limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlmon.verdicts.findings import Severity

ANNOTATIONS_PER_KIND = 10
"""GitHub shows at most 10 error and 10 warning annotations per step."""
STEP_SUMMARY_LIMIT = 1024 * 1024
"""GitHub's limit on a step's summary file, in bytes (1 MiB)."""
TRUNCATION_NOTE = "\n\n*mlmon: the rest is cut (GitHub's 1 MiB step-summary limit).*\n"

_KIND = {Severity.CRITICAL: "error", Severity.WARNING: "warning"}


def deliver_in_actions(result: Any, text: str, write_stdout: Callable[[str], Any]) -> list[str]:
    """In GitHub Actions: the annotations of ``result`` through ``write_stdout`` (where the
    runner reads workflow commands), and ``text`` (the markdown) appended to
    ``$GITHUB_STEP_SUMMARY`` when it is set. Returns the warnings for stderr: a step
    summary cut or not written."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        lines = github_annotations(result)
        if lines:
            write_stdout("\n".join(lines) + "\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY", "").strip()
    if summary:
        outcome = append_step_summary(text, summary)
        if outcome:
            return [str(outcome)]
    return []


def escape_data(text: str) -> str:
    """A workflow command's message, as the toolkit's ``escapeData``: % CR LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, as the toolkit's ``escapeProperty``: % CR LF : ,"""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(result: Any) -> list[str]:
    """``::error title=<check> (<scope>)::<message>`` per critical finding and ``::warning``
    per warning, in finding order, at most :data:`ANNOTATIONS_PER_KIND` of each."""
    counts = {"error": 0, "warning": 0}
    commands = []
    for finding in result.findings:
        kind = _KIND.get(finding.severity)
        if kind is None or counts[kind] >= ANNOTATIONS_PER_KIND:
            continue
        counts[kind] += 1
        title = escape_property(f"{finding.check} ({finding.scope})")
        commands.append(f"::{kind} title={title}::{escape_data(str(finding.message))}")
    return commands


@dataclass(frozen=True)
class StepSummaryWrite:
    """What :func:`append_step_summary` did. False when all was written; as text, the line
    to show on stderr otherwise."""

    outcome: str
    """``written`` (all of it), ``truncated`` (a head of it and a note) or ``not_written``."""
    bytes_written: int
    """Bytes appended to the file."""
    detail: str
    """Why it was cut or not written, a line for stderr; empty when all was written."""

    def __bool__(self) -> bool:
        """True when there is something to tell (cut or not written): ``if outcome: warn(outcome)``."""
        return self.outcome != "written"

    def __str__(self) -> str:
        return self.detail


def append_step_summary(text: str, path: str | os.PathLike[str] | None) -> StepSummaryWrite:
    """Append ``text`` (UTF-8) to the step-summary file at ``path`` (``$GITHUB_STEP_SUMMARY``)
    so that the file never exceeds :data:`STEP_SUMMARY_LIMIT` bytes. When all of it does not
    fit, the whole lines that do are appended with a note saying so; when not even the first
    line and the note fit, or the file cannot be written, nothing is."""
    if not path:
        return StepSummaryWrite("not_written", 0, "no step summary file (GITHUB_STEP_SUMMARY is not set)")
    try:
        size, joiner = _current_size(path)
        data = joiner + text.encode("utf-8", "replace")
        room = STEP_SUMMARY_LIMIT - size
        if len(data) <= room:
            return _append(path, data, "written", "")
        note = TRUNCATION_NOTE.encode("utf-8")
        head = _head(data, room - len(note))
        full = f"{len(data):,} bytes would pass GitHub's 1 MiB limit ({max(room, 0):,} bytes left in {path})"
        if head is None:
            return StepSummaryWrite("not_written", 0, f"step summary not written: {full}")
        return _append(path, head + note, "truncated", f"step summary truncated: {full}")
    except OSError as e:
        return StepSummaryWrite("not_written", 0, f"step summary not written: {path}: {e.strerror or e}")


def _current_size(path: str | os.PathLike[str]) -> tuple[int, bytes]:
    """The file's size, and a newline to start on when it does not end with one."""
    try:
        with open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return 0, b""
            f.seek(size - 1)
            return size, b"" if f.read(1) == b"\n" else b"\n"
    except FileNotFoundError:
        return 0, b""


def _head(data: bytes, limit: int) -> bytes | None:
    """The longest run of whole lines of ``data`` within ``limit`` bytes (so never a broken
    table row or UTF-8 character); None when not even one line fits."""
    head = data[: max(limit, 0)]
    head = head[: head.rfind(b"\n") + 1]
    return head if head.strip() else None


def _append(path: str | os.PathLike[str], data: bytes, outcome: str, detail: str) -> StepSummaryWrite:
    with open(path, "ab") as f:
        f.write(data)
    return StepSummaryWrite(outcome, len(data), detail)
