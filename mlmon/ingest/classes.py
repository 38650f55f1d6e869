"""How text read from a log or a table becomes a class, a request id or a list of class
probabilities: one set of rules for the predicted ``label`` and the true ``actual``, for
logs (:mod:`mlmon.ingest.canonical`) and tables of ground truth
(:mod:`mlmon.ingest.label_tables`) alike, so a prediction and its label compare.

Every function takes and gives polars expressions over text (a JSON value read as a
string: a number as its digits, an object as its JSON text).
"""

from __future__ import annotations

import polars as pl

from mlmon.ingest.features import COMPOSITE

_WHOLE_DECIMAL = r"^(-?\d+)\.0*$"
"""A whole number written with a decimal point (``1.0``, ``-2.``): its digits are ``${1}``."""
_TRUE = ["True", "TRUE"]
"""How Python (``str(flag)``), pandas' CSV and R write the boolean JSON writes ``true``."""
_FALSE = ["False", "FALSE"]
"""And ``false``."""


def class_of(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(class, not-a-class mask) of text read from a log or a table: the predicted
    ``label`` and the true ``actual`` alike, so the two compare. A class is text, a
    boolean or a whole number (``1``, ``1.0``: a class index), written one way
    (:func:`class_text`); a number with a fraction is a regressor's output and an object
    or array is no class: those are counted as a wrong type and read as no class, never as
    thousands of one-record classes."""
    number = text.str.strip_chars().cast(pl.Float64, strict=False)
    fraction = number.is_finite() & (number != number.floor())
    wrong = (text.str.contains(COMPOSITE) | fraction).fill_null(False)
    return pl.when(wrong).then(None).otherwise(class_text(text)), wrong


def class_text(text: pl.Expr) -> pl.Expr:
    """A class written one way: a whole number with a decimal point as its digits
    (``"1.0"`` -> ``1``, as polars reads the JSON number ``1.0``), and ``True``/``TRUE``/
    ``False``/``FALSE`` as JSON's ``true``/``false``. Anything else as written."""
    # One chain, literals for the booleans: a class column is read on every run, so this
    # costs a few milliseconds per 100,000 classes over reading them as written.
    return (
        pl.when(text.str.contains(".", literal=True))
        .then(text.str.replace(_WHOLE_DECIMAL, "${1}"))
        .when(text.is_in(_TRUE))
        .then(pl.lit("true"))
        .when(text.is_in(_FALSE))
        .then(pl.lit("false"))
        .otherwise(text)
    )


def request_id_of(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(request id, wrong-type mask) of text read from a log or a table. An id is text as
    written, a number its digits (``123``, ``"123"`` and a table's ``123.0`` are one id);
    an empty one is no id; an object or array is no id, counted as a wrong type."""
    wrong = text.str.contains(COMPOSITE).fill_null(False)
    digits = pl.when(text.str.contains(".", literal=True)).then(text.str.replace(_WHOLE_DECIMAL, "${1}"))
    empty = text.str.strip_chars() == ""
    return pl.when(wrong | empty).then(None).otherwise(digits.otherwise(text)), wrong


def probability_entries(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(probabilities, classes) of a JSON object ``{"cat": 0.9, "dog": 0.1}`` (values and
    keys in logged order, keys as classes, :func:`class_text`) or an array ``[0.9, 0.1]``
    (the values of :func:`probabilities_of`; no classes: null).

    Keys and values are read by two cheap passes (a regex for the keys, the comma split of
    :func:`probabilities_of` for the values) and paired by position. An object with an
    entry whose value is not a number (``"bird": "n/a"``, a nested object) keeps its
    numbers but has no classes (null): its vector cannot be read by class name, and the
    analyses count it so, rather than pairing a key with the wrong number. Pairing the
    numbers with their keys one by one costs four times as much on every row."""
    values = probabilities_of(text)
    respelled = pl.coalesce(_spelled_keys(pl.when(text.str.contains(_SPELLED)).then(text)), text)
    keys = respelled.str.extract_all(_KEY).list.eval(_key_text(pl.element()))
    is_object = text.str.strip_chars_start().str.starts_with("{")
    paired = is_object & ~text.str.contains(_NOT_A_NUMBER)
    return values, pl.when(paired).then(keys)


_NOT_A_NUMBER = r'"\s*:\s*[^-+0-9.\s]'
"""A key whose value does not start like a number (text, an object, an array, a literal)."""
_KEY = r'"((?:[^"\\]|\\.)*)"\s*:'
"""A JSON object's key: the quoted text before a colon."""


_SPELLED = r'"(?:-?\d+\.0*|True|TRUE|False|FALSE)"\s*:'
"""A key :func:`_spelled_keys` respells: only the texts holding one pay for its passes (a
text without one is left as it is by them)."""


def _key_text(match: pl.Expr) -> pl.Expr:
    """The key of a :data:`_KEY` match (``"key"  :``) without a regex: the colon, the
    spaces before it (``\\s`` and ``strip_chars`` both take Unicode's White_Space) and the
    quotes cut off; the key cannot end in a space (its closing quote is kept until last).
    A key with an escape is read as JSON reads it (``"q\\"x"`` is the class ``q"x``, as the
    ``label`` ``"q\\"x"`` is)."""
    quoted = match.str.head(-1).str.strip_chars_end()
    key = quoted.str.slice(1).str.head(-1)
    return (
        pl.when(key.str.contains("\\", literal=True))
        .then(pl.coalesce(quoted.str.json_path_match("$"), key))
        .otherwise(key)
    )


def _spelled_keys(text: pl.Expr) -> pl.Expr:
    """``text`` with each key written as :func:`class_text` writes a class (``"1.0":`` ->
    ``"1":``, ``"True":`` -> ``"true":``): three passes over a row instead of the rules
    applied to every key (half the cost of reading the keys)."""
    return (
        text.str.replace_all(r'"(-?\d+)\.0*"(\s*:)', '"${1}"${2}')
        .str.replace_all(r'"(?:True|TRUE)"(\s*:)', '"true"${1}')
        .str.replace_all(r'"(?:False|FALSE)"(\s*:)', '"false"${1}')
    )


def _bare(text: pl.Expr) -> pl.Expr:
    """``text`` without its keys, spaces and outer brackets: the values, comma-separated."""
    return text.str.replace_all(_KEY, "").str.replace_all(" ", "", literal=True).str.strip_chars("{}[]\t\r\n")


def probabilities_of(text: pl.Expr) -> pl.Expr:
    """Values of a JSON object ``{"A": 0.9, ...}`` or array ``[0.9, ...]``, in order. Keys
    and spaces are removed, the rest split on commas; an entry that is not a number is
    left out. Two literal-led passes cost half as much as matching each number."""
    return _bare(text).str.split(",").cast(pl.List(pl.Float64), strict=False).list.drop_nulls()
