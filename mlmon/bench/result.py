"""Result types of ``mlmon bench``: frozen dataclasses, no numpy, no onnxruntime."""

from __future__ import annotations

from dataclasses import dataclass, field

PERCENTILE_METHOD = "linear"
"""How latency percentiles are computed: ``numpy.percentile``'s default linear
interpolation between closest ranks (Hyndman & Fan type 7)."""

ONNX_TO_NUMPY: dict[str, str] = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int16)": "int16",
    "tensor(int8)": "int8",
    "tensor(uint64)": "uint64",
    "tensor(uint32)": "uint32",
    "tensor(uint16)": "uint16",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
}
"""numpy dtype name of each onnxruntime tensor type."""


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of the model, as its metadata declares it."""

    name: str
    """Tensor name in the graph."""
    type: str
    """onnxruntime type string, e.g. ``tensor(float)``."""
    shape: tuple[int | str | None, ...]
    """Declared shape: ints are fixed dims, strings named dynamic dims, None unnamed ones."""


@dataclass(frozen=True)
class ModelInfo:
    """The model that was timed and how its session was set up."""

    path: str
    """Path of the ``.onnx`` file."""
    name: str
    """File stem, used as ``model`` in ``--log`` records."""
    size_bytes: int
    """Size of the model file."""
    bundled: bool
    """True for mlmon's bundled ``imgcls4.onnx`` (no MODEL argument given)."""
    load_time_ms: float
    """Wall time to create the ``InferenceSession`` (parse, optimize, allocate)."""
    providers: tuple[str, ...]
    """Execution providers the session actually uses, in priority order."""
    graph_optimization: str
    """Graph optimization level: disable, basic, extended or all."""
    intra_op_threads: int
    """``intra_op_num_threads`` asked for; 0 means onnxruntime's default (one per core)."""
    inputs: tuple[TensorSpec, ...]
    """Declared inputs."""
    outputs: tuple[TensorSpec, ...]
    """Declared outputs."""
    labels: tuple[str, ...]
    """Class names from the model metadata (``labels``); empty when it has none."""
    rss_after_load_mib: float
    """Resident set size of the process once the session is created."""


@dataclass(frozen=True)
class LatencyStats:
    """Latency of single ``session.run`` calls, in milliseconds (numpy linear percentiles)."""

    count: int
    """Number of timed calls."""
    mean_ms: float
    """Arithmetic mean."""
    min_ms: float
    """Fastest call."""
    p50_ms: float
    """Median."""
    p95_ms: float
    """95th percentile."""
    p99_ms: float
    """99th percentile."""
    max_ms: float
    """Slowest call."""


@dataclass(frozen=True)
class ConfigResult:
    """Measurements for one configuration (one batch size) of a benchmark run."""

    batch_size: int
    """Samples per ``session.run`` call (the leading dim of the first input)."""
    concurrency: int
    """Number of threads calling ``session.run`` at once on the shared session."""
    input_shapes: tuple[tuple[str, tuple[int, ...]], ...]
    """Shape fed to each input, as (name, shape) pairs."""
    calls: int
    """Timed ``session.run`` calls, over all threads."""
    wall_s: float
    """Wall time of the timed phase (all threads, start to last finish)."""
    latency: LatencyStats
    """Per-call latency."""
    inferences_per_s: float
    """Throughput in ``session.run`` calls per second: ``calls / wall_s``."""
    samples_per_s: float
    """Throughput in samples per second: ``calls * batch_size / wall_s``."""
    cpu_user_s: float
    """User CPU time of the whole process (all threads) during the timed phase."""
    cpu_system_s: float
    """System CPU time of the whole process during the timed phase."""
    rss_start_mib: float
    """Resident set size just before the timed phase (after warmup)."""
    rss_end_mib: float
    """Resident set size just after the timed phase."""
    peak_rss_mib: float
    """Highest resident set size during the timed phase."""
    peak_rss_method: str
    """How the peak was measured: ``vmhwm`` (Linux high-water mark, reset before the
    phase, exact) or ``sampled`` (psutil every 10 ms)."""
    latencies_ms: tuple[float, ...] = field(default=(), repr=False, compare=False)
    """Every call's latency in start order (threads interleaved by start time)."""

    @property
    def cpu_time_s(self) -> float:
        """User plus system CPU time."""
        return self.cpu_user_s + self.cpu_system_s

    @property
    def cpu_per_inference_ms(self) -> float:
        """CPU time per ``session.run`` call."""
        return 1000.0 * self.cpu_time_s / self.calls if self.calls else 0.0

    @property
    def cpu_utilization(self) -> float:
        """Average number of busy cores: CPU time over wall time."""
        return self.cpu_time_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def per_sample_ms(self) -> float:
        """Mean latency per sample: the mean call latency over the batch size."""
        return self.latency.mean_ms / self.batch_size

    @property
    def rss_growth_mib(self) -> float:
        """RSS at the end of the timed phase minus RSS at its start."""
        return self.rss_end_mib - self.rss_start_mib


@dataclass(frozen=True)
class BenchResult:
    """Everything ``mlmon bench`` measured."""

    model: ModelInfo
    """The model and its session settings."""
    configs: tuple[ConfigResult, ...]
    """One result per configuration (batch size), in the order run."""
    warmup: int
    """Untimed calls before each configuration's timed phase (per thread)."""
    iterations: int | None
    """Timed calls per configuration when the run was count-limited, else None."""
    duration_s: float | None
    """Timed seconds per configuration when the run was time-limited, else None."""
    seed: int
    """Seed of the synthetic inputs."""
    input_source: str
    """``synthetic`` or the path of the ``.npz`` file the inputs came from."""
    log_path: str | None = None
    """Where ``--log`` records were written, if anywhere."""
    log_records: int = 0
    """How many records were written to ``log_path``."""
    prediction_source: str | None = None
    """With ``--log``: the model output(s) the records' ``label``/``confidence`` were read
    from, e.g. ``label + probabilities (ZipMap)``, or ``none: not a classifier`` /
    ``none: --no-predictions``; None without ``--log``."""
