"""Generate the committed sample logs of the ``imgcls`` service (deterministic).

Run from the repository root::

    python sample_logs/generate.py            # (re)write sample_logs/replica-{a,b}/ and README.md
    python sample_logs/generate.py --truth    # print the ground truth as JSON, write nothing

Only the standard library and numpy are used. Every random number comes from a seeded
``numpy.random.Generator``; gzip members are written with ``mtime=0`` and no file name, so
rerunning the script (with the same numpy version) reproduces identical bytes.

The service
-----------
A 4-class image classifier ``imgcls`` (classes ``A``..``D``), ``model_version`` ``1.4.0``,
with two replicas that log in two different JSON dialects:

* ``replica-a/``: python-json-logger style. Keys ``asctime`` (``"2026-11-09 12:00:00,123"``,
  UTC wall time without a zone, milliseconds after a comma), ``levelname`` (``INFO``,
  ``WARNING``, ``ERROR``), ``message`` (the event name), then the extra keys at top level
  (format string ``"%(asctime)s %(levelname)s %(message)s"``).
* ``replica-b/``: structlog JSONRenderer style. The keys first, then ``event`` (the event
  name), ``level`` (``info``, ``warning``, ``error``) and ``timestamp``
  (``"2026-11-09T12:00:00.123456Z"``).

Both replicas also carry ``replica`` (``"a"``/``"b"``) at top level.

Files (logrotate layout, rotated exactly at 00:00 UTC, one file per UTC day)::

    app.log        Sun 2026-11-15     (newest, plain text)
    app.log.1      Sat 2026-11-14     (plain text)
    app.log.2.gz   Fri 2026-11-13     (gzip)
    app.log.3.gz   Thu 2026-11-12
    app.log.4.gz   Wed 2026-11-11
    app.log.5.gz   Tue 2026-11-10
    app.log.6.gz   Mon 2026-11-09     (oldest)

Within a file, lines are in timestamp order. The week covers
[2026-11-09T00:00:00Z, 2026-11-16T00:00:00Z).

Records
-------
Per request (``request_id`` is 16 lowercase hex digits, unique across both replicas):

* ``inference`` (every request): ``request_id``, ``model`` (``"imgcls"``), ``model_version``,
  ``latency_ms`` (float, 3 decimals), ``status`` (``ok`` | ``error`` | ``timeout`` |
  ``invalid_input``), ``status_code`` (200 | 500 | 504 | 422), ``error`` (a string, only when
  the status is not ``ok``), and ``features``, a nested object with ``brightness``,
  ``contrast``, ``width``, ``height``, ``aspect_ratio``, ``exposure_ms``, ``iso``,
  ``temperature_c``. ``aspect_ratio`` is ``round(width / height, 4)`` (width over height,
  so 640x480 gives 1.3333 and 1280x720 gives 1.7778; deepchecks' image property is
  height / width); it is derived and draws no random number.
  For ``invalid_input`` requests the image could not be decoded, so ``features`` holds only
  the three tabular keys (``exposure_ms``, ``iso``, ``temperature_c``).
  Level: ``INFO`` for ok, ``ERROR`` for error and timeout, ``WARNING`` for invalid_input.
* ``prediction`` (only for ``ok`` requests, logged 1..300 microseconds *before* its inference
  record, in the same file): ``request_id``, ``model``, ``model_version``, ``label``,
  ``confidence`` (= the largest probability = probability of ``label``), ``probabilities``
  ``{"A": p, "B": p, "C": p, "D": p}`` with 4 decimals each, summing to exactly 1.0000 in
  decimal (the label's probability is 1 minus the sum of the three rounded others).
* ``resources``: one per replica per minute (at second 0 plus 0..999 ms), with
  ``cpu_percent`` (1 decimal) and ``rss_mb`` (1 decimal). 1,440 per replica per day.

Scenario (later tests rely on these numbers)
--------------------------------------------
* Traffic: per-minute Poisson counts with a diurnal rate, lowest around 02:00 UTC, highest
  around 14:00 UTC (rate = BASE_RATE * (0.3 + 0.7 * (1 - cos(2 pi (h - 2) / 24)) / 2)), weekend
  days (Sat, Sun) at 90 %. About 1,050-1,250 requests per replica per day; exact counts are
  in README.md.
* Baseline latency (ok requests): lognormal, median 25 ms, sigma 0.35 (p99 ~ 56 ms).
  Status shares: error 0.5 %, timeout 0.2 %, invalid_input 0.3 %, ok 99.0 %.
  Error latency: lognormal median 15 ms; invalid_input: lognormal median 3 ms;
  timeout: 1000 ms deadline + 0.2..5 ms, i.e. latency_ms in [1000.2, 1005].
* Slow afternoon: Wednesday 2026-11-11 13:00:00 <= t < 17:00:00 UTC, both replicas. Ok
  latencies come from a mixture: 80 % lognormal(median 40 ms, sigma 0.45) and 20 %
  lognormal(median 250 ms, sigma 0.7), so p99 is several hundred ms; any draw above the
  1000 ms deadline becomes a ``timeout``, and 1.5 % of the would-be ok requests time out
  explicitly (both on top of the baseline 0.2 %), so roughly 2-3 % time out in the window.
  CPU is +25 points.
* Shift: from Thursday 2026-11-12 00:00:00 UTC onward (every record with t >= that instant,
  i.e. exactly the files app.log.3.gz .. app.log):
    - class shares A 40 % / B 30 % / C 20 % / D 10 %  ->  A 75 % / B 12.5 % / C 8.33 % /
      D 4.17 % (the others keep their proportions);
    - confidence = 0.4 + 0.6 * Beta(9, 3) (mean 0.85)  ->  0.4 + 0.6 * Beta(5, 5) (mean 0.70);
    - camera resolution: all 640x480  ->  85 % 1280x720 and 15 % 640x480, so
      aspect_ratio 1.3333 (4:3)  ->  1.7778 (16:9) for 85 % of requests.
  No other feature changes: brightness ~ Beta(6, 6) (mean 0.5), contrast ~ Gamma(9, 0.035)
  clipped to [0, 1], exposure_ms ~ lognormal(median 8, sigma 0.5), iso in
  {100, 200, 400, 800, 1600} with shares {30, 30, 20, 15, 5} %, temperature_c ~ N(41, 3).
  Features are stationary within each regime (no diurnal pattern).
* Resources: cpu_percent follows the traffic (8 + 55 * load + N(0, 3), +25 in the slow
  afternoon, clipped to [1, 100]); rss_mb grows slowly over the week (1850 MB + 0.5 MB/h +
  a daily wave + noise), a mild leak.
* Exactly ONE malformed line: ``replica-a/app.log.1`` (Saturday 2026-11-14), line
  ``MALFORMED_LINE`` = 2000 (1-based). It is the start of the ``inference`` record of the ok
  request ``2d38665242dd95b1`` at 2026-11-14 14:21:35,863, cut inside the ``"latency_ms``
  key (the line ends with ``"latency_ms``, before the key's closing quote; this was the
  record's first half by characters before ``aspect_ratio`` lengthened its features, and the
  cut stays where it was) and followed by a newline; the rest of that record is lost. Its
  ``prediction`` record (line 1999) is intact. All other lines of all files are valid JSON.
  Ground-truth counts exclude the lost record (so replica-a/app.log.1 has 1,022 predictions
  but only 1,021 ok inference records).

``references/generate_train.py`` imports ``sample_labels``, ``sample_probabilities`` and
``sample_features`` from this file to draw the training data from the pre-shift regime.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

SEED = 20261109
SERVICE = "imgcls"
MODEL_VERSION = "1.4.0"
REPLICAS = ("a", "b")

UTC = UTC
WEEK_START = datetime(2026, 11, 9, tzinfo=UTC)  # Monday
N_DAYS = 7
SHIFT_START = datetime(2026, 11, 12, tzinfo=UTC)  # Thursday 00:00 UTC
SLOW_START = datetime(2026, 11, 11, 13, tzinfo=UTC)  # Wednesday 13:00 UTC
SLOW_END = datetime(2026, 11, 11, 17, tzinfo=UTC)  # Wednesday 17:00 UTC (exclusive)

CLASSES = ("A", "B", "C", "D")
BASE_SHARES = (0.40, 0.30, 0.20, 0.10)
SHIFT_A_SHARE = 0.75
SHIFTED_SHARES = (
    SHIFT_A_SHARE,
    *(s * (1.0 - SHIFT_A_SHARE) / (1.0 - BASE_SHARES[0]) for s in BASE_SHARES[1:]),
)
# confidence = CONF_FLOOR + (1 - CONF_FLOOR) * Beta(a, b)
CONF_FLOOR = 0.4
CONF_BETA_BASE = (9.0, 3.0)  # mean 0.4 + 0.6 * 0.75 = 0.85
CONF_BETA_SHIFTED = (5.0, 5.0)  # mean 0.4 + 0.6 * 0.50 = 0.70

BASE_RESOLUTION = (640, 480)
NEW_RESOLUTION = (1280, 720)
NEW_RESOLUTION_SHARE = 0.85
ISO_VALUES = (100, 200, 400, 800, 1600)
ISO_SHARES = (0.30, 0.30, 0.20, 0.15, 0.05)

BASE_RATE_PER_MIN = 1.25  # requests per minute at peak; the mean load factor is 0.65
WEEKEND_FACTOR = 0.9
STATUS_SHARES = {"error": 0.005, "timeout": 0.002, "invalid_input": 0.003}
SLOW_EXTRA_TIMEOUT_SHARE = 0.015  # explicit extra timeouts in the slow afternoon
STATUS_CODES = {"ok": 200, "error": 500, "timeout": 504, "invalid_input": 422}
LEVELS = {"ok": "info", "error": "error", "timeout": "error", "invalid_input": "warning"}
TIMEOUT_MS = 1000.0
ERROR_MESSAGES = {
    "error": (
        "RuntimeError: CUDA error: out of memory",
        "ConnectionError: feature store unavailable",
    ),
    "timeout": ("TimeoutError: inference exceeded the 1000 ms deadline",),
    "invalid_input": ("ValueError: cannot decode image: truncated JPEG",),
}

MALFORMED_REPLICA = "a"
MALFORMED_FILE = "app.log.1"
MALFORMED_LINE = 2000  # 1-based

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------------------
# Distributions shared with references/generate_train.py
# --------------------------------------------------------------------------------------


def sample_labels(rng: np.random.Generator, n: int, shifted: bool) -> np.ndarray:
    """Class indices (0..3 for A..D) drawn from the base or shifted class shares."""
    shares = SHIFTED_SHARES if shifted else BASE_SHARES
    return rng.choice(len(CLASSES), size=n, p=np.asarray(shares))


def sample_probabilities(rng: np.random.Generator, labels: np.ndarray, shifted: bool) -> np.ndarray:
    """Probability rows (n, 4) rounded to 4 decimals whose argmax is ``labels``.

    The label's probability (the confidence) is ``0.4 + 0.6 * Beta(a, b)``; the remainder is
    split over the other three classes by a Dirichlet(1.5, 1.5, 1.5) draw, redrawn until each
    other probability is below the confidence. The label's rounded probability is
    ``1 - sum(rounded others)``, so each row sums to exactly 1 in 4-decimal arithmetic.
    Returns integer ten-thousandths (int64), to be divided by 10,000.
    """
    n = len(labels)
    a, b = CONF_BETA_SHIFTED if shifted else CONF_BETA_BASE
    conf = CONF_FLOOR + (1.0 - CONF_FLOOR) * rng.beta(a, b, size=n)
    conf = np.minimum(conf, 0.9985)
    others = rng.dirichlet((1.5, 1.5, 1.5), size=n) * (1.0 - conf)[:, None]
    for _ in range(100):
        bad = others.max(axis=1) >= conf - 0.002
        if not bad.any():
            break
        others[bad] = rng.dirichlet((1.5, 1.5, 1.5), size=int(bad.sum())) * (1.0 - conf[bad])[:, None]
    else:  # pragma: no cover - never reached with these parameters
        bad = others.max(axis=1) >= conf - 0.002
        others[bad] = ((1.0 - conf[bad]) / 3.0)[:, None]
    others_int = np.rint(others * 10_000).astype(np.int64)
    probs = np.zeros((n, len(CLASSES)), dtype=np.int64)
    rows = np.arange(n)
    other_cols = (labels[:, None] + np.arange(1, len(CLASSES))[None, :]) % len(CLASSES)
    probs[rows[:, None], other_cols] = others_int
    probs[rows, labels] = 10_000 - others_int.sum(axis=1)
    return probs


def sample_features(rng: np.random.Generator, n: int, shifted: bool) -> dict[str, np.ndarray]:
    """Input features, already rounded as written to the logs.

    brightness ~ Beta(6, 6) (4 decimals); contrast ~ Gamma(9, 0.035) clipped to [0, 1]
    (4 decimals); width x height 640x480, or after the shift 1280x720 with probability 0.85;
    aspect_ratio = width / height (4 decimals, derived: it draws no random number);
    exposure_ms ~ lognormal(ln 8, 0.5) (3 decimals); iso from ISO_VALUES with ISO_SHARES;
    temperature_c ~ N(41, 3) (2 decimals).
    """
    brightness = np.round(rng.beta(6.0, 6.0, size=n), 4)
    contrast = np.round(np.clip(rng.gamma(9.0, 0.035, size=n), 0.0, 1.0), 4)
    new_res = rng.random(n) < NEW_RESOLUTION_SHARE
    if not shifted:
        new_res[:] = False
    width = np.where(new_res, NEW_RESOLUTION[0], BASE_RESOLUTION[0]).astype(np.int64)
    height = np.where(new_res, NEW_RESOLUTION[1], BASE_RESOLUTION[1]).astype(np.int64)
    # derived, no random draw: every other number stays as it was before this key existed
    aspect_ratio = np.round(width / height, 4)
    exposure_ms = np.round(rng.lognormal(math.log(8.0), 0.5, size=n), 3)
    iso = np.asarray(ISO_VALUES, dtype=np.int64)[rng.choice(len(ISO_VALUES), size=n, p=np.asarray(ISO_SHARES))]
    temperature_c = np.round(rng.normal(41.0, 3.0, size=n), 2)
    return {
        "brightness": brightness,
        "contrast": contrast,
        "width": width,
        "height": height,
        "aspect_ratio": aspect_ratio,
        "exposure_ms": exposure_ms,
        "iso": iso,
        "temperature_c": temperature_c,
    }


# --------------------------------------------------------------------------------------
# Traffic, latency, resources
# --------------------------------------------------------------------------------------

US_PER_MIN = 60_000_000
US_PER_DAY = 86_400_000_000


def _us(t: datetime) -> int:
    """Microseconds since WEEK_START."""
    d = t - WEEK_START
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def load_factor(minute_of_day: np.ndarray) -> np.ndarray:
    """Diurnal traffic factor in [0.3, 1]: minimum at 02:00 UTC, maximum at 14:00 UTC."""
    h = minute_of_day / 60.0
    return 0.3 + 0.7 * (1.0 - np.cos(2.0 * np.pi * (h - 2.0) / 24.0)) / 2.0


def _lognormal_ms(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(math.log(median), sigma, size=n)


def simulate_day(rng: np.random.Generator, day: int, replica: str) -> list[tuple[int, int, dict]]:
    """All records of one replica for one UTC day as (t_us, seq, record) tuples.

    ``record`` holds the event name under ``"event"``, the level under ``"level"`` and the
    payload keys in output order; formatting into a dialect happens in ``format_line``.
    """
    day_start = day * US_PER_DAY
    minutes = np.arange(1440)
    rate = BASE_RATE_PER_MIN * load_factor(minutes)
    weekday = (WEEK_START + timedelta(days=day)).weekday()
    if weekday >= 5:
        rate = rate * WEEKEND_FACTOR
    counts = rng.poisson(rate)
    n = int(counts.sum())
    minute_of_req = np.repeat(minutes, counts)
    # request time: inside its minute, leaving 1 ms so the inference record (+1..300 us) never
    # crosses a minute (hence a day) boundary
    t_req = day_start + minute_of_req * US_PER_MIN + rng.integers(0, US_PER_MIN - 1000, size=n)
    order = np.argsort(t_req, kind="stable")
    t_req = t_req[order]
    minute_of_req = minute_of_req[order]

    shifted = t_req >= _us(SHIFT_START)
    slow = (t_req >= _us(SLOW_START)) & (t_req < _us(SLOW_END))
    # one regime per day: the shift happens exactly at a day boundary
    assert shifted.all() or not shifted.any()
    is_shifted = bool(shifted.any())

    # status
    u = rng.random(n)
    status = np.full(n, "ok", dtype=object)
    edge = 0.0
    for name in ("error", "timeout", "invalid_input"):
        share = STATUS_SHARES[name]
        status[(u >= edge) & (u < edge + share)] = name
        edge += share

    status[slow & (status == "ok") & (rng.random(n) < SLOW_EXTRA_TIMEOUT_SHARE)] = "timeout"

    # latency
    lat = _lognormal_ms(rng, 25.0, 0.35, n)
    slow_lat = np.where(
        rng.random(n) < 0.2,
        _lognormal_ms(rng, 250.0, 0.7, n),
        _lognormal_ms(rng, 40.0, 0.45, n),
    )
    lat = np.where(slow, slow_lat, lat)
    status[(status == "ok") & (lat > TIMEOUT_MS)] = "timeout"
    err_lat = _lognormal_ms(rng, 15.0, 0.5, n)
    inv_lat = _lognormal_ms(rng, 3.0, 0.4, n)
    to_lat = TIMEOUT_MS + rng.uniform(0.2, 5.0, size=n)
    lat = np.where(status == "error", err_lat, lat)
    lat = np.where(status == "invalid_input", inv_lat, lat)
    lat = np.where(status == "timeout", to_lat, lat)
    lat = np.round(lat, 3)

    error_choice = rng.integers(0, 2, size=n)
    request_ids = rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)
    feats = sample_features(rng, n, is_shifted)
    labels = sample_labels(rng, n, is_shifted)
    probs = sample_probabilities(rng, labels, is_shifted)
    pred_gap = rng.integers(1, 301, size=n)

    records: list[tuple[int, int, dict]] = []
    for i in range(n):
        st = status[i]
        rid = f"{int(request_ids[i]):016x}"
        base = {"replica": replica, "model": SERVICE, "model_version": MODEL_VERSION}
        if st == "ok":
            p = probs[i]
            lab = int(labels[i])
            pred = {
                "event": "prediction",
                "level": "info",
                "request_id": rid,
                **base,
                "label": CLASSES[lab],
                "confidence": int(p[lab]) / 10_000,
                "probabilities": {c: int(p[k]) / 10_000 for k, c in enumerate(CLASSES)},
            }
            records.append((int(t_req[i]), 0, pred))
        if st == "invalid_input":
            features = {k: feats[k][i].item() for k in ("exposure_ms", "iso", "temperature_c")}
        else:
            features = {k: v[i].item() for k, v in feats.items()}
        inf = {
            "event": "inference",
            "level": LEVELS[st],
            "request_id": rid,
            **base,
            "latency_ms": float(lat[i]),
            "status": st,
            "status_code": STATUS_CODES[st],
        }
        if st != "ok":
            msgs = ERROR_MESSAGES[st]
            inf["error"] = msgs[int(error_choice[i]) % len(msgs)]
        inf["features"] = features
        records.append((int(t_req[i] + pred_gap[i]), 1, inf))

    # resources, once a minute
    t_res = day_start + minutes * US_PER_MIN + rng.integers(0, 1000, size=1440) * 1000
    res_slow = (t_res >= _us(SLOW_START)) & (t_res < _us(SLOW_END))
    cpu = 8.0 + 55.0 * load_factor(minutes) * (WEEKEND_FACTOR if weekday >= 5 else 1.0)
    cpu = cpu + rng.normal(0.0, 3.0, size=1440) + 25.0 * res_slow
    cpu = np.round(np.clip(cpu, 1.0, 100.0), 1)
    hours_since_start = t_res / 3.6e9
    rss = 1850.0 + 0.5 * hours_since_start + 20.0 * load_factor(minutes) + rng.normal(0.0, 4.0, size=1440)
    rss = np.round(rss, 1)
    for j in range(1440):
        rec = {
            "event": "resources",
            "level": "info",
            "replica": replica,
            "model": SERVICE,
            "model_version": MODEL_VERSION,
            "cpu_percent": float(cpu[j]),
            "rss_mb": float(rss[j]),
        }
        records.append((int(t_res[j]), 2, rec))
    records.sort(key=lambda r: (r[0], r[1]))
    return records


# --------------------------------------------------------------------------------------
# Dialects
# --------------------------------------------------------------------------------------


def _dt(t_us: int) -> datetime:
    return WEEK_START + timedelta(microseconds=t_us)


def format_line(t_us: int, rec: dict, replica: str) -> str:
    """One log line (without newline) in the replica's dialect."""
    payload = {k: v for k, v in rec.items() if k not in ("event", "level")}
    t = _dt(t_us)
    if replica == "a":  # python-json-logger
        asctime = t.strftime("%Y-%m-%d %H:%M:%S") + f",{t.microsecond // 1000:03d}"
        obj = {
            "asctime": asctime,
            "levelname": rec["level"].upper(),
            "message": rec["event"],
            **payload,
        }
    else:  # structlog JSONRenderer with TimeStamper(fmt="iso", utc=True)
        ts = t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond:06d}Z"
        obj = {**payload, "event": rec["event"], "level": rec["level"], "timestamp": ts}
    return json.dumps(obj)


