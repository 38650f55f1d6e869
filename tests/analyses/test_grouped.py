"""``--by``: records split by where they came from (mlmon.analyses.grouped, the canonical
``group`` column), checked against numpy on the generated values and against the envelope
fixtures' hand-worked ``by`` groups."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mlmon.analyses import grouped as grouped_module
from mlmon.analyses.grouped import Grouped, GroupedState
from mlmon.analyses.ops import OpsReducer
from mlmon.api.report import ReportOptions, build_report
from mlmon.errors import UsageError
from mlmon.ingest.fields import by_candidates, by_columns
from mlmon.ingest.needs import Needs
from mlmon.ingest.options import IngestOptions
from mlmon.ingest.reader import read_logs
from tests.conftest import REPO

START = datetime(2026, 11, 20, tzinfo=UTC)
ENVELOPES = REPO / "tests" / "ingest" / "envelopes"


def _two_pods(n: int = 1200, seed: int = 26) -> tuple[list[dict], dict[str | None, dict[str, np.ndarray]]]:
    """Records of two pods, one slow, and some with no pod; the pod is written as a plain
    key, a Fluent Bit ``kubernetes`` object or an envelope's ``source.pod`` key (the
    shortcut ``pod`` reads them all). Returns the records and, per pod, the latencies and
    error flags of its requests, and its record count."""
    rng = np.random.default_rng(seed)
    pods = rng.choice(["web-a", "web-b", None], n, p=[0.55, 0.4, 0.05])
    latency = np.where(pods == "web-b", rng.lognormal(4.6, 0.3, n), rng.lognormal(3.0, 0.4, n)).round(3)
    failed = rng.random(n) < np.where(pods == "web-b", 0.08, 0.01)
    prediction = rng.random(n) < 0.25  # a prediction line: no latency, not a request
    records, truth = [], {}
    for i in range(n):
        ts = (START + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")
        pod = pods[i]
        if prediction[i]:
            record: dict = {"ts": ts, "event": "prediction", "label": "A", "confidence": 0.9}
        else:
            record = {"ts": ts, "event": "inference", "latency_ms": float(latency[i])}
            record["status"] = "error" if failed[i] else "ok"
        if pod is not None:
            style = i % 3
            if style == 0:
                record["pod"] = pod
            elif style == 1:
                record["kubernetes"] = {"pod_name": pod, "namespace_name": "default"}
            else:
                record["source.pod"] = pod
        records.append(record)
        entry = truth.setdefault(pod, {"latency": [], "failed": [], "records": 0})
        entry["records"] += 1
        if not prediction[i]:
            entry["latency"].append(float(latency[i]))
            entry["failed"].append(bool(failed[i]))
    arrays = {
        pod: {
            "latency": np.array(e["latency"]),
            "failed": np.array(e["failed"]),
            "records": np.array(e["records"]),
        }
        for pod, e in truth.items()
    }
    return records, arrays


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_slow_pod_is_separated_with_numpy_figures(tmp_path):
    records, truth = _two_pods()
    log = _write(tmp_path / "pods.jsonl", records)
    report = build_report(str(log), ReportOptions(ingest=IngestOptions(by=("pod",)), p99_budget="80ms"))
    by_pod = {group.values: group.result for group in report.groups}
    assert list(by_pod) == [("web-a",), ("web-b",), (None,)]  # by value, the group with none last
    for pod, summary in by_pod.items():
        expected = truth[pod[0]]
        latency = expected["latency"]
        assert summary.records == int(expected["records"])
        assert summary.errors.requests == latency.size
        assert summary.errors.errors == int(expected["failed"].sum())
        assert summary.errors.rate == pytest.approx(expected["failed"].mean(), rel=1e-12)
        for name, q in (("p50_ms", 50), ("p95_ms", 95), ("p99_ms", 99)):
            assert getattr(summary.latency, name) == pytest.approx(np.percentile(latency, q), rel=1e-12)
    assert sum(s.records for s in by_pod.values()) == report.overall.records == len(records)
    verdicts = {f.scope: f.severity.value for f in report.findings if f.check == "latency_p99"}
    assert verdicts["pod=web-b"] == "critical" and verdicts["pod=web-a"] == "ok"
    assert "pod=(none)" in verdicts


def test_several_items_make_one_group_per_combination(tmp_path):
    rng = np.random.default_rng(3)
    rows = [
        {
            "ts": (START + timedelta(seconds=i)).isoformat(),
            "latency_ms": float(rng.integers(1, 500)),
            **({"pod": str(rng.choice(["a", "b"]))}),
            **({"zone": str(rng.choice(["eu", "us"]))} if i % 5 else {}),
        }
        for i in range(400)
    ]
    log = _write(tmp_path / "z.jsonl", rows)
    report = build_report(str(log), ReportOptions(ingest={"by": "pod,zone"}))
    got = {g.values: g.result for g in report.groups}
    for values, summary in got.items():
        mine = [r["latency_ms"] for r in rows if (r["pod"], r.get("zone")) == values]
        assert summary.records == len(mine)
        assert summary.latency.p99_ms == pytest.approx(np.percentile(mine, 99), rel=1e-12)
    assert set(got) == {(p, z) for p in "ab" for z in ("eu", "us", None)}
    assert {g.scope for g in report.groups} >= {"pod=a, zone=eu", "pod=b, zone=(none)"}
    payload = report.to_dict()
    assert payload["by"] == ["pod", "zone"]
    assert payload["groups"][-1]["values"] == {"pod": "b", "zone": None}


@pytest.mark.parametrize(
    ("fixture", "by"),
    [("otlp/logs", "source.k8s.pod.name"), ("gcp/export", "source.revision_name"), ("otlp/logs", "pod")],
)
def test_the_envelope_fixtures_hand_worked_groups(fixture, by):
    """On the fixtures' records unwrapped by hand (the readers are tested on the envelopes)."""
    expected = json.loads((ENVELOPES / f"{fixture}.expected.json").read_text())["by"]
    (groups,) = expected.values()
    report = build_report(str(ENVELOPES / f"{fixture}.unwrapped.jsonl"), ReportOptions(ingest={"by": by}))
    got = {g.values[0]: g.result for g in report.groups}
    assert set(got) == set(groups)
    for value, want in groups.items():
        summary = got[value]
        assert summary.records == want["records"]
        assert summary.errors.requests == want["requests"]
        assert summary.errors.errors == want["errors"]
        assert summary.latency.mean_ms == pytest.approx(want["latency_ms_mean"], rel=1e-12)
        assert summary.latency.p95_ms == pytest.approx(np.percentile(want["latency_ms"], 95), rel=1e-12)


