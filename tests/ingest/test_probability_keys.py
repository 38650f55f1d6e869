"""An object's keys (``probability_entries``' classes) against a plain-Python reading of
the same rules on any text, well-formed or not: each key respelled as a class in the
text (``"1.0":`` -> ``"1":``, ``"True":`` -> ``"true":``), then every quoted text before a
colon, in order; null unless the text is an object whose every value starts like a number."""

from __future__ import annotations

import io
import json
import random
import re

import polars as pl
import pytest

from mlmon.ingest.classes import probability_entries

KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')
NOT_A_NUMBER = re.compile(r'"\s*:\s*[^-+0-9.\s]')
SPACES = ["", " ", "  ", "\t", "\u2003", "\u00a0 ", "\u0085", "\u3000", "\x0b", "\u200b"]
"""Between a key and its colon: Unicode's White_Space (the regex's \\s), and one that is not (U+200B)."""
PIECES = ["a", "B", "1", "0", ".", "-", " ", ":", ",", '"', "\\", "{", "}", "\u00a0", "\u2003", "\t", "é"]
PIECES += ["True", "TRUE", "true", "False", "FALSE", "1.0", "-2.", "3.00", "007.0", "1.5", 'x"y', 'n\\"', "\\\\"]


def plain_keys(text: str | None) -> list[str] | None:
    if text is None or not text.lstrip().startswith("{") or NOT_A_NUMBER.search(text):
        return None
    text = re.sub(r'"(-?\d+)\.0*"(\s*:)', r'"\1"\2', text)
    text = re.sub(r'"(?:True|TRUE)"(\s*:)', r'"true"\1', text)
    text = re.sub(r'"(?:False|FALSE)"(\s*:)', r'"false"\1', text)
    return KEY.findall(text)


def texts(seed: int, n: int = 2000) -> list[str]:
    """JSON objects as polars writes them back, arrays, and texts written by hand."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        keys = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 4))) for _ in range(rng.randrange(0, 5))]
        kind = rng.random()
        if kind < 0.4:
            values = [rng.choice([0.5, 1, -2e-3, 1e-7, "s", None, [1], True]) for _ in keys]
            lines.append(json.dumps({"p": dict(zip(keys, values))}, ensure_ascii=rng.random() < 0.5))
        elif kind < 0.5:
            lines.append(json.dumps({"p": [0.1, 0.9]}))
        else:
            entries = [
                f'"{k}"{rng.choice(SPACES)}:{rng.choice(["", " "])}{rng.choice(["0.5", "1", "x", "-3e2"])}'
                for k in keys
            ]
            lines.append(json.dumps({"p": rng.choice(["{", " {", "["]) + ", ".join(entries) + "}"}))
    frame = pl.read_ndjson(io.BytesIO("\n".join(lines).encode()), schema={"p": pl.String})
    return frame.get_column("p").to_list()


@pytest.mark.parametrize("seed", range(6))
def test_keys_equal_a_plain_python_reading_of_any_text(seed):
    logged = texts(seed)
    _, classes = probability_entries(pl.col("p"))
    got = pl.DataFrame({"p": logged}, schema={"p": pl.String}).select(classes).to_series().to_list()
    expected = [plain_keys(text) for text in logged]
    assert got == expected
    assert sum(keys is not None and any(k in ("1", "true", "false") for k in keys) for keys in expected) > 10
    assert sum(keys is not None and any(k.endswith(" ") or "\\" in k for k in keys) for keys in expected) > 10
