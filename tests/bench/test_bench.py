"""mlmon bench: the bundled model, inputs, timing, --log round trip, CLI exit codes.

Timing *values* are not asserted (docs/development.md: speed is measured by benchmarks/); the
statistics computed from them are, against numpy as the oracle.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mlmon.bench import run_bench
from mlmon.bench.inputs import npz_feeds, synthetic_feeds
from mlmon.bench.options import BENCH_OPTIONS, parse_shapes
from mlmon.bench.predict import decode
from mlmon.bench.result import TensorSpec
from mlmon.bench.session import bundled_model_path, tensor_specs
from mlmon.bench.timing import PeakRssMeter, latency_stats, timed_loop
from mlmon.cli import app
from mlmon.errors import ModelError, UsageError
from mlmon.verdicts.budgets import bench_findings
from mlmon.verdicts.findings import Severity, exit_code

FAST = {"warmup": 1, "iterations": 12}
runner = CliRunner()


def bench_cli(*args: str):
    return runner.invoke(app, ["bench", *args])


# --------------------------------------------------------------------------- the bundled model


def test_bundled_model_is_shipped_small_and_described():
    path = bundled_model_path()
    assert path.is_file()
    assert path.stat().st_size < 4 * 2**20  # "a few MB at most"
    result = run_bench(**FAST)
    (image,) = result.model.inputs
    assert (image.name, image.type, image.shape) == ("image", "tensor(float)", ("batch", 3, 64, 64))
    (probs,) = result.model.outputs
    assert probs.shape == ("batch", 4)
    assert result.model.labels == ("A", "B", "C", "D")
    assert result.model.bundled and result.model.name == "imgcls4"


def test_build_script_reproduces_the_bundled_model():
    pytest.importorskip("onnx")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    try:
        import build_model
    finally:
        sys.path.pop(0)
    import numpy as np
    import onnx
    from onnx import numpy_helper

    built = onnx.load_model_from_string(build_model.build())
    bundled = onnx.load_model_from_string(bundled_model_path().read_bytes())
    # The calibration step runs onnxruntime, whose float rounding differs by a ulp across
    # CPUs and releases: same graph and names, weights equal to float32 precision.
    assert [n.op_type for n in built.graph.node] == [n.op_type for n in bundled.graph.node]
    assert [i.name for i in built.graph.initializer] == [i.name for i in bundled.graph.initializer]
    for mine, theirs in zip(built.graph.initializer, bundled.graph.initializer):
        np.testing.assert_allclose(numpy_helper.to_array(mine), numpy_helper.to_array(theirs), rtol=1e-5, atol=1e-7)


def test_import_mlmon_cli_stays_light():
    code = (
        "import sys, mlmon.cli; heavy = [m for m in ('onnxruntime', 'numpy', 'psutil') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "onnxruntime" not in out.stdout


# --------------------------------------------------------------------------- statistics


def test_latency_stats_hand_worked_linear_percentiles():
    # linear interpolation, h = (n - 1) q: n=4 -> p50 at h=1.5 -> 2.5; p95 at h=2.85 -> 3.85
    stats = latency_stats(np.array([4.0, 1.0, 3.0, 2.0]))
    assert (stats.count, stats.min_ms, stats.max_ms, stats.mean_ms) == (4, 1.0, 4.0, 2.5)
    assert stats.p50_ms == pytest.approx(2.5)
    assert stats.p95_ms == pytest.approx(3.85)
    assert stats.p99_ms == pytest.approx(3.97)


def test_run_bench_statistics_match_numpy_on_its_own_samples():
    result = run_bench(warmup=0, iterations=40)
    (config,) = result.configs
    lat = np.array(config.latencies_ms)
    assert config.calls == lat.size == 40
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    assert (config.latency.p50_ms, config.latency.p95_ms, config.latency.p99_ms) == (p50, p95, p99)
    assert config.latency.max_ms == lat.max()
    assert config.inferences_per_s == pytest.approx(40 / config.wall_s)
    assert config.samples_per_s == pytest.approx(config.inferences_per_s * config.batch_size)
    assert config.wall_s * 1000 >= lat.sum() * 0.99  # calls happen inside the timed phase
    assert config.cpu_time_s >= 0 and config.peak_rss_mib >= config.rss_start_mib > 0
    assert result.model.load_time_ms > 0


def test_timed_loop_counts_calls_and_respects_deadline():
    seen = []

    def fake_run(names, feed):
        seen.append(feed["k"])
        return [feed["k"]]

    feeds = [{"k": 0}, {"k": 1}, {"k": 2}]
    times = timed_loop(fake_run, feeds, calls=7, keep_output=0)
    assert seen == [0, 1, 2, 0, 1, 2, 0] and times.kept == seen
    assert all(e >= s for s, e in zip(times.starts_ns, times.ends_ns))
    once = timed_loop(fake_run, feeds, deadline_ns=0)  # past deadline: exactly one call
    assert len(once.starts_ns) == 1 and once.kept == []


def test_peak_rss_meter_sees_a_transient_allocation():
    import mmap
    import time

    from mlmon.bench.timing import rss_mib

    meter = PeakRssMeter()
    meter.start()
    # A fresh anonymous mapping, every page written: in the full suite a 40 MiB numpy array
    # came from memory malloc had kept resident from earlier tests, so RSS never rose (CI
    # failed twice with the peak equal to the RSS after the free). Unmapped below.
    block = mmap.mmap(-1, 40 * 2**20)
    pages = np.frombuffer(block, dtype=np.uint8)
    pages[:] = 1
    held = rss_mib()
    deadline = time.monotonic() + 10
    # Where the kernel's high-water mark cannot be reset, a thread samples RSS: on a loaded
    # machine it may not run between the allocation and the free, so hold the block until it has.
    while meter.method == "sampled" and meter._peak < held - 1 and time.monotonic() < deadline:
        time.sleep(meter.interval_s)
    del pages
    block.close()
    assert meter.stop() >= rss_mib() + 30


# --------------------------------------------------------------------------- configurations


def test_batch_sweep_gives_one_row_per_batch_size():
    result = run_bench(batch_sizes=[1, 8, 32], warmup=1, iterations=5)
    assert [c.batch_size for c in result.configs] == [1, 8, 32]
    assert [c.input_shapes for c in result.configs] == [(("image", (b, 3, 64, 64)),) for b in (1, 8, 32)]
    for c in result.configs:
        assert c.samples_per_s == pytest.approx(c.inferences_per_s * c.batch_size)


def test_duration_mode_runs_until_the_deadline():
    result = run_bench(warmup=0, duration_s=0.05)
    (config,) = result.configs
    assert result.iterations is None and result.duration_s == 0.05
    assert config.calls >= 1 and config.wall_s >= 0.05


@pytest.mark.parametrize("kwargs", [{"iterations": 21}, {"duration_s": 0.05}])
def test_concurrency_shares_the_session_between_threads(kwargs):
    result = run_bench(concurrency=3, warmup=1, threads=1, **kwargs)
    (config,) = result.configs
    assert config.concurrency == 3
    if "iterations" in kwargs:
        assert config.calls == 21
    assert len(config.latencies_ms) == config.calls


def test_session_options_are_applied():
    result = run_bench(threads=1, graph_optimization="disable", providers=["cpu"], **FAST)
    assert result.model.intra_op_threads == 1
    assert result.model.graph_optimization == "disable"
    assert result.model.providers == ("CPUExecutionProvider",)


def test_synthetic_inputs_are_seeded_and_typed():
    specs = (TensorSpec("ids", "tensor(int64)", ("batch", 4)), TensorSpec("x", "tensor(float)", (None, 2)))
    a = synthetic_feeds(specs, 3, {}, seed=7)
    b = synthetic_feeds(specs, 3, {}, seed=7)
    assert len(a) > 1
    assert all(np.array_equal(fa[k], fb[k]) for fa, fb in zip(a, b) for k in fa)
    assert a[0]["ids"].dtype == np.int64 and a[0]["ids"].shape == (3, 4)
    assert set(np.unique(a[0]["ids"])) <= {0, 1}
    assert a[0]["x"].dtype == np.float32 and a[0]["x"].shape == (3, 2)
    assert not np.array_equal(a[0]["x"], a[1]["x"])  # consecutive calls see different data
    c = synthetic_feeds(specs, 3, {}, seed=8)
    assert not np.array_equal(a[0]["x"], c[0]["x"])


def test_option_parsers():
    batch_sizes = BENCH_OPTIONS["batch_sizes"]
    assert batch_sizes.parse(["1,8", "32"], "--batch-size") == [1, 8, 32]
    assert batch_sizes.parse(None, "--batch-size") is None
    assert parse_shapes(["a=1x3x224x224", "b=2"]) == {"a": (1, 3, 224, 224), "b": (2,)}
    for bad in (["0"], ["x"]):
        with pytest.raises(UsageError):
            batch_sizes.parse(bad, "--batch-size")
    for bad in (["a"], ["a=1xb"], ["=1"], ["a=0x2"]):
        with pytest.raises(UsageError):
            parse_shapes(bad)


# --------------------------------------------------------------------------- other models


def _write_model(path: Path, shape: list, dtype: str = "float") -> Path:
    """A tiny model: y = ReduceMean over the last axis, keepdims (so [batch, 1] for 2-d input)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    elem = {"float": TensorProto.FLOAT, "int64": TensorProto.INT64}[dtype]
    node = helper.make_node("ReduceMean", ["x"], ["y"], axes=[-1], keepdims=1)
    graph = helper.make_graph(
        [node],
        "tiny",
        [helper.make_tensor_value_info("x", elem, shape)],
        [helper.make_tensor_value_info("y", elem, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_dynamic_dims_beyond_batch_need_shape(tmp_path):
    model = _write_model(tmp_path / "seq.onnx", ["batch", "seq"])
    with pytest.raises(ModelError, match=r"--shape x=Nx"):
        run_bench(model, **FAST)
    result = run_bench(model, shapes={"x": (1, 16)}, batch_sizes=[2, 4], **FAST)
    assert [c.input_shapes for c in result.configs] == [(("x", (2, 16)),), (("x", (4, 16)),)]
    with pytest.raises(UsageError, match="unknown input"):
        run_bench(model, shapes={"nope": (1, 2)}, **FAST)


def test_fixed_batch_dim_rejects_other_batch_sizes(tmp_path):
    model = _write_model(tmp_path / "fixed.onnx", [1, 8])
    assert run_bench(model, **FAST).configs[0].batch_size == 1
    with pytest.raises(ModelError, match="fixed batch dimension"):
        run_bench(model, batch_sizes=[4], **FAST)


def test_npz_inputs(tmp_path):
    images = np.random.default_rng(0).standard_normal((5, 3, 64, 64))  # float64: cast to float32
    np.savez(tmp_path / "in.npz", image=images)
    whole = run_bench(input_path=tmp_path / "in.npz", **FAST)
    assert whole.configs[0].batch_size == 5 and whole.input_source.endswith("in.npz")
    swept = run_bench(input_path=tmp_path / "in.npz", batch_sizes=[2, 8], **FAST)
    assert [c.batch_size for c in swept.configs] == [2, 8]
    # batches are consecutive rows, wrapping around
    spec = (TensorSpec("image", "tensor(float)", ("batch", 3, 64, 64)),)
    feeds = npz_feeds({"image": images.astype(np.float32)}, spec, 2)
    assert len(feeds) == 3
    assert np.array_equal(feeds[2]["image"], images[[4, 0]].astype(np.float32))


@pytest.mark.parametrize(
    "content, message",
    [
        ({"other": np.zeros((1, 3, 64, 64)), "more": np.zeros(1)}, "no array for input 'image'"),
        ({"image": np.zeros((1, 3, 32, 32), np.float32)}, "wrong input shape"),
        ({"image": np.array([["a"]])}, "expects float32"),
    ],
)
def test_bad_npz_inputs(tmp_path, content, message):
    np.savez(tmp_path / "bad.npz", **content)
    with pytest.raises(ModelError, match=message):
        run_bench(input_path=tmp_path / "bad.npz", **FAST)


def test_contradictory_options():
    with pytest.raises(UsageError):
        run_bench(iterations=5, duration_s=1.0)
    with pytest.raises(UsageError):
        run_bench(shapes={"image": (1, 3, 64, 64)}, input_path="x.npz", **FAST)
    with pytest.raises(UsageError):
        run_bench(concurrency=0, **FAST)


# --------------------------------------------------------------------------- labels, budget


def test_decode_probabilities_logits_and_sigmoid():
    from scipy.special import softmax

    probs = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    labels, conf = decode(probs, ["x", "y", "z"])
    assert labels == ["y", "x"] and conf.tolist() == [0.7, 0.5]
    logits = np.array([[2.0, -1.0, 0.5]])
    labels, conf = decode(logits, [])
    assert labels == ["0"] and conf[0] == pytest.approx(softmax(logits, axis=1).max())
    labels, conf = decode(np.array([[0.8], [0.1]]), [])
    assert labels == ["1", "0"] and conf.tolist() == pytest.approx([0.8, 0.9])


def test_p99_budget_findings():
    result = run_bench(batch_sizes=[1, 8], **FAST)
    p99s = [c.latency.p99_ms for c in result.configs]
    findings = bench_findings(result.configs, max(p99s) * 2)
    assert [f.severity for f in findings] == [Severity.OK, Severity.OK] and exit_code(findings) == 0
    findings = bench_findings(result.configs, min(p99s) / 2)
    assert all(f.severity is Severity.CRITICAL for f in findings) and exit_code(findings) == 1
    assert bench_findings(result.configs, p99s[0])[0].severity is Severity.OK  # equal passes


# --------------------------------------------------------------------------- --log


def _read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_log_writes_one_inference_record_per_call(tmp_path):
    log = tmp_path / "bench.jsonl"
    log.write_text("stale line\n")  # replaced, not appended to
    result = run_bench(batch_sizes=[1, 4], warmup=1, iterations=30, log=log)
    records = _read_log(log)
    assert len(records) == result.log_records == 60
    for record in records:
        assert set(record) == {
            "ts",
            "event",
            "level",
            "model",
            "latency_ms",
            "status",
            "label",
            "confidence",
            "batch_size",
        }
        assert (record["event"], record["level"], record["status"], record["model"]) == (
            "inference",
            "info",
            "ok",
            "imgcls4",
        )
        assert record["label"] in {"A", "B", "C", "D"} and 0.25 <= record["confidence"] <= 1
        datetime.strptime(record["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
    for config in result.configs:
        mine = [r["latency_ms"] for r in records if r["batch_size"] == config.batch_size]
        assert mine == list(config.latencies_ms)
        assert np.percentile(mine, 99) == config.latency.p99_ms
    stamps = [r["ts"] for r in records]
    assert stamps == sorted(stamps)
    assert len({r["label"] for r in records}) > 1  # inputs vary between calls


def test_log_labels_are_the_models_prediction_for_the_first_sample(tmp_path):
    import onnxruntime as ort

    log = tmp_path / "bench.jsonl"
    run_bench(batch_sizes=[3], warmup=0, iterations=20, log=log, seed=5)
    records = _read_log(log)
    session = ort.InferenceSession(str(bundled_model_path()), providers=["CPUExecutionProvider"])
    feeds = synthetic_feeds(tensor_specs(session.get_inputs()), 3, {}, seed=5)
    for i, record in enumerate(records):
        probs = session.run(None, feeds[i % len(feeds)])[0][0]
        assert record["label"] == "ABCD"[int(probs.argmax())]
        assert record["confidence"] == pytest.approx(float(probs.max()), abs=1e-6)


def test_log_roundtrip_through_report(tmp_path):
    log = tmp_path / "bench.jsonl"
    bench = bench_cli("-n", "200", "--warmup", "2", "--log", str(log), "--format", "json")
    assert bench.exit_code == 0, bench.output
    measured = json.loads(bench.stdout)["configurations"][0]
    report = runner.invoke(app, ["report", "--format", "json", str(log)])
    assert report.exit_code == 0, report.output
    summary = json.loads(report.stdout)
    assert summary["records"] == measured["calls"] == 200
    assert summary["latency"]["count"] == 200
    assert summary["latency"]["p99_ms"] == pytest.approx(measured["latency"]["p99_ms"], rel=1e-12)
    assert summary["latency"]["p50_ms"] == pytest.approx(measured["latency"]["p50_ms"], rel=1e-12)
    assert summary["latency"]["max_ms"] == pytest.approx(measured["latency"]["max_ms"], rel=1e-12)


# --------------------------------------------------------------------------- CLI


def test_cli_no_arguments_times_the_bundled_model():
    result = bench_cli("--duration", "100ms", "--warmup", "1")
    assert result.exit_code == 0, result.output
    assert "imgcls4.onnx" in result.stdout and "samples/s" in result.stdout and "p99" in result.stdout


def test_cli_json_sweep():
    result = bench_cli("-n", "5", "--warmup", "1", "--batch-size", "1,8", "-b", "32", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["version"] == 1 and doc["percentile_method"] == "linear"
    assert [c["batch_size"] for c in doc["configurations"]] == [1, 8, 32]
    config = doc["configurations"][0]
    assert set(config["latency"]) == {"count", "mean_ms", "min_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
    assert set(config["throughput"]) == {"inferences_per_s", "samples_per_s"}
    assert {"time_s", "per_inference_ms"} <= set(config["cpu"])
    assert {"peak_rss_mib", "rss_growth_mib"} <= set(config["memory"])
    assert doc["model"]["load_time_ms"] > 0 and doc["budget"] is None


@pytest.mark.parametrize("budget, code", [("100s", 0), ("1us", 1)])
def test_cli_p99_budget_gates_with_exit_1(budget, code):
    result = bench_cli("-n", "10", "--warmup", "1", "--p99-budget", budget, "--format", "json")
    assert result.exit_code == code, result.output
    assert json.loads(result.stdout)["budget"]["passed"] is (code == 0)
    if code:
        assert "is over the" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.onnx"], "model file not found"),
        (["CORRUPT"], "cannot load model"),
        (["--providers", "NoSuchProvider"], "unknown execution provider"),
        (["--shape", "image=1x3x32x32"], "wrong input shape for 'image'"),
        (["--batch-size", "zero"], "invalid batch size"),
        (["--iterations", "5", "--duration", "1s"], "not both"),
        (["--duration", "soon"], "invalid duration"),
        (["--p99-budget", "fast"], "invalid latency"),
        (["--input", "nothing.npz"], "input file not found"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(tmp_path, args, message):
    if args == ["CORRUPT"]:
        corrupt = tmp_path / "corrupt.onnx"
        corrupt.write_bytes(b"\x08\x07this is not a protobuf model" * 10)
        args = [str(corrupt)]
    result = bench_cli(*args, "-n", "3")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_cli_unavailable_provider_exits_2():
    import onnxruntime as ort

    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this onnxruntime build has CUDA")
    result = bench_cli("--providers", "cuda,cpu", "-n", "3")
    assert result.exit_code == 2 and "not available" in result.stderr


# --------------------------------------------------------------------------- real model outputs


def _ort_dataset(name: str) -> Path:
    import onnxruntime as ort

    return Path(ort.__file__).parent / "datasets" / name


def test_log_of_an_sklearn_onnx_classifier_records_its_zipmap_prediction(tmp_path):
    log = tmp_path / "iris.jsonl"
    result = run_bench(_ort_dataset("logreg_iris.onnx"), warmup=0, iterations=25, log=log)
    assert result.prediction_source == "label + probabilities (ZipMap)"
    records = _read_log(log)
    assert len(records) == 25
    assert all(r["label"] in {"0", "1", "2"} and 0 <= r["confidence"] <= 1 for r in records)
    assert all(r["confidence"] >= 1 / 3 - 1e-6 for r in records)  # the label is the most probable class


def test_log_of_an_elementwise_model_records_no_prediction_and_says_why(tmp_path):
    log = tmp_path / "mul.jsonl"
    bench = bench_cli(
        str(_ort_dataset("mul_1.onnx")), "-n", "10", "--warmup", "0", "--log", str(log), "--format", "json"
    )
    assert bench.exit_code == 0, bench.output
    assert json.loads(bench.stdout)["run"]["predictions_from"] == "none: not a classifier"
    assert all("label" not in r and "confidence" not in r for r in _read_log(log))
    terminal = bench_cli(str(_ort_dataset("mul_1.onnx")), "-n", "5", "--warmup", "0", "--log", str(log), "--force")
    assert terminal.exit_code == 0 and "predictions: none: not a classifier" in terminal.stdout


def test_bundled_model_still_logs_labels_a_to_d_and_says_which_output(tmp_path):
    log = tmp_path / "b.jsonl"
    result = run_bench(warmup=0, iterations=10, log=log)
    assert result.prediction_source == "probabilities (probability rows)"
    assert {r["label"] for r in _read_log(log)} <= {"A", "B", "C", "D"}
    assert run_bench(warmup=0, iterations=2).prediction_source is None  # no --log, nothing read


def test_prediction_options(tmp_path):
    log = tmp_path / "p.jsonl"
    bench = bench_cli("-n", "5", "--warmup", "0", "--log", str(log), "--no-predictions", "--format", "json")
    assert bench.exit_code == 0, bench.output
    assert json.loads(bench.stdout)["run"]["predictions_from"] == "none: --no-predictions"
    assert all("label" not in r for r in _read_log(log))
    mul = str(_ort_dataset("mul_1.onnx"))
    bench = bench_cli(mul, "-n", "5", "--warmup", "0", "--log", str(log), "--force", "--proba-output", "Y")
    assert bench.exit_code == 0 and "predictions: Y (logits, soft-maxed)" in bench.stdout
    assert all(r["label"] in {"0", "1"} and 0.5 <= r["confidence"] <= 1 for r in _read_log(log))
    iris = str(_ort_dataset("logreg_iris.onnx"))
    bench = bench_cli(iris, "-n", "5", "--log", str(log), "--force", "--label-output", "label")
    assert bench.exit_code == 0 and "label + probabilities (ZipMap)" in bench.stdout
    bench = bench_cli(iris, "-n", "5", "--log", str(log), "--force", "--proba-output", "label")
    assert bench.exit_code == 2 and "--proba-output label: not a probability output" in bench.stderr
    bench = bench_cli(mul, "-n", "5", "--log", str(log), "--force", "--label-output", "X")
    assert bench.exit_code == 2 and "--label-output X: the model has no such output (its outputs: Y)" in bench.stderr
    with pytest.raises(UsageError, match="not both"):
        run_bench(mul, warmup=0, iterations=1, proba_output="Y", predictions=False)
