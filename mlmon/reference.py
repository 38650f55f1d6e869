"""Reference profiles: what drift needs to know about training data, and no raw rows.

A profile is built from training data (CSV, Parquet, JSON lines) or from a known-good window
of logs, saved as a small versioned JSON file, and read back by ``drift``. The JSON layout
is documented field by field in ``references/PROFILE_FORMAT.md`` and in the docstrings
below (DESIGN.md §4).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mlmon import stats
from mlmon.errors import InputError, ReferenceProfileError, UsageError

PROFILE_VERSION = 1
"""The profile format version this mlmon writes and reads."""
VERSION_KEY = "mlmon_reference_version"
"""Top-level JSON key holding :data:`PROFILE_VERSION`; its presence marks a profile."""
QUANTILE_LEVELS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
"""Quantiles stored per numeric feature (numpy's default linear interpolation)."""
EDGE_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""Quantiles that become the frozen histogram edges: minimum, deciles, maximum."""
TOP_K = 20
"""Categories kept per categorical feature; the rest are pooled under :data:`OTHER`."""
OTHER = "__other__"
"""Name of the pooled category for categories beyond the top :data:`TOP_K`."""
LOW_CONFIDENCE = 0.5
"""Threshold behind ``share_below_0_5`` in the confidence summary."""


@dataclass(frozen=True)
class ConfidenceSummary:
    """Distribution of the model's confidence (top-class probability) on the reference."""

    count: int
    """Rows with a finite confidence."""
    mean: float
    """Mean confidence (``nan``/JSON null when ``count`` is 0)."""
    std: float
    """Sample standard deviation, ddof = 1 (null when ``count`` < 2)."""
    p10: float
    """10th percentile, numpy linear interpolation."""
    p50: float
    """Median, numpy linear interpolation."""
    p90: float
    """90th percentile, numpy linear interpolation."""
    share_below_0_5: float
    """Share of rows with confidence strictly below 0.5."""
    mean_entropy_bits: float | None = None
    """Mean Shannon entropy (bits) of the per-row probability vectors, each normalised to
    sum to one; None when no probability columns were given."""


@dataclass(frozen=True)
class NumericFeature:
    """Summary and frozen histogram of one numeric feature. Missing means null, NaN or
    infinite; every statistic but ``missing_share`` is over the finite values only."""

    count: int
    """Finite values."""
    missing_share: float
    """Share of rows where the value is missing (0 for an empty frame)."""
    mean: float
    """Mean of the finite values (null when ``count`` is 0)."""
    std: float
    """Sample standard deviation, ddof = 1 (null when ``count`` < 2)."""
    min: float
    """Smallest finite value (null when ``count`` is 0)."""
    max: float
    """Largest finite value (null when ``count`` is 0)."""
    quantiles: dict[float, float]
    """Quantile level -> value at :data:`QUANTILE_LEVELS`, numpy linear interpolation;
    JSON keys are the levels as strings ("0.01", ..., "0.99")."""
    bin_edges: tuple[float, ...]
    """Frozen edges: the distinct values of min, deciles, max (at least two: a constant
    feature has ``[c, c]``; empty when ``count`` is 0)."""
    bin_counts: tuple[int, ...]
    """``len(bin_edges) + 1`` counts, see :func:`mlmon.stats.bin_counts`:
    ``[below min, [e0, e1), ..., [e_{m-1}, e_m] closed, above max]``. The first and last
    are 0 on the reference; they catch current values outside the reference range."""
    kind: str = "numeric"
    """Always ``numeric``."""

    @property
    def bin_shares(self) -> np.ndarray:
        """``bin_counts`` as shares summing to one (``nan`` when empty)."""
        return stats.to_shares(self.bin_counts)


@dataclass(frozen=True)
class CategoricalFeature:
    """Category counts of one non-numeric feature (strings, booleans)."""

    count: int
    """Non-null values."""
    missing_share: float
    """Share of rows where the value is null."""
    category_counts: dict[str, int]
    """Count of each of the :data:`TOP_K` most frequent categories (ties broken by name),
    plus :data:`OTHER` pooling all remaining categories when there are any."""
    kind: str = "categorical"
    """Always ``categorical``."""


FeatureProfile = NumericFeature | CategoricalFeature


@dataclass(frozen=True)
class ReferenceProfile:
    """Everything drift compares against. Serialised by :meth:`to_dict` / :func:`save_profile`."""

    source: str
    """Free-text description of what was profiled (usually the input path)."""
    n_rows: int
    """Rows in the profiled data, including rows with a missing label."""
    class_counts: dict[str, int]
    """Count of each predicted class (the label column cast to string, nulls excluded)."""
    class_shares: dict[str, float]
    """``class_counts`` divided by their total; sums to one (empty without a label)."""
    confidence: ConfidenceSummary | None = None
    """Confidence summary; None when neither a confidence nor probability columns exist."""
    features: dict[str, FeatureProfile] = field(default_factory=dict)
    """Per feature name, its numeric or categorical profile."""
    label_column: str | None = None
    """Column the classes were read from."""
    confidence_column: str | None = None
    """Column the confidence was read from; None when derived from ``proba_columns``."""
    proba_columns: tuple[str, ...] = ()
    """Probability columns (confidence = their row maximum when no confidence column)."""
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    """When the profile was built (UTC)."""
    version: int = PROFILE_VERSION
    """Format version, stored under :data:`VERSION_KEY`."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data; NaN becomes None."""
        return _json_safe(
            {
                VERSION_KEY: self.version,
                "created_at": _iso(self.created_at),
                "source": self.source,
                "n_rows": self.n_rows,
                "columns": {
                    "label": self.label_column,
                    "confidence": self.confidence_column,
                    "proba": list(self.proba_columns),
                },
                "class_counts": dict(self.class_counts),
                "class_shares": dict(self.class_shares),
                "confidence": None if self.confidence is None else vars(self.confidence),
                "features": {name: _feature_dict(f) for name, f in self.features.items()},
            }
        )


# --------------------------------------------------------------------------- building


def build_profile(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    label: str | None = "label",
    confidence: str | None = None,
    proba_cols: Sequence[str] | None = None,
    features: Sequence[str] | None = None,
    source: str = "",
) -> ReferenceProfile:
    """Profile ``frame``.

    ``confidence=None`` uses a column named ``confidence`` when there is one, else the row
    maximum of ``proba_cols``. ``features=None`` profiles every numeric column that is not
    the label, the confidence or a probability column. Unknown column names raise
    :class:`~mlmon.errors.UsageError`.
    """
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    proba = tuple(proba_cols or ())
    _require_columns(df, [c for c in (label, confidence, *proba) if c], source)
    if confidence is None and "confidence" in df.columns and "confidence" not in proba:
        confidence = "confidence"
    for name in proba:
        if not df.schema[name].is_numeric():
            raise UsageError(f"probability column {name!r} is not numeric ({df.schema[name]})")
    if features is None:
        used = {label, confidence, *proba}
        features = [c for c, t in df.schema.items() if c not in used and t.is_numeric()]
    _require_columns(df, features, source)
    counts = _class_counts(df, label) if label else {}
    total = sum(counts.values())
    return ReferenceProfile(
        source=source,
        n_rows=df.height,
        class_counts=counts,
        class_shares={k: v / total for k, v in counts.items()},
        confidence=_confidence_summary(df, confidence, proba),
        features={name: _feature_profile(df.get_column(name)) for name in features},
        label_column=label,
        confidence_column=confidence,
        proba_columns=proba,
    )


def _require_columns(df: pl.DataFrame, names: Sequence[str], source: str) -> None:
    missing = [n for n in names if n not in df.columns]
    if missing:
        where = f" in {source}" if source else ""
        raise UsageError(
            f"column(s) {', '.join(map(repr, missing))} not found{where}; columns are: {', '.join(df.columns)}"
        )


def _class_counts(df: pl.DataFrame, label: str) -> dict[str, int]:
    table = (
        df.lazy()
        .select(pl.col(label).cast(pl.String).alias("label"))
        .drop_nulls()
        .group_by("label")
        .len()
        .sort("label")
        .collect()
    )
    return dict(zip(table.get_column("label").to_list(), map(int, table.get_column("len").to_list())))


def _finite(series: pl.Series) -> np.ndarray:
    values = series.cast(pl.Float64).drop_nulls().to_numpy()
    return values[np.isfinite(values)]


def _confidence_summary(
    df: pl.DataFrame, column: str | None, proba: tuple[str, ...]
) -> ConfidenceSummary | None:
    if column is None and not proba:
        return None
    probs = df.select(pl.col(c).cast(pl.Float64) for c in proba).drop_nulls().to_numpy() if proba else None
    if column is not None:
        values = _finite(df.get_column(column))
    else:
        values = _finite(df.select(pl.max_horizontal(proba)).to_series())
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9]) if values.size else (math.nan,) * 3
    entropy = None
    if probs is not None:
        rows = np.atleast_1d(stats.entropy_bits(probs)) if probs.size else np.array([])
        rows = rows[np.isfinite(rows)]
        entropy = float(rows.mean()) if rows.size else math.nan
    return ConfidenceSummary(
        count=int(values.size),
        mean=float(values.mean()) if values.size else math.nan,
        std=float(values.std(ddof=1)) if values.size > 1 else math.nan,
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        share_below_0_5=float((values < LOW_CONFIDENCE).mean()) if values.size else math.nan,
        mean_entropy_bits=entropy,
    )


