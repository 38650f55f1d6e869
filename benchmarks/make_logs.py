"""Write a large synthetic JSON-lines log, fast, for mlmon's speed and memory benchmarks.

Usage (from the repository root)::

    python benchmarks/make_logs.py N OUT.jsonl [--seed S] [--bad-lines K] [--bad-kinds KINDS]
                                   [--rps R] [--features {7,16}] [--reference-csv PATH ROWS]

writes N valid records (about 500 bytes each; 5,000,000 records are about 2.6 GB) plus K
malformed lines, prints the size and the time taken to stderr, and writes the numpy ground
truth beside the output as ``OUT.truth.json`` (also printed to stdout).

Records are structlog JSONRenderer style (like ``sample_logs/replica-b``): one object per
line, keys first, then ``event`` ("inference"), ``level`` (info / error / warning) and
``timestamp`` (ISO-8601 with microseconds and ``Z``). Each record carries ``request_id``
(16 hex digits), ``model`` ("imgcls"), ``model_version`` ("1.4.0"),
``latency_ms`` (3 decimals at most), ``status`` (ok / error / timeout / invalid_input),
``status_code`` (200 / 500 / 504 / 422), ``error`` (a string, only when status is not ok),
for ok records only ``label``, ``confidence`` and ``probabilities`` (``{"A".."D"}``, 4
decimals at most, summing to exactly 1 in 4-decimal arithmetic), ``features`` (``brightness``,
``contrast``, ``width``, ``height``, ``exposure_ms``, ``iso``, ``temperature_c``),
``cpu_percent`` and ``rss_mb``. Numbers are written like ``json.dumps`` would (no padding,
no trailing zeros beyond the first decimal: ``25.0``, ``25.12``).

Distributions (stationary, the pre-shift regime of ``sample_logs``): arrivals Poisson at
``--rps`` per second from 2026-11-09T00:00:00Z; ok latency lognormal median 25 ms sigma 0.35;
status shares error 0.5 %, timeout 0.2 % (latency 1000.2-1005 ms), invalid_input 0.3 %
(lognormal median 3 ms), error latency lognormal median 15 ms; labels A/B/C/D
40/30/20/10 %; confidence 0.5 + 0.5 * Beta(7, 3) (mean 0.85); 640x480 images; brightness
Beta(6, 6), contrast Gamma(9, 0.035) clipped to 1, exposure_ms lognormal median 8 sigma 0.5,
iso 100/200/400/800/1600 at 30/30/20/15/5 %, temperature_c N(41, 3).

16 features (``--features 16``; the default, 7, is the layout above, byte for byte): the
``features`` object gets 9 more keys after ``temperature_c``, in this order (about 680 bytes
a record instead of 510):

==================  =================================================================
``aspect_ratio``    ``1.3333`` (640 / 480), the same in every record, like width/height
``f_norm``          N(0, 1), 4 decimals, negative values with a ``-`` (never ``-0.0``)
``f_lognorm``       lognormal median 2 sigma 0.75, 3 decimals
``f_uniform``       U(0, 1), 4 decimals
``f_count``         Poisson(3), an integer (discrete: about 14 distinct values)
``f_flag``          0 or 1, an integer, 1 with probability 0.2
``f_score``         100 * Beta(2, 5), 2 decimals
``f_ratio``         Beta(2, 8), 4 decimals
``f_region``        a string, ``eu-west`` / ``us-east`` / ``us-west`` / ``ap-south`` /
                    ``sa-east`` at 35/25/20/12/8 % (categorical)
==================  =================================================================

They are drawn from a second generator (``default_rng([seed, 2])``), so every other value,
the first 7 features included, is the same as in the 7-feature file of the same seed.

Reference CSV (``--reference-csv PATH ROWS``): also writes a training CSV of ROWS rows drawn
from the same distributions as the ok records, from its own generator
(``default_rng([seed, 3])``: the same distributions, not the same rows): columns ``label``,
``confidence`` (the label's probability), ``p_A`` .. ``p_D``, then the 7 or 16 features
(``f_region`` unquoted), numbers printed as in the log. A matching reference profile::

    mlmon reference build PATH -o ref.json --proba-cols p_A,p_B,p_C,p_D \
        --features brightness,contrast,...,f_region

(name the features: by default only numeric columns are profiled, which leaves out
``f_region``; without ``--proba-cols`` the probability columns would be profiled as
features). The CSV's row count, size, columns and label counts go into the truth, under
``reference_csv``.

Malformed lines (``--bad-lines K``): K extra lines, each inserted right after a uniformly
chosen record, cycling through three kinds: the first half of the record before it (a
truncated JSON object), a plain-text line (``Traceback (most recent call last):``) and an
object with a missing value (``{"event": "inference", "latency_ms": }``). They do not
replace records: the file has N + K lines, and the truth describes the N valid records.

``--bad-kinds`` (comma-separated, in the order they cycle; the default is the three above)
adds object-shaped lines polars rejects, each made from the record before it:
``trailing_comma`` (the record with ``,`` before its closing brace), ``bad_escape`` (its
``"inference"`` written ``"C:\\data\\inference"``, an invalid ``\\d`` escape),
``interleaved`` (its first half, then the whole record: two writers on one line) and
``missing_value`` (above). ``--bad-kinds all`` is every kind.

How it is fast: each block of records is laid out in a fixed-width uint8 matrix (one row per
record, one column range per field) whose number digits are computed with integer
arithmetic in numpy; unused leading digits and optional fields are NUL bytes, which one
boolean mask removes before the block is written. No per-record Python code runs.

Ground truth (``OUT.truth.json``): ``records``, ``bad_lines``, ``lines``, ``bytes``,
``latency_ms`` p50/p95/p99/mean/min/max over all records and over ok records
(``numpy.percentile`` default, linear interpolation, on the values exactly as written),
status counts, ``error_rate`` (share of records whose status is not ok, i.e. error +
timeout + invalid_input), ``server_error_rate`` (share with status_code >= 500), label
counts and shares and mean confidence over ok records, first and last timestamps. With 16
features the truth also lists them under ``features`` (a 7-feature truth is as before).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

START = datetime(2026, 11, 9, tzinfo=UTC)
BLOCK = 131_072

STATUSES = ("ok", "error", "timeout", "invalid_input")
STATUS_SHARES = (0.990, 0.005, 0.002, 0.003)
STATUS_CODES = (200, 500, 504, 422)
LEVELS = ("info", "error", "error", "warning")
ERRORS = (
    None,
    "RuntimeError: CUDA error: out of memory",
    "TimeoutError: inference exceeded the 1000 ms deadline",
    "ValueError: cannot decode image: truncated JPEG",
)
CLASSES = ("A", "B", "C", "D")
CLASS_SHARES = (0.40, 0.30, 0.20, 0.10)
ISO_VALUES = (100, 200, 400, 800, 1600)
ISO_SHARES = (0.30, 0.30, 0.20, 0.15, 0.05)
BAD_KINDS = ("truncated", "text", "missing_value")
"""The kinds ``--bad-lines`` cycles through by default."""
ALL_BAD_KINDS = (*BAD_KINDS, "trailing_comma", "bad_escape", "interleaved")
BAD_ESCAPE = (b'"inference"', b'"C:\\data\\inference"')
BAD_TEXT = b"Traceback (most recent call last):"
BAD_MISSING = b'{"event": "inference", "latency_ms": }'
BASE_FEATURES = ("brightness", "contrast", "width", "height", "exposure_ms", "iso", "temperature_c")
EXTRA_FEATURES = (
    "aspect_ratio",
    "f_norm",
    "f_lognorm",
    "f_uniform",
    "f_count",
    "f_flag",
    "f_score",
    "f_ratio",
    "f_region",
)
FEATURE_COUNTS = (len(BASE_FEATURES), len(BASE_FEATURES) + len(EXTRA_FEATURES))  # 7, 16
REGIONS = ("eu-west", "us-east", "us-west", "ap-south", "sa-east")
REGION_SHARES = (0.35, 0.25, 0.20, 0.12, 0.08)
ASPECT_RATIO = b"1.3333"  # 640 / 480, fixed like width and height
PROBA_COLUMNS = tuple(f"p_{c}" for c in ("A", "B", "C", "D"))


def feature_names(n_features: int = 7) -> tuple[str, ...]:
    """Names of the features a ``--features n_features`` record carries, in order."""
    if n_features not in FEATURE_COUNTS:
        raise ValueError(f"--features must be one of {FEATURE_COUNTS}, not {n_features}")
    return BASE_FEATURES if n_features == len(BASE_FEATURES) else BASE_FEATURES + EXTRA_FEATURES


# --------------------------------------------------------------------------------------
# Layout: constant text and fixed-width fields
# --------------------------------------------------------------------------------------


class Layout:
    """Column ranges of a fixed-width record row; build from a list of parts.

    A part is either ``bytes`` (constant text) or ``(name, width)`` (a field).
    """

    def __init__(self, parts: list) -> None:
        self.fields: dict[str, tuple[int, int]] = {}
        template = bytearray()
        for part in parts:
            if isinstance(part, bytes):
                template += part
            else:
                name, width = part
                self.fields[name] = (len(template), len(template) + width)
                template += b"\0" * width
        self.template = np.frombuffer(bytes(template), dtype=np.uint8)
        self.width = len(template)

    def __getitem__(self, name: str) -> slice:
        a, b = self.fields[name]
        return slice(a, b)


def _b(s: str) -> bytes:
    return s.encode("ascii")


def _table(values: list[bytes | None], width: int) -> np.ndarray:
    """(len(values), width) uint8 lookup table, NUL padded (None: all NUL)."""
    out = np.zeros((len(values), width), dtype=np.uint8)
    for i, v in enumerate(values):
        if v:
            out[i, : len(v)] = np.frombuffer(v, dtype=np.uint8)
    return out


def _feature_parts(n_features: int, csv: bool = False) -> list:
    """Layout parts of the features, without the first one's key (``brightness``).

    JSON: ``, "contrast": `` ... ; CSV: comma-separated values (strings unquoted).
    """

    def key(name: str) -> bytes:
        return b"," if csv else _b(f', "{name}": ')

    parts = [
        ("brightness", 6),
        key("contrast"),
        ("contrast", 6),
        key("width"),
        ("fwidth", 4),
        key("height"),
        ("fheight", 4),
        key("exposure_ms"),
        ("exposure_ms", 7),
        key("iso"),
        ("iso", 4),
        key("temperature_c"),
        ("temperature_c", 5),
    ]
    if n_features == len(BASE_FEATURES):
        return parts
    quote = b"" if csv else b'"'
    return parts + [
        key("aspect_ratio") + ASPECT_RATIO,
        key("f_norm"),
        ("f_norm_sign", 1),
        ("f_norm", 6),
        key("f_lognorm"),
        ("f_lognorm", 7),
        key("f_uniform"),
        ("f_uniform", 6),
        key("f_count"),
        ("f_count", 2),
        key("f_flag"),
        ("f_flag", 1),
        key("f_score"),
        ("f_score", 6),
        key("f_ratio"),
        ("f_ratio", 6),
        key("f_region") + quote,
        ("f_region", max(len(r) for r in REGIONS)),
        quote,
    ]


def make_layout(n_features: int = 7) -> Layout:
    feature_names(n_features)  # validates
    err_w = max(len(_b(f', "error": "{e}"')) for e in ERRORS if e)
    parts = [
        b'{"request_id": "',
        ("rid", 16),
        b'", "model": "imgcls", "model_version": "1.4.0", "latency_ms": ',
        ("lat", 8),
        b', "status": "',
        ("status", max(len(s) for s in STATUSES)),
        b'", "status_code": ',
        ("code", 3),
        ("error", err_w),
        b", ",
        ("pred", 0),  # marker: the prediction block starts here
        b'"label": "',
        ("label", 1),
        b'", "confidence": ',
        ("conf", 6),
        b', "probabilities": {"A": ',
        ("pA", 6),
        b', "B": ',
        ("pB", 6),
        b', "C": ',
        ("pC", 6),
        b', "D": ',
        ("pD", 6),
        b"}, ",
        ("pred_end", 0),
        b'"features": {"brightness": ',
        *_feature_parts(n_features),
        b'}, "cpu_percent": ',
        ("cpu", 5),
        b', "rss_mb": ',
        ("rss", 6),
        b', "event": "inference", "level": "',
        ("level", max(len(s) for s in LEVELS)),
        b'", "timestamp": "',
        ("ts", 27),
        b'"}\n',
    ]
    return Layout(parts)


def make_csv_layout(n_features: int = 7) -> Layout:
    """One row of the reference CSV: label, confidence, p_A..p_D, then the features."""
    parts = [("label", 1), b",", ("conf", 6)]
    for c in CLASSES:
        parts += [b",", ("p" + c, 6)]
    parts += [b",", *_feature_parts(n_features, csv=True), b"\n"]
    return Layout(parts)


def csv_header(n_features: int = 7) -> bytes:
    return _b(",".join(("label", "confidence", *PROBA_COLUMNS, *feature_names(n_features))) + "\n")


# --------------------------------------------------------------------------------------
# Vectorised number formatting
# --------------------------------------------------------------------------------------

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_POW10 = [10**k for k in range(19)]


def put_number(m: np.ndarray, cols: slice, scaled: np.ndarray, int_digits: int, dec: int) -> None:
    """Write non-negative ``scaled / 10**dec`` into ``m[:, cols]`` as JSON would print it.

    Leading zeros of the integer part (but its last digit) and trailing zeros of the
    fraction (but its first digit) become NUL, to be squeezed out later. ``scaled`` is an
    int64 array already clipped to fit ``int_digits``.
    """
    start = cols.start
    ip = scaled // _POW10[dec] if dec else scaled
    for j in range(int_digits):
        p = _POW10[int_digits - 1 - j]
        d = (ip // p) % 10 + 48
        if j < int_digits - 1:
            d = np.where(ip >= p, d, 0)
        m[:, start + j] = d
    if not dec:
        return
    m[:, start + int_digits] = ord(".")
    frac = scaled % _POW10[dec]
    for j in range(dec):
        p = _POW10[dec - 1 - j]
        d = (frac // p) % 10 + 48
        if j > 0:
            # trailing zero: nothing non-zero from digit j onwards
            d = np.where(frac % _POW10[dec - j] != 0, d, 0)
        m[:, start + int_digits + 1 + j] = d


def put_signed(m: np.ndarray, sign: slice, cols: slice, scaled: np.ndarray, int_digits: int, dec: int) -> None:
    """:func:`put_number` of a signed ``scaled``: ``-`` in ``m[:, sign]`` when negative
    (never for 0, which JSON prints as ``0.0``), NUL otherwise."""
    m[:, sign.start] = np.where(scaled < 0, ord("-"), 0)
    put_number(m, cols, np.abs(scaled), int_digits, dec)


def put_hex(m: np.ndarray, cols: slice, v: np.ndarray) -> None:
    """16 lowercase hex digits of uint64 ``v``."""
    for j in range(16):
        nibble = (v >> np.uint64(4 * (15 - j))) & np.uint64(15)
        m[:, cols.start + j] = _HEX[nibble.astype(np.intp)]


def put_timestamps(m: np.ndarray, cols: slice, t_us: np.ndarray, day_table: dict) -> None:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` of microseconds since START."""
    s = cols.start
    day = t_us // 86_400_000_000
    for d in range(int(day.min()), int(day.max()) + 1):
        if d not in day_table:
            day_table[d] = np.frombuffer(_b((START + timedelta(days=d)).strftime("%Y-%m-%dT")), dtype=np.uint8)
    days = np.stack([day_table[d] for d in range(int(day.min()), int(day.max()) + 1)])
    m[:, s : s + 11] = days[day - day.min()]
    us_of_day = t_us - day * 86_400_000_000
    sec = us_of_day // 1_000_000
    us = us_of_day % 1_000_000
    h, mi, se = sec // 3600, (sec // 60) % 60, sec % 60
    for off, val in ((11, h), (14, mi), (17, se)):
        m[:, s + off] = val // 10 + 48
        m[:, s + off + 1] = val % 10 + 48
    m[:, s + 13] = m[:, s + 16] = ord(":")
    m[:, s + 19] = ord(".")
    for j in range(6):
        m[:, s + 20 + j] = (us // _POW10[5 - j]) % 10 + 48
    m[:, s + 26] = ord("Z")


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def draw_block(
    rng: np.random.Generator,
    n: int,
    t0_us: int,
    rps: float,
    extra_rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """One block of records as arrays (scaled integers where they will be printed).

    With ``extra_rng`` the block also carries the 9 extra features, drawn from that
    generator only, so that ``rng``'s stream (and every other value) is the same with 7 or
    16 features.
    """
    gaps = np.maximum(rng.exponential(1e6 / rps, size=n), 1.0).astype(np.int64)
    t_us = t0_us + np.cumsum(gaps)
    status = np.searchsorted(np.cumsum(STATUS_SHARES), rng.random(n), side="right")
    status = np.minimum(status, len(STATUSES) - 1)
    lat = rng.lognormal(math.log(25.0), 0.35, size=n)
    lat = np.where(status == 1, rng.lognormal(math.log(15.0), 0.5, size=n), lat)
    lat = np.where(status == 2, 1000.0 + rng.uniform(0.2, 5.0, size=n), lat)
    lat = np.where(status == 3, rng.lognormal(math.log(3.0), 0.4, size=n), lat)
    lat_i = np.clip(np.rint(lat * 1000.0), 1, 9_999_999).astype(np.int64)
    label, probs = draw_prediction(rng, n)
    d = {
        "t_us": t_us,
        "rid": rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True),
        "status": status,
        "lat": lat_i,
        "label": label,
        "probs": probs,
        **draw_base_features(rng, n),
        "cpu": np.clip(np.rint(rng.normal(40.0, 10.0, size=n) * 10), 0, 1000).astype(np.int64),
        "rss": np.clip(np.rint(rng.normal(1850.0, 5.0, size=n) * 10), 0, 99_999).astype(np.int64),
    }
    if extra_rng is not None:
        d.update(draw_extra_features(extra_rng, n))
    return d


def draw_prediction(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels (class index) and probabilities (n x 4, in 1e-4, each row summing to 10,000)."""
    label = np.searchsorted(np.cumsum(CLASS_SHARES), rng.random(n), side="right")
    label = np.minimum(label, len(CLASSES) - 1)
    conf = 0.5 + 0.5 * rng.beta(7.0, 3.0, size=n)
    e = rng.exponential(1.0, size=(n, 3))
    others = e / e.sum(axis=1, keepdims=True) * (1.0 - conf)[:, None]
    others_i = np.rint(others * 10_000).astype(np.int64)
    probs = np.empty((n, 4), dtype=np.int64)
    rows = np.arange(n)
    other_cols = (label[:, None] + np.arange(1, 4)[None, :]) % 4
    probs[rows[:, None], other_cols] = others_i
    probs[rows, label] = 10_000 - others_i.sum(axis=1)
    return label, probs


def draw_base_features(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The 7 base features (width and height are constants, not drawn)."""
    return {
        "brightness": np.rint(rng.beta(6.0, 6.0, size=n) * 10_000).astype(np.int64),
        "contrast": np.clip(np.rint(rng.gamma(9.0, 0.035, size=n) * 10_000), 0, 10_000).astype(np.int64),
        "exposure_ms": np.clip(np.rint(rng.lognormal(math.log(8.0), 0.5, size=n) * 1000), 0, 999_999).astype(np.int64),
        "iso": np.searchsorted(np.cumsum(ISO_SHARES), rng.random(n), side="right").clip(0, 4),
        "temperature_c": np.clip(np.rint(rng.normal(41.0, 3.0, size=n) * 100), 0, 9_999).astype(np.int64),
    }


def draw_extra_features(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The 9 extra features of ``--features 16`` (``aspect_ratio`` is a constant)."""
    return {
        "f_norm": np.clip(np.rint(rng.normal(0.0, 1.0, size=n) * 10_000), -99_999, 99_999).astype(np.int64),
        "f_lognorm": np.clip(np.rint(rng.lognormal(math.log(2.0), 0.75, size=n) * 1000), 0, 999_999).astype(np.int64),
        "f_uniform": np.rint(rng.random(n) * 10_000).astype(np.int64),
        "f_count": np.clip(rng.poisson(3.0, size=n), 0, 99).astype(np.int64),
        "f_flag": (rng.random(n) < 0.2).astype(np.int64),
        "f_score": np.rint(rng.beta(2.0, 5.0, size=n) * 10_000).astype(np.int64),
        "f_ratio": np.rint(rng.beta(2.0, 8.0, size=n) * 10_000).astype(np.int64),
        "f_region": np.searchsorted(np.cumsum(REGION_SHARES), rng.random(n), side="right").clip(0, len(REGIONS) - 1),
    }


def render_block(lay: Layout, d: dict[str, np.ndarray], tables: dict, day_table: dict) -> np.ndarray:
    """Fixed-width uint8 matrix (n, width) of the block, NUL where nothing is printed."""
    n = len(d["t_us"])
    m = np.empty((n, lay.width), dtype=np.uint8)
    m[:] = lay.template
    put_hex(m, lay["rid"], d["rid"])
    put_number(m, lay["lat"], d["lat"], 4, 3)
    st = d["status"]
    m[:, lay["status"]] = tables["status"][st]
    m[:, lay["code"]] = tables["code"][st]
    m[:, lay["error"]] = tables["error"][st]
    m[:, lay["level"]] = tables["level"][st]
    render_prediction(m, lay, d, tables)
    render_features(m, lay, d, tables)
    put_number(m, lay["cpu"], d["cpu"], 3, 1)
    put_number(m, lay["rss"], d["rss"], 4, 1)
    put_timestamps(m, lay["ts"], d["t_us"], day_table)
    # no prediction for non-ok records: blank the whole block
    p0, p1 = lay.fields["pred"][0], lay.fields["pred_end"][0]
    m[st != 0, p0:p1] = 0
    return m


def render_prediction(m: np.ndarray, lay: Layout, d: dict[str, np.ndarray], tables: dict) -> None:
    """Label, confidence (the label's probability) and the 4 probabilities."""
    n = len(d["label"])
    m[:, lay["label"]] = tables["label"][d["label"]]
    probs = d["probs"]
    put_number(m, lay["conf"], probs[np.arange(n), d["label"]], 1, 4)
    for k, c in enumerate(CLASSES):
        put_number(m, lay["p" + c], probs[:, k], 1, 4)


def render_features(m: np.ndarray, lay: Layout, d: dict[str, np.ndarray], tables: dict) -> None:
    """The features the layout has fields for (7 or 16), JSON or CSV alike."""
    put_number(m, lay["brightness"], d["brightness"], 1, 4)
    put_number(m, lay["contrast"], d["contrast"], 1, 4)
    m[:, lay["fwidth"]] = tables["width"]
    m[:, lay["fheight"]] = tables["height"]
    put_number(m, lay["exposure_ms"], d["exposure_ms"], 3, 3)
    m[:, lay["iso"]] = tables["iso"][d["iso"]]
    put_number(m, lay["temperature_c"], d["temperature_c"], 2, 2)
    if "f_norm" not in lay.fields:
        return
    put_signed(m, lay["f_norm_sign"], lay["f_norm"], d["f_norm"], 1, 4)
    put_number(m, lay["f_lognorm"], d["f_lognorm"], 3, 3)
    put_number(m, lay["f_uniform"], d["f_uniform"], 1, 4)
    put_number(m, lay["f_count"], d["f_count"], 2, 0)
    put_number(m, lay["f_flag"], d["f_flag"], 1, 0)
    put_number(m, lay["f_score"], d["f_score"], 3, 2)
    put_number(m, lay["f_ratio"], d["f_ratio"], 1, 4)
    m[:, lay["f_region"]] = tables["region"][d["f_region"]]


def make_tables() -> dict[str, np.ndarray]:
    return {
        "status": _table([_b(s) for s in STATUSES], max(len(s) for s in STATUSES)),
        "code": _table([_b(str(c)) for c in STATUS_CODES], 3),
        "error": _table(
            [_b(f', "error": "{e}"') if e else None for e in ERRORS],
            max(len(_b(f', "error": "{e}"')) for e in ERRORS if e),
        ),
        "level": _table([_b(s) for s in LEVELS], max(len(s) for s in LEVELS)),
        "label": _table([_b(c) for c in CLASSES], 1),
        "iso": _table([_b(str(v)) for v in ISO_VALUES], 4),
        "width": _table([b"640"], 4)[0],
        "height": _table([b"480"], 4)[0],
        "region": _table([_b(r) for r in REGIONS], max(len(r) for r in REGIONS)),
    }


# --------------------------------------------------------------------------------------
# Main loop
# --------------------------------------------------------------------------------------


def _bad_line(kind: str, prev_line: bytes) -> bytes:
    body = prev_line.rstrip(b"\n")
    if kind == "truncated":
        return body[: len(body) // 2] + b"\n"
    if kind == "text":
        return BAD_TEXT + b"\n"
    if kind == "trailing_comma" and body:
        return body[:-1] + b",}\n"
    if kind == "bad_escape" and BAD_ESCAPE[0] in body:
        return body.replace(*BAD_ESCAPE, 1) + b"\n"
    if kind == "interleaved" and body:
        return body[: len(body) // 2] + body + b"\n"
    return BAD_MISSING + b"\n"


def generate(
    n: int,
    out: Path,
    seed: int = 0,
    bad_lines: int = 0,
    rps: float = 200.0,
    n_features: int = 7,
    bad_kinds: tuple[str, ...] = BAD_KINDS,
) -> dict:
    """Write the file and return the ground truth."""
    rng = np.random.default_rng(seed)
    extra_rng = np.random.default_rng([seed, 2]) if n_features != len(BASE_FEATURES) else None
    bad_rng = np.random.default_rng([seed, 1])
    # bad line i goes right after record bad_after[i]
    bad_after = np.sort(bad_rng.integers(0, max(n, 1), size=bad_lines)) if n else np.zeros(0, int)
    lay = make_layout(n_features)
    tables = make_tables()
    day_table: dict = {}

    lat_all = np.empty(n, dtype=np.int64)
    status_all = np.empty(n, dtype=np.int8)
    label_counts = np.zeros(4, dtype=np.int64)
    conf_sum = 0
    first_ts = last_ts = None
    t0 = 0
    written = 0
    bad_idx = 0
    with open(out, "wb", buffering=0) as f:
        for start in range(0, n, BLOCK):
            k = min(BLOCK, n - start)
            d = draw_block(rng, k, t0, rps, extra_rng)
            t0 = int(d["t_us"][-1])
            m = render_block(lay, d, tables, day_table)
            flat = m.reshape(-1)
            keep = flat != 0
            data = flat[keep]
            # insert bad lines of this block
            hi = np.searchsorted(bad_after, start + k, side="left")
            if hi > bad_idx:
                ends = np.cumsum(keep.reshape(k, -1).sum(axis=1))
                pieces = []
                prev = 0
                for b in range(bad_idx, hi):
                    row = int(bad_after[b]) - start
                    row_start = int(ends[row - 1]) if row else 0
                    cut = int(ends[row])
                    pieces.append(data[prev:cut].tobytes())
                    line = data[row_start:cut].tobytes()
                    pieces.append(_bad_line(bad_kinds[b % len(bad_kinds)], line))
                    prev = cut
                pieces.append(data[prev:].tobytes())
                blob = b"".join(pieces)
                bad_idx = hi
                f.write(blob)
                written += len(blob)
            else:
                f.write(memoryview(data))
                written += len(data)

            st = d["status"]
            lat_all[start : start + k] = d["lat"]
            status_all[start : start + k] = st
            ok = st == 0
            label_counts += np.bincount(d["label"][ok], minlength=4)
            conf_sum += int(d["probs"][np.arange(k), d["label"]][ok].sum())
            if first_ts is None:
                first_ts = int(d["t_us"][0])
            last_ts = int(d["t_us"][-1])
        if n == 0 and bad_lines:
            for b in range(bad_lines):
                blob = _bad_line(BAD_KINDS[1 + b % 2], b"")
                f.write(blob)
                written += len(blob)

    truth = _truth(n, bad_lines, written, lat_all, status_all, label_counts, conf_sum, first_ts, last_ts, seed, rps)
    if n_features != len(BASE_FEATURES):  # the 7-feature truth stays as it was
        truth["features"] = list(feature_names(n_features))
    return truth


def write_reference_csv(path: Path, rows: int, seed: int = 0, n_features: int = 7) -> dict:
    """Training CSV of ``rows`` rows from the records' distributions; returns a summary.

    Columns: ``label``, ``confidence`` (the label's probability), ``p_A``..``p_D``, then the
    features in record order, numbers printed as in the log. Drawn from its own generator
    (``default_rng([seed, 3])``): the same distributions as the log, not the same rows.
    """
    rng = np.random.default_rng([seed, 3])
    lay = make_csv_layout(n_features)
    tables = make_tables()
    label_counts = np.zeros(len(CLASSES), dtype=np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb", buffering=0) as f:
        header = csv_header(n_features)
        f.write(header)
        written = len(header)
        for start in range(0, rows, BLOCK):
            k = min(BLOCK, rows - start)
            label, probs = draw_prediction(rng, k)
            d = {"label": label, "probs": probs, **draw_base_features(rng, k)}
            if n_features != len(BASE_FEATURES):
                d.update(draw_extra_features(rng, k))
            m = np.empty((k, lay.width), dtype=np.uint8)
            m[:] = lay.template
            render_prediction(m, lay, d, tables)
            render_features(m, lay, d, tables)
            flat = m.reshape(-1)
            data = flat[flat != 0]
            f.write(memoryview(data))
            written += len(data)
            label_counts += np.bincount(label, minlength=len(CLASSES))
    return {
        "path": str(path),
        "rows": rows,
        "bytes": written,
        "seed": [seed, 3],
        "columns": ["label", "confidence", *PROBA_COLUMNS, *feature_names(n_features)],
        "label_counts": {c: int(v) for c, v in zip(CLASSES, label_counts)},
    }


def _iso(t_us: int | None) -> str | None:
    if t_us is None:
        return None
    return (START + timedelta(microseconds=t_us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _pcts(x: np.ndarray) -> dict:
    if len(x) == 0:
        return {"count": 0, "p50": None, "p95": None, "p99": None, "mean": None, "min": None, "max": None}
    p50, p95, p99 = np.percentile(x, [50, 95, 99])
    return {
        "count": int(len(x)),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "mean": float(x.mean()),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _truth(n, bad_lines, written, lat_all, status_all, label_counts, conf_sum, first_ts, last_ts, seed, rps) -> dict:
    lat_ms = lat_all / 1000.0  # == float(text) for every value as written
    counts = np.bincount(status_all, minlength=4) if n else np.zeros(4, dtype=np.int64)
    n_ok = int(counts[0])
    return {
        "generator": "benchmarks/make_logs.py",
        "seed": seed,
        "rps": rps,
        "numpy": np.__version__,
        "records": n,
        "bad_lines": bad_lines,
        "lines": n + bad_lines,
        "bytes": written,
        "first_timestamp": _iso(first_ts),
        "last_timestamp": _iso(last_ts),
        "percentile_method": "numpy.percentile default (linear)",
        "latency_ms": _pcts(lat_ms),
        "latency_ms_ok": _pcts(lat_ms[status_all == 0]),
        "status_counts": {s: int(c) for s, c in zip(STATUSES, counts)},
        "error_rate": (n - n_ok) / n if n else None,
        "server_error_rate": int(counts[1] + counts[2]) / n if n else None,
        "label_counts": {c: int(v) for c, v in zip(CLASSES, label_counts)},
        "label_shares": {c: int(v) / n_ok for c, v in zip(CLASSES, label_counts)} if n_ok else None,
        "confidence_mean": conf_sum / 10_000 / n_ok if n_ok else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a large synthetic structlog-style JSONL log.")
    ap.add_argument("n", type=int, help="number of valid records")
    ap.add_argument("out", type=Path, help="output file (.jsonl)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bad-lines", type=int, default=0, help="extra malformed lines to insert")
    ap.add_argument(
        "--bad-kinds",
        default=",".join(BAD_KINDS),
        help=f"kinds of malformed line, cycled (default: {','.join(BAD_KINDS)}; 'all': {','.join(ALL_BAD_KINDS)})",
    )
    ap.add_argument("--rps", type=float, default=200.0, help="mean requests per second")
    ap.add_argument(
        "--features",
        type=int,
        default=7,
        choices=FEATURE_COUNTS,
        help="features per record: 7 (default) or 16 (9 more, see the docstring)",
    )
    ap.add_argument(
        "--reference-csv",
        nargs=2,
        metavar=("PATH", "ROWS"),
        help="also write a training CSV of ROWS rows from the same distributions",
    )
    args = ap.parse_args(argv)
    if args.n < 0 or args.bad_lines < 0 or args.rps <= 0:
        ap.error("N and --bad-lines must be >= 0 and --rps > 0")
    bad_kinds = ALL_BAD_KINDS if args.bad_kinds == "all" else tuple(k for k in args.bad_kinds.split(",") if k)
    if not bad_kinds or set(bad_kinds) - set(ALL_BAD_KINDS):
        ap.error(f"--bad-kinds: a comma-separated list of {', '.join(ALL_BAD_KINDS)}, or all")
    ref_rows = 0
    if args.reference_csv:
        try:
            ref_rows = int(args.reference_csv[1].replace("_", ""))
        except ValueError:
            ap.error(f"--reference-csv ROWS must be an integer, not {args.reference_csv[1]!r}")
        if ref_rows < 0:
            ap.error("--reference-csv ROWS must be >= 0")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    truth = generate(
        args.n,
        args.out,
        seed=args.seed,
        bad_lines=args.bad_lines,
        rps=args.rps,
        n_features=args.features,
        bad_kinds=bad_kinds,
    )
    elapsed = time.perf_counter() - t
    truth_path = args.out.with_name(args.out.name + ".truth.json")
    size = truth["bytes"]
    print(
        (
            f"wrote {args.out}: {args.n:,} records + {args.bad_lines:,} bad lines, "
            f"{args.features} features, "
            f"{size:,} bytes ({size / 1e9:.2f} GB, {size / max(args.n, 1):.0f} B/record) "
            f"in {elapsed:.1f} s ({size / 1e6 / max(elapsed, 1e-9):.0f} MB/s); truth: {truth_path}"
        ),
        file=sys.stderr,
    )
    if args.reference_csv:
        t_ref = time.perf_counter()
        ref = write_reference_csv(Path(args.reference_csv[0]), ref_rows, seed=args.seed, n_features=args.features)
        truth["reference_csv"] = ref
        print(
            (
                f"wrote {ref['path']}: {ref_rows:,} rows, {args.features} features, "
                f"{ref['bytes']:,} bytes in {time.perf_counter() - t_ref:.1f} s"
            ),
            file=sys.stderr,
        )
    truth_path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    json.dump(truth, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
