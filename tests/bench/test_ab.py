"""mlmon bench A.onnx B.onnx: interleaving, the latency difference and its interval, output
agreement, the decision line at its boundaries, the int8 note, and a real A/B of the bundled
model against its dynamically quantized copy.

Timing values are never asserted; what is computed from them is, against numpy and scipy."""

from __future__ import annotations

import json
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import special, stats
from typer.testing import CliRunner

from mlmon.api.bench import build_bench_report
from mlmon.bench.ab import interleaved_loop
from mlmon.bench.ab_result import KL_EPSILON, Agreement, Estimate, LatencyDifference
from mlmon.bench.agreement import kl_rows, max_abs_diff, output_agreement
from mlmon.bench.decision import decision_line, latency_difference, resamples_for
from mlmon.bench.inputs import synthetic_feeds
from mlmon.bench.int8 import cpu_flags, int8_note, quantized_ops, read_cpu_flags
from mlmon.bench.predict import PredictionChoice
from mlmon.bench.session import bundled_model_path, tensor_specs
from mlmon.cli import app

runner = CliRunner()
Z = 1.959963984540054
PROBS = PredictionChoice("probs", None, "probs", (0,))
NONE = PredictionChoice("none: not a classifier")


def wilson(s: int, n: int) -> tuple[float, float]:
    """Wilson's score interval, written out from his formula (the oracle)."""
    p = s / n
    centre = p + Z * Z / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - half) / (1 + Z * Z / n), (centre + half) / (1 + Z * Z / n)


# --------------------------------------------------------------------------- interleaving


def test_calls_alternate_which_model_goes_first_on_the_same_feed():
    seen: list[tuple[str, int]] = []
    feeds = [{"x": np.full(1, i)} for i in range(3)]
    run_a = lambda _, feed: seen.append(("a", int(feed["x"][0])))  # noqa: E731
    run_b = lambda _, feed: seen.append(("b", int(feed["x"][0])))  # noqa: E731
    a, b = interleaved_loop(run_a, run_b, feeds, calls=4)
    assert seen == [("a", 0), ("b", 0), ("b", 1), ("a", 1), ("a", 2), ("b", 2), ("b", 0), ("a", 0)]
    assert len(a.starts_ns) == len(b.starts_ns) == 4
    starts_a, starts_b = np.frombuffer(a.starts_ns, dtype=np.int64), np.frombuffer(b.starts_ns, dtype=np.int64)
    assert list(starts_a < starts_b) == [True, False, True, False]  # pair i: the order of the calls
    assert all(np.frombuffer(a.ends_ns, dtype=np.int64) >= starts_a)


def test_a_deadline_in_the_past_gives_one_pair_and_calls_or_deadline_is_required():
    a, b = interleaved_loop(lambda *_: None, lambda *_: None, [{}], deadline_ns=0)
    assert len(a.starts_ns) == len(b.starts_ns) == 1
    with pytest.raises(ValueError):
        interleaved_loop(lambda *_: None, lambda *_: None, [{}])
    warm_a, _ = interleaved_loop(lambda *_: None, lambda *_: None, [{}], calls=0)
    assert len(warm_a.starts_ns) == 0


# --------------------------------------------------------------------------- latency difference


def test_latency_difference_equals_scipys_paired_percentile_bootstrap_of_each_statistic():
    rng = np.random.default_rng(7)
    a = rng.gamma(4, 0.25, 60)
    b = a * 0.7 + rng.normal(0, 0.02, 60)
    got = latency_difference(a.tolist(), b.tolist(), batch_size=8, seed=3, resamples=300)
    assert (got.batch_size, got.pairs, got.resamples) == (8, 60, 300)
    oracles = {
        "p50_diff_ms": lambda x, y: np.median(y) - np.median(x),
        "p99_diff_ms": lambda x, y: np.percentile(y, 99) - np.percentile(x, 99),
        "mean_ratio": lambda x, y: np.mean(y) / np.mean(x),
    }
    for field, statistic in oracles.items():
        ci = stats.bootstrap(
            (a, b),
            statistic,
            paired=True,
            vectorized=False,
            n_resamples=300,
            method="percentile",
            rng=np.random.default_rng(3),
        ).confidence_interval
        estimate = getattr(got, field)
        assert estimate.value == pytest.approx(statistic(a, b), rel=1e-12)
        assert (estimate.low, estimate.high) == pytest.approx((ci.low, ci.high), rel=1e-12)
    assert got.mean_ratio.high < 1 and got.verdict == "faster"


