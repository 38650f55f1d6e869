"""Inputs for ``mlmon bench``: synthesized from the model's metadata, or read from ``.npz``.

Shapes
------
The leading dimension of an input is its batch dimension when the model leaves it dynamic
(a name such as ``batch``, or unknown): ``batch_size`` fills it. Any other dynamic
dimension needs an explicit shape (``--shape name=1x3x224x224``); a given shape is used
as is, except that an explicit ``batch_size`` replaces its leading dimension when that one
is dynamic in the model, so a sweep works with ``--shape`` too. Fixed dimensions must
match the model's.

Synthetic values
----------------
Seeded with ``numpy.random.default_rng([seed, batch_size])``, so each configuration gets
the same data whatever else is in the sweep. Up to ``MAX_FEEDS`` distinct feeds are made
per configuration and used in turn, so consecutive calls see different data. Floats are
standard normal; integers are 0 or 1 (valid as token ids, attention masks and indices
alike); booleans are fair coin flips.
String and other non-numeric inputs cannot be synthesized: give them with ``--input``.

Real inputs
-----------
``--input FILE.npz`` maps array names to input names (a model with one input takes a file
with one array whatever its name). Arrays are cast to the model's dtype when numpy calls
the cast ``same_kind`` (float64 to float32: yes; float to int: no). With an explicit
``batch_size`` the rows are cut into consecutive batches of that many (wrapping around),
used in turn; without one the whole file is a single feed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from mlmon.bench.result import ONNX_TO_NUMPY, TensorSpec
from mlmon.errors import ModelError, UsageError

MAX_FEEDS = 16
"""Most distinct feeds per configuration."""
FEED_BUDGET_BYTES = 8 << 20
"""Memory the distinct feeds of one configuration may take together (8 MiB)."""


def numpy_dtype(spec: TensorSpec) -> np.dtype:
    """The numpy dtype of an input, or a :class:`ModelError` if mlmon cannot make one."""
    name = ONNX_TO_NUMPY.get(spec.type)
    if name is None:
        raise ModelError(
            f"input {spec.name!r} has type {spec.type}, which mlmon bench cannot "
            "synthesize; give real inputs with --input FILE.npz"
        )
    return np.dtype(name)


def format_shape(shape: Sequence[int]) -> str:
    """A concrete shape as written in ``--shape``: ``(1, 3, 64, 64)`` -> ``1x3x64x64``."""
    return "x".join(str(d) for d in shape) if shape else "scalar"


def format_spec_shape(shape: Sequence[int | str | None]) -> str:
    """A declared shape: ``("batch", 3, 64, 64)`` -> ``[batch, 3, 64, 64]``, None as ``?``."""
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _fixed(dim: int | str | None) -> int | None:
    """The dimension when it is fixed (a positive int), else None."""
    return dim if isinstance(dim, int) and dim >= 1 else None


def _is_dynamic(dim: int | str | None) -> bool:
    return _fixed(dim) is None


def check_shape(spec: TensorSpec, shape: Sequence[int]) -> None:
    """Raise :class:`ModelError` when ``shape`` cannot feed ``spec`` (rank or a fixed dim)."""
    ok = len(shape) == len(spec.shape) and all(_is_dynamic(want) or want == got for want, got in zip(spec.shape, shape))
    if not ok:
        raise ModelError(
            f"wrong input shape for {spec.name!r}: got {format_shape(shape)}, "
            f"the model expects {format_spec_shape(spec.shape)}"
        )


def resolve_shape(spec: TensorSpec, batch_size: int | None, override: tuple[int, ...] | None) -> tuple[int, ...]:
    """The concrete shape to feed ``spec`` (see the module docstring for the rules)."""
    if override is not None:
        shape = list(override)
        if batch_size is not None and shape and spec.shape and _is_dynamic(spec.shape[0]):
            shape[0] = batch_size
        check_shape(spec, shape)
        return tuple(shape)
    if not spec.shape:
        return ()
    first = spec.shape[0]
    fixed = _fixed(first)
    if fixed is not None and batch_size is not None and batch_size != first:
        raise ModelError(
            f"input {spec.name!r} has a fixed batch dimension of {first} "
            f"(shape {format_spec_shape(spec.shape)}); --batch-size {batch_size} cannot apply"
        )
    shape = [(batch_size or 1) if fixed is None else fixed]
    for dim in spec.shape[1:]:
        fixed = _fixed(dim)
        if fixed is None:
            example = "x".join(str(d) if isinstance(d, int) and d > 0 else "N" for d in spec.shape)
            raise ModelError(
                f"input {spec.name!r} has a dynamic dimension "
                f"{dim if isinstance(dim, str) else '?'} beyond the batch "
                f"(shape {format_spec_shape(spec.shape)}); set its shape with "
                f"--shape {spec.name}={example}"
            )
        shape.append(fixed)
    return tuple(shape)


def synthesize(spec: TensorSpec, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Seeded values of the input's dtype and ``shape``."""
    dtype = numpy_dtype(spec)
    if dtype.kind == "f":
        return rng.standard_normal(shape, dtype=np.float32 if dtype.itemsize <= 4 else np.float64).astype(dtype)
    if dtype.kind in "iu":
        return rng.integers(0, 2, size=shape, dtype=dtype)
    return rng.random(shape) < 0.5


