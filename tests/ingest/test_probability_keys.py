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
    return [unescaped(key) for key in KEY.findall(text)]


def unescaped(key: str) -> str:
    """A key as JSON reads it (``q\\"x`` is ``q"x``); as written where that is no JSON string."""
    if "\\" not in key:
        return key
    try:
        return json.loads(f'"{key}"')
    except ValueError:
        return key


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


@pytest.mark.parametrize("chunk_bytes", [256, 1 << 20])
def test_logged_keys_with_escapes_keep_their_values_and_names(tmp_path, chunk_bytes):
    """Polars writes an object read as text back without its escapes (``{"q\\"x": 0.9}`` as
    ``{"q"x":0.9}``): the vector is read again from its line, and a key with an escape is
    the class JSON reads. Oracle: ``json.loads`` of each line."""
    from mlmon.ingest import IngestOptions, Needs, read_logs

    objects = [
        {'q"x': 0.9, "b\\c": 0.1},
        {"tab\there": 0.25, "é": 0.75},
        {"plain": 0.6, "other": 0.4},
        {"new\nline": 0.5, '\\"': 0.5},
    ]
    lines = [
        json.dumps({"ts": f"2026-11-09T00:00:{i:02d}Z", "label": next(iter(p)), "probabilities": p}, ensure_ascii=i % 2)
        for i, p in enumerate(objects * 5)
    ]
    lines.insert(
        3, json.dumps({"ts": "2026-11-09T00:00:59Z", "label": "a", "probabilities": [0.1, 0.9], "path": "C:\\x"})
    )
    path = tmp_path / "escapes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    needs = Needs(("label", "probabilities", "probability_classes"))
    frame = read_logs([str(path)], IngestOptions(chunk_bytes=chunk_bytes), needs).frame.collect()
    logged = [json.loads(line)["probabilities"] for line in lines]
    expected = sorted(
        (
            json.loads(line)["ts"],
            list(p.values()) if isinstance(p, dict) else p,
            list(p) if isinstance(p, dict) else None,
        )
        for line, p in zip(lines, logged)
    )
    got = sorted(
        (ts.strftime("%Y-%m-%dT%H:%M:%SZ"), probs, classes)
        for ts, probs, classes in frame.select("ts", "probabilities", "probability_classes").iter_rows()
    )
    assert got == expected
