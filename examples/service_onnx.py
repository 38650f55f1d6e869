"""A minimal monitored service: the bundled imgcls4.onnx behind ``MonitoredSession``.

It serves two streams of requests and logs every call with ``mlmon.instrument``:

1. a known-good day: 400 ordinary images (logs/good/), profiled into a reference;
2. today: 400 images, darker and lower in contrast after a camera change, with some
   failing calls (a client sending the wrong shape: ``invalid_input``).

Then it runs ``mlmon reference build``, ``mlmon report``, ``mlmon drift`` and ``mlmon check``
on the logs, as a person or a cron job would. Runs in a few seconds::

    python examples/service_onnx.py [OUTPUT_DIR]      # default: a temporary directory
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

import mlmon
from mlmon.instrument import MonitoredSession, PredictionLog, ResourceMonitor

MODEL = Path(mlmon.__file__).parent / "models" / "imgcls4.onnx"
CLASSES = ["A", "B", "C", "D"]


def serve(folder: Path, brightness: float, contrast: float, seed: int, failures: bool) -> None:
    """400 requests against one session, logged to ``folder/service.jsonl``."""
    rng = np.random.default_rng(seed)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    log = PredictionLog(folder / "service.jsonl", append=False, model="imgcls4", model_version="1")
    session = MonitoredSession(ort.InferenceSession(str(MODEL), options), log, class_names=CLASSES, features="image")
    name = session.get_inputs()[0].name
    with ResourceMonitor(log, interval_s=0.2):
        for i in range(400):
            level = rng.normal(brightness, 0.05)  # each image has its own exposure
            image = np.clip(rng.normal(level, contrast, (1, 3, 64, 64)), 0, 1).astype(np.float32)
            if failures and i % 50 == 7:
                image = image[:, :, :32]  # a client sends the wrong shape: invalid_input
            try:
                session.run(None, {name: image}, request_id=f"{folder.name}-{i}")
            except Exception as exc:  # the service answers 4xx/5xx; mlmon logged the call
                print(f"request {i} failed: {type(exc).__name__}", file=sys.stderr) if i < 10 else None
    log.close()


def mlmon_cli(*args: str) -> int:
    """Run one mlmon command as a separate process, as a person or a cron job would."""
    print(f"\n$ mlmon {' '.join(args)}", flush=True)
    return subprocess.run([sys.executable, "-c", "from mlmon.cli import app; app()", *args], check=False).returncode


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="mlmon-example-"))
    (out / "good").mkdir(parents=True, exist_ok=True)
    (out / "today").mkdir(parents=True, exist_ok=True)
    serve(out / "good", brightness=0.5, contrast=0.2, seed=1, failures=False)
    serve(out / "today", brightness=0.3, contrast=0.1, seed=2, failures=True)
    reference = str(out / "reference.json")
    codes = [
        mlmon_cli("reference", "build", str(out / "good"), "--from-logs", "-o", reference),
        mlmon_cli("report", str(out / "today")),
        mlmon_cli("drift", "--reference", reference, str(out / "today")),
        mlmon_cli("check", "--reference", reference, str(out / "today")),
    ]
    print(f"\nlogs in {out}; exit codes {codes} (drift and check find the darker images: 1)")
    return 0 if codes[:2] == [0, 0] and codes[2:] == [1, 1] else 1


if __name__ == "__main__":
    sys.exit(main())