def test_resamples_drop_above_ten_thousand_pairs_but_never_below_the_floor():
    assert [resamples_for(n) for n in (2, 10_000, 10_001, 20_000, 40_000, 10**6)] == [2000, 2000, 1999, 1000, 500, 500]
    assert latency_difference([1.0, 2.0, 3.0], [1.0, 2.0, 2.5], batch_size=1).resamples == 2000


def test_latency_difference_of_one_pair_has_no_interval_and_no_clear_difference():
    got = latency_difference([2.0], [1.0], batch_size=1)
    assert got.mean_ratio.value == 0.5 and math.isnan(got.mean_ratio.low) and got.verdict == "no clear difference"
    with pytest.raises(ValueError):
        latency_difference([1.0, 2.0], [1.0], batch_size=1)


# --------------------------------------------------------------------------- agreement math


def test_kl_rows_against_scipy_with_zeros_on_either_side():
    p = np.array([[0.2, 0.5, 0.3], [0.0, 0.6, 0.4], [0.5, 0.5, 0.0]])
    q = np.array([[0.3, 0.3, 0.4], [0.1, 0.5, 0.4], [0.25, 0.75, 0.0]])
    assert kl_rows(p[:1], q[:1])[0] == pytest.approx(stats.entropy(p[0], q[0]), rel=1e-12)
    assert kl_rows(p, q) == pytest.approx(special.rel_entr(p, q).sum(axis=1), rel=1e-12)  # 0 log 0 = 0
    # a class A gives 0.3 and B gives 0: the floor, not infinity
    floored = kl_rows(np.array([[0.7, 0.3]]), np.array([[1.0, 0.0]]))[0]
    assert floored == pytest.approx(0.7 * math.log(0.7) + 0.3 * math.log(0.3 / KL_EPSILON), rel=1e-12)


