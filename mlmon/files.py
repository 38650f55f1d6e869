"""Writing a whole file so no reader ever sees half of it. A leaf: plain Python."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else ".")
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