def _feature_profile(series: pl.Series) -> FeatureProfile:
    rows = series.len()
    if not series.dtype.is_numeric():
        return _categorical_profile(series)
    values = _finite(series)
    missing_share = (rows - values.size) / rows if rows else 0.0
    if values.size == 0:
        nan = math.nan
        return NumericFeature(0, missing_share, nan, nan, nan, nan, {q: nan for q in QUANTILE_LEVELS}, (), ())
    edges = np.unique(np.quantile(values, EDGE_LEVELS))
    if edges.size == 1:
        edges = np.repeat(edges, 2)
    return NumericFeature(
        count=int(values.size),
        missing_share=missing_share,
        mean=float(values.mean()),
        std=float(values.std(ddof=1)) if values.size > 1 else math.nan,
        min=float(values.min()),
        max=float(values.max()),
        quantiles=dict(zip(QUANTILE_LEVELS, map(float, np.quantile(values, QUANTILE_LEVELS)))),
        bin_edges=tuple(map(float, edges)),
        bin_counts=tuple(map(int, stats.bin_counts(values, edges))),
    )


def _categorical_profile(series: pl.Series) -> CategoricalFeature:
    rows = series.len()
    text = series.cast(pl.String).drop_nulls()
    table = text.value_counts(name="n").sort(["n", text.name], descending=[True, False])
    names = table.get_column(text.name).to_list()
    counts = list(map(int, table.get_column("n").to_list()))
    category_counts = dict(zip(names[:TOP_K], counts[:TOP_K]))
    if len(names) > TOP_K:
        category_counts[OTHER] = category_counts.get(OTHER, 0) + sum(counts[TOP_K:])
    return CategoricalFeature(
        count=text.len(),
        missing_share=(rows - text.len()) / rows if rows else 0.0,
        category_counts=category_counts,
    )


