"""Feature drift on real public data sets (issue 21 §1c): no false alarm on a week drawn from
the reference's own rows, and every gross shift flagged from its first day.

The corpus (``tests/corpus/``: sources, licences and column kinds in its README) holds six
tables: integers, booleans, ordinal ratings, categorical strings, heavy tails, missing
values, atoms with a continuous tail, rounded values. For each, with a fixed seed, rows are
resampled with replacement into a reference table (CSV as pandas writes it: booleans
``True``/``False``, missing values empty) and into a week of prediction logs (7 daily
windows, timestamps spread over each day) drawn from the same rows:

* ``same``: every day from all rows. No feature may be flagged (warning or critical) in any
  window; in the ``text`` variant booleans are logged as the text "True"/"False" and missing
  values are left out of ``features`` (``json``: JSON true/false and null).
* ``shift``: days 5-7 drawn from the rows of one target class. The oracle, on the raw
  values (reference sample against that day's sample), calls a feature grossly shifted when
  - numeric: ``scipy.stats.ks_2samp`` p < 1e-6 and Wasserstein-1 / reference std >= 0.5;
  - boolean or categorical: ``scipy.stats.chi2_contingency`` p < 1e-6 on the 2 x K table of
    counts and total variation distance >= 0.2;
  - any kind: the missing share up by >= 0.2 with chi2_contingency p < 1e-6.
  Every gross (feature, day) must be flagged that day, its ``first_drifted`` must be day 5,
  and nothing may be flagged on days 1-4.

A failure prints a table of what was flagged and why, with the oracle's numbers.
``python -m tests.e2e.test_public_data_drift`` prints the same numbers for every data set.
"""

from __future__ import annotations

import csv
import json
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

from mlmon import DriftOptions, ReferenceBuildOptions, build_drift_report, build_reference

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MANIFEST: dict[str, dict] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
DAYS = 7
SHIFT_DAY = 4  # 0-based: days 5, 6 and 7 come from one class
FLAGGED = ("warning", "critical")
GROSS_P, GROSS_W1_SD, GROSS_TV, GROSS_MISSING = 1e-6, 0.5, 0.2, 0.2
NUMERIC = ("integer", "float")


@dataclass(frozen=True)
class Table:
    """One corpus table as the CSV's text, so a resampled reference is written exactly as
    pandas wrote the source."""

    name: str
    """Data set name (manifest key, CSV stem)."""
    header: tuple[str, ...]
    """Column names."""
    rows: tuple[tuple[str, ...], ...]
    """Every row's fields, as text."""
    spec: dict
    """The manifest entry: label, shift_class, reference_rows, day_records, features."""

    def column(self, name: str, rows: np.ndarray) -> list[str]:
        """The text of column ``name`` in ``rows`` (indices)."""
        at = self.header.index(name)
        return [self.rows[i][at] for i in rows]


@dataclass(frozen=True)
class Week:
    """One drift run: the rows drawn and what mlmon said about each feature and window."""

    table: Table
    """The data set."""
    scenario: str
    """``same`` (every day from all rows) or ``shift`` (days 5-7 from one class)."""
    variant: str
    """``json`` (true/false, null) or ``text`` ("True"/"False", missing keys left out)."""
    reference: np.ndarray
    """Row indices of the reference table."""
    days: tuple[np.ndarray, ...]
    """Row indices of each day's records."""
    windows: dict[tuple[str, int], dict]
    """``feature_drift.windows`` of the JSON document by (feature, day index)."""
    summaries: dict[str, dict]
    """``feature_drift.features`` by name."""


