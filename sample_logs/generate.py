"""Generate the committed sample logs of the ``imgcls`` service (deterministic).

Run from the repository root::

    python sample_logs/generate.py            # (re)write sample_logs/replica-{a,b}/ and README.md
    python sample_logs/generate.py --truth    # print the ground truth as JSON, write nothing

Only the standard library and numpy are used. Every random number comes from a seeded
``numpy.random.Generator``; gzip members are written with ``mtime=0`` and no file name, so
rerunning the script (with the same numpy version) reproduces identical bytes.

The service
-----------
A 4-class image classifier ``imgcls`` (classes ``A``..``D``), ``model_version`` ``1.4.0``
(and ``1.5.0`` for part of Sunday's requests: the canary below), with two replicas that log
in two different JSON dialects:

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
  They describe the replica's process, so they always carry ``model_version`` ``1.4.0``.

A request's ``inference``, ``prediction`` and ``label`` records carry the version that
served it (``1.4.0``, or ``1.5.0`` for the canary's requests).

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
* Canary (issue 25): Sunday 2026-11-15 06:00:00 <= t < 22:00:00 UTC, both replicas, each
  request is served by ``1.5.0`` (same ``model`` ``imgcls``) with probability 0.5 (one draw
  per request), else by ``1.4.0``. Total traffic, request times, request ids, statuses (so
  the error and timeout shares: the same process as 1.4.0's) and features are what they
  would have been without the canary. 1.5.0 differs in
    - ok latency, slower at the tail only: a mixture of 90 % lognormal(median 25 ms, sigma
      0.35), as 1.4.0, and 10 % lognormal(median 120 ms, sigma 0.5), so p50 barely moves
      while p95 rises from ~45 to ~110 ms and p99 from ~57 to ~190 ms;
    - predictions: class shares A 55 % / B 25 % / C 13 % / D 7 % (1.4.0 on Sunday, after
      the shift: A 75 / B 12.5 / C 8.33 / D 4.17 %) and confidence 0.4 + 0.6 * Beta(4, 6)
      (mean 0.64; 1.4.0's is 0.70).
  Its labels come from the same process as 1.4.0's post-shift labels (truth = the predicted
  class with probability 0.9 x confidence), so its true accuracy is lower (~0.57 against
  ~0.63). Everything the canary draws comes from its own generator,
  ``default_rng([SEED, CANARY_STREAM, replica index])``, after every other draw of the day:
  only Sunday's ``app.log`` files change, and only inside the period (plus the few Sunday
  labels that arrive by the week's end). The period is 16 h and the share 0.5 so that each
  version has about 800 ok requests in it (at 08:00-20:00 and 0.25 it would be ~330).
  ``--truth`` prints the figures of each version in the period under ``canary``.
* Exactly ONE malformed line: ``replica-a/app.log.1`` (Saturday 2026-11-14), the file's
  ``MALFORMED_RECORD`` = 2000th service record (1-based, label records not counted; it is
  line 2614 of the file, which the label records push down). It is the start of the
  ``inference`` record of the ok request ``2d38665242dd95b1`` at 2026-11-14 14:21:35,863, cut
  inside the ``"latency_ms`` key (the line ends with ``"latency_ms``, before the key's closing
  quote; this was the record's first half by characters before ``aspect_ratio`` lengthened its
  features, and the cut stays where it was) and followed by a newline; the rest of that record
  is lost. Its ``prediction`` record (the line before) is intact. All other lines of all files
  are valid JSON. Ground-truth counts exclude the lost record (so replica-a/app.log.1 has
  1,022 predictions but only 1,021 ok inference records).

Ground truth and labels (issue 24)
----------------------------------
Every prediction has a true class, drawn (with everything below) from a SEPARATE generator,
``default_rng([SEED, LABEL_STREAM])``, so every service record is byte for byte what it was
before labels existed; the label records only add lines.

* Before the shift the model is calibrated: the truth is drawn from the logged probability
  vector (``sample_truth``), so accuracy ~ mean confidence ~ 0.85. After it (the camera
  change) the truth is the predicted class with probability ``POST_SHIFT_AGREEMENT`` (0.9) x
  confidence, else another class in proportion to its logged probability: the confidence
  falls to 0.70 (which CBPE's estimate sees at once) and the accuracy falls further, to
  about 0.63 (the model is also over-confident on the new images: concept drift).
* ``label`` records (``request_id``, ``replica``, ``model``, ``model_version``, ``actual``;
  level info) are written in the dialect of the replica that served the request, into the
  file of the day the label ARRIVES: prediction time + a lognormal delay (median 60 h,
  sigma 0.5, a review queue of about 2.5 days). 10 % of predictions are never labelled;
  1 % of the labelled are labelled again with the same value and 0.3 % with a different
  one (the second label a lognormal(median 6 h, sigma 1) later). Labels that would arrive
  after Sunday 2026-11-15 23:59:59 UTC are not written: they have not arrived. Six orphan
  labels (ids of last week's requests) arrive on Monday between 00:00 and 06:00 UTC.
  So at the week's end Mon-Thu are mostly labelled (87 % down to 66 %), Friday partly
  (42 %) and Sat-Sun hardly at all: with mlmon's default 50 % minimum coverage Mon-Thu
  are judged and Fri-Sun wait.
* ``--truth`` prints the counts (label records, never labelled, labelled after the week,
  duplicates, conflicts, orphans) and per prediction day the labelled predictions,
  coverage, realized accuracy on the labelled ones, the true accuracy of every prediction,
  mean confidence and the label lag; README.md quotes them.
* In the canary period each version's predictions get their truth as above (both are
  post-shift); ``--truth`` gives each version's true accuracy there (``canary``).

``references/generate_train.py`` imports ``sample_labels``, ``sample_probabilities``,
``sample_features`` and ``sample_truth`` from this file to draw the training data from the pre-shift regime.
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

# The canary (issue 25): 1.5.0 serves part of Sunday's traffic, drawn from default_rng([SEED, CANARY_STREAM, r])
CANARY_VERSION = "1.5.0"
CANARY_START = datetime(2026, 11, 15, 6, tzinfo=UTC)  # Sunday 06:00 UTC
CANARY_END = datetime(2026, 11, 15, 22, tzinfo=UTC)  # Sunday 22:00 UTC (exclusive)
CANARY_SHARE = 0.5  # P(a request in the period is served by 1.5.0), one draw per request
CANARY_STREAM = 25
CANARY_TAIL_SHARE = 0.10  # ok latency: 90 % like 1.4.0 (median 25 ms, sigma 0.35), 10 % the slow tail
CANARY_TAIL_MEDIAN_MS = 120.0
CANARY_TAIL_SIGMA = 0.5
CANARY_SHARES = (0.55, 0.25, 0.13, 0.07)  # 1.5.0's class shares (1.4.0 on Sunday: 75 / 12.5 / 8.33 / 4.17 %)
CONF_BETA_CANARY = (4.0, 6.0)  # mean 0.4 + 0.6 * 0.40 = 0.64 (1.4.0 on Sunday: 0.70)

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
MALFORMED_RECORD = 2000  # 1-based, among the file's service records (label records not counted)

# Ground truth and label records (issue 24), all drawn from default_rng([SEED, LABEL_STREAM])
LABEL_STREAM = 24
POST_SHIFT_AGREEMENT = 0.9  # post-shift P(truth == label) = 0.9 * confidence (pre-shift: = confidence)
LABEL_DELAY_MEDIAN_H = 60.0  # label arrival - prediction time: lognormal, median 60 h (2.5 days)
LABEL_DELAY_SIGMA = 0.5
UNLABELLED_SHARE = 0.10  # never labelled
DUPLICATE_SHARE = 0.01  # labelled twice, same value
CONFLICT_SHARE = 0.003  # labelled twice, different values
SECOND_LABEL_MEDIAN_H = 6.0  # the second label comes this much later (lognormal, sigma 1)
N_ORPHANS = 6  # labels of last week's requests, Monday 00:00-06:00 UTC, alternating replicas

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------------------
# Distributions shared with references/generate_train.py
# --------------------------------------------------------------------------------------


def sample_labels(
    rng: np.random.Generator, n: int, shifted: bool, shares: tuple[float, ...] | None = None
) -> np.ndarray:
    """Class indices (0..3 for A..D) drawn from the base or shifted class shares (or ``shares``)."""
    if shares is None:
        shares = SHIFTED_SHARES if shifted else BASE_SHARES
    return rng.choice(len(CLASSES), size=n, p=np.asarray(shares))


def sample_probabilities(
    rng: np.random.Generator, labels: np.ndarray, shifted: bool, conf_beta: tuple[float, float] | None = None
) -> np.ndarray:
    """Probability rows (n, 4) rounded to 4 decimals whose argmax is ``labels``.

    The label's probability (the confidence) is ``0.4 + 0.6 * Beta(a, b)`` (``conf_beta``, else
    the base or shifted parameters); the remainder is
    split over the other three classes by a Dirichlet(1.5, 1.5, 1.5) draw, redrawn until each
    other probability is below the confidence. The label's rounded probability is
    ``1 - sum(rounded others)``, so each row sums to exactly 1 in 4-decimal arithmetic.
    Returns integer ten-thousandths (int64), to be divided by 10,000.
    """
    n = len(labels)
    a, b = conf_beta or (CONF_BETA_SHIFTED if shifted else CONF_BETA_BASE)
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


def sample_truth(rng: np.random.Generator, labels: np.ndarray, probs: np.ndarray, agreement: float = 1.0) -> np.ndarray:
    """True class indices for predictions ``labels`` with probability rows ``probs`` (int
    ten-thousandths, as ``sample_probabilities`` returns), one uniform draw per row.

    ``agreement`` 1 is a calibrated model: the truth is drawn from the probability vector.
    Below 1 the truth is the predicted class with probability ``agreement * confidence``
    and another class with the rest, split in proportion to their logged probabilities.
    """
    q = probs.astype(np.float64) / 10_000
    rows = np.arange(len(labels))
    conf = q[rows, labels]
    scale = (1.0 - agreement * conf) / np.maximum(1.0 - conf, 1e-12)
    q = q * scale[:, None]
    q[rows, labels] = agreement * conf
    u = rng.random(len(labels))
    cdf = np.cumsum(q, axis=1)
    return np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=1), len(CLASSES) - 1)


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


def serve_canary(
    rng: np.random.Generator,
    t_req: np.ndarray,
    status: np.ndarray,
    lat: np.ndarray,
    to_lat: np.ndarray,
    labels: np.ndarray,
    probs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hand the requests of the canary period to 1.5.0 with probability CANARY_SHARE.

    Draws only from ``rng`` (the canary's own generator), after every draw of the day, so
    nothing outside the period changes and inside it the status (hence the error rates), the
    features and the request ids stay what 1.4.0 would have had. A canary request's ok latency
    is redrawn from the 90 / 10 mixture (a draw over the deadline would become a timeout) and
    its prediction from CANARY_SHARES and CONF_BETA_CANARY. Returns (version, status, latency,
    labels, probabilities), new arrays.
    """
    n = len(t_req)
    in_period = (t_req >= _us(CANARY_START)) & (t_req < _us(CANARY_END))
    canary = in_period & (rng.random(n) < CANARY_SHARE)
    c_lat = np.where(
        rng.random(n) < CANARY_TAIL_SHARE,
        _lognormal_ms(rng, CANARY_TAIL_MEDIAN_MS, CANARY_TAIL_SIGMA, n),
        _lognormal_ms(rng, 25.0, 0.35, n),
    )
    c_labels = sample_labels(rng, n, True, shares=CANARY_SHARES)
    c_probs = sample_probabilities(rng, c_labels, True, conf_beta=CONF_BETA_CANARY)
    ok = canary & (status == "ok")
    late = ok & (c_lat > TIMEOUT_MS)
    status = np.where(late, "timeout", status).astype(object)
    lat = np.where(ok, np.round(np.where(late, to_lat, c_lat), 3), lat)
    labels = np.where(canary, c_labels, labels)
    probs = np.where(canary[:, None], c_probs, probs)
    version = np.where(canary, CANARY_VERSION, MODEL_VERSION).astype(object)
    return version, status, lat, labels, probs


