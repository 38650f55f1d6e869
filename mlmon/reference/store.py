"""The profile file: versioned JSON (:mod:`mlmon.reference.codec`), written atomically,
validated field by field on load, read with a size cap.
``load_reference`` also accepts raw training data and profiles it on the fly."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from mlmon.errors import InputError, ReferenceProfileError, UsageError
from mlmon.files import replace_file
from mlmon.ingest.tables import TABLE_READERS, first_char, read_table, sniff
from mlmon.reference.build import build_profile
from mlmon.reference.codec import not_a_profile, profile_from_dict, profile_to_dict
from mlmon.reference.profile import VERSION_KEY, ReferenceProfile

__all__ = ["MAX_PROFILE_BYTES", "load_profile", "load_reference", "save_profile"]

MAX_PROFILE_BYTES = 64 * 2**20
"""Largest profile file mlmon reads (64 MiB). A real profile is a few KiB: its size grows
with the number of features and categories, not with rows; a bigger file is refused with
one line rather than read into memory."""
_FIRST_LINE_BYTES = 2**20
"""How much of a too-big JSON file's first line is read to tell JSON lines from a profile."""


def save_profile(profile: ReferenceProfile, path: str | os.PathLike[str]) -> None:
    """Write ``profile`` as indented JSON, atomically (temp file in the same directory, then
    rename), with the user's umask, or the mode of the file it replaces. A file that already
    holds the same profile, built at another time, is left as it is, so rebuilding a
    committed profile from unchanged data leaves the checkout clean. A device or pipe
    (``/dev/stdout``) is written through, never renamed over. Raises
    :class:`~mlmon.errors.InputError` when the path cannot be written."""
    target = Path(path)
    plain = profile_to_dict(profile)
    if _holds_same_profile(target, plain):
        return
    text = json.dumps(plain, indent=2, allow_nan=False) + "\n"
    try:
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, text, 0o666 & ~_umask())
    except OSError as exc:
        why = "a parent of it is not a directory" if exc.errno in (errno.EEXIST, errno.ENOTDIR) else exc.strerror or exc
        raise InputError(f"{target}: cannot write reference profile: {why}") from None


def load_profile(path: str | os.PathLike[str]) -> ReferenceProfile:
    """Read and validate a profile written by :func:`save_profile`.

    Raises :class:`~mlmon.errors.ReferenceProfileError`, naming the path (and the field),
    when the file is missing, over :data:`MAX_PROFILE_BYTES`, not JSON, nested too deeply,
    not a profile, of another version, or when any field is missing or of the wrong type,
    range or shape. The profile's ``path`` is ``path`` as given.
    """
    p = Path(path)
    _require_file(p, "reference profile")
    return replace(profile_from_dict(_read_json(p), origin=str(p)), path=str(path))


def load_reference(path: str | os.PathLike[str], **build_opts: Any) -> ReferenceProfile:
    """Load ``path`` as a profile when it is one, else read it as raw data (CSV, Parquet,
    JSON lines) and profile it on the fly with :func:`build_profile` and ``build_opts``.

    A ``.json`` file is a profile unless it holds JSON lines or a JSON array of records; a
    JSON array that is not training data mlmon can profile (numbers, no label column, no
    rows) is "not a reference profile", with why it is not data either. Raises
    :class:`~mlmon.errors.ReferenceProfileError` for a missing, corrupt or wrong-version
    profile or unreadable raw data. The profile's ``path`` is ``path`` as given.
    """
    p = Path(path)
    _require_file(p, "reference")
    try:
        is_profile = _is_profile(p)
    except OSError as exc:
        raise ReferenceProfileError(f"{p}: cannot read reference: {exc.strerror or exc}") from None
    if is_profile:
        return load_profile(path)
    if p.suffix.lower() == ".json" and first_char(p) == "[":
        return _json_array(p, str(path), build_opts)
    try:
        frame = read_table(p)
    except InputError as exc:
        raise ReferenceProfileError(f"reference {exc}") from None
    return replace(build_profile(frame, source=str(p), **build_opts), path=str(path))


def _json_array(p: Path, given: str, build_opts: dict[str, Any]) -> ReferenceProfile:
    """A ``.json`` file holding a JSON array: training data when it profiles, else not a
    reference profile (saying also why it is no training data)."""
    try:
        return replace(build_profile(read_table(p), source=str(p), **build_opts), path=given)
    except (InputError, UsageError) as exc:
        why = str(exc).removeprefix(f"{p}: ").replace(f" in {p}", "")
        raise ReferenceProfileError(f"{p}: {not_a_profile([])}; as training data: {why}") from None


def _require_file(path: Path, what: str) -> None:
    try:
        found = path.is_file()
    except OSError as exc:  # is_file() lets EACCES through
        raise ReferenceProfileError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if not found:
        raise ReferenceProfileError(f"{path}: {what} not found")


def _is_profile(path: Path) -> bool:
    suffix = path.suffix.lower()
    if (suffix in TABLE_READERS and suffix != ".json") or sniff(path) == "parquet":
        return False
    first = first_char(path)
    if first != "{":
        # A JSON array holds records; a .json that is neither object nor array is a corrupt
        # profile; anything else with an unknown extension is read as CSV.
        return suffix == ".json" and first != "["
    try:
        data = _read_json(path)
    except ReferenceProfileError:
        # JSON lines (each line an object) are raw data; anything else is a corrupt profile
        # when it says it is one or is named .json.
        line = _first_line_object(path)
        return VERSION_KEY in line if line is not None else suffix == ".json"
    return isinstance(data, dict) and (suffix == ".json" or VERSION_KEY in data)


def _first_line_object(path: Path) -> dict[str, Any] | None:
    with path.open("rb") as fh:
        line = fh.readline(_FIRST_LINE_BYTES)
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _read_json(path: Path) -> Any:
    """The JSON document in ``path``, read with a size cap and no unbounded recursion."""
    try:
        too_big = path.stat().st_size > MAX_PROFILE_BYTES
        with path.open("rb") as fh:
            raw = b"" if too_big else fh.read(MAX_PROFILE_BYTES + 1)
    except OSError as exc:
        raise ReferenceProfileError(f"{path}: cannot read reference profile: {exc.strerror or exc}") from None
    if too_big or len(raw) > MAX_PROFILE_BYTES:
        raise ReferenceProfileError(
            f"{path}: reference profile is larger than {MAX_PROFILE_BYTES // 2**20} MiB, the most mlmon reads"
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problem = f"not UTF-8 text: {exc.reason} at byte {exc.start}"
    except RecursionError:
        problem = "not valid JSON: nested too deeply"
    except ValueError as exc:  # JSONDecodeError, or an integer of thousands of digits
        problem = f"not valid JSON: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    raise ReferenceProfileError(f"{path}: corrupt reference profile ({problem})")


def _holds_same_profile(target: Path, plain: dict[str, Any]) -> bool:
    try:
        if not target.is_file() or target.stat().st_size > MAX_PROFILE_BYTES:
            return False
        old = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(old, dict) and {**old, "created_at": None} == {**plain, "created_at": None}


def _umask() -> int:
    """The process umask, read without changing it where Linux says it (os.umask can only
    read it by setting it, which races with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