def load(name: str) -> Table:
    with (CORPUS / "data" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        header, *rows = csv.reader(fh)
    return Table(name, tuple(header), tuple(map(tuple, rows)), MANIFEST[name])


def draw(table: Table, scenario: str) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Reference and daily row indices, resampled with replacement (seeded by data set)."""
    rng = np.random.default_rng(zlib.crc32(f"{table.name}/{scenario}".encode()))
    every = np.arange(len(table.rows))
    labels = np.array(table.column(table.spec["label"], every))
    one_class = np.flatnonzero(labels == table.spec["shift_class"])
    reference = rng.integers(0, every.size, table.spec["reference_rows"])
    days = []
    for day in range(DAYS):
        pool = one_class if scenario == "shift" and day >= SHIFT_DAY else every
        days.append(pool[rng.integers(0, pool.size, table.spec["day_records"])])
    return reference, tuple(days)


def write_reference(table: Table, rows: np.ndarray, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(table.header)
        out.writerows(table.rows[i] for i in rows)


def logged(text: str, kind: str, variant: str) -> object:
    """A CSV field as a service would log it in ``features``."""
    if kind == "integer":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "boolean" and variant == "json":
        return {"True": True, "False": False}[text]
    return text


def write_logs(table: Table, days: tuple[np.ndarray, ...], path: Path, variant: str) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{table.name}/ts".encode()))
    kinds = table.spec["features"]
    at = {name: table.header.index(name) for name in [table.spec["label"], *kinds]}
    with path.open("w", encoding="utf-8") as fh:
        for day, rows in enumerate(days):
            seconds = np.sort(rng.uniform(0, 86_400, rows.size))
            for row, second in zip(rows, seconds):
                fields = table.rows[row]
                ts = START + timedelta(days=day, seconds=float(second))
                features = {}
                for name, kind in kinds.items():
                    text = fields[at[name]]
                    if text != "":
                        features[name] = logged(text, kind, variant)
                    elif variant == "json":
                        features[name] = None
                record = {
                    "ts": ts.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "event": "prediction",
                    "label": fields[at[table.spec["label"]]],
                    "features": features,
                }
                fh.write(json.dumps(record) + "\n")


def run_week(name: str, scenario: str, variant: str, folder: Path) -> Week:
    """Resample, write the reference CSV and the logs, build the profile with the Python
    twin of ``mlmon reference build`` and judge ``--window 1d`` with that of ``mlmon drift``."""
    table = load(name)
    reference, days = draw(table, scenario)
    folder.mkdir(parents=True, exist_ok=True)
    write_reference(table, reference, folder / "reference.csv")
    write_logs(table, days, folder / "week.jsonl", variant)
    features = tuple(table.spec["features"])
    build_reference(
        folder / "reference.csv",
        folder / "ref.json",
        ReferenceBuildOptions(label=table.spec["label"], features=features),
    )
    report = build_drift_report(folder / "week.jsonl", DriftOptions(reference=folder / "ref.json", window="1d"))
    document = json.loads(report.to_json())["feature_drift"]
    windows = {(w["feature"], day_of(w["start"])): w for w in document["windows"]}
    return Week(table, scenario, variant, reference, days, windows, {f["name"]: f for f in document["features"]})


def day_of(start: str | None) -> int:
    return -1 if start is None else (datetime.fromisoformat(start.replace("Z", "+00:00")) - START).days


@dataclass(frozen=True)
class Oracle:
    """The independent verdict on one feature and day from the raw values."""

    gross: bool
    """Grossly shifted by the module docstring's rule."""
    evidence: str
    """The numbers behind it."""


def _missing_shift(ref: list[str], day: list[str]) -> tuple[bool, str]:
    m_ref, m_day = ref.count(""), day.count("")
    up = m_day / len(day) - m_ref / len(ref)
    if up < GROSS_MISSING:
        return False, ""
    p = scipy.stats.chi2_contingency([[m_ref, len(ref) - m_ref], [m_day, len(day) - m_day]]).pvalue
    return p < GROSS_P, f"; missing {m_ref / len(ref):.0%} -> {m_day / len(day):.0%} p {p:.1e}"


def oracle(kind: str, ref: list[str], day: list[str]) -> Oracle:
    missing, note = _missing_shift(ref, day)
    ref_values, day_values = [v for v in ref if v != ""], [v for v in day if v != ""]
    if kind in NUMERIC:
        r, c = np.array(ref_values, dtype=float), np.array(day_values, dtype=float)
        sd = r.std(ddof=1)
        if c.size < 2 or sd == 0:
            return Oracle(missing, f"n {c.size}, reference sd {sd:g}{note}")
        p = scipy.stats.ks_2samp(r, c).pvalue
        w1 = scipy.stats.wasserstein_distance(r, c) / sd
        gross = p < GROSS_P and w1 >= GROSS_W1_SD
        return Oracle(gross or missing, f"KS p {p:.1e}, W1/sd {w1:.2f}{note}")
    categories = sorted(set(ref_values) | set(day_values))
    counts = np.array([[ref_values.count(k) for k in categories], [day_values.count(k) for k in categories]])
    if len(categories) < 2 or counts[1].sum() == 0:
        return Oracle(missing, f"categories {categories}{note}")
    p = scipy.stats.chi2_contingency(counts).pvalue
    shares = counts / counts.sum(axis=1, keepdims=True)
    tv = 0.5 * np.abs(shares[0] - shares[1]).sum()
    return Oracle((p < GROSS_P and tv >= GROSS_TV) or missing, f"chi2 p {p:.1e}, TV {tv:.2f}{note}")


def oracles(week: Week) -> dict[tuple[str, int], Oracle]:
    table = week.table
    out = {}
    for name, kind in table.spec["features"].items():
        ref = table.column(name, week.reference)
        for day, rows in enumerate(week.days):
            out[name, day] = oracle(kind, ref, table.column(name, rows))
    return out


def flagged(week: Week, name: str, day: int) -> bool:
    return week.windows[name, day]["severity"] in FLAGGED


def problems_table(week: Week, cells: list[tuple[str, int]], title: str) -> str:
    """What mlmon said about ``cells`` (feature, day) and what the oracle says, one line each."""
    verdicts = oracles(week)
    kinds = week.table.spec["features"]
    lines = [
        f"{week.table.name} ({week.scenario}, {week.variant}): {title}",
        f"{'feature':<24} {'kind':<8} {'day':>3} {'severity':<8} {'oracle':<44} mlmon's reason",
    ]
    for name, day in sorted(cells, key=lambda c: (c[0], c[1])):
        w, o = week.windows[name, day], verdicts[name, day]
        gross = "GROSS " if o.gross else ""
        unseen = f"; unseen {w['unseen']}" if w.get("unseen") else ""
        lines.append(
            f"{name:<24} {kinds[name]:<8} {day + 1:>3} {w['severity']:<8} {gross + o.evidence:<44} "
            f"{w['reason']}{unseen}"
        )
    return "\n".join(lines)


def assert_every_window_judged(week: Week) -> None:
    """Every profiled feature has a verdict in each of the 7 windows, none unknown: a
    feature mlmon failed to read cannot pass as 'not flagged'."""
    expected = {(name, day) for name in week.table.spec["features"] for day in range(DAYS)}
    assert set(week.windows) == expected, sorted(set(week.windows) ^ expected)
    unknown = [cell for cell, w in week.windows.items() if w["severity"] == "unknown"]
    assert not unknown, problems_table(week, unknown, "windows not judged")


def false_alarms(week: Week, days: range = range(DAYS)) -> list[tuple[str, int]]:
    return [(name, day) for (name, day) in week.windows if day in days and flagged(week, name, day)]


def shift_outcome(week: Week) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[tuple[str, int]]]:
    """(gross cells on days 5-7, those not flagged, flags on days 1-4)."""
    verdicts = oracles(week)
    gross = [cell for cell, o in verdicts.items() if o.gross and cell[1] >= SHIFT_DAY]
    missed = [cell for cell in gross if not flagged(week, *cell)]
    return gross, missed, false_alarms(week, range(SHIFT_DAY))