# --------------------------------------------------------------------------- reading data


_READERS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
    ".json": "json",
}


def read_table(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a CSV, TSV, Parquet or JSON-lines file (by extension, else by sniffing its first
    bytes) into a DataFrame. A ``.json`` file may hold JSON lines or one JSON array of
    records. Raises :class:`~mlmon.errors.InputError` when the file is missing, unreadable
    or has no rows."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    kind = _READERS.get(p.suffix.lower()) or _sniff(p)
    try:
        if kind == "parquet":
            df = pl.read_parquet(p)
        elif kind in ("csv", "tsv"):
            df = pl.read_csv(p, separator="\t" if kind == "tsv" else ",", infer_schema_length=10_000)
        elif kind == "json" and _first_char(p) == "[":
            df = pl.read_json(p)
        else:
            df = pl.read_ndjson(p, infer_schema_length=10_000)
    except (OSError, pl.exceptions.PolarsError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{p}: cannot read as {kind}: {first}") from None
    if df.height == 0:
        raise InputError(f"{p}: no rows")
    return df


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    return head[:1].decode("latin-1")


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return "parquet"
    return {"{": "ndjson", "[": "json"}.get(_first_char(path), "csv")


# --------------------------------------------------------------------------- save / load


def save_profile(profile: ReferenceProfile, path: str | os.PathLike[str]) -> None:
    """Write ``profile`` as indented JSON, atomically (temp file in the same directory, then
    rename). Raises :class:`~mlmon.errors.InputError` when the path cannot be written."""
    target = Path(path)
    text = json.dumps(profile.to_dict(), indent=2, allow_nan=False) + "\n"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(f"{target}: cannot write reference profile: {exc.strerror or exc}") from None


def load_profile(path: str | os.PathLike[str]) -> ReferenceProfile:
    """Read and validate a profile written by :func:`save_profile`.

    Raises :class:`~mlmon.errors.ReferenceProfileError`, naming the path, when the file is
    missing, is not JSON, is not a profile, has another version, or lacks a required field.
    """
    p = Path(path)
    if not p.is_file():
        raise ReferenceProfileError(f"{p}: reference profile not found")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferenceProfileError(f"{p}: corrupt reference profile (not valid JSON: {exc})") from None
    return profile_from_dict(data, origin=str(p))


def profile_from_dict(data: Any, origin: str = "<dict>") -> ReferenceProfile:
    """Validate plain data (as from :meth:`ReferenceProfile.to_dict`) into a profile."""
    if not isinstance(data, dict) or VERSION_KEY not in data:
        raise ReferenceProfileError(f"{origin}: not an mlmon reference profile (no {VERSION_KEY!r} key)")
    version = data[VERSION_KEY]
    if version != PROFILE_VERSION:
        raise ReferenceProfileError(
            f"{origin}: reference profile version {version!r} is not supported (this mlmon reads "
            f"version {PROFILE_VERSION}); rebuild it with `mlmon reference build`"
        )
    try:
        return _parse_profile(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ReferenceProfileError(f"{origin}: corrupt reference profile ({detail})") from None


def load_reference(path: str | os.PathLike[str], **build_opts: Any) -> ReferenceProfile:
    """Load ``path`` as a profile when it is one, else read it as raw data (CSV, Parquet,
    JSON lines) and profile it on the fly with :func:`build_profile` and ``build_opts``.

    A ``.json`` file is a profile unless it holds JSON lines or a JSON array of records.
    Raises :class:`~mlmon.errors.ReferenceProfileError` for a missing, corrupt or
    wrong-version profile or unreadable raw data.
    """
    p = Path(path)
    if not p.is_file():
        raise ReferenceProfileError(f"{p}: reference not found")
    if _is_profile(p):
        return load_profile(p)
    try:
        frame = read_table(p)
    except InputError as exc:
        raise ReferenceProfileError(f"reference {exc}") from None
    return build_profile(frame, source=str(p), **build_opts)


def _is_profile(path: Path) -> bool:
    suffix = path.suffix.lower()
    if (suffix in _READERS and suffix != ".json") or _sniff(path) == "parquet":
        return False
    first = _first_char(path)
    if first != "{":
        # A JSON array holds records; a .json that is neither object nor array is a corrupt
        # profile; anything else with an unknown extension is read as CSV.
        return suffix == ".json" and first != "["
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return suffix == ".json" and not _first_line_is_object(path)
    return isinstance(data, dict) and (suffix == ".json" or VERSION_KEY in data)


def _first_line_is_object(path: Path) -> bool:
    with path.open("rb") as fh:
        line = fh.readline()
    try:
        return isinstance(json.loads(line), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


# --------------------------------------------------------------------------- (de)serialising


def _parse_profile(data: dict[str, Any]) -> ReferenceProfile:
    columns = data.get("columns") or {}
    counts = {str(k): _int(v) for k, v in _mapping(data["class_counts"], "class_counts").items()}
    shares = {str(k): _float(v) for k, v in _mapping(data["class_shares"], "class_shares").items()}
    if set(counts) != set(shares):
        raise ValueError("class_counts and class_shares name different classes")
    if any(not 0.0 <= s <= 1.0 for s in shares.values()) or (
        shares and abs(sum(shares.values()) - 1.0) > 1e-6
    ):
        raise ValueError("class_shares must be in [0, 1] and sum to 1")
    conf = data["confidence"]
    return ReferenceProfile(
        version=PROFILE_VERSION,
        created_at=_parse_time(data["created_at"]),
        source=str(data["source"]),
        n_rows=_int(data["n_rows"]),
        label_column=columns.get("label"),
        confidence_column=columns.get("confidence"),
        proba_columns=tuple(columns.get("proba") or ()),
        class_counts=counts,
        class_shares=shares,
        confidence=None if conf is None else _parse_confidence(_mapping(conf, "confidence")),
        features={
            str(k): _parse_feature(str(k), v) for k, v in _mapping(data["features"], "features").items()
        },
    )


def _parse_confidence(d: Mapping[str, Any]) -> ConfidenceSummary:
    entropy = d.get("mean_entropy_bits")
    return ConfidenceSummary(
        count=_int(d["count"]),
        **{k: _float(d[k]) for k in ("mean", "std", "p10", "p50", "p90", "share_below_0_5")},
        mean_entropy_bits=None if entropy is None else _float(entropy),
    )


def _parse_feature(name: str, raw: Any) -> FeatureProfile:
    d = _mapping(raw, f"features.{name}")
    if d.get("kind") == "categorical":
        cats = _mapping(d["category_counts"], f"features.{name}.category_counts")
        return CategoricalFeature(
            _int(d["count"]), _float(d["missing_share"]), {str(k): _int(v) for k, v in cats.items()}
        )
    if d.get("kind") != "numeric":
        raise ValueError(f"features.{name}.kind must be 'numeric' or 'categorical'")
    edges = tuple(_float(x) for x in d["bin_edges"])
    counts = tuple(_int(x) for x in d["bin_counts"])
    if (edges or counts) and (len(counts) != len(edges) + 1 or len(edges) < 2 or any(np.diff(edges) < 0)):
        raise ValueError(f"features.{name}: need >= 2 sorted bin_edges and len(bin_edges) + 1 bin_counts")
    return NumericFeature(
        count=_int(d["count"]),
        missing_share=_float(d["missing_share"]),
        **{k: _float(d[k]) for k in ("mean", "std", "min", "max")},
        quantiles={
            float(q): _float(v) for q, v in _mapping(d["quantiles"], f"features.{name}.quantiles").items()
        },
        bin_edges=edges,
        bin_counts=counts,
    )


def _feature_dict(feature: FeatureProfile) -> dict[str, Any]:
    out = {"kind": feature.kind, **{k: v for k, v in vars(feature).items() if k != "kind"}}
    if isinstance(feature, NumericFeature):
        out["quantiles"] = {f"{q:g}": v for q, v in feature.quantiles.items()}
        out["bin_edges"] = list(feature.bin_edges)
        out["bin_counts"] = list(feature.bin_counts)
    return out


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be an object")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"expected a non-negative integer, got {value!r}")
    return value


def _float(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _parse_time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _json_safe(value: Any) -> Any:
    """Recursively turn NaN/inf into None, tuples into lists, numpy scalars into Python."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
