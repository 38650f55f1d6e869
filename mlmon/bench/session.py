"""Find, validate and load an ONNX model into an onnxruntime session."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlmon.bench.options import GraphOptimization
from mlmon.bench.result import TensorSpec
from mlmon.errors import ModelError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    import onnxruntime

BUNDLED_MODEL = "imgcls4.onnx"


def bundled_model_path() -> Path:
    """Path of the bundled 4-class image classifier (``mlmon/models/imgcls4.onnx``)."""
    return Path(__file__).resolve().parents[1] / "models" / BUNDLED_MODEL


def resolve_providers(requested: Sequence[str] | None) -> list[str]:
    """Check requested execution providers against this onnxruntime build.

    Names match case-insensitively and may drop the ``ExecutionProvider`` suffix
    (``cpu``, ``cuda``). None or empty means ``CPUExecutionProvider``.

    Raises
    ------
    UsageError
        For a name onnxruntime does not know, or one this build cannot use.
    """
    import onnxruntime as ort

    if not requested:
        return ["CPUExecutionProvider"]
    known = ort.get_all_providers()
    available = ort.get_available_providers()
    resolved: list[str] = []
    for name in requested:
        key = name.strip().lower()
        match = next((p for p in known if key in (p.lower(), p.lower().removesuffix("executionprovider"))), None)
        if match is None:
            raise UsageError(f"unknown execution provider {name!r}; available here: {', '.join(available)}")
        if match not in available:
            raise UsageError(
                f"execution provider {match} is not available in this onnxruntime build; "
                f"available here: {', '.join(available)}"
            )
        if match not in resolved:
            resolved.append(match)
    return resolved


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.splitlines()[0].split())


def load_session(
    path: Path, providers: Sequence[str], intra_op_threads: int, graph_optimization: GraphOptimization
) -> tuple[onnxruntime.InferenceSession, float]:
    """Create an ``InferenceSession``; return it and its load time in milliseconds.

    Raises
    ------
    ModelError
        When the file is missing, not a file, or onnxruntime cannot load it.
    """
    import onnxruntime as ort

    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"model path is not a file: {path}")
    if intra_op_threads < 0:
        raise UsageError(f"invalid --threads {intra_op_threads}: use 0 (onnxruntime's default) or more")
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, graph_optimization.ort_name)
    options.log_severity_level = 3  # errors only: keep onnxruntime's warnings off stderr
    started = time.perf_counter()
    try:
        session = ort.InferenceSession(os.fspath(path), sess_options=options, providers=list(providers))
    except Exception as exc:  # onnxruntime raises its own pybind exception types
        raise ModelError(f"cannot load model {path}: {_first_line(exc)}") from None
    return session, (time.perf_counter() - started) * 1000.0


def tensor_specs(args: Sequence[Any]) -> tuple[TensorSpec, ...]:
    """``session.get_inputs()`` / ``get_outputs()`` as :class:`TensorSpec` tuples."""
    return tuple(
        TensorSpec(
            a.name, a.type, tuple(d if isinstance(d, (int, str)) or d is None else None for d in (a.shape or ()))
        )
        for a in args
    )


def model_labels(session: onnxruntime.InferenceSession) -> tuple[str, ...]:
    """Class names from the model metadata key ``labels``: a JSON list or comma-separated."""
    raw = session.get_modelmeta().custom_metadata_map.get("labels", "").strip()
    if not raw:
        return ()
    if raw.startswith("["):
        try:
            return tuple(str(x) for x in json.loads(raw))
        except ValueError:
            return ()
    return tuple(part.strip() for part in raw.split(","))


def run_error(exc: BaseException, context: str) -> ModelError:
    """A one-line :class:`ModelError` for a failed ``session.run``."""
    return ModelError(f"model run failed {context}: {_first_line(exc)}")