def _has_text_variant(name: str) -> bool:
    """Booleans to log as text, or missing values to leave out."""
    table = load(name)
    kinds = table.spec["features"]
    every = np.arange(len(table.rows))
    return "boolean" in kinds.values() or any("" in table.column(n, every) for n in kinds)


SAME = [(name, "json") for name in MANIFEST] + [(name, "text") for name in MANIFEST if _has_text_variant(name)]


@pytest.fixture(scope="module")
def weeks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    cache: dict[tuple[str, str, str], Week] = {}

    def get(name: str, scenario: str, variant: str) -> Week:
        key = (name, scenario, variant)
        if key not in cache:
            cache[key] = run_week(name, scenario, variant, folder / "-".join(key))
        return cache[key]

    return get


def test_the_corpus_covers_every_kind_of_column_the_issue_names():
    kinds = {kind for spec in MANIFEST.values() for kind in spec["features"].values()}
    assert kinds == {"integer", "float", "boolean", "category"}
    assert {name for name, variant in SAME if variant == "text"} >= {"creditcard", "affairs", "penguins", "titanic"}
    sizes = sum(p.stat().st_size for p in (CORPUS / "data").glob("*.csv"))
    assert sizes < 2_000_000
    for name, spec in MANIFEST.items():
        table = load(name)
        assert set(spec["features"]) | {spec["label"]} <= set(table.header), name
        assert spec["shift_class"] in table.column(spec["label"], np.arange(len(table.rows))), name