def file_name(day: int) -> str:
    """Logrotate name of a day's file: the last day is app.log, then app.log.1, .2.gz..."""
    k = N_DAYS - 1 - day
    if k == 0:
        return "app.log"
    if k == 1:
        return "app.log.1"
    return f"app.log.{k}.gz"


# --------------------------------------------------------------------------------------
# Build, truth, write
# --------------------------------------------------------------------------------------


def build() -> tuple[dict[str, dict[str, bytes]], dict]:
    """Return ({replica: {file name: bytes}}, truth) without touching the disk."""
    files: dict[str, dict[str, bytes]] = {}
    all_records: list[tuple[str, int, int, dict]] = []  # (replica, day, t_us, rec)
    lost: dict | None = None
    for r_idx, replica in enumerate(REPLICAS):
        files[replica] = {}
        for day in range(N_DAYS):
            rng = np.random.default_rng([SEED, r_idx, day])
            recs = simulate_day(rng, day, replica)
            name = file_name(day)
            lines = [format_line(t, rec, replica) for t, _, rec in recs]
            kept = [True] * len(recs)
            if replica == MALFORMED_REPLICA and name == MALFORMED_FILE:
                i = MALFORMED_LINE - 1
                cut = lines[i].index('"latency_ms"') + len('"latency_ms')
                lines[i] = lines[i][:cut]
                kept[i] = False
                t_lost, _, rec_lost = recs[i]
                lost = {
                    "replica": replica,
                    "file": f"replica-{replica}/{name}",
                    "line": MALFORMED_LINE,
                    "event": rec_lost["event"],
                    "request_id": rec_lost.get("request_id"),
                    "time": _dt(t_lost).isoformat().replace("+00:00", "Z"),
                    "text": lines[i],
                    "same_request_lines": [
                        j + 1
                        for j, (_, _, r2) in enumerate(recs)
                        if j != i and r2.get("request_id") == rec_lost.get("request_id")
                    ],
                }
            data = ("\n".join(lines) + "\n").encode("ascii")
            if name.endswith(".gz"):
                buf = io.BytesIO()
                with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
                    gz.write(data)
                data = buf.getvalue()
            files[replica][name] = data
            for (t, _, rec), k in zip(recs, kept):
                if k:
                    all_records.append((replica, day, t, rec))
    truth = compute_truth(all_records, files, lost)
    return files, truth


