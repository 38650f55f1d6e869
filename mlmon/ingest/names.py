"""The one table of the names each canonical field is read from (plain Python, no polars).

``mlmon.ingest.fields`` builds its candidate paths from this table, and the field table
of docs/log-format.md is tested against what mlmon reads both ways (``tests/ingest/test_field_table.py``,
through :func:`mlmon.ingest.fields.field_map`): every name documented is read, every name
read is documented.

Rules the table follows:

* A record's field is read from the first candidate that holds a value (``pl.coalesce``),
  in the order written here.
* Every name with an underscore is read in camelCase as well, right after it
  (``response_time_ms``, then ``responseTimeMs``): JavaScript, Java and Go services log so.
* Latency names are every base times every unit suffix; the unit comes from the suffix, and
  a bare base is milliseconds.
* loguru's ``serialize=True`` record carries the fields bound with ``bind()`` or passed as
  keywords under ``record.extra``; those keys are read as if they were at the top level
  (``mlmon.ingest.keys``), for every field but ``ts``, ``event`` and ``level``, which come
  from loguru's own ``record`` (:data:`LOGURU`). structlog's JSONRenderer and
  python-json-logger put them at the top level already.
* A name that means something else in common logs is left out: ``time_ms`` (often an epoch
  time), ``request_time`` (nginx logs it in seconds, bare), ``class`` (Java loggers' class
  name), ``scores``/``result``/``output`` (any shape). ``--field`` maps any of them.
"""

from __future__ import annotations

from functools import cache

Path = tuple[str, ...]

LATENCY_BASES: tuple[str, ...] = (
    "latency",
    "duration",
    "elapsed",
    "inference_time",
    "inference_latency",
    "response_time",
    "processing_time",
)
"""Names of a latency without their unit, in priority order: the whole request's time first,
the model's own time (``inference_*``) after it."""
LATENCY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_ms", "ms"),
    ("_us", "us"),
    ("_ns", "ns"),
    ("_s", "s"),
    ("_sec", "s"),
    ("_seconds", "s"),
    ("", "ms"),
)
"""(suffix, unit) for every latency base; the bare base is milliseconds."""
UNIT_MS: dict[str, float] = {"ms": 1.0, "us": 1e-3, "ns": 1e-6, "s": 1e3}
"""Milliseconds per unit, for the unit suffix of a latency field's name."""
UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "ms": ("ms", "msec", "millis", "milliseconds"),
    "us": ("us", "micros", "microseconds"),
    "ns": ("ns", "nanos", "nanoseconds"),
    "s": ("s", "sec", "secs", "seconds"),
}
"""Unit -> the words a key's last ``_`` suffix may spell it with: those of
:data:`LATENCY_SUFFIXES` (read without configuration) and the others a service may use
(``took_secs``), which the suggestion for a ``--field`` recognises (``mlmon.ingest.census``)."""

NAMES: dict[str, tuple[str, ...]] = {
    "ts": ("ts", "timestamp", "@timestamp", "time", "asctime", "datetime"),
    "event": ("event", "message", "msg"),
    "level": ("level", "levelname", "severity"),
    "status": ("status", "outcome"),
    "status_code": ("status_code", "http_status", "http_status_code"),
    "error": ("error", "err", "error_type", "error_kind", "error_message", "exception", "exc_info"),
    "model": ("model", "model_name", "model_id"),
    "model_version": ("model_version",),
    # An explicit "predicted" name wins over "label", which some services use for the true class.
    "label": ("predicted_label", "predicted_class", "pred_label", "prediction", "pred", "y_pred", "label"),
    "confidence": ("confidence", "confidence_score", "probability", "prob", "score"),
    "probabilities": ("probabilities", "probs", "probas", "proba", "class_probabilities", "predict_proba"),
    "cpu_percent": ("cpu_percent",),
    "rss_mb": ("rss_mb", "memory_mb"),
    # Read only when an analysis asks (the join of predictions and ground truth, issue 24).
    "request_id": ("request_id", "prediction_id", "inference_id", "trace_id", "id"),
    "actual": ("actual", "y_true", "true_label", "ground_truth", "actual_label", "true_class"),
}
"""Top-level names of every canonical field but latency, in priority order (camelCase
spellings are added by :func:`spellings`). ``request_id`` and ``actual`` (the true class)
are decoded only for an analysis that names them."""

