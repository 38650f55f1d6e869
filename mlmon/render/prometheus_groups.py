"""Prometheus output of a run split by ``--by`` (:mod:`mlmon.render.prometheus`): each
group's figures as the same metric families as the whole input's, with one label per
``--by`` item::

    mlmon_latency_seconds{replica="a",quantile="0.99"} 0.1415
    mlmon_latency_seconds_sum{replica="a"} 212.4
    mlmon_latency_seconds_count{replica="a"} 7967
    mlmon_error_ratio{replica="a"} 0.0108
    mlmon_requests{replica="a"} 7967

written after the whole input's unlabelled samples, which stay as they are. Per group:
``mlmon_latency_seconds`` (quantiles, ``_sum``, ``_count``), ``mlmon_error_ratio`` and
``mlmon_requests``; its budget verdicts are ``mlmon_rule_status{scope="replica=a"}``.

A label name follows Prometheus' rules (``[a-zA-Z_][a-zA-Z0-9_]*``, ``__`` reserved): each
other character becomes ``_`` (``source.pod`` → ``source_pod``), a leading digit or ``__``
gets ``by_`` in front, and so does a name the family already uses (``quantile``); a name
taken by an earlier item gets ``_2``, ``_3``.... A group whose records have no value is
labelled ``(none)``, as its scope says: the empty value would be the same series as the
whole input's (Prometheus reads an empty label as no label).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mlmon.analyses.group_result import NO_VALUE

if TYPE_CHECKING:  # the analysis' types load polars
    from mlmon.analyses.group_result import GroupResult
    from mlmon.analyses.ops_types import OpsSummary
    from mlmon.render.prometheus_compare import Exposition

Summary = Callable[..., None]
"""How a latency summary is written: :func:`mlmon.render.prometheus.latency_summary`
(passed in: that module imports this one)."""

_NOT_LABEL = re.compile(r"[^a-zA-Z0-9_]")
RESERVED = frozenset({"quantile", "le"})
"""Label names the metric families use themselves (a summary's ``quantile``; ``le`` is a
histogram's, kept free for one)."""


def label_names(by: Sequence[str]) -> tuple[str, ...]:
    """A Prometheus label name per ``--by`` item, distinct (the rules in the module docstring)."""
    names: list[str] = []
    for item in by:
        name = _NOT_LABEL.sub("_", item) or "_"
        if name[0].isdigit() or name.startswith("__") or name in RESERVED:
            name = f"by_{name}"
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return tuple(names)


def group_series(groups: Sequence[GroupResult[OpsSummary]], out: Exposition, summary: Summary) -> None:
    """Each group's latency summary, error ratio and requests, labelled by its values (the
    samples join each family's, after the whole input's: :class:`Exposition` groups them)."""
    if not groups:
        return
    names = label_names(groups[0].by)
    for group in groups:
        labels = {name: NO_VALUE if value is None else value for name, value in zip(names, group.values, strict=True)}
        summary(out, "mlmon_latency_seconds", group.result.latency, labels)
        out.add("mlmon_error_ratio", group.result.errors.rate, labels)
        out.add("mlmon_requests", group.result.errors.requests, labels)