def test_max_abs_diff():
    assert max_abs_diff([[1.0, 2.0]], [[1.5, 1.0]]) == 1.0
    assert max_abs_diff(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert max_abs_diff([1.0, 2.0], [1.0]) is None
    assert max_abs_diff(np.array(["a"]), np.array(["a"])) is None


def _calls(values: np.ndarray, size: int) -> list[list[np.ndarray]]:
    return [[values[i : i + size]] for i in range(0, len(values), size)]


def test_classifier_agreement_equals_numpy_and_scipy_on_probabilities():
    rng = np.random.default_rng(1)
    pa = rng.dirichlet(np.ones(4), 40)
    pb = np.abs(pa + rng.normal(0, 0.08, pa.shape))
    pb /= pb.sum(axis=1, keepdims=True)
    pairs = list(zip(_calls(pa, 8), _calls(pb, 8)))
    got = output_agreement(pairs, (["probs"], ["probs"]), (PROBS, PROBS))
    same = int((pa.argmax(axis=1) == pb.argmax(axis=1)).sum())
    assert 0 < same < 40  # the test has disagreements to count
    assert (got.rows, got.classifier, got.top1_agree, got.top1_share) == (40, True, same, same / 40)
    assert (got.top1_low, got.top1_high) == pytest.approx(wilson(same, 40), rel=1e-12)
    assert got.max_abs_proba_diff == pytest.approx(np.abs(pa - pb).max(), rel=1e-12)
    assert got.mean_kl == pytest.approx(np.mean([stats.entropy(x, y) for x, y in zip(pa, pb)]), rel=1e-9)
    assert dict(got.output_max_abs_diff) == pytest.approx({"probs": np.abs(pa - pb).max()}, rel=1e-12)


def test_logits_are_soft_maxed_before_the_probability_comparison():
    rng = np.random.default_rng(2)
    la, lb = rng.normal(0, 2, (12, 3)), rng.normal(0, 2, (12, 3))
    logits = PredictionChoice("logits", None, "logits", (0,))
    got = output_agreement([([la], [lb])], (["logits"], ["logits"]), (logits, logits))
    pa, pb = special.softmax(la, axis=1), special.softmax(lb, axis=1)
    assert got.top1_agree == int((la.argmax(axis=1) == lb.argmax(axis=1)).sum())
    assert got.max_abs_proba_diff == pytest.approx(np.abs(pa - pb).max(), rel=1e-9)
    assert got.mean_kl == pytest.approx(special.rel_entr(pa, pb).sum(axis=1).mean(), rel=1e-9)
    assert dict(got.output_max_abs_diff)["logits"] == pytest.approx(np.abs(la - lb).max())


def test_zipmaps_are_matched_by_class_not_by_position():
    label = PredictionChoice("label + probabilities (ZipMap)", "label", "zip", (0, 1))
    a = [np.array([0, 1]), [{0: 0.7, 1: 0.3}, {0: 0.4, 1: 0.6}]]
    b = [np.array([0, 0]), [{1: 0.2, 0: 0.8}, {1: 0.45, 0: 0.55}]]
    got = output_agreement([(a, b)], (["label", "zip"], ["label", "zip"]), (label, label))
    assert (got.top1_agree, got.rows) == (1, 2)
    assert got.max_abs_proba_diff == pytest.approx(0.15)
    expected = special.rel_entr([[0.7, 0.3], [0.4, 0.6]], [[0.8, 0.2], [0.55, 0.45]]).sum(axis=1).mean()
    assert got.mean_kl == pytest.approx(expected, rel=1e-12)
    assert dict(got.output_max_abs_diff) == {"label": 1.0}  # the ZipMap is not a tensor


def test_a_non_classifier_gets_the_largest_difference_of_every_output():
    x, y = np.arange(6.0).reshape(3, 2), np.arange(6.0).reshape(3, 2) + [[0, 0.5], [0, 0], [-2, 0]]
    got = output_agreement([([x, x * 2], [y, x])], (["Y", "Z"], ["Y", "W"]), (NONE, NONE))
    assert got == Agreement(3, False, "none: not a classifier", output_max_abs_diff=(("Y", 2.0),))
    shapes = output_agreement([([x], [x[:1]])], (["Y"], ["Y"]), (NONE, NONE))
    assert shapes.output_max_abs_diff == (("Y", None),)


# --------------------------------------------------------------------------- decision line


def _diff(low: float, high: float, value: float | None = None, batch: int = 8) -> LatencyDifference:
    ratio = Estimate((low + high) / 2 if value is None else value, low, high)
    zero = Estimate(0.0, 0.0, 0.0)
    return LatencyDifference(batch, 100, zero, zero, ratio, 2000)


def _agree(same: int, rows: int = 1000) -> Agreement:
    return Agreement(rows, True, "probs", same, same / rows, 0.0, 1.0)


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.5, 0.999999, "faster"),
        (0.5, 1.0, "no clear difference"),  # an interval touching 1 is no difference
        (1.0, 1.5, "no clear difference"),
        (1.000001, 1.5, "slower"),
        (0.9, 1.1, "no clear difference"),
    ],
)
def test_faster_only_when_the_ratio_interval_lies_wholly_below_one(low, high, verdict):
    assert _diff(low, high).verdict == verdict


