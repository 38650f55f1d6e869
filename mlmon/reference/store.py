"""The profile file: versioned JSON, written atomically, validated field by field on load.
``load_reference`` also accepts raw training data and profiles it on the fly."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from mlmon.errors import InputError, ReferenceProfileError
from mlmon.ingest.tables import TABLE_READERS, first_char, read_table, sniff
from mlmon.plain import iso_utc, to_plain
from mlmon.reference.build import build_profile
from mlmon.reference.profile import (
    PROFILE_VERSION,
    VERSION_KEY,
    CategoricalFeature,
    ConfidenceSummary,
    FeatureProfile,
    NumericFeature,
    ReferenceProfile,
)


def profile_to_dict(profile: ReferenceProfile) -> dict[str, Any]:
    """JSON-safe plain data, as the profile file holds it; NaN becomes None."""
    return to_plain(
        {
            VERSION_KEY: profile.version,
            "created_at": iso_utc(profile.created_at),
            "source": profile.source,
            "n_rows": profile.n_rows,
            "columns": {
                "label": profile.label_column,
                "confidence": profile.confidence_column,
                "proba": list(profile.proba_columns),
            },
            "class_counts": dict(profile.class_counts),
            "class_shares": dict(profile.class_shares),
            "confidence": None if profile.confidence is None else vars(profile.confidence),
            "features": {name: _feature_dict(f) for name, f in profile.features.items()},
        }
    )


def save_profile(profile: ReferenceProfile, path: str | os.PathLike[str]) -> None:
    """Write ``profile`` as indented JSON, atomically (temp file in the same directory, then
    rename). Raises :class:`~mlmon.errors.InputError` when the path cannot be written."""
    target = Path(path)
    text = json.dumps(profile_to_dict(profile), indent=2, allow_nan=False) + "\n"
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
    if (suffix in TABLE_READERS and suffix != ".json") or sniff(path) == "parquet":
        return False
    first = first_char(path)
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