LOGURU: dict[str, tuple[Path, ...]] = {
    "ts": (("record", "time", "timestamp"),),
    "event": (("record", "message"),),
    "level": (("record", "level", "name"),),
    "error": (("record", "exception", "type"),),
}
"""loguru's own paths, read after the top-level names (``record.exception`` is null unless
an exception was logged)."""
NOT_FROM_EXTRA: tuple[str, ...] = ("ts", "event", "level")
"""Fields never read from loguru's ``record.extra`` (loguru's own record holds them)."""
FEATURES = "features"
"""The key of the input-features object (top level, or loguru's ``record.extra``); also
the name :attr:`~mlmon.ingest.problems.IngestStats.fields_found` gives input features."""
RECORD = "record"
"""The top-level key of loguru's ``serialize=True`` record (its ``extra`` holds the
service's keys)."""
BY_SHORTCUTS: dict[str, tuple[str, ...]] = {
    "pod": ("source.pod", "source.k8s.pod.name", "kubernetes.pod_name", "k8s.pod.name", "pod", "pod_name"),
    "revision": ("source.revision_name", "revision", "revision_name", "K_REVISION"),
    "host": ("source.host", "source.host.name", "host", "hostname"),
    "task": ("source.ecs_task_definition", "source.ecs_task_arn", "task"),
    "stream": ("source.log_stream", "source.stream"),
    "container": ("source.container", "source.container_name", "container_name"),
    "service": ("source.service_name", "source.service.name", "service"),
}
"""``--by`` shortcuts: where a record's pod, revision, host, ... may be, first match wins.
An envelope's ``source.<name>`` keys come first (``tests/ingest/envelopes/README.md``,
choice 6: CRI ``source.pod``, OTLP ``source.k8s.pod.name``, GCP ``source.revision_name``,
FireLens ``source.ecs_task_definition``, CloudWatch ``source.log_stream``, Vercel
``source.host``), then what a plain log or a Fluent Bit record carries (``kubernetes.pod_name``,
``hostname``). Each name is tried as one key, then, when dotted, as a path."""
DOCKER_LOG: Path = ("log",)
"""Docker's json-file driver wraps each application line in
``{"log": "...\\n", "stream": "stdout", "time": ...}``; only that exact shape is unwrapped."""
DOCKER_TIME: Path = ("time",)
DOCKER_STREAM: Path = ("stream",)


def unit_of(word: str) -> str | None:
    """The unit a key's suffix word names (``secs`` -> ``s``), or None (:data:`UNIT_WORDS`)."""
    return next((unit for unit, words in UNIT_WORDS.items() if word in words), None)


def camel(name: str) -> str:
    """``response_time_ms`` -> ``responseTimeMs``; a name without an underscore is itself."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def spellings(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` with each one's camelCase spelling right after it, once each."""
    return tuple(dict.fromkeys(spelling for name in names for spelling in (name, camel(name))))


def latency_names() -> tuple[tuple[str, str], ...]:
    """Every latency name with its unit, in priority order: base by base, each suffix in turn."""
    pairs = ((base + suffix, unit) for base in LATENCY_BASES for suffix, unit in LATENCY_SUFFIXES)
    return tuple(dict.fromkeys((spelling, unit) for name, unit in pairs for spelling in spellings((name,))))


@cache
def default_keys() -> frozenset[str]:
    """Every key mlmon reads without a ``--field``, nested ones dotted
    (``record.level.name``): each field's names and their camelCase spellings, every latency
    name, loguru's own paths and the Docker wrapper's ``log`` and ``stream``. The paths of
    :func:`mlmon.ingest.fields.default_field_map`, without polars."""
    top = [key for names in NAMES.values() for key in spellings(names)] + [name for name, _ in latency_names()]
    nested = [".".join(path) for paths in LOGURU.values() for path in paths]
    return frozenset([*top, *nested, DOCKER_LOG[0], DOCKER_STREAM[0]])
