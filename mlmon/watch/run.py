"""``mlmon watch``'s loop: follow, step the engine, serve ``/metrics``, checkpoint, stop cleanly.

:func:`run_watch` resumes from ``--state`` when it exists (a damaged one is a one-line error,
never a silent start over), hands the checkpoint's positions to the
:class:`~mlmon.watch.follow.Follower` (``--from`` then applies only to files the checkpoint does
not know) and its summary, alerts and counters to the engine and the exporter. Each turn polls
the files, merges the batches (:class:`~mlmon.watch.engine.WatchEngine`), updates the live
gauges, and writes a checkpoint once ``checkpoint_seconds`` have passed since the last one:
always after a poll whose batches are all merged, so offsets and state agree. SIGTERM and
SIGINT finish the current turn, write the checkpoint and return; SIGHUP reloads the rules
(``reload``) without losing state. With ``once`` it reads every file to its end, evaluates
once, writes the state if one is named, and returns check's report.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from mlmon.api.check import CheckOptions
from mlmon.api.coerce import Inputs, as_inputs, options_of
from mlmon.api.results import CheckReport
from mlmon.api.watch import WatchOptions
from mlmon.errors import MlmonError, UsageError
from mlmon.files import refuse_overwriting, stat_of
from mlmon.ingest.discovery import discover, files_read, looks_like_log
from mlmon.reference.store import load_reference
from mlmon.watch.alerts import Target
from mlmon.watch.checkpoint import Checkpoint, Saver, load, save
from mlmon.watch.engine import WatchEngine
from mlmon.watch.exporter import DEFAULT_LISTEN, Exporter, MetricsServer
from mlmon.watch.follow import Follower, Start

Reload = Callable[[], CheckOptions]
"""Reads the config again (SIGHUP): check's options with the new rules."""


class Watch:
    """A running watch's parts, for the caller's ``started`` hook (tests, embedding)."""

    def __init__(self, engine: WatchEngine, follower: Follower, server: MetricsServer | None) -> None:
        self.engine, self.follower, self.server = engine, follower, server


def run_watch(
    inputs: Inputs,
    options: WatchOptions | Mapping[str, Any] | None = None,
    *,
    reload: Reload | None = None,
    stop: threading.Event | None = None,
    started: Callable[[Watch], None] | None = None,
) -> CheckReport | None:
    """Follow ``inputs`` until ``stop`` is set or SIGTERM/SIGINT (see the module's docstring);
    with ``options.once``, read them to their end and return check's report. The last report
    otherwise (None when nothing was evaluated). ``MlmonError`` (exit 2) for bad options, a
    damaged state file, or a state file among the inputs."""
    options = options_of(WatchOptions, options)
    paths = as_inputs(inputs)
    if options.state is not None:
        _refuse_state_among(str(options.state), paths)
    if options.once:
        discover(paths, sniff=False)  # what is there must be: a missing file is an error, as for check
    checkpoint = None if options.state is None else load(options.state)
    reference = None if options.check.reference is None else load_reference(options.check.reference)
    exporter = Exporter(snapshot=None if checkpoint is None else checkpoint.counters)
    engine = WatchEngine(
        options.check,
        reference,
        summary=None if checkpoint is None else checkpoint.summary,
        alerts=None if checkpoint is None else checkpoint.alerts,
        exporter=exporter,
        targets=_targets(options),
    )
    start: Start = "beginning" if options.from_where == "beginning" else "end"
    positions = None if checkpoint is None else checkpoint.positions
    envelope = options.check.ingest.envelope
    with Follower(paths, start, positions, options.rescan_seconds, envelope=envelope) as follower:
        if options.once:
            return _once(engine, follower, options)
        stop = stop or threading.Event()
        server = exporter.serve(options.listen or DEFAULT_LISTEN)
        with server, _signals(stop) as hangup:
            if started is not None:
                started(Watch(engine, follower, server))
            _loop(engine, follower, options, stop, hangup, reload)
        return engine.report


def _refuse_state_among(state: str, inputs: list[str]) -> None:
    """``UsageError`` when the state file is an input, or would be once written: inside a
    followed directory with a log's name, or matched by a followed glob."""
    refuse_overwriting({"--state": state}, [("the input", path) for path in files_read(inputs)])
    where = os.path.abspath(state)
    for item in inputs:
        inside = os.path.isdir(item) and where.startswith(os.path.join(os.path.abspath(item), ""))
        if (inside and looks_like_log(os.path.basename(where))) or (
            glob.has_magic(item) and fnmatch.fnmatch(where, os.path.abspath(item))
        ):
            raise UsageError(f"--state {state} would be followed as a log of {item}: keep it outside the inputs")