def synthetic_feeds(
    specs: Sequence[TensorSpec], batch_size: int | None, shapes: Mapping[str, tuple[int, ...]], seed: int
) -> list[dict[str, np.ndarray]]:
    """Distinct feeds for one configuration, seeded by ``(seed, batch_size)``.

    The timed loop uses them in turn, so consecutive calls see different data (and a
    classifier's ``--log`` labels vary) as in a service: ``MAX_FEEDS`` feeds, fewer when
    they would pass ``FEED_BUDGET_BYTES`` together (always at least one).
    """
    unknown = sorted(set(shapes) - {s.name for s in specs})
    if unknown:
        raise UsageError(
            f"--shape names unknown input(s) {', '.join(unknown)}; "
            f"the model's inputs are {', '.join(s.name for s in specs)}"
        )
    rng = np.random.default_rng([seed, batch_size or 0])
    resolved = {s.name: resolve_shape(s, batch_size, shapes.get(s.name)) for s in specs}
    feed_bytes = sum(
        int(np.prod(shape, dtype=np.int64)) * numpy_dtype(s).itemsize for s, shape in zip(specs, resolved.values())
    )
    count = max(1, min(MAX_FEEDS, FEED_BUDGET_BYTES // max(feed_bytes, 1)))
    return [{s.name: synthesize(s, resolved[s.name], rng) for s in specs} for _ in range(count)]


def load_npz(path: Path, specs: Sequence[TensorSpec]) -> dict[str, np.ndarray]:
    """Arrays for every input from an ``.npz`` file, cast to the model's dtypes.

    Raises
    ------
    ModelError
        When the file is missing or unreadable, an input has no array, or an array has the
        wrong dtype kind or shape.
    """
    if not path.is_file():
        raise ModelError(f"input file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except Exception as exc:  # zipfile, pickle and format errors alike
        raise ModelError(f"cannot read inputs from {path}: {exc}") from None
    if len(specs) == 1 and len(arrays) == 1:
        arrays = {specs[0].name: next(iter(arrays.values()))}
    feed: dict[str, np.ndarray] = {}
    for spec in specs:
        if spec.name not in arrays:
            raise ModelError(f"{path} has no array for input {spec.name!r} (it has: {', '.join(arrays) or 'none'})")
        array, dtype = arrays[spec.name], numpy_dtype(spec)
        if not np.can_cast(array.dtype, dtype, "same_kind"):
            raise ModelError(f"array {spec.name!r} in {path} is {array.dtype}; the model expects {dtype} ({spec.type})")
        check_shape(spec, array.shape)
        feed[spec.name] = np.ascontiguousarray(array, dtype=dtype)
    return feed


def npz_feeds(
    feed: Mapping[str, np.ndarray], specs: Sequence[TensorSpec], batch_size: int | None
) -> list[dict[str, np.ndarray]]:
    """Feeds of ``batch_size`` rows from an ``.npz`` feed (None: the whole file, one feed).

    Batch-dynamic inputs are cut into consecutive batches of rows (wrapping around, so
    rows repeat when the file has fewer than ``batch_size``); at most ``MAX_FEEDS`` and
    ``FEED_BUDGET_BYTES`` worth of batches are kept.
    """
    if batch_size is None:
        return [dict(feed)]
    for spec in specs:
        array = feed[spec.name]
        if spec.shape and not _is_dynamic(spec.shape[0]) and array.shape[0] != batch_size:
            raise ModelError(
                f"input {spec.name!r} has a fixed batch dimension of {array.shape[0]}; "
                f"--batch-size {batch_size} cannot apply"
            )
    rows = max((feed[s.name].shape[0] for s in specs if s.shape and _is_dynamic(s.shape[0])), default=1)
    row_bytes = sum(feed[s.name].nbytes // max(feed[s.name].shape[0], 1) if feed[s.name].ndim else 0 for s in specs)
    count = max(1, min(MAX_FEEDS, -(-rows // batch_size), FEED_BUDGET_BYTES // max(row_bytes * batch_size, 1)))
    feeds = []
    for k in range(count):
        one: dict[str, np.ndarray] = {}
        for spec in specs:
            array = feed[spec.name]
            if spec.shape and _is_dynamic(spec.shape[0]) and array.ndim:
                index = (k * batch_size + np.arange(batch_size)) % array.shape[0]
                array = np.ascontiguousarray(np.take(array, index, axis=0))
            one[spec.name] = array
        feeds.append(one)
    return feeds


def batch_size_of(feed: Mapping[str, np.ndarray], specs: Sequence[TensorSpec]) -> int:
    """Samples per call: the leading dim of the first input that has one (else 1)."""
    for spec in specs:
        array = feed[spec.name]
        if array.ndim:
            return int(array.shape[0])
    return 1