def test_shortcuts_try_the_literal_key_then_the_path():
    assert by_candidates("kubernetes.pod_name") == (("kubernetes.pod_name",), ("kubernetes", "pod_name"))
    assert by_candidates("host")[:3] == (("source.host",), ("source", "host"), ("source.host.name",))
    assert by_candidates("pod")[0] == ("source.pod",)
    assert by_columns(("pod", "pod", "zone")) == ("group", "by:pod", "by:zone")


def _chunks(tmp_path) -> tuple[Grouped, list]:
    records, _ = _two_pods(400, seed=5)
    log = _write(tmp_path / "pods.jsonl", records)
    reducer = Grouped(OpsReducer(), ("pod",))
    frame = read_logs([str(log)], None, reducer.needs).frame.collect()
    cuts = [0, 37, 38, 150, 151, 290, 400]
    return reducer, [frame.slice(a, b - a) for a, b in zip(cuts, cuts[1:])]


def _flat(value: object, path: str = "") -> dict[str, object]:
    """Every leaf of a result by its path (dataclasses, tuples and dicts opened)."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flat(item, f"{path}.{key}").items()}
    if isinstance(value, list | tuple):
        return {k: v for i, item in enumerate(value) for k, v in _flat(item, f"{path}[{i}]").items()}
    return {path: value}


def _assert_same(got: object, expected: object) -> None:
    """Equal leaf by leaf; floats to 1e-12 (polars sums a float column in an order that
    depends on its memory layout, so a sum of the same values may differ in the last bit)."""
    flat_got, flat_expected = _flat(got), _flat(expected)
    assert flat_got.keys() == flat_expected.keys()
    for key, value in flat_expected.items():
        assert flat_got[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), key


def test_each_group_gets_its_own_records_in_input_order(tmp_path):
    """Per group, the wrapper's result is the inner reducer's on the group's records, fed
    the same chunks in the same order: nothing of another group, nothing lost (floats to
    1e-12: see :func:`_assert_same`)."""
    reducer, parts = _chunks(tmp_path)
    state = reducer.from_chunk(parts[0])
    for part in parts[1:]:
        state = reducer.merge(state, reducer.from_chunk(part))
    results = reducer.finalize(state)
    inner = reducer.inner
    for group in results:
        (pod,) = group.values
        mine = [p.filter(pl.col("group").is_null() if pod is None else pl.col("group") == pod) for p in parts]
        mine = [p for p in mine if p.height]
        own = inner.from_chunk(mine[0])
        for part in mine[1:]:
            own = inner.merge(own, inner.from_chunk(part))
        _assert_same(group.result, inner.finalize(own))
    assert [g.values for g in results] == [("web-a",), ("web-b",), (None,)]


def test_the_merge_is_associative(tmp_path):
    """Any grouping of the chunks gives the same groups and figures as one chunk (floats
    to 1e-12)."""
    reducer, parts = _chunks(tmp_path)
    states = [reducer.from_chunk(part) for part in parts]
    left = states[0]
    for state in states[1:]:
        left = reducer.merge(left, state)
    right = states[-1]
    for state in reversed(states[:-1]):
        right = reducer.merge(state, right)
    middle = reducer.merge(
        reducer.merge(states[0], reducer.merge(states[1], states[2])),
        reducer.merge(reducer.merge(states[3], states[4]), states[5]),
    )
    expected = reducer.finalize(reducer.from_chunk(pl.concat(parts)))
    for state in (left, right, middle):
        _assert_same(reducer.finalize(state), expected)


def test_too_many_groups_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(grouped_module, "MAX_GROUPS", 2)
    reducer, parts = _chunks(tmp_path)
    state = reducer.from_chunk(pl.concat(parts))  # both pods and no pod: three groups
    assert state == GroupedState(too_many=3)
    merged = reducer.merge(reducer.from_chunk(parts[0].head(1)), state)
    pods = pl.concat(parts).filter(pl.col("group").is_not_null())
    two = reducer.merge(reducer.from_chunk(pods.filter(pl.col("group") == "web-a")), reducer.from_chunk(pods))
    assert len(two.groups) == 2 and not two.too_many  # at the limit: kept
    none_only = reducer.from_chunk(pl.concat(parts).filter(pl.col("group").is_null()))
    assert reducer.merge(two, none_only) == GroupedState(too_many=3)  # over the limit by the union
    with pytest.raises(UsageError, match=r"^--by pod: over 2 groups \(at least 3\)"):
        reducer.finalize(merged)


def test_the_group_column_is_read_only_when_asked(tmp_path):
    records, _ = _two_pods(30)
    log = _write(tmp_path / "pods.jsonl", records)
    plain = read_logs([str(log)], None, Needs(("latency_ms",))).frame.collect()
    assert "group" not in plain.columns
    asked = read_logs([str(log)], None, Needs(("latency_ms", *by_columns(("pod",))))).frame.collect()
    want = [r.get("pod") or r.get("source.pod") or r.get("kubernetes", {}).get("pod_name") for r in records]
    assert asked["group"].to_list() == want


def test_a_shortcut_reads_each_shape_a_record_may_hold(tmp_path):
    """``host``: an envelope's ``source.host`` key, a ``source`` object (beside records
    whose ``source`` is text), ``host``, ``hostname``; an empty value is none."""
    rows = [
        {"ts": "2026-11-20T10:00:00Z", "latency_ms": 10, "source": "web", "host": "h1"},
        {"ts": "2026-11-20T10:00:01Z", "latency_ms": 20, "source": {"host": "h2"}},
        {"ts": "2026-11-20T10:00:02Z", "latency_ms": 30, "source.host": "h3"},
        {"ts": "2026-11-20T10:00:03Z", "latency_ms": 40, "hostname": "h4"},
        {"ts": "2026-11-20T10:00:04Z", "latency_ms": 50, "host": ""},
    ]
    log = _write(tmp_path / "hosts.jsonl", rows)
    frame = read_logs([str(log)], None, Needs(("latency_ms", *by_columns(("host",))))).frame.collect()
    assert frame["group"].to_list() == ["h1", "h2", "h3", "h4", None]
    assert ("source", "host", "name") not in by_candidates("host")  # source.host is read as a value
