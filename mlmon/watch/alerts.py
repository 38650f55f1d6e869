"""``mlmon watch``'s alerts: check's findings as Alertmanager alerts, which of them to send at each
evaluation, and their delivery to Alertmanager, a webhook or a command.

An alert is one firing finding (warning or critical) of ``check``, named as ``mlmon_rule_status``
names it (:func:`mlmon.render.prometheus.series_findings`: check's share-of-features rule under the
scope ``drifted_share``); two findings of one rule and scope keep the more severe. Labels:
``alertname`` (the rule), ``severity``, ``scope``, ``service="mlmon"``, and each ``key=value`` of
the scope as a label of its own (``model_version``, ``feature``, a ``--by`` item such as ``pod``).
Annotations: ``summary`` and ``description`` (the finding's message).

:class:`AlertState` follows the alerts from one evaluation to the next, keyed by their labels
(severity included: a rule that goes from warning to critical resolves the warning alert and
starts the critical one, as two Prometheus rules with a ``severity`` label would). A new alert
starts now; one still firing is sent again every ``resend_seconds`` with the same start; one that
cleared is sent once more with its end (resolved) and forgotten. The state is a frozen value
(:meth:`AlertState.step` returns the next one) that :meth:`~AlertState.to_json` writes for the
checkpoint. A firing alert is sent without ``endsAt``: should its resolution never get through,
Alertmanager resolves it on its own ``resolve_timeout`` (5 minutes) after the last re-send.

Delivery (:func:`deliver`) retries each failed attempt (connection refused, HTTP status 400 or
more, timeout, a command's exit status other than 0) after a bounded backoff (:class:`Retry`),
counts the failed attempts, and never raises: it returns a :class:`DeliveryResult` per target.
"""

from __future__ import annotations

import enum
import json
import re
import shlex
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from mlmon.api.results import CheckReport
from mlmon.errors import InputError, UsageError
from mlmon.plain import iso_utc
from mlmon.render.prometheus import series_findings
from mlmon.verdicts.findings import Finding, Severity

SERVICE = "mlmon"
"""The ``service`` label of every alert."""
FIRING = (Severity.WARNING, Severity.CRITICAL)
"""Severities that fire an alert."""
ZERO_TIME = "0001-01-01T00:00:00Z"
"""The ``endsAt`` Alertmanager's webhook writes for an alert still firing (Go's zero time)."""
_SCOPE_ITEM = re.compile(r"([^\s,=]+)=([^\s,]+)")


@dataclass(frozen=True)
class Alert:
    """One alert as Alertmanager's API v2 takes it."""

    labels: tuple[tuple[str, str], ...]
    """Label names and values, ``alertname`` first; they identify the alert."""
    annotations: tuple[tuple[str, str], ...]
    """``summary`` and ``description``."""
    starts_at: datetime
    """When it started firing."""
    ends_at: datetime | None = None
    """When it stopped (resolved); None while it fires."""
    generator_url: str | None = None
    """A link back to what raised it (None: none)."""

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """The labels sorted: the alert's identity."""
        return tuple(sorted(self.labels))

    @property
    def status(self) -> str:
        """``firing`` or ``resolved``."""
        return "firing" if self.ends_at is None else "resolved"

    def payload(self) -> dict[str, Any]:
        """The alert as ``POST /api/v2/alerts`` takes it (RFC 3339 times; no ``endsAt`` while firing)."""
        out: dict[str, Any] = {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
            "startsAt": iso_utc(self.starts_at),
        }
        if self.ends_at is not None:
            out["endsAt"] = iso_utc(self.ends_at)
        if self.generator_url is not None:
            out["generatorURL"] = self.generator_url
        return out


def alerts_of(report: CheckReport, generator_url: str | None = None) -> tuple[Alert, ...]:
    """The alerts ``report``'s findings fire, starting at ``report.now``."""
    return alerts_from(series_findings(report), report.now, generator_url)


def alerts_from(findings: Iterable[Finding], now: datetime, generator_url: str | None = None) -> tuple[Alert, ...]:
    """An alert per (rule, scope) whose most severe finding is warning or critical, starting ``now``."""
    kept: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.check, finding.scope)
        if key not in kept or finding.severity.rank > kept[key].severity.rank:
            kept[key] = finding
    return tuple(_alert(f, now, generator_url) for f in kept.values() if f.severity in FIRING)


def _alert(finding: Finding, now: datetime, generator_url: str | None) -> Alert:
    check, severity, scope = finding.check, finding.severity.value, finding.scope
    labels = {"alertname": check, "severity": severity, "scope": scope, "service": SERVICE}
    for name, value in _SCOPE_ITEM.findall(scope):
        labels.setdefault(label_name(name), value)
    summary = f"mlmon {check} is {severity} ({scope})"
    annotations = (("summary", summary), ("description", finding.message))
    return Alert(tuple(labels.items()), annotations, now, None, generator_url)