def _pct(x: np.ndarray) -> dict[str, float | None]:
    if len(x) == 0:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    return {
        "p50": round(float(np.percentile(x, 50)), 3),
        "p95": round(float(np.percentile(x, 95)), 3),
        "p99": round(float(np.percentile(x, 99)), 3),
        "max": float(np.max(x)),
    }


def _summ(recs: list[tuple[str, int, int, dict]]) -> dict:
    inf = [r for _, _, _, r in recs if r["event"] == "inference"]
    pred = [r for _, _, _, r in recs if r["event"] == "prediction"]
    res = [r for _, _, _, r in recs if r["event"] == "resources"]
    status_counts = {s: sum(1 for r in inf if r["status"] == s) for s in STATUS_CODES}
    lat_all = np.array([r["latency_ms"] for r in inf])
    lat_ok = np.array([r["latency_ms"] for r in inf if r["status"] == "ok"])
    label_counts = {c: sum(1 for r in pred if r["label"] == c) for c in CLASSES}
    conf = np.array([r["confidence"] for r in pred])
    widths = [r["features"].get("width") for r in inf if "width" in r["features"]]
    n_inf = len(inf)
    return {
        "inference": n_inf,
        "prediction": len(pred),
        "resources": len(res),
        "status": status_counts,
        "error_rate_non_ok": round((n_inf - status_counts["ok"]) / n_inf, 6) if n_inf else None,
        "server_error_rate_5xx": (
            round((status_counts["error"] + status_counts["timeout"]) / n_inf, 6) if n_inf else None
        ),
        "latency_ms_all": _pct(lat_all),
        "latency_ms_ok": _pct(lat_ok),
        "labels": label_counts,
        "label_shares": {c: round(v / len(pred), 4) if pred else None for c, v in label_counts.items()},
        "confidence_mean": round(float(conf.mean()), 4) if len(conf) else None,
        "width_1280_share": (round(sum(1 for w in widths if w == 1280) / len(widths), 4) if widths else None),
    }


