"""``mlmon watch``'s ``/metrics``: check's gauges and the live counters, served by prometheus_client.

One private :class:`~prometheus_client.CollectorRegistry` (never the global one) holds two collectors:

* check's figures: the text :mod:`mlmon.render.prometheus` writes for ``check --format prometheus``
  (no second renderer), parsed by ``text_string_to_metric_families`` and served as parsed.
  :meth:`Exporter.publish` parses the whole text first and then swaps the set in one assignment,
  so a scrape sees the previous evaluation or the new one, never half of each;
* the live figures, which only make sense for a process that keeps running (names
  ``mlmon_watch_*``, counters ``_total``, no ``_created`` samples): :data:`HELP` lists them.

Counters count across restarts: the engine stores :meth:`Exporter.snapshot` in its checkpoint
and starts the next process with ``Exporter(snapshot=...)``. The gauges (files followed, bytes
behind) describe the files as they are now and start empty; the time of the last record is kept,
so the age of the last record keeps growing over a restart.

Thread safety: the engine updates from its thread while prometheus_client's server thread
collects; every update and every collect holds one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from mlmon.errors import InputError, UsageError
from mlmon.watch.alerts import DeliveryResult

DEFAULT_LISTEN = "127.0.0.1:9464"
"""Where ``/metrics`` listens unless ``--listen`` says otherwise: this host only."""

HELP = {
    "mlmon_watch_lines_read_total": "Complete lines mlmon watch read from the followed files, skipped ones included.",
    "mlmon_watch_records_total": "Records mlmon watch read from the followed files and analysed.",
    "mlmon_watch_skipped_lines_total": "Lines mlmon watch skipped, by reason (the reasons check reports).",
    "mlmon_watch_files_followed": "Files mlmon watch is following now.",
    "mlmon_watch_file_behind_bytes": "Bytes between mlmon watch's offset in a followed file and the file's end.",
    "mlmon_watch_last_record_age_seconds": (
        "Seconds from the timestamp of the newest record mlmon watch read to the scrape."
    ),
    "mlmon_watch_checkpoints_total": "Checkpoints (offsets and analysis state) mlmon watch wrote.",
    "mlmon_watch_alert_deliveries_total": "Alert notifications mlmon watch delivered, by target.",
    "mlmon_watch_alert_delivery_failures_total": (
        "Failed attempts to deliver alert notifications (each retry counts), by target."
    ),
}
"""The live metrics and their HELP text."""

SNAPSHOT_VERSION = 1
"""The version of :meth:`Exporter.snapshot`'s dict."""


class CheckFamilies:
    """A collector serving the families of the latest check text published."""

    def __init__(self) -> None:
        self._families: tuple[Metric, ...] = ()

    def publish(self, text: str) -> None:
        """Serve ``text`` (the Prometheus text of ``check``) from now on, in place of the previous
        one; text that does not parse raises ``InputError`` and leaves the previous set served."""
        try:
            families = tuple(text_string_to_metric_families(text))
        except ValueError as error:
            raise InputError(f"not Prometheus text: {error}") from error
        self._families = families  # one assignment: a scrape sees the old set or the new one

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


@dataclass
class _Counts:
    """The live figures (mutable, behind :class:`Exporter`'s lock)."""

    lines: int = 0
    records: int = 0
    checkpoints: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    deliveries: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    files: int = 0
    behind: dict[str, int] = field(default_factory=dict)
    last_record: float | None = None