def label_name(name: str) -> str:
    """``name`` as a Prometheus label name: characters other than letters, digits and ``_`` as ``_``."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return f"_{name}" if name[:1].isdigit() else name


@dataclass(frozen=True)
class Tracked:
    """An alert :class:`AlertState` has sent and that is still firing."""

    alert: Alert
    """The alert as last sent (its ``starts_at``: when it started firing)."""
    last_sent: datetime
    """When it was last sent."""


@dataclass(frozen=True)
class AlertState:
    """The alerts firing across evaluations (see the module's docstring)."""

    resend_seconds: float = 60.0
    """How often an alert still firing is sent again."""
    tracked: tuple[Tracked, ...] = ()
    """The alerts firing, in the order they started."""

    def step(self, firing: Iterable[Alert], now: datetime) -> tuple[AlertState, tuple[Alert, ...]]:
        """The state after an evaluation whose firing alerts are ``firing`` at ``now``, and the
        alerts to send now: the new ones (starting now), those due again (their start kept), and
        those that cleared (ending now)."""
        current = {alert.key: alert for alert in firing if alert.ends_at is None}
        known = {t.alert.key: t for t in self.tracked}
        kept: list[Tracked] = []
        due: list[Alert] = []
        for t in self.tracked:
            if t.alert.key not in current:
                due.append(replace(t.alert, ends_at=now))
                continue
            alert = replace(current[t.alert.key], starts_at=t.alert.starts_at)
            if (now - t.last_sent).total_seconds() >= self.resend_seconds:
                kept.append(Tracked(alert, now))
                due.append(alert)
            else:
                kept.append(Tracked(alert, t.last_sent))
        for key, alert in current.items():
            if key not in known:
                new = replace(alert, starts_at=now)
                kept.append(Tracked(new, now))
                due.append(new)
        return replace(self, tracked=tuple(kept)), tuple(due)

    def to_json(self) -> str:
        """The tracked alerts as JSON (for the checkpoint)."""
        return json.dumps([{"alert": t.alert.payload(), "last_sent": iso_utc(t.last_sent)} for t in self.tracked])

    @classmethod
    def from_json(cls, text: str, resend_seconds: float = 60.0) -> AlertState:
        """The state :meth:`to_json` wrote; ``InputError`` when ``text`` is not one."""
        try:
            items = json.loads(text)
            if not isinstance(items, list):
                raise ValueError(f"expected a list of alerts, got {type(items).__name__}")
            tracked = tuple(Tracked(_alert_from(item["alert"]), _moment(item["last_sent"])) for item in items)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise InputError(f"the checkpoint's alert state is unusable: {error}") from error
        return cls(resend_seconds, tracked)


def _alert_from(data: Mapping[str, Any]) -> Alert:
    """An alert from its :meth:`Alert.payload`."""
    labels, annotations = data["labels"], data["annotations"]
    if not labels:
        raise ValueError("an alert without labels")
    if not all(isinstance(v, str) for v in (*labels, *labels.values(), *annotations, *annotations.values())):
        raise ValueError("labels and annotations must be strings")
    ends = None if data.get("endsAt") is None else _moment(data["endsAt"])
    starts = _moment(data["startsAt"])
    return Alert(tuple(labels.items()), tuple(annotations.items()), starts, ends, data.get("generatorURL"))


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment.astimezone(UTC)


# --- delivery ------------------------------------------------------------------------------


class Kind(str, enum.Enum):
    """Where alerts go: ``POST {url}/api/v2/alerts`` (a JSON list of alerts), ``POST url`` (a
    document like Alertmanager's webhook notification, :func:`notification`), or a command run
    with that document on its standard input."""

    ALERTMANAGER = "alertmanager"
    WEBHOOK = "webhook"
    COMMAND = "command"


@dataclass(frozen=True)
class Target:
    """One destination of the alerts; make one with :meth:`alertmanager`, :meth:`webhook` or :meth:`command`."""

    kind: Kind
    """Alertmanager, a webhook or a command."""
    where: str
    """The URL (Alertmanager's base URL, or the webhook's), or the command line."""
    timeout: float = 10.0
    """Seconds one attempt may take."""

    @classmethod
    def alertmanager(cls, url: str, timeout: float = 10.0) -> Target:
        """Alertmanager at ``url`` (``http://alertmanager:9093``); ``UsageError`` when it is no http(s) URL."""
        return cls(Kind.ALERTMANAGER, _http_url(url, "--alertmanager"), timeout)

    @classmethod
    def webhook(cls, url: str, timeout: float = 10.0) -> Target:
        """A webhook at ``url``; ``UsageError`` when it is no http(s) URL."""
        return cls(Kind.WEBHOOK, _http_url(url, "webhook"), timeout)

    @classmethod
    def command(cls, line: str, timeout: float = 10.0) -> Target:
        """A command line (split as a POSIX shell would, run without one); ``UsageError`` when empty."""
        try:
            argv = shlex.split(line)
        except ValueError as error:
            raise UsageError(f"alert command {line!r}: {error}") from error
        if not argv:
            raise UsageError("alert command: empty")
        return cls(Kind.COMMAND, line, timeout)

    @property
    def name(self) -> str:
        """The target as the delivery counters label it: its kind and where (a URL without its password)."""
        if self.kind is Kind.COMMAND:
            return f"command {shlex.split(self.where)[0]}"
        parts = urllib.parse.urlsplit(self.where)
        host = parts.netloc.rpartition("@")[2]
        return f"{self.kind.value} {urllib.parse.urlunsplit(parts._replace(netloc=host))}"


def _http_url(url: str, option: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{option} {url!r}: expected an http:// or https:// URL")
    return url


@dataclass(frozen=True)
class Retry:
    """How failed attempts are retried: ``attempts`` in all, waiting ``first_delay`` seconds after the
    first failure, twice as long after each next one, never more than ``max_delay``."""

    attempts: int = 3
    """Attempts per delivery, the first included."""
    first_delay: float = 0.5
    """Seconds before the first retry."""
    max_delay: float = 5.0
    """The longest wait between two attempts."""

    def delays(self) -> tuple[float, ...]:
        """The waits before each retry."""
        return tuple(min(self.first_delay * 2**i, self.max_delay) for i in range(self.attempts - 1))


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one delivery to one target."""

    target: str
    """The target's :attr:`Target.name`."""
    delivered: bool
    """True when an attempt got through."""
    attempts: int
    """Attempts made."""
    failures: int
    """Attempts that failed."""
    error: str | None = None
    """The last failure, in words (None: none)."""


def notification(alerts: Sequence[Alert]) -> dict[str, Any]:
    """The webhook's document, shaped as Alertmanager's webhook notification (version 4): firing
    when any alert fires; each alert with its ``status``, ``endsAt`` Go's zero time while firing."""
    common_labels = _common([dict(a.labels) for a in alerts])
    return {
        "version": "4",
        "groupKey": SERVICE,
        "truncatedAlerts": 0,
        "status": "firing" if any(a.ends_at is None for a in alerts) else "resolved",
        "receiver": SERVICE,
        "groupLabels": {},
        "commonLabels": common_labels,
        "commonAnnotations": _common([dict(a.annotations) for a in alerts]),
        "externalURL": "",
        "alerts": [_webhook_alert(a) for a in alerts],
    }


def _webhook_alert(alert: Alert) -> dict[str, Any]:
    """An alert as Alertmanager's webhook writes it: its status, and every key (Go's zero values when unset)."""
    out = {"status": alert.status, **alert.payload()}
    out.setdefault("endsAt", ZERO_TIME)
    out.setdefault("generatorURL", "")
    return out


def _common(maps: Sequence[dict[str, str]]) -> dict[str, str]:
    return {k: v for k, v in maps[0].items() if all(m.get(k) == v for m in maps[1:])} if maps else {}


def deliver(
    alerts: Sequence[Alert],
    targets: Iterable[Target],
    retry: Retry | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[DeliveryResult, ...]:
    """Send ``alerts`` to every target, retrying failed attempts (``sleep`` waits); never raises.
    Nothing is sent, and no result returned, when there is no alert."""
    if not alerts:
        return ()
    retry = retry or Retry()
    return tuple(_deliver_to(target, alerts, retry, sleep) for target in targets)


def _deliver_to(
    target: Target, alerts: Sequence[Alert], retry: Retry, sleep: Callable[[float], None]
) -> DeliveryResult:
    body: Any = [a.payload() for a in alerts] if target.kind is Kind.ALERTMANAGER else notification(alerts)
    data = json.dumps(body).encode("utf-8")
    failures, error = 0, None
    for attempt, wait in enumerate((*retry.delays(), None), start=1):
        error = _attempt(target, data)
        if error is None:
            return DeliveryResult(target.name, True, attempt, failures)
        failures += 1
        if wait is not None:
            sleep(wait)
    return DeliveryResult(target.name, False, failures, failures, error)


def _attempt(target: Target, data: bytes) -> str | None:
    """One attempt: None when it got through, else why not."""
    if target.kind is Kind.COMMAND:
        return _run(target, data)
    url = target.where.rstrip("/") + "/api/v2/alerts" if target.kind is Kind.ALERTMANAGER else target.where
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json", "User-Agent": SERVICE}
    )
    try:
        with urllib.request.urlopen(request, timeout=target.timeout) as response:
            response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(200).decode("utf-8", "replace").strip()
        return f"HTTP {error.code}" + (f": {detail}" if detail else "")
    except urllib.error.URLError as error:
        return str(error.reason)
    except (OSError, ValueError) as error:  # a timeout while reading, a broken connection
        return str(error) or type(error).__name__
    return None


def _run(target: Target, data: bytes) -> str | None:
    try:
        done = subprocess.run(shlex.split(target.where), input=data, capture_output=True, timeout=target.timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {target.timeout:g} s"
    except OSError as error:
        return str(error)
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"exit status {done.returncode}" + (f": {stderr[-1]}" if stderr else "")
    return None
