"""Statistics on counts and shares: pure functions on numpy arrays, no I/O.

Every function documents its formula (``Notes``) and sources (``References``), in the style
of ``scipy.stats``. Degenerate inputs (empty, all-zero, a single category) never raise: the
function returns ``nan`` and callers map that to the ``unknown`` severity. Mismatched
shapes are programming errors and raise ``ValueError``.

The notes in ``references/statistics/`` give the defaults and where they come from.

Stats room: ``categorical`` (shares, PSI, chi-squared, Jensen-Shannon), ``multiple``
(Benjamini-Hochberg), ``continuous`` (entropy, frozen-histogram counts) and ``grid``
(feature drift from a reference quantile grid: KS bracket, Wasserstein-1, decile PSI,
mergeable moments), ``performance`` (realized classifier metrics from mergeable sums) and
``calibration`` (CBPE: isotonic calibrators, estimated accuracy and F1). It may import
numpy and scipy only; never another mlmon room. Functions load on first use.
"""

from __future__ import annotations

from mlmon.exports import lazy_exports

SHARE_EPSILON = 1e-4
"""Floor applied to every share before PSI and the chi-squared expected counts.

A share of zero makes ``ln(c / r)`` infinite. Shares below the floor are raised to it and the
vector is renormalised to sum to one (:func:`floor_shares`). ``1e-4`` is one record in ten
thousand: small enough not to mask a real class, large enough to keep one stray prediction
of an unseen class from dominating PSI (it adds about 0.002 at n = 1,000).
"""

_EXPORTS = {
    **{
        name: "mlmon.stats.categorical"
        for name in (
            "AlignedCategories",
            "align_categories",
            "category_statistics",
            "to_shares",
            "floor_shares",
            "psi",
            "chi_squared_gof",
            "js_distance",
        )
    },
    "benjamini_hochberg": "mlmon.stats.multiple",
    "entropy_bits": "mlmon.stats.continuous",
    "bin_counts": "mlmon.stats.continuous",
    "counted_ks_wasserstein": "mlmon.stats.continuous",
    **{
        name: "mlmon.stats.grid"
        for name in (
            "GRID_LEVELS",
            "Moments",
            "GridCounts",
            "ReferenceGrid",
            "KSBracket",
            "Estimate",
            "grid_counts",
            "ks_bracket",
            "wasserstein",
            "decile_psi",
            "grid_quantiles",
            "missing_share_test",
            "decile_counts",
            "decile_bins",
        )
    },
}

__all__ = ["SHARE_EPSILON", *sorted(_EXPORTS)]


__getattr__ = lazy_exports(__name__, _EXPORTS)
