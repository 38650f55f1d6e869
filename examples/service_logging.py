"""Plain ``logging`` with mlmon's ``JsonFormatter``, no wrapper: the seed service's snippets.

A service that already logs ``logger.info("inference", extra={"latency_ms": ...})`` and
``logger.info("prediction", extra={"label": ..., "confidence": ...})`` only needs the
formatter on its handler to write logs that mlmon reads. Errors go through
``logger.exception``, which adds ``error`` and ``exc_info``. Then ``mlmon report`` runs on
the file. Runs in a few seconds::

    python examples/service_logging.py [OUTPUT_DIR]      # default: a temporary directory
"""

from __future__ import annotations

import logging
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlmon.instrument import JsonFormatter

CLASSES = ["cat", "dog", "bird"]


def fake_model(x: float) -> list[float]:
    """A stand-in classifier: fails on one input in 40, else three probabilities."""
    if x > 0.975:
        raise RuntimeError("CUDA out of memory")
    scores = [1.0 + x, 2.0 - x, 0.5]
    total = sum(scores)
    return [s / total for s in scores]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="mlmon-example-"))
    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "app.jsonl", mode="w")
    handler.setFormatter(JsonFormatter(model="pets", model_version="2"))
    logger = logging.getLogger("pets-service")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    rng = random.Random(0)
    for _ in range(500):
        x = rng.random()
        start = time.perf_counter()
        try:
            probabilities = fake_model(x)
        except RuntimeError:
            latency_ms = (time.perf_counter() - start) * 1000
            logger.exception("inference", extra={"latency_ms": latency_ms, "status": "error"})
            continue
        latency_ms = (time.perf_counter() - start) * 1000
        best = max(range(3), key=probabilities.__getitem__)
        logger.info("inference", extra={"latency_ms": latency_ms})
        logger.info("prediction", extra={"label": CLASSES[best], "confidence": probabilities[best]})
    handler.close()

    print(f"$ mlmon report {out}", flush=True)
    code = subprocess.run(
        [sys.executable, "-c", ("from mlmon.cli import app; app()"), "report", str(out)], check=False
    ).returncode
    return code


if __name__ == "__main__":
    sys.exit(main())
