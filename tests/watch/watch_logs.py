"""Small JSON-lines logs for the watch engine's tests: records spread over hours, latencies
and predictions drawn from a seeded generator, and a few malformed lines."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 9, tzinfo=UTC)
"""The first record's hour."""


def log_lines(count: int, *, seed: int = 0, start: datetime = START, step: timedelta = timedelta(minutes=3)) -> bytes:
    """``count`` lines, one record each ``step`` from ``start``, every 25th malformed (no record)."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        if i % 25 == 24:
            lines.append(b'{"ts": "broken\n')
            continue
        ts = (start + step * i).isoformat().replace("+00:00", "Z")
        latency = round(rng.lognormvariate(3.0, 0.6), 3)
        status = 500 if rng.random() < 0.05 else 200
        label = rng.choice("AAB")
        confidence = round(rng.uniform(0.5, 1.0), 4)
        lines.append(
            (
                f'{{"ts": "{ts}", "model_version": "1", "latency_ms": {latency}, "status": {status}, '
                f'"label": "{label}", "confidence": {confidence}}}\n'
            ).encode()
        )
    return b"".join(lines)


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as handle:
        handle.write(data)