def test_decision_lines():
    fast, slow, unclear = _diff(0.5, 0.6, 1 / 1.8), _diff(1.2, 1.4, 1.3, batch=1), _diff(0.9, 1.0, 0.95, batch=1)
    assert decision_line([fast], _agree(996)) == "B is 1.8x faster at batch 8 with 99.6% top-1 agreement"
    assert decision_line([fast], _agree(990)) == "B is 1.8x faster at batch 8 with 99.0% top-1 agreement"  # 99%: ok
    assert decision_line([fast], _agree(989)) == "B is 1.8x faster at batch 8 but disagrees on 1.1% of inputs"
    assert decision_line([fast], _agree(969)) == "B is 1.8x faster at batch 8 but disagrees on 3.1% of inputs"
    assert decision_line([slow], _agree(1000)) == "B is not faster: 1.3x slower at batch 1; 100.0% top-1 agreement"
    assert decision_line([unclear], _agree(900)) == (
        "B is not faster: no clear difference at batch 1 and disagrees on 10.0% of inputs"
    )
    assert decision_line([unclear, fast], _agree(9999, 10000)) == (
        "B is 1.8x faster at batch 8; no clear difference at batch 1; 99.99% top-1 agreement"
    )
    other = Agreement(5, False, "none: not a classifier", output_max_abs_diff=(("Y", 0.00125), ("Z", None)))
    assert decision_line([fast], other) == "B is 1.8x faster at batch 8; largest output difference 0.00125"


# --------------------------------------------------------------------------- int8 note

X86_VNNI = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n\nprocessor\t: 1\nflags\t\t: fpu avx2\n"
X86_PLAIN = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
ARM_DOT = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes asimddp\nCPU implementer\t: 0x41\n"


def test_cpu_flags_from_a_fake_cpuinfo(tmp_path):
    assert "avx512_vnni" in cpu_flags(X86_VNNI) and "avx2" in cpu_flags(X86_VNNI)
    assert cpu_flags(X86_PLAIN) == {"fpu", "sse2", "avx", "avx2", "fma"}
    assert "asimddp" in cpu_flags(ARM_DOT) and "0x41" not in cpu_flags(ARM_DOT)
    path = tmp_path / "cpuinfo"
    path.write_text(X86_PLAIN)
    assert read_cpu_flags(path) == cpu_flags(X86_PLAIN)
    assert read_cpu_flags(tmp_path / "missing") is None


def test_int8_note_only_for_int8_operators_on_a_cpu_without_vnni():
    int8 = [("A (f32)", ()), ("B (q)", ("ConvInteger", "DynamicQuantizeLinear", "MatMulInteger", "QLinearConv"))]
    assert int8_note([("A", ()), ("B", ())], cpu_flags(X86_PLAIN)) is None
    assert int8_note(int8, cpu_flags(X86_VNNI)) is None
    assert int8_note(int8, cpu_flags(ARM_DOT)) is None
    note = int8_note(int8, cpu_flags(X86_PLAIN))
    assert note is not None and note.startswith("B (q) (ConvInteger, DynamicQuantizeLinear, MatMulInteger, ...)")
    assert "int8 may be slower here" in note and "20052" in note and "A (f32)" not in note
    unknown = int8_note(int8, None)
    assert unknown is not None and "could not be read" in unknown


# --------------------------------------------------------------------------- a real A/B


@pytest.fixture(scope="module")
def quantized(tmp_path_factory):
    from onnxruntime.quantization import quantize_dynamic

    path = tmp_path_factory.mktemp("int8") / "imgcls4_int8.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(bundled_model_path()), str(path))
    return path


@pytest.fixture(scope="module")
def ab_report(quantized):
    return build_bench_report(None, quantized, iterations=15, warmup=1, batch_sizes="1,4", threads=1)


def test_quantized_ops_are_found_in_the_quantized_copy_only(quantized):
    assert quantized_ops(bundled_model_path()) == ()
    assert {"MatMulInteger", "DynamicQuantizeLinear"} <= set(quantized_ops(quantized))


def test_real_ab_reports_both_models_on_the_same_batch_sizes(ab_report):
    ab = ab_report.ab
    assert ab_report.result is ab.a and ab.a.model.bundled and ab.b.model.name == "imgcls4_int8"
    for side in (ab.a, ab.b):
        assert [(c.batch_size, c.calls) for c in side.configs] == [(1, 15), (4, 15)]
        for c in side.configs:
            assert c.latency.mean_ms == pytest.approx(np.mean(c.latencies_ms), rel=1e-12)
            assert c.samples_per_s == pytest.approx(c.batch_size * 1000 / np.mean(c.latencies_ms), rel=1e-9)
            assert c.per_sample_ms == pytest.approx(np.mean(c.latencies_ms) / c.batch_size, rel=1e-12)
    d = ab.differences[1]
    a, b = np.array(ab.a.configs[1].latencies_ms), np.array(ab.b.configs[1].latencies_ms)
    assert d.mean_ratio.value == pytest.approx(b.mean() / a.mean(), rel=1e-12)
    assert d.p50_diff_ms.value == pytest.approx(np.median(b) - np.median(a), rel=1e-12)
    assert d.mean_ratio.low <= d.mean_ratio.value <= d.mean_ratio.high
    assert ab.decision.startswith("B is ") and ("top-1 agreement" in ab.decision or "disagrees on" in ab.decision)