class Exporter:
    """check's figures and the live counters of ``mlmon watch``, in one private registry.

    Update with :meth:`publish` (check's text after each evaluation) and the counting methods;
    serve with :meth:`serve`; carry the counters over a restart with :meth:`snapshot` and
    ``Exporter(snapshot=...)``. ``clock`` (Unix seconds) is read at each scrape for the age of
    the last record."""

    def __init__(self, snapshot: Mapping[str, Any] | None = None, clock: Callable[[], float] = time.time) -> None:
        self.registry = CollectorRegistry()
        """The registry ``/metrics`` serves (private: the process's global one is never touched)."""
        self.check = CheckFamilies()
        self._counts = _restored(snapshot) if snapshot is not None else _Counts()
        self._lock = threading.Lock()
        self._clock = clock
        self.registry.register(self.check)
        self.registry.register(self)

    def publish(self, text: str) -> None:
        """Serve the Prometheus text of ``check`` (:func:`mlmon.render.prometheus.render` of a
        ``CheckReport``) in place of the previous one, atomically."""
        self.check.publish(text)

    def count_lines(self, lines: int, records: int = 0) -> None:
        """``lines`` more complete lines read, ``records`` of them analysed as records."""
        with self._lock:
            self._counts.lines += lines
            self._counts.records += records

    def count_skipped(self, reason: str, lines: int = 1) -> None:
        """``lines`` more lines skipped for ``reason`` (``malformed JSON``, ...)."""
        with self._lock:
            _add(self._counts.skipped, reason, lines)

    def count_checkpoint(self) -> None:
        """One more checkpoint written."""
        with self._lock:
            self._counts.checkpoints += 1

    def count_delivery(self, result: DeliveryResult) -> None:
        """One delivery of alerts to a target: a delivery when it got through, and its failed attempts."""
        with self._lock:
            _add(self._counts.deliveries, result.target, int(result.delivered))
            _add(self._counts.failures, result.target, result.failures)

    def set_files(self, files: int) -> None:
        """The number of files followed now."""
        with self._lock:
            self._counts.files = files

    def set_behind(self, path: str, behind: int) -> None:
        """Bytes from the offset in ``path`` to its end now."""
        with self._lock:
            self._counts.behind[path] = behind

    def forget_file(self, path: str) -> None:
        """``path`` is no longer followed (deleted, read to its end after a rotation): its series goes."""
        with self._lock:
            self._counts.behind.pop(path, None)

    def set_last_record(self, timestamp: float) -> None:
        """The newest record's timestamp (Unix seconds); an older one than already seen is ignored."""
        with self._lock:
            last = self._counts.last_record
            self._counts.last_record = timestamp if last is None else max(last, timestamp)

    def snapshot(self) -> dict[str, Any]:
        """The counters (and the last record's time) as plain JSON data, for the checkpoint."""
        with self._lock:
            c = self._counts
            return {
                "version": SNAPSHOT_VERSION,
                "lines": c.lines,
                "records": c.records,
                "checkpoints": c.checkpoints,
                "skipped": dict(c.skipped),
                "deliveries": dict(c.deliveries),
                "delivery_failures": dict(c.failures),
                "last_record": c.last_record,
            }

    def describe(self) -> list[Metric]:
        """The live families without samples: the registry refuses another collector of these names."""
        return [_family(name, {}) for name in HELP]

    def collect(self) -> Iterator[Metric]:
        """The live families as they stand (prometheus_client's server thread calls this)."""
        with self._lock:
            c = self._counts
            now = self._clock()
            values: dict[str, Mapping[str, float]] = {
                "mlmon_watch_lines_read_total": {"": c.lines},
                "mlmon_watch_records_total": {"": c.records},
                "mlmon_watch_skipped_lines_total": dict(c.skipped),
                "mlmon_watch_files_followed": {"": c.files},
                "mlmon_watch_file_behind_bytes": dict(c.behind),
                "mlmon_watch_last_record_age_seconds": {} if c.last_record is None else {"": now - c.last_record},
                "mlmon_watch_checkpoints_total": {"": c.checkpoints},
                "mlmon_watch_alert_deliveries_total": dict(c.deliveries),
                "mlmon_watch_alert_delivery_failures_total": dict(c.failures),
            }
        return iter([_family(name, values[name]) for name in HELP])

    def serve(self, listen: str = DEFAULT_LISTEN) -> MetricsServer:
        """Serve ``/metrics`` on ``listen`` (``HOST:PORT``; port 0: any free port) in a daemon thread.
        ``UsageError`` (one line) when ``listen`` is not an address or cannot be listened on."""
        host, port = parse_listen(listen)
        try:
            server, thread = start_http_server(port, host, registry=self.registry)
        except OSError as error:
            raise UsageError(f"--listen {listen}: cannot listen there: {error.strerror or error}") from error
        return MetricsServer(server, thread)


LABELS = {
    "mlmon_watch_skipped_lines_total": "reason",
    "mlmon_watch_file_behind_bytes": "file",
    "mlmon_watch_alert_deliveries_total": "target",
    "mlmon_watch_alert_delivery_failures_total": "target",
}
"""The label of each live metric that has one (the others are one unlabelled sample)."""


def _family(name: str, values: Mapping[str, float]) -> Metric:
    """The family ``name`` with a sample per label value in ``values`` (key ``""``: unlabelled)."""
    label = LABELS.get(name)
    kind = CounterMetricFamily if name.endswith("_total") else GaugeMetricFamily
    family = kind(name, HELP[name], labels=[label] if label else None)
    for value_label, value in sorted(values.items()):
        family.add_metric([value_label] if label else [], value)
    return family


def _add(counts: dict[str, int], key: str, amount: int) -> None:
    counts[key] = counts.get(key, 0) + amount


def _restored(snapshot: Mapping[str, Any]) -> _Counts:
    """The counters of a :meth:`Exporter.snapshot`; ``InputError`` when it is not one."""
    try:
        if snapshot.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"version {snapshot.get('version')!r}, expected {SNAPSHOT_VERSION}")
        lines, records, checkpoints = (_count(snapshot[key], key) for key in ("lines", "records", "checkpoints"))
        skipped, deliveries, failures = (
            {str(k): _count(v, f"{key}.{k}") for k, v in dict(snapshot[key]).items()}
            for key in ("skipped", "deliveries", "delivery_failures")
        )
        last = snapshot["last_record"]
        if last is not None and (isinstance(last, bool) or not isinstance(last, int | float)):
            raise ValueError(f"last_record {last!r} is not a number")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(f"the checkpoint's exporter counters are unusable: {error}") from error
    last_record = None if last is None else float(last)
    return _Counts(lines, records, checkpoints, skipped, deliveries, failures, last_record=last_record)


def _count(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} {value!r} is not a count")
    return value


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9464`` for IPv6; an empty host listens on every interface) as
    (host, port); ``UsageError`` naming ``--listen`` otherwise."""
    host, colon, port = listen.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not colon or not port.isascii() or not port.isdigit() or int(port) > 65535 or "[" in host or "]" in host:
        raise UsageError(f"--listen {listen!r}: expected HOST:PORT, such as {DEFAULT_LISTEN}")
    return host or "0.0.0.0", int(port)


@dataclass(frozen=True)
class MetricsServer:
    """A running ``/metrics`` server (:meth:`Exporter.serve`); :meth:`close` stops it."""

    server: Any
    """prometheus_client's WSGI server."""
    thread: threading.Thread
    """The daemon thread serving it."""

    @property
    def host(self) -> str:
        """The address listened on."""
        return str(self.server.server_address[0])

    @property
    def port(self) -> int:
        """The port listened on (the one picked when asked for port 0)."""
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        """The ``/metrics`` URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
