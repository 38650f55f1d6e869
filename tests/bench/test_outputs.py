"""read_prediction: sklearn-onnx ZipMap, label + probability tensors, single score tensors,
non-classifiers, and the forced --label-output / --proba-output choice."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mlmon.instrument.outputs import OutputChoiceError, PredictionRead, read_prediction


def datasets() -> str:
    ort = pytest.importorskip("onnxruntime")
    return os.path.join(os.path.dirname(ort.__file__), "datasets")


ZIPMAP = [{0: 0.2, 1: 0.7, 2: 0.1}, {0: 0.5, 1: 0.3, 2: 0.2}]


def test_zipmap_with_label_output():
    read = read_prediction([np.array([1, 0], dtype=np.int64), ZIPMAP], ["output_label", "output_probability"])
    assert read == PredictionRead(
        ["1", "0"], [0.7, 0.5], "output_label + output_probability (ZipMap)", "output_label", "output_probability"
    )


def test_label_output_is_trusted_over_the_argmax():
    read = read_prediction([np.array([2, 0]), ZIPMAP], ["output_label", "output_probability"])
    assert read.labels == ["2", "0"] and read.confidences == [0.1, 0.5]


def test_zipmap_alone_and_string_classes():
    rows = [{"cat": 0.1, "dog": 0.9}, {"cat": 0.6, "dog": 0.4}]
    read = read_prediction([rows], ["output_probability"])
    assert read.labels == ["dog", "cat"] and read.confidences == [0.9, 0.6]
    assert read.source == "output_probability (ZipMap)"
    labels = np.array(["dog", "dog"], dtype=object)
    read = read_prediction([labels, rows], ["output_label", "output_probability"])
    assert read.labels == ["dog", "dog"] and read.confidences == [0.9, 0.4]


def test_label_output_and_probability_tensor():
    probs = np.array([[0.2, 0.8], [0.9, 0.1]], dtype=np.float32)
    read = read_prediction([np.array([1, 0]), probs], ["label", "probabilities"])
    assert read.labels == ["1", "0"] and read.confidences == pytest.approx([0.8, 0.9])
    assert read.source == "label + probabilities (probability rows)"
    read = read_prediction([np.array(["no", "yes"]), probs], ["label", "probabilities"], class_names=["yes", "no"])
    assert read.labels == ["no", "yes"] and read.confidences == pytest.approx([0.8, 0.9])


def test_single_probability_and_logit_tensors():
    from scipy.special import softmax

    probs = np.array([[0.1, 0.7, 0.2]], dtype=np.float32)
    read = read_prediction([probs], ["out"], class_names=["x", "y", "z"])
    assert read.labels == ["y"] and read.confidences == pytest.approx([0.7])
    logits = np.array([[2.0, -1.0, 0.5]], dtype=np.float32)
    read = read_prediction([logits], ["logits"])
    assert read.labels == ["0"] and read.confidences[0] == pytest.approx(softmax(logits, axis=1).max(), rel=1e-6)
    assert read.source == "logits (logits, soft-maxed)"
    read = read_prediction([np.array([[0.8], [0.1]], dtype=np.float32)], ["score"])
    assert read.labels == ["1", "0"] and read.confidences == pytest.approx([0.8, 0.9])


def test_not_a_classifier():
    # element-wise output of an input's shape, no name hint, rows not probabilities
    assert read_prediction([np.array([[0.7, 1.9], [0.2, 1.7]], np.float32)], ["Y"], input_shapes=[(2, 2)]) is None
    # rows summing to 1 but the shape of an input: element-wise, not a classifier
    assert read_prediction([np.array([[0.3, 0.7]], np.float32)], ["Y"], input_shapes=[(1, 2)]) is None
    # embeddings, detection boxes, 1-D float outputs
    assert read_prediction([np.ones((2, 5, 7), np.float32)], ["hidden"]) is None
    assert read_prediction([np.ones(4, np.float32)], ["y"]) is None
    # two equally likely score outputs: in doubt, None
    two = [np.full((1, 2), 0.5, np.float32), np.full((1, 2), 0.5, np.float32)]
    assert read_prediction(two, ["a_prob", "b_prob"]) is None


def test_forced_outputs_and_their_errors():
    outputs = [np.array([[0.7, 1.9]], np.float32), np.array([[5.0]], np.float32)]
    read = read_prediction(outputs, ["Y", "Z"], proba_output="Y")
    assert read.proba_output == "Y" and read.labels == ["1"]
    with pytest.raises(OutputChoiceError, match="--proba-output nope: the model has no such output .*Y, Z"):
        read_prediction(outputs, ["Y", "Z"], proba_output="nope")
    with pytest.raises(OutputChoiceError, match="--label-output Y: not a label output"):
        read_prediction(outputs, ["Y", "Z"], label_output="Y")
    with pytest.raises(OutputChoiceError, match="--proba-output lab: not a probability output"):
        read_prediction([np.array([1]), np.array([0])], ["lab", "other"], proba_output="lab")
    with pytest.raises(OutputChoiceError, match="rows"):
        read_prediction([np.array([1, 0, 1]), ZIPMAP], ["l", "p"], label_output="l", proba_output="p")


def test_forced_label_output_finds_its_probabilities():
    read = read_prediction([np.array([1, 0]), ZIPMAP], ["klass", "p"], label_output="klass")
    assert read.source == "klass + p (ZipMap)" and read.confidences == [0.7, 0.5]
    read = read_prediction([np.array([1, 0])], ["klass"], label_output="klass")
    assert read.labels == ["1", "0"] and read.confidences == [None, None]


def test_real_sklearn_onnx_logreg_iris():
    import onnxruntime as ort

    session = ort.InferenceSession(os.path.join(datasets(), "logreg_iris.onnx"), providers=["CPUExecutionProvider"])
    feed = {"float_input": np.random.default_rng(0).random((3, 2), dtype=np.float32)}
    outputs = session.run(None, feed)
    read = read_prediction(outputs, [o.name for o in session.get_outputs()], input_shapes=[(3, 2)])
    assert read is not None and read.source == "label + probabilities (ZipMap)"
    assert read.labels == [str(v) for v in outputs[0]]
    assert all(label in {"0", "1", "2"} for label in read.labels)
    assert read.confidences == pytest.approx([row[int(v)] for row, v in zip(outputs[1], outputs[0])])


def test_real_elementwise_mul_1_is_not_a_classifier():
    import onnxruntime as ort

    session = ort.InferenceSession(os.path.join(datasets(), "mul_1.onnx"), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"X": np.random.default_rng(0).random((3, 2), dtype=np.float32)})
    assert read_prediction(outputs, ["Y"], input_shapes=[(3, 2)]) is None