def compute_truth(recs, files, lost) -> dict:
    shift = _us(SHIFT_START)
    slow0, slow1 = _us(SLOW_START), _us(SLOW_END)
    wed0, wed1 = 2 * US_PER_DAY, 3 * US_PER_DAY
    truth: dict = {
        "seed": SEED,
        "numpy": np.__version__,
        "percentiles": "numpy.percentile default (linear interpolation)",
        "note": "counts exclude the one record lost to the malformed line",
        "malformed": lost,
        "total": _summ(recs),
        "pre_shift": _summ([r for r in recs if r[2] < shift]),
        "post_shift": _summ([r for r in recs if r[2] >= shift]),
        "slow_afternoon": _summ([r for r in recs if slow0 <= r[2] < slow1]),
        "wednesday_outside_slow": _summ([r for r in recs if wed0 <= r[2] < wed1 and not (slow0 <= r[2] < slow1)]),
        "per_replica": {rep: _summ([r for r in recs if r[0] == rep]) for rep in REPLICAS},
        "per_file": {},
        "bytes": {},
    }
    for rep in REPLICAS:
        for day in range(N_DAYS):
            name = file_name(day)
            sub = [r for r in recs if r[0] == rep and r[1] == day]
            s = _summ(sub)
            lines = len(sub) + (1 if lost and lost["file"] == f"replica-{rep}/{name}" else 0)
            truth["per_file"][f"replica-{rep}/{name}"] = {
                "day": (WEEK_START + timedelta(days=day)).strftime("%a %Y-%m-%d"),
                "lines": lines,
                "inference": s["inference"],
                "prediction": s["prediction"],
                "resources": s["resources"],
                "status": s["status"],
            }
            truth["bytes"][f"replica-{rep}/{name}"] = len(files[rep][name])
    truth["bytes"]["total"] = sum(len(b) for f in files.values() for b in f.values())
    return truth