def test_real_ab_agreement_equals_an_independent_recomputation(ab_report, quantized):
    import onnxruntime as ort

    sessions = [
        ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]) for p in (bundled_model_path(), quantized)
    ]
    specs = tensor_specs(sessions[0].get_inputs())
    feeds = [f for size in (1, 4) for f in synthetic_feeds(specs, size, {}, 0)]
    pa = np.concatenate([sessions[0].run(None, f)[0] for f in feeds])
    pb = np.concatenate([sessions[1].run(None, f)[0] for f in feeds])
    got = ab_report.ab.agreement
    same = int((pa.argmax(axis=1) == pb.argmax(axis=1)).sum())
    assert (got.classifier, got.rows, got.top1_agree) == (True, len(pa), same)
    assert got.max_abs_proba_diff == pytest.approx(np.abs(pa - pb).max(), rel=1e-6)
    assert got.mean_kl == pytest.approx(special.rel_entr(pa, pb).sum(axis=1).mean(), rel=1e-6)
    assert got.max_abs_proba_diff > 0  # int8 does change the outputs


def test_the_cli_prints_both_models_the_agreement_and_the_decision(quantized):
    args = ["bench", str(bundled_model_path()), str(quantized), "-n", "8", "--warmup", "1", "--batch", "2"]
    terminal = runner.invoke(app, [*args, "--threads", "1"])
    assert terminal.exit_code == 0, terminal.output
    out = " ".join(terminal.stdout.split())
    assert "A/B" in out and "imgcls4_int8.onnx" in out and "agreement on 32 inputs" in out
    assert "B is " in out and "mean B/A" in out
    doc = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert doc["model"]["name"] == "imgcls4" and doc["ab"]["b"]["model"]["name"] == "imgcls4_int8"
    assert doc["ab"]["decision"].startswith("B is ") and doc["ab"]["agreement"]["rows"] == 32
    assert [d["batch_size"] for d in doc["ab"]["differences"]] == [2]


def test_one_model_keeps_its_document_without_an_ab_section():
    doc = json.loads(runner.invoke(app, ["bench", "-n", "3", "--warmup", "0", "--format", "json"]).stdout)
    assert "ab" not in doc


def test_every_format_renders_an_ab_report(ab_report):
    from mlmon.render import OutputFormat, render

    for fmt in OutputFormat:
        text = render(ab_report, fmt)
        assert isinstance(text, str) and text
    markdown = render(ab_report, OutputFormat.MARKDOWN)
    assert "| 4 | B |" in markdown and "- models: A imgcls4, B imgcls4_int8" in markdown
    assert "Model B: imgcls4_int8.onnx" in render(ab_report, OutputFormat.HTML)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--concurrency", "2"], "--concurrency times one model"),
        (["--log", "x.jsonl"], "--log writes one model's calls"),
    ],
)
def test_options_that_time_one_model_are_refused_with_two(quantized, extra, message):
    result = runner.invoke(app, ["bench", str(bundled_model_path()), str(quantized), "-n", "2", *extra])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_models_with_different_inputs_are_refused(quantized):
    import onnxruntime

    mul = SimpleNamespace(path=f"{onnxruntime.__path__[0]}/datasets/mul_1.onnx")
    result = runner.invoke(app, ["bench", str(quantized), mul.path, "-n", "2"])
    assert result.exit_code == 2 and "the two models take different inputs" in result.output
    assert len(result.output.strip().splitlines()) == 1