def simulate_day(
    rng: np.random.Generator, day: int, replica: str, canary_rng: np.random.Generator | None = None
) -> list[tuple[int, int, dict]]:
    """All records of one replica for one UTC day as (t_us, seq, record) tuples.

    ``record`` holds the event name under ``"event"``, the level under ``"level"`` and the
    payload keys in output order; formatting into a dialect happens in ``format_line``.
    With ``canary_rng``, requests of the canary period may go to 1.5.0 (``serve_canary``).
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
    version = np.full(n, MODEL_VERSION, dtype=object)
    if canary_rng is not None:
        version, status, lat, labels, probs = serve_canary(canary_rng, t_req, status, lat, to_lat, labels, probs)

    records: list[tuple[int, int, dict]] = []
    for i in range(n):
        st = status[i]
        rid = f"{int(request_ids[i]):016x}"
        base = {"replica": replica, "model": SERVICE, "model_version": version[i]}
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


def simulate_labels(service: dict[tuple[str, int], list[tuple[int, int, dict]]]) -> tuple[list[dict], list[dict]]:
    """The true class of every prediction and the label records that arrive by the week's end.

    Draws from its own generator, ``default_rng([SEED, LABEL_STREAM])``, so every service
    record is as it was before labels existed. Returns (one dict per prediction: replica, day,
    t, request_id, label, confidence, truth, shifted, arrivals (times of the labels written,
    with their values)), and the label records as (replica, t_us, record) dicts in
    ``{"replica", "t", "record"}`` form, orphans included.
    """
    preds = [
        (rep, day, t, rec) for (rep, day), recs in service.items() for t, _, rec in recs if rec["event"] == "prediction"
    ]
    n = len(preds)
    rng = np.random.default_rng([SEED, LABEL_STREAM])
    labels = np.array([CLASSES.index(r["label"]) for *_, r in preds])
    probs = np.array([[round(r["probabilities"][c] * 10_000) for c in CLASSES] for *_, r in preds])
    t_pred = np.array([t for _, _, t, _ in preds], dtype=np.int64)
    shifted = t_pred >= _us(SHIFT_START)
    truth = np.where(
        shifted,
        sample_truth(rng, labels, probs, POST_SHIFT_AGREEMENT),
        sample_truth(rng, labels, probs, 1.0),
    )
    labelled = rng.random(n) >= UNLABELLED_SHARE
    delay = np.rint(rng.lognormal(math.log(LABEL_DELAY_MEDIAN_H), LABEL_DELAY_SIGMA, n) * 3.6e9).astype(np.int64)
    twice = rng.random(n)
    second = np.rint(rng.lognormal(math.log(SECOND_LABEL_MEDIAN_H), 1.0, n) * 3.6e9).astype(np.int64)
    other = (truth + rng.integers(1, len(CLASSES), n)) % len(CLASSES)
    week_end = N_DAYS * US_PER_DAY
    rows: list[dict] = []
    out: list[dict] = []
    for i, (rep, day, t, rec) in enumerate(preds):
        values: list[tuple[int, int]] = []
        if labelled[i]:
            values.append((int(t + delay[i]), int(truth[i])))
            if twice[i] < DUPLICATE_SHARE:
                values.append((int(t + delay[i] + second[i]), int(truth[i])))
            elif twice[i] < DUPLICATE_SHARE + CONFLICT_SHARE:
                values.append((int(t + delay[i] + second[i]), int(other[i])))
        arrived = [(ta, v) for ta, v in values if ta < week_end]
        rows.append(
            {
                "replica": rep,
                "day": day,
                "t": t,
                "request_id": rec["request_id"],
                "version": rec["model_version"],
                "label": int(labels[i]),
                "confidence": rec["confidence"],
                "truth": int(truth[i]),
                "shifted": bool(shifted[i]),
                "labelled": bool(labelled[i]),
                "values": values,
                "arrived": arrived,
            }
        )
        out.extend(
            {"replica": rep, "t": ta, "record": _label_record(rep, rec["request_id"], v, rec["model_version"])}
            for ta, v in arrived
        )
    orphan_ids = rng.integers(0, 2**63 - 1, size=N_ORPHANS, dtype=np.int64)
    orphan_t = np.sort(rng.integers(0, 6 * 3_600_000_000, size=N_ORPHANS))
    orphan_v = rng.integers(0, len(CLASSES), size=N_ORPHANS)
    for k in range(N_ORPHANS):
        rep = REPLICAS[k % len(REPLICAS)]
        rec = _label_record(rep, f"{int(orphan_ids[k]):016x}", int(orphan_v[k]))
        out.append({"replica": rep, "t": int(orphan_t[k]), "record": rec, "orphan": True})
    return rows, out


def _label_record(replica: str, request_id: str, value: int, version: str = MODEL_VERSION) -> dict:
    return {
        "event": "label",
        "level": "info",
        "request_id": request_id,
        "replica": replica,
        "model": SERVICE,
        "model_version": version,
        "actual": CLASSES[value],
    }


def build() -> tuple[dict[str, dict[str, bytes]], dict]:
    """Return ({replica: {file name: bytes}}, truth) without touching the disk."""
    service: dict[tuple[str, int], list[tuple[int, int, dict]]] = {}
    for r_idx, replica in enumerate(REPLICAS):
        for day in range(N_DAYS):
            in_canary = _us(CANARY_START) < (day + 1) * US_PER_DAY and _us(CANARY_END) > day * US_PER_DAY
            canary_rng = np.random.default_rng([SEED, CANARY_STREAM, r_idx]) if in_canary else None
            service[(replica, day)] = simulate_day(np.random.default_rng([SEED, r_idx, day]), day, replica, canary_rng)
    pred_rows, label_recs = simulate_labels(service)
    merged = {key: list(recs) for key, recs in service.items()}
    for lab in label_recs:
        merged[(lab["replica"], lab["t"] // US_PER_DAY)].append((lab["t"], 3, lab["record"]))
    files: dict[str, dict[str, bytes]] = {replica: {} for replica in REPLICAS}
    all_records: list[tuple[str, int, int, dict]] = []  # (replica, day, t_us, rec)
    lost: dict | None = None
    for (replica, day), recs in merged.items():
        recs.sort(key=lambda r: (r[0], r[1]))  # stable: service records keep their order
        name = file_name(day)
        lines = [format_line(t, rec, replica) for t, _, rec in recs]
        kept = [True] * len(recs)
        if replica == MALFORMED_REPLICA and name == MALFORMED_FILE:
            target = service[(replica, day)][MALFORMED_RECORD - 1][2]
            i = next(j for j, (_, _, rec) in enumerate(recs) if rec is target)
            cut = lines[i].index('"latency_ms"') + len('"latency_ms')
            lines[i] = lines[i][:cut]
            kept[i] = False
            t_lost, _, rec_lost = recs[i]
            lost = {
                "replica": replica,
                "file": f"replica-{replica}/{name}",
                "line": i + 1,
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
    truth["labels"] = label_truth(pred_rows, label_recs)
    truth["canary"] = canary_truth(all_records, pred_rows)
    return files, truth


def canary_truth(recs: list[tuple[str, int, int, dict]], rows: list[dict]) -> dict:
    """The canary period per version, both replicas: the ``_summ`` figures of its inference and
    prediction records (resources carry 1.4.0 and are left out), its share of the period's
    requests, requests per replica, and the true accuracy of its predictions (every prediction,
    labelled or not; the labels of Sunday mostly arrive after the week)."""
    t0, t1 = _us(CANARY_START), _us(CANARY_END)
    period = [r for r in recs if t0 <= r[2] < t1 and r[3]["event"] in ("inference", "prediction")]
    n_requests = sum(1 for r in period if r[3]["event"] == "inference")
    per_version = {}
    for version in (MODEL_VERSION, CANARY_VERSION):
        sub = [r for r in period if r[3]["model_version"] == version]
        s = _summ(sub)
        del s["resources"]
        preds = [r for r in rows if r["version"] == version and t0 <= r["t"] < t1]
        ok = [r for r in preds if r["arrived"] and len({v for _, v in r["arrived"]}) == 1]
        per_version[version] = {
            "share_of_requests": round(s["inference"] / n_requests, 4),
            "inference_per_replica": {
                rep: sum(1 for r in sub if r[0] == rep and r[3]["event"] == "inference") for rep in REPLICAS
            },
            "ok_with_latency": s["status"]["ok"],
            **s,
            "true_accuracy": round(sum(r["truth"] == r["label"] for r in preds) / len(preds), 4),
            "labelled_by_the_week_end": len(ok),
        }
    return {
        "model": (
            f"{CANARY_VERSION} serves each request of {CANARY_START.isoformat().replace('+00:00', 'Z')} <= t < "
            f"{CANARY_END.isoformat().replace('+00:00', 'Z')} with probability {CANARY_SHARE} (both replicas); "
            f"ok latency {1 - CANARY_TAIL_SHARE:.0%} lognormal(median 25 ms, sigma 0.35) and "
            f"{CANARY_TAIL_SHARE:.0%} lognormal(median {CANARY_TAIL_MEDIAN_MS:g} ms, sigma {CANARY_TAIL_SIGMA}); "
            f"class shares {' / '.join(f'{c} {x:.0%}' for c, x in zip(CLASSES, CANARY_SHARES))}; confidence "
            f"0.4 + 0.6 * Beta{CONF_BETA_CANARY} (mean 0.64); the same status shares as {MODEL_VERSION}"
        ),
        "period": [_dt(t0).isoformat().replace("+00:00", "Z"), _dt(t1).isoformat().replace("+00:00", "Z")],
        "share": CANARY_SHARE,
        "requests_in_period": n_requests,
        "per_version": per_version,
    }


def label_truth(rows: list[dict], label_recs: list[dict]) -> dict:
    """The label story as mlmon's join should see it at the week's end: per prediction day
    (both replicas; ``per_day`` both versions together, ``per_version_day`` each version apart,
    as mlmon's windows are), predictions, labelled (some label arrived, values agreeing),
    conflicting (two values arrived), coverage, realized accuracy on the labelled ones, the
    true accuracy of every prediction of the day (labels or not), mean confidence and label lag
    p50 / p95 in hours (first label, numpy linear)."""
    per_day = {}
    per_version_day: dict[str, dict] = {}
    for day in range(N_DAYS):
        name = (WEEK_START + timedelta(days=day)).strftime("%Y-%m-%d")
        sub = [r for r in rows if r["day"] == day]
        per_day[name] = _label_day(sub)
        for version in dict.fromkeys(r["version"] for r in sub):
            mine = [r for r in sub if r["version"] == version]
            per_version_day.setdefault(version, {})[name] = _label_day(mine)
    arrived = [r for r in rows if r["arrived"]]
    return {
        "model": (
            f"The true class is drawn from the logged probability vector before the shift (a calibrated "
            f"model), and after it is the predicted class with probability {POST_SHIFT_AGREEMENT} x "
            f"confidence (an over-confident one); a label arrives a lognormal delay (median "
            f"{LABEL_DELAY_MEDIAN_H:g} h, sigma {LABEL_DELAY_SIGMA}) after its prediction, in the log of "
            f"the replica that served it"
        ),
        "predictions": len(rows),
        "label_records": len(label_recs),
        "never_labelled": sum(1 for r in rows if not r["labelled"]),
        "labelled_after_the_week": sum(1 for r in rows if r["labelled"] and not r["arrived"]),
        "labelled_by_the_week_end": len(arrived),
        "duplicates_same_value": sum(
            1 for r in arrived if len(r["arrived"]) == 2 and r["arrived"][0][1] == r["arrived"][1][1]
        ),
        "conflicting": sum(1 for r in arrived if len({v for _, v in r["arrived"]}) > 1),
        "orphans": sum(1 for lab in label_recs if lab.get("orphan")),
        "per_day": per_day,
        "per_version_day": per_version_day,
    }


def _label_day(sub: list[dict]) -> dict:
    """``label_truth``'s figures for one day's predictions ``sub`` (one version or all)."""
    ok = [r for r in sub if r["arrived"] and len({v for _, v in r["arrived"]}) == 1]
    lag = np.array([(r["arrived"][0][0] - r["t"]) / 3.6e9 for r in ok])
    return {
        "predictions": len(sub),
        "labelled": len(ok),
        "conflicting": sum(1 for r in sub if len({v for _, v in r["arrived"]}) > 1),
        "coverage": round(len(ok) / len(sub), 4),
        "accuracy_labelled": round(sum(r["truth"] == r["label"] for r in ok) / len(ok), 4) if ok else None,
        "accuracy_all": round(sum(r["truth"] == r["label"] for r in sub) / len(sub), 4),
        "confidence_mean": round(float(np.mean([r["confidence"] for r in sub])), 4),
        "lag_h_p50": round(float(np.percentile(lag, 50)), 1) if len(lag) else None,
        "lag_h_p95": round(float(np.percentile(lag, 95)), 1) if len(lag) else None,
    }


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
        "per_version": {  # the week, each version's inference and prediction records (resources carry 1.4.0)
            v: _summ([r for r in recs if r[3]["model_version"] == v and r[3]["event"] in ("inference", "prediction")])
            for v in (MODEL_VERSION, CANARY_VERSION)
        },
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
            row("1.4.0 (week)", t["per_version"][MODEL_VERSION]),
            row("1.5.0 (week: the canary)", t["per_version"][CANARY_VERSION]),
        ]
    )
    file_rows = "\n".join(
        f"| `{path}` | {v['day']} | {t['bytes'][path]:,} | {v['lines']} | {v['inference']} | "
        f"{v['prediction']} | {v['resources']} | {v['status']['error']} / "
        f"{v['status']['timeout']} / {v['status']['invalid_input']} |"
        for path, v in t["per_file"].items()
    )
    lab = t["labels"]
    label_rows = "\n".join(
        f"| {day} | {v['predictions']} | {v['labelled']} | {v['conflicting']} | {v['coverage']} | "
        f"{v['accuracy_labelled']} | {v['accuracy_all']} | {v['confidence_mean']} | "
        f"{v['lag_h_p50']} / {v['lag_h_p95']} |"
        for day, v in lab["per_day"].items()
    )
    shares_shift = " / ".join(f"{c} {s * 100:.2f} %" for c, s in zip(CLASSES, SHIFTED_SHARES))
    can = t["canary"]
    canary_rows = "\n".join(
        f"| {version} | {v['inference']} ({v['inference_per_replica']['a']} / {v['inference_per_replica']['b']}) | "
        f"{v['share_of_requests']} | {v['ok_with_latency']} | {v['status']['error']} / {v['status']['timeout']} / "
        f"{v['status']['invalid_input']} | {v['error_rate_non_ok']} | {v['latency_ms_ok']['p50']} / "
        f"{v['latency_ms_ok']['p95']} / {v['latency_ms_ok']['p99']} | {v['latency_ms_all']['p50']} / "
        f"{v['latency_ms_all']['p95']} / {v['latency_ms_all']['p99']} | "
        + " / ".join(str(v["label_shares"][c]) for c in CLASSES)
        + f" | {v['confidence_mean']} | {v['true_accuracy']} |"
        for version, v in can["per_version"].items()
    )
    return f"""# Sample logs: `imgcls` 1.4.0 (and a 1.5.0 canary), two replicas, one week

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
`rss_mb`), `label` (the true class of an earlier prediction, when it arrives:
`request_id`, `actual`). All records also carry `replica`, `model` (`imgcls`) and
`model_version`: `1.4.0`, except the `inference`, `prediction` and `label` records of the
requests that the canary (below) served, which carry `1.5.0`.

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
- **Canary**: Sunday 2026-11-15, 06:00:00 <= t < 22:00:00 UTC, both replicas: each request
  is served by `model_version` `1.5.0` with probability {CANARY_SHARE} (one draw per request),
  else by `1.4.0`; total traffic does not change. 1.5.0 is slower at the tail only (ok
  latency: {1 - CANARY_TAIL_SHARE:.0%} as 1.4.0, {CANARY_TAIL_SHARE:.0%} lognormal median {CANARY_TAIL_MEDIAN_MS:g} ms sigma {CANARY_TAIL_SIGMA}:
  the same p50, a much higher p95 and p99), and its predictions are shifted (class
  shares A 55 % / B 25 % / C 13 % / D 7 % against 1.4.0's A 75 % / B 12.5 % / C 8.33 % / D 4.17 %; mean confidence 0.64 against 0.70). Its
  errors and timeouts come from the same process as 1.4.0's, so the error rates match; its
  labels too (truth = prediction with probability 0.9 x confidence), so its true accuracy is
  lower. `resources` records (the process) keep `1.4.0`. The canary draws from its own
  generator: nothing outside the period changes. So `mlmon compare` of 1.5.0 against 1.4.0
  should fail the latency tail and the predicted classes and pass the error rate. The period
  is 16 h and the share {CANARY_SHARE} so that each version has about 800 ok requests in it.
- **One malformed line**: `{m["file"]}`, line {m["line"]} (1-based): the `{m["event"]}`
  record of request `{m["request_id"]}` (time {m["time"]}) cut in the middle of its JSON
  object; the rest of that record is lost (other lines of the same request, intact:
  {", ".join(str(x) for x in m["same_request_lines"]) or "none"}). Every other line of every
  file is a valid JSON object (it is the file's 2000th record but for the label records). The line reads:

  ```
  {m["text"]}
  ```

## Ground truth (records as written; percentiles: numpy.percentile default, linear)

Counts exclude the record lost to the malformed line. Latency "all" is over every
`inference` record (including errors and timeouts); "ok" is over `status == "ok"` only.
Label shares and mean confidence are over `prediction` records; the 1280 share is over
`inference` records that carry a width. The version rows count no `resources` record (they
all carry 1.4.0).

| slice | inference | prediction | resources | error / timeout / invalid | latency all p50 / p95 / p99 | latency ok p50 / p95 / p99 | shares A / B / C / D | mean conf | 1280 share |
|---|---|---|---|---|---|---|---|---|---|
{summary_rows}

Error rates over the week: non-ok share {t["total"]["error_rate_non_ok"]}, 5xx share
(error + timeout) {t["total"]["server_error_rate_5xx"]}.

## The canary ({can["period"][0]} <= t < {can["period"][1]}, both replicas)

{can["model"]}.

Per version, over the period only ({can["requests_in_period"]} requests). Requests: both replicas
(replica-a / replica-b); share: of the period's requests; ok: `ok` inference records, each with its latency; error rate: non-ok share; latency in ms, numpy
linear; shares and mean confidence over `prediction` records; true accuracy: of every
prediction, labelled or not; only {sum(v["labelled_by_the_week_end"] for v in can["per_version"].values())} of the period's predictions are labelled by the
week's end):

| version | requests (a / b) | share | ok | error / timeout / invalid | error rate | latency ok p50 / p95 / p99 | latency all p50 / p95 / p99 | shares A / B / C / D | mean conf | true accuracy |
|---|---|---|---|---|---|---|---|---|---|---|
{canary_rows}

## Labels (ground truth, arriving late)

{lab["model"]}. 10 % of predictions are never labelled, 1 % are labelled twice with the
same value, 0.3 % twice with different values; labels that would arrive after Sunday
23:59:59 UTC are not written. At the week's end: {lab["label_records"]:,} label records; of
{lab["predictions"]:,} predictions, {lab["labelled_by_the_week_end"]:,} have a label ({lab["duplicates_same_value"]} of them twice with the same
value, {lab["conflicting"]} with conflicting values), {lab["labelled_after_the_week"]:,} are labelled after the week and
{lab["never_labelled"]:,} never; {lab["orphans"]} labels are orphans (ids of last week's requests).
Per prediction day, both replicas (labelled: a label arrived and no other value did;
accuracy: on those; true accuracy: of every prediction, labelled or not; lag: first label
minus prediction, hours, numpy linear):

| day | predictions | labelled | conflicting | coverage | accuracy | true accuracy | mean conf | lag p50 / p95 (h) |
|---|---|---|---|---|---|---|---|---|
{label_rows}

`mlmon performance sample_logs/ -r references/train.json --window 1d` shows these figures
(Mon-Thu judged, Fri-Sun waiting at the default 50 % coverage), Sunday per version (1.4.0
and the canary 1.5.0 apart; `--truth` gives each as `labels.per_version_day`).

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
