"""Build mlmon's bundled benchmark model, ``mlmon/models/imgcls4.onnx``, reproducibly.

The model is a small 4-class image classifier: a CNN over float32 images of shape
``[batch, 3, 64, 64]`` (dynamic batch dimension named ``batch``) that outputs
``probabilities`` of shape ``[batch, 4]`` (a softmax over classes ``A``, ``B``, ``C``,
``D``). It exists so that ``mlmon bench`` has something realistic to time on a fresh install;
it was never trained and its predictions mean nothing.

How it is made
--------------
* The graph is written node by node with ``onnx.helper`` (no exporter, no framework), opset
  17, IR version 8, so any onnxruntime >= 1.14 loads it.
* Layers: 3 x (Conv 3x3 pad 1 -> Relu -> MaxPool 2x2) with 16, 32, 32 channels, then
  Flatten (32x8x8 = 2048), Gemm 2048->256, Relu, Gemm 256->4, Softmax: a classic
  LeNet/VGG-style layout. About 540k parameters (~2.1 MB), about 9 M multiply-adds per
  image. The dense head is what makes batching pay off even on one core (a batch reuses
  its weights, a single image streams them once per call), as it does in real models.
* Weights are drawn from ``numpy.random.default_rng(SEED)`` with He-normal scaling. The
  last layer is then calibrated on 512 seeded standard-normal images (the kind of input
  ``mlmon bench`` synthesizes): its weights are scaled so logits vary with standard
  deviation 1.5 across images, and its bias is set so every class has the same mean logit.
  Predicted labels and confidences of synthetic inputs are then spread over all four
  classes instead of collapsing onto one class at confidence ~0.25.
* Class names are stored in the model's metadata (``labels``, a JSON list); ``mlmon bench``
  uses them for the ``label`` field of ``--log`` records.
* Same numpy, onnx and onnxruntime versions give the same bytes; ``--check`` compares a
  fresh build with the shipped file.

Usage::

    python scripts/build_model.py              # writes mlmon/models/imgcls4.onnx
    python scripts/build_model.py --check      # exit 1 if the shipped file differs
    python scripts/build_model.py --output /tmp/m.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20261125
LABELS = ("A", "B", "C", "D")
IMAGE = (3, 64, 64)
CHANNELS = (16, 32, 32)
HIDDEN = 256
LOGIT_STD = 1.5
OPSET = 17
IR_VERSION = 8
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "mlmon" / "models" / "imgcls4.onnx"


def _he(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    weights: dict[str, np.ndarray] = {}
    in_ch = IMAGE[0]
    for i, out_ch in enumerate(CHANNELS):
        weights[f"conv{i}.w"] = _he(rng, (out_ch, in_ch, 3, 3), in_ch * 9)
        weights[f"conv{i}.b"] = np.zeros(out_ch, dtype=np.float32)
        in_ch = out_ch
    side = IMAGE[1] >> len(CHANNELS)  # each stage halves the image
    flat = in_ch * side * side
    weights["fc0.w"] = _he(rng, (HIDDEN, flat), flat)
    weights["fc0.b"] = np.zeros(HIDDEN, dtype=np.float32)
    weights["fc1.w"] = _he(rng, (len(LABELS), HIDDEN), HIDDEN)
    weights["fc1.b"] = np.zeros(len(LABELS), dtype=np.float32)
    return weights


def _graph(weights: dict[str, np.ndarray], output: str) -> onnx.GraphProto:
    """The classifier graph; ``output`` is ``probabilities`` or ``logits`` (for calibration)."""
    nodes = []
    x = "image"
    for i in range(len(CHANNELS)):
        nodes += [
            helper.make_node(
                "Conv",
                [x, f"conv{i}.w", f"conv{i}.b"],
                [f"c{i}"],
                kernel_shape=[3, 3],
                pads=[1, 1, 1, 1],
                name=f"conv{i}",
            ),
            helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}"),
            helper.make_node("MaxPool", [f"r{i}"], [f"p{i}"], kernel_shape=[2, 2], strides=[2, 2], name=f"pool{i}"),
        ]
        x = f"p{i}"
    nodes += [
        helper.make_node("Flatten", [x], ["flat"], axis=1, name="flatten"),
        helper.make_node("Gemm", ["flat", "fc0.w", "fc0.b"], ["h"], transB=1, name="fc0"),
        helper.make_node("Relu", ["h"], ["hr"], name="relu_fc0"),
        helper.make_node("Gemm", ["hr", "fc1.w", "fc1.b"], ["logits"], transB=1, name="fc1"),
    ]
    if output == "probabilities":
        nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1, name="softmax"))
    inputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", *IMAGE])]
    outputs = [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", len(LABELS)])]
    initializers = [numpy_helper.from_array(w, name) for name, w in weights.items()]
    return helper.make_graph(nodes, "imgcls4", inputs, outputs, initializers)


def _model(graph: onnx.GraphProto) -> onnx.ModelProto:
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="mlmon scripts/build_model.py",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    model.doc_string = (
        "mlmon bundled benchmark model: untrained 4-class CNN over 3x64x64 "
        f"images, seeded weights (seed {SEED}); predictions are meaningless."
    )
    helper.set_model_props(
        model, {"labels": json.dumps(list(LABELS)), "seed": str(SEED), "builder": "scripts/build_model.py"}
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def _calibrate(weights: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Scale and centre the last layer on seeded synthetic images (see the module docstring)."""
    import onnxruntime as ort

    logits_model = _model(_graph(weights, "logits"))
    session = ort.InferenceSession(logits_model.SerializeToString(), providers=["CPUExecutionProvider"])
    images = rng.standard_normal((512, *IMAGE)).astype(np.float32)
    logits = session.run(None, {"image": images})[0]
    # Stretch the last layer so logits vary by LOGIT_STD across images (confidences spread
    # out instead of sitting near 0.25), and centre it so no class dominates.
    scale = LOGIT_STD / float((logits - logits.mean(axis=0)).std())
    weights["fc1.w"] = (weights["fc1.w"] * scale).astype(np.float32)
    weights["fc1.b"] = (-logits.mean(axis=0) * scale).astype(np.float32)


def build() -> bytes:
    """Return the serialized model."""
    rng = np.random.default_rng(SEED)
    weights = _weights(rng)
    _calibrate(weights, rng)
    return _model(_graph(weights, "probabilities")).SerializeToString(deterministic=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="compare a fresh build with --output instead of writing it"
    )
    args = parser.parse_args(argv)
    data = build()
    if args.check:
        same = args.output.exists() and args.output.read_bytes() == data
        print(f"{args.output}: {'up to date' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
