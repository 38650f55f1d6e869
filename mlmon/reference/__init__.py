"""Reference room: the profile drift compares against.

``profile`` holds the types, ``build`` profiles a table, ``calibration`` fits the
calibration for estimated performance on a labelled table (``--actual``), ``codec`` turns a
profile into the versioned JSON document and back (versions 1 to 4), ``validate`` reads that document's
fields with their types, ``store`` reads and writes the file. Training tables are read by
ingest (``mlmon.ingest.tables``). It may import stats, ingest and the leaves. Exports load
on first use.
"""

from __future__ import annotations

from mlmon.exports import lazy_exports

_PROFILE = (
    "PROFILE_VERSION",
    "VERSION_KEY",
    "QUANTILE_LEVELS",
    "EDGE_LEVELS",
    "TOP_K",
    "OTHER",
    "LOW_CONFIDENCE",
    "ConfidenceSummary",
    "NumericFeature",
    "CategoricalFeature",
    "FeatureProfile",
    "ReferenceProfile",
    "CalibrationProfile",
)
_EXPORTS = {
    **{name: "mlmon.reference.profile" for name in _PROFILE},
    "build_profile": "mlmon.reference.build",
    "build_calibration": "mlmon.reference.calibration",
    "save_profile": "mlmon.reference.store",
    "load_profile": "mlmon.reference.store",
    "load_reference": "mlmon.reference.store",
    "profile_from_dict": "mlmon.reference.codec",
    "profile_to_dict": "mlmon.reference.codec",
    "read_table": "mlmon.ingest.tables",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