def _once(engine: WatchEngine, follower: Follower, options: WatchOptions) -> CheckReport:
    """Every file read to its end (documents too: they hold all they will), one evaluation,
    the state written when named."""
    while (poll := follower.poll(settled=True)).batches:
        engine.step(poll, evaluate=False)
    report = engine.evaluate()
    _checkpoint(engine, follower, options)
    return report


def _loop(
    engine: WatchEngine,
    follower: Follower,
    options: WatchOptions,
    stop: threading.Event,
    hangup: threading.Event,
    reload: Reload | None,
) -> None:
    """Poll, step, checkpoint, until ``stop``; then the last checkpoint."""
    saved, shown = time.monotonic(), set[str]()
    saver = None if options.state is None else Saver(options.state, engine.exporter.count_checkpoint)
    while not stop.is_set():
        turn = time.monotonic()
        poll = follower.poll()
        try:
            engine.step(poll)
        except MlmonError as error:  # an evaluation check refuses (too many malformed lines): said, not fatal
            _say(f"evaluation skipped: {error}")
        shown = _gauges(engine.exporter, follower, shown)
        if hangup.is_set():
            hangup.clear()
            _reload(engine, reload)
        if saver is not None and time.monotonic() - saved >= options.checkpoint_seconds:
            try:
                if saver.save(lambda: _taken(engine, follower)):
                    saved = time.monotonic()
            except MlmonError as error:  # said, and tried again next turn; the last one at a stop is fatal
                _say(str(error))
        if not poll.behind:  # a steady cadence: lines wait at most a poll interval
            stop.wait(max(0.0, options.poll_seconds - (time.monotonic() - turn)))
    if saver is not None:
        saver.save(lambda: _taken(engine, follower), wait=True)


def _checkpoint(engine: WatchEngine, follower: Follower, options: WatchOptions) -> None:
    if options.state is not None:
        save(options.state, _taken(engine, follower))
        engine.exporter.count_checkpoint()


def _taken(engine: WatchEngine, follower: Follower) -> Checkpoint:
    """A checkpoint of now (all the batches polled so far merged), counting itself."""
    counters = engine.exporter.snapshot()
    counters["checkpoints"] = counters.get("checkpoints", 0) + 1
    return Checkpoint(follower.positions(), engine.summary(), engine.alerts, counters)


def _reload(engine: WatchEngine, reload: Reload | None) -> None:
    """SIGHUP: the rules read again; a config that cannot be used is said and the old rules stay."""
    if reload is None:
        return
    try:
        engine.reconfigure(reload())
        _say("config reloaded")
    except MlmonError as error:
        _say(f"config not reloaded: {error}")


def _gauges(exporter: Exporter, follower: Follower, shown: set[str]) -> set[str]:
    """Files followed, and bytes behind the end of each plain file; the series of a file no
    longer followed goes. The paths shown now."""
    files = follower.positions().files
    exporter.set_files(len(files))
    now = set()
    for position in files:
        info = None if position.compressed else stat_of(position.path)
        if info is not None and (info.st_dev, info.st_ino) == position.file.key:
            exporter.set_behind(position.path, max(0, info.st_size - position.offset))
            now.add(position.path)
    for path in shown - now:
        exporter.forget_file(path)
    return now


def _targets(options: WatchOptions) -> tuple[Target, ...]:
    targets = []
    if options.alertmanager:
        targets.append(Target.alertmanager(options.alertmanager))
    if options.webhook:
        targets.append(Target.webhook(options.webhook))
    if options.alert_command:
        targets.append(Target.command(options.alert_command))
    return tuple(targets)


@contextmanager
def _signals(stop: threading.Event) -> Iterator[threading.Event]:
    """SIGTERM and SIGINT set ``stop``, SIGHUP the event given back, while the watch runs (only
    the main thread can take signals: elsewhere the caller's ``stop`` is the only way out)."""
    hangup = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield hangup
        return
    handlers = {signal.SIGTERM: stop.set, signal.SIGINT: stop.set, signal.SIGHUP: hangup.set}
    before = {number: signal.signal(number, lambda *_, act=act: act()) for number, act in handlers.items()}
    try:
        yield hangup
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def _say(message: str) -> None:
    sys.stderr.write(f"mlmon: watch: {message}\n")
    sys.stderr.flush()