def render_readme(truth: dict) -> str:
    t = truth
    m = t["malformed"]

    def row(label: str, s: dict) -> str:
        la, lo = s["latency_ms_all"], s["latency_ms_ok"]
        sh = s["label_shares"]
        return (
            f"| {label} | {s['inference']} | {s['prediction']} | {s['resources']} | "
            f"{s['status']['error']} / {s['status']['timeout']} / {s['status']['invalid_input']} | "
            f"{la['p50']} / {la['p95']} / {la['p99']} | {lo['p50']} / {lo['p95']} / {lo['p99']} | "
            f"{sh['A']} / {sh['B']} / {sh['C']} / {sh['D']} | {s['confidence_mean']} | "
            f"{s['width_1280_share']} |"
        )

    summary_rows = "\n".join(
        [
            row("whole week, both replicas", t["total"]),
            row("pre-shift (Mon-Wed)", t["pre_shift"]),
            row("post-shift (Thu-Sun)", t["post_shift"]),
            row("Wed 13:00-17:00 (slow)", t["slow_afternoon"]),
            row("Wed outside 13:00-17:00", t["wednesday_outside_slow"]),
            row("replica-a (week)", t["per_replica"]["a"]),
            row("replica-b (week)", t["per_replica"]["b"]),
        ]
    )
    file_rows = "\n".join(
        f"| `{path}` | {v['day']} | {t['bytes'][path]:,} | {v['lines']} | {v['inference']} | "
        f"{v['prediction']} | {v['resources']} | {v['status']['error']} / "
        f"{v['status']['timeout']} / {v['status']['invalid_input']} |"
        for path, v in t["per_file"].items()
    )
    shares_shift = " / ".join(f"{c} {s * 100:.2f} %" for c, s in zip(CLASSES, SHIFTED_SHARES))
    return f"""# Sample logs: `imgcls` 1.4.0, two replicas, one week

Generated by `python sample_logs/generate.py` (seed {SEED}, numpy {t["numpy"]}); do not edit
by hand. Rerunning the script rewrites identical bytes (gzip with mtime 0). The full
description of every record and distribution is the module docstring of
[`generate.py`](generate.py); `python sample_logs/generate.py --truth` prints all the
numbers below (and more) as JSON without writing anything.

Note: this directory also holds `README.md` and `generate.py`. Point mlmon at
`sample_logs/replica-a`, `sample_logs/replica-b` or both, or make sure directory
ingestion skips non-log files.

## Layout

| replica | dialect | keys |
|---|---|---|
| `replica-a/` | python-json-logger | `asctime` `"2026-11-09 12:00:00,123"` (UTC wall time, no zone), `levelname` (`INFO`/`WARNING`/`ERROR`), `message` = event, extras at top level |
| `replica-b/` | structlog JSONRenderer | keys at top level, then `event`, `level` (`info`/`warning`/`error`), `timestamp` `"2026-11-09T12:00:00.123456Z"` |

Logrotate layout, rotated at exactly 00:00 UTC: `app.log` = Sun 2026-11-15 (newest),
`app.log.1` = Sat 11-14, `app.log.2.gz` = Fri 11-13, `app.log.3.gz` = Thu 11-12,
`app.log.4.gz` = Wed 11-11, `app.log.5.gz` = Tue 11-10, `app.log.6.gz` = Mon 11-09.
Total size on disk: {t["bytes"]["total"]:,} bytes.

Events: `inference` (every request: `request_id`, `model`, `model_version`, `latency_ms`,
`status`, `status_code`, `error` when not ok, nested `features`: `brightness`, `contrast`,
`width`, `height`, `aspect_ratio` = width / height (4 decimals), `exposure_ms`, `iso`,
`temperature_c`), `prediction` (ok requests only: `label`, `confidence`, `probabilities`
{{A,B,C,D}} summing to 1), `resources` (every minute per replica: `cpu_percent`,
`rss_mb`). All records also carry `replica`, `model` (`imgcls`) and `model_version`
(`1.4.0`).

## Scenario

- **Baseline**: ok latency lognormal, median 25 ms (sigma 0.35). Status shares error 0.5 %
  (500), timeout 0.2 % (504, latency 1000.2-1005 ms), invalid_input 0.3 % (422; features
  hold only `exposure_ms`, `iso`, `temperature_c`), ok 99 % (200). Diurnal traffic, low at
  02:00 UTC, high at 14:00 UTC; Sat/Sun at 90 %.
- **Slow afternoon**: Wednesday 2026-11-11, 13:00:00 <= t < 17:00:00 UTC, both replicas:
  ok latency is a mixture (80 % median 40 ms, 20 % median 250 ms sigma 0.7); draws over
  the 1000 ms deadline become timeouts, and 1.5 % of the would-be ok requests time out
  too (roughly 2-3 % timeouts in the window against 0.2 % elsewhere). cpu_percent +25.
- **Shift** at exactly Thursday 2026-11-12 00:00:00 UTC (files `app.log.3.gz` and newer):
  class shares A 40 % / B 30 % / C 20 % / D 10 % -> {shares_shift};
  mean confidence 0.85 -> 0.70; resolution 640x480 -> 1280x720 for 85 % of requests
  (`width`, `height`), so `aspect_ratio` 1.3333 -> 1.7778 for them. Other features do not
  change.
- **One malformed line**: `{m["file"]}`, line {m["line"]} (1-based): the `{m["event"]}`
  record of request `{m["request_id"]}` (time {m["time"]}) cut in the middle of its JSON
  object; the rest of that record is lost (other lines of the same request, intact:
  {", ".join(str(x) for x in m["same_request_lines"]) or "none"}). Every other line of every
  file is a valid JSON object. The line reads:

  ```
  {m["text"]}
  ```

## Ground truth (records as written; percentiles: numpy.percentile default, linear)

Counts exclude the record lost to the malformed line. Latency "all" is over every
`inference` record (including errors and timeouts); "ok" is over `status == "ok"` only.
Label shares and mean confidence are over `prediction` records; the 1280 share is over
`inference` records that carry a width.

| slice | inference | prediction | resources | error / timeout / invalid | latency all p50 / p95 / p99 | latency ok p50 / p95 / p99 | shares A / B / C / D | mean conf | 1280 share |
|---|---|---|---|---|---|---|---|---|---|
{summary_rows}

Error rates over the week: non-ok share {t["total"]["error_rate_non_ok"]}, 5xx share
(error + timeout) {t["total"]["server_error_rate_5xx"]}.

## Files

| file | day (UTC) | bytes | lines | inference | prediction | resources | error / timeout / invalid |
|---|---|---|---|---|---|---|---|
{file_rows}
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", action="store_true", help="print the ground truth JSON only")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: here)")
    args = ap.parse_args(argv)
    files, truth = build()
    if args.truth:
        json.dump(truth, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for replica, fs in files.items():
        d = args.out / f"replica-{replica}"
        d.mkdir(parents=True, exist_ok=True)
        for name, data in fs.items():
            (d / name).write_bytes(data)
    (args.out / "README.md").write_text(render_readme(truth), encoding="utf-8")
    print(
        f"wrote {sum(len(f) for f in files.values())} files, {truth['bytes']['total']:,} bytes, to {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