@pytest.mark.parametrize(("name", "variant"), SAME, ids=[f"{n}-{v}" for n, v in SAME])
def test_a_week_drawn_from_the_reference_rows_flags_no_feature_in_any_window(weeks, name, variant):
    week = weeks(name, "same", variant)
    assert_every_window_judged(week)
    alarms = false_alarms(week)
    assert not alarms, problems_table(week, alarms, "false alarms (no drift was made)")


@pytest.mark.parametrize("name", list(MANIFEST))
def test_one_class_from_day_5_is_flagged_from_day_5_and_nothing_before(weeks, name):
    week = weeks(name, "shift", "json")
    assert_every_window_judged(week)
    gross, missed, early = shift_outcome(week)
    assert {day for _, day in gross} == {4, 5, 6}, "the subpopulation must shift something grossly every day"
    assert not missed and not early, problems_table(week, missed + early, "gross shifts missed / flags before day 5")
    for name_ in {feature for feature, day in gross if day == SHIFT_DAY}:
        assert day_of(week.summaries[name_]["first_drifted"]) == SHIFT_DAY, name_


def describe(week: Week) -> str:
    """A ``same`` week's false alarms, or a ``shift`` week's gross shifts flagged/expected
    with every flag of days 5-7 and any flag before, as text."""
    if week.scenario == "same":
        alarms = false_alarms(week)
        return (
            problems_table(week, alarms, f"false alarms: {len(alarms)}")
            if alarms
            else f"{week.table.name} (same, {week.variant}): no false alarm"
        )
    gross, missed, early = shift_outcome(week)
    other = [cell for cell in false_alarms(week, range(SHIFT_DAY, DAYS)) if cell not in gross]
    title = (
        f"gross shifts flagged {len(gross) - len(missed)}/{len(gross)}, flags before day 5: "
        f"{len(early)}; every flag and gross shift"
    )
    return problems_table(week, gross + other + early, title)


def main() -> None:
    """Print, for every data set, the false alarms and the gross shifts flagged/expected."""
    runs = [(name, "same", variant) for name, variant in SAME] + [(name, "shift", "json") for name in MANIFEST]
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario, variant in sorted(runs, key=lambda run: list(MANIFEST).index(run[0])):
            print(describe(run_week(name, scenario, variant, Path(tmp) / f"{name}-{scenario}-{variant}")), end="\n\n")


if __name__ == "__main__":
    main()
