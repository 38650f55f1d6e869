"""``mlmon watch``'s options, checked as the other commands' are (:mod:`mlmon.config.specs`,
:func:`~mlmon.options.check_fields`): check's own (:class:`~mlmon.api.check.CheckOptions`: the
window, the reference, the rules) and what following adds. The loop itself is
:func:`mlmon.watch.run.run_watch` (the watch room, above api)::

    from mlmon.api.watch import WatchOptions
    from mlmon.watch.run import run_watch

    report = run_watch(["/var/log/app/"], WatchOptions(check={"window": "1h"}, state="w.json", once=True))
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from mlmon.api.check import CheckOptions
from mlmon.api.coerce import OptionError, check_fields, options_of
from mlmon.config.specs import PathKind
from mlmon.options import OptionSpec
from mlmon.units import Choice, Flag, Number, Text

FROM_VALUES = ("end", "beginning")
_SECONDS = Number(0.0, None, "must be above 0 (seconds)", low_open=True)
_URL = Text(non_empty=True)

STATE = OptionSpec(PathKind(), "--state", None, optional=True)
START = OptionSpec(Choice(FROM_VALUES), "--from", None, optional=True)
LISTEN = OptionSpec(Text(non_empty=True), "--listen", None, optional=True)
ALERTMANAGER = OptionSpec(_URL, "--alertmanager", None, optional=True)
WEBHOOK = OptionSpec(_URL, "--webhook", None, optional=True)
ALERT_COMMAND = OptionSpec(_URL, "--alert-command", None, optional=True)
POLL_SECONDS = OptionSpec(_SECONDS, "--poll-seconds", None, 1.0)
CHECKPOINT_SECONDS = OptionSpec(_SECONDS, "--checkpoint-seconds", None, 5.0)
RESCAN_SECONDS = OptionSpec(_SECONDS, "--rescan-seconds", None, 5.0)
ONCE = OptionSpec(Flag(), "--once", None, False)

WATCH_OPTIONS = {
    "state": STATE,
    "start": START,
    "listen": LISTEN,
    "alertmanager": ALERTMANAGER,
    "webhook": WEBHOOK,
    "alert_command": ALERT_COMMAND,
    "poll_seconds": POLL_SECONDS,
    "checkpoint_seconds": CHECKPOINT_SECONDS,
    "rescan_seconds": RESCAN_SECONDS,
    "once": ONCE,
}
"""``WatchOptions``' own fields and their specs."""


@dataclass(frozen=True)
class WatchOptions:
    """How ``mlmon watch`` follows its logs, judges them and keeps its state."""

    check: CheckOptions = field(default_factory=CheckOptions)
    """check's options: the window (default 1h), the reference, the rules, how lines are read
    (``ingest``; ``--by`` is refused: a watch keeps no groups). ``now`` is ignored: each
    evaluation is at its own time. A dict of its fields works too."""
    state: str | Path | None = None
    """The checkpoint file (``--state``): resumed from when it exists, written every
    ``checkpoint_seconds`` and on SIGTERM. Required unless ``once``; never one of the inputs."""
    start: str | None = None
    """``end`` or ``beginning``: where the files found at a first start (no checkpoint) are
    read from (default: ``end``, and ``beginning`` with ``once``); with a checkpoint, the files
    it knows resume where they stood and the others are read from their start."""
    listen: str | None = None
    """``HOST:PORT`` for ``/metrics`` (default ``127.0.0.1:9464``; port 0: any free one);
    nothing is served with ``once``."""
    alertmanager: str | None = None
    """Alertmanager's base URL: firing alerts are posted to its API v2."""
    webhook: str | None = None
    """A URL that receives Alertmanager's webhook JSON."""
    alert_command: str | None = None
    """A command run with the webhook JSON on its standard input."""
    poll_seconds: float = 1.0
    """Seconds between polls of the files."""
    checkpoint_seconds: float = 5.0
    """Seconds between checkpoints (also written on SIGTERM and SIGINT)."""
    rescan_seconds: float = 5.0
    """Seconds between expansions of the inputs (new files, rotations)."""
    once: bool = False
    """Read what is there to its end, evaluate once, write the state if given, and stop."""

    def __post_init__(self) -> None:
        """Parse and check every field as the CLI does; ``check`` may be a dict.
        ``OptionError`` (a ``ValueError``) names the field."""
        check = options_of(CheckOptions, self.check, "check")
        object.__setattr__(self, "check", replace(check, now=None))
        check_fields(self, WATCH_OPTIONS)
        if self.state is None and not self.once:
            raise OptionError(f"{STATE.named('state')}: required unless --once (the checkpoint to resume from)")
        if check.ingest.by:
            raise OptionError("--by: mlmon watch keeps no groups; run one watch per group's logs")

    @property
    def from_where(self) -> str:
        """Where unknown files are read from: ``start``, else ``beginning`` with ``once``, else ``end``."""
        return self.start or ("beginning" if self.once else "end")
