"""Any MNIST model people export loads and reads right, with no setup (see issue: any model)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto
from onnx_models import make_convention_model, make_exported_model, reference_probabilities

from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.conventions import PRESETS, PRESETS_BY_KEY, detect, parse_setting, reference_digits
from digitcanvas.model.describe import describe_input
from digitcanvas.model.info import DEFAULT_THRESHOLD, META_SCALE, Fit, InputScaling, Normalization, write_metadata
from lab.fuzz.linear_model import linear_weights, make_linear_model


@pytest.fixture
def images(rng: np.random.Generator) -> np.ndarray:
    return rng.random((5, 28, 28), dtype=np.float32)


@pytest.mark.parametrize("preset", [p.key for p in PRESETS])
def test_each_convention_is_detected_from_the_model_behaviour(tmp_path: Path, preset: str) -> None:
    classifier = Classifier(make_convention_model(tmp_path / "m.onnx", preset))
    assert classifier.input_source == "detected"
    assert classifier.scaling == PRESETS_BY_KEY[preset].scaling
    # The fixture reads its own convention's digits with room to spare (a fixture near the
    # 80 % line would pass or fail by one CPU's rounding), and the others' clearly worse.
    assert classifier.detection is not None and classifier.detection.accuracy >= 0.95
    assert f"Input: {PRESETS_BY_KEY[preset].label} (detected; " in describe_input(classifier)
    ref = reference_digits()
    assert (classifier.predict_proba(ref.images).argmax(axis=1) == ref.labels).mean() >= 0.95
    others = [score for key, score in classifier.detection.scores.items() if key != preset]
    assert max(others) < 0.8


def _fitted_linear(scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Bias-free weights that read every reference digit right from pixels 0-``scale``, with
    logits of a calibrated size (a well-trained model: sure of clear digits, not of anything)."""
    ref = reference_digits()
    x = ref.images.reshape(len(ref.labels), 784).astype(np.float64) * scale
    targets = np.eye(10)[ref.labels] * 6.0 - 3.0
    w = np.linalg.solve(x.T @ x + 1e-3 * scale**2 * np.eye(784), x.T @ targets)
    return w.astype(np.float32), np.zeros(10, np.float32)


@pytest.mark.parametrize("trained_on", ["unit", "0-255"])
def test_a_model_that_reads_every_reference_digit_at_either_scale_gets_its_own(trained_on: str) -> None:
    # Without a bias a 255 times larger input only makes the model surer: the cross-entropy
    # alone picked 0-255 for a well-trained 0-1 model, which was then sure of every scribble.
    w, _ = _fitted_linear(PRESETS_BY_KEY[trained_on].scaling.scale)

    def predict(images: np.ndarray, scaling: InputScaling) -> np.ndarray:
        return scaling.apply(images).reshape(len(images), 784) @ w

    detection = detect(predict, candidates=["unit", "0-255"])
    assert detection.scores["unit"] == detection.scores["0-255"] == 1.0  # both read every reference digit
    assert detection.preset.key == trained_on


def _scripted_logits(right: float, scale: float, seed: int) -> np.ndarray:
    """Logits on the reference digits of a model that reads a share ``right`` of them, with
    margins ``scale`` times a clear model's."""
    ref = reference_digits()
    rng = np.random.default_rng(seed)
    read = np.where(rng.random(len(ref.labels)) < right, ref.labels, (ref.labels + rng.integers(1, 10)) % 10)
    return scale * (np.eye(10)[read] * 4.0 + rng.normal(0.0, 1.0, (len(read), 10)))


def test_a_32_by_32_model_gets_the_fit_its_outputs_fit_best_not_the_surer_one() -> None:
    """Resized digits fill more of the field: a model trained on them reads padded ones nearly as
    well, and at a temperature nearer 1. The fit is the one whose calibrated outputs fit best."""
    from digitcanvas.model.conventions import clearly_fewer, fitted_temperature

    ref = reference_digits()
    index = {image.tobytes(): k for k, image in enumerate(ref.images)}
    by_fit = {Fit.RESIZE: _scripted_logits(0.97, 0.5, 1), Fit.PAD: _scripted_logits(0.95, 1.0, 2)}
    noise = np.random.default_rng(3).normal(0.0, 1.0, (len(ref.labels), 10))

    def predict(images: np.ndarray, scaling: InputScaling) -> np.ndarray:
        rows = [index[image.tobytes()] for image in images]
        trained = replace(scaling, fit=Fit.PAD) == InputScaling()  # pixels 0-1, either fit
        return by_fit[scaling.fit][rows] if trained else noise[rows]  # other conventions: nothing

    temperature = {fit: fitted_temperature(logits, ref.labels) for fit, logits in by_fit.items()}
    correct = {fit: logits.argmax(axis=1) == ref.labels for fit, logits in by_fit.items()}
    assert abs(np.log(temperature[Fit.PAD])) + 0.15 < abs(np.log(temperature[Fit.RESIZE]))  # padded: surer
    assert not clearly_fewer(correct[Fit.RESIZE], correct[Fit.PAD])  # and about as accurate
    detection = detect(predict, side=32)
    assert detection.preset.key == "unit" and detection.scaling.fit == Fit.RESIZE


@pytest.mark.parametrize(("overconfident", "detected"), [(2.0, "symmetric"), (1.15, "mnist")])
def test_between_conventions_read_as_surely_the_one_whose_outputs_fit_clearly_best_wins(
    overconfident: float, detected: str
) -> None:
    """A tanh network trained on −1 to 1 reads digits fed mean/std as well and as surely, but is
    surer of its mistakes: at the same temperature, its outputs fit the labels worse. Where they
    fit about as well, the commoner convention (mean/std) stays the tie-break."""
    from digitcanvas.model.conventions import LOSS_TIE, cross_entropy, fitted_temperature

    ref = reference_digits()
    index = {image.tobytes(): k for k, image in enumerate(ref.images)}
    rng = np.random.default_rng(1)
    read = np.where(rng.random(len(ref.labels)) < 0.97, ref.labels, (ref.labels + rng.integers(1, 10)) % 10)
    logits = np.eye(10)[read] * 4.0 + rng.normal(0.0, 1.0, (len(read), 10))
    surer_when_wrong = logits.copy()
    surer_when_wrong[read != ref.labels] *= overconfident  # the same digits read, the mistakes surer
    by_key = {
        "symmetric": logits / fitted_temperature(logits, ref.labels),  # both at temperature 1: tied
        "mnist": surer_when_wrong / fitted_temperature(surer_when_wrong, ref.labels),
    }
    noise = np.random.default_rng(3).normal(0.0, 1.0, (len(ref.labels), 10))
    clearly = cross_entropy(by_key["symmetric"], ref.labels) < (1 - LOSS_TIE) * cross_entropy(
        by_key["mnist"], ref.labels
    )
    assert clearly == (detected == "symmetric")

    def predict(images: np.ndarray, scaling: InputScaling) -> np.ndarray:
        rows = [index[image.tobytes()] for image in images]
        key = next((k for k in by_key if PRESETS_BY_KEY[k].scaling == scaling), None)
        return by_key[key][rows] if key else noise[rows]

    assert detect(predict).preset.key == detected


def test_metadata_wins_over_detection(tmp_path: Path) -> None:
    path = make_convention_model(tmp_path / "m.onnx", "0-255")
    write_metadata(path, {META_SCALE: "1"})  # wrong, but declared: the file is believed
    classifier = Classifier(path)
    assert classifier.input_source == "metadata" and classifier.scaling == InputScaling()
    assert classifier.reference_accuracy() < 0.5
    assert classifier.reference_accuracy(PRESETS_BY_KEY["0-255"].scaling) == 1.0


def test_a_chosen_setting_wins_over_everything(tmp_path: Path) -> None:
    chosen = PRESETS_BY_KEY["mnist"].scaling
    classifier = Classifier(make_convention_model(tmp_path / "m.onnx", "0-255"), scaling=chosen)
    assert classifier.input_source == "chosen" and classifier.scaling == chosen
    assert classifier.detection is None
    assert "your setting" in describe_input(classifier)


def test_a_model_no_convention_fits_is_flagged(tmp_path: Path) -> None:
    classifier = Classifier(make_exported_model(tmp_path / "random.onnx"))  # random weights
    assert classifier.input_source == "default" and classifier.scaling == InputScaling()
    assert "may expect an input DigitCanvas does not know" in describe_input(classifier)


def test_integer_inputs_take_0_255_pixels(tmp_path: Path) -> None:
    for dtype in (TensorProto.UINT8, TensorProto.INT64):
        path = make_convention_model(tmp_path / f"int{dtype}.onnx", "0-255", input_type=dtype)
        classifier = Classifier(path)
        assert classifier.input_source == "detected" and classifier.scaling.scale == 255
        assert classifier.reference_accuracy() == 1.0


def test_int8_inputs_get_pixels_clipped_to_what_int8_holds(tmp_path: Path) -> None:
    classifier = Classifier(make_convention_model(tmp_path / "int8.onnx", "0-255", input_type=TensorProto.INT8))
    fed = classifier.fed(np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28))
    assert fed.dtype == np.int8 and fed.min() == 0 and fed.max() == 127  # no wrap to negative values
    assert np.all(np.diff(fed.astype(np.int64).ravel()) >= 0)  # brighter stays brighter


@pytest.mark.parametrize(
    "head", ["logits", "softmax", "quantised", "n1x10", "zipmap", "label+probabilities", "float16"]
)
def test_output_kinds_become_the_right_probabilities(tmp_path: Path, images: np.ndarray, head: str) -> None:
    """Logits are softmaxed; probabilities (a ZipMap's too, and int8 rows × 0.988) are kept, renormalised."""
    classifier = Classifier(make_exported_model(tmp_path / f"{head}.onnx", head=head))
    assert not classifier.scores_normalised
    tolerance = 5e-3 if head == "float16" else 1e-5
    np.testing.assert_allclose(classifier.predict_proba(images), reference_probabilities(images), atol=tolerance)


def test_sigmoid_scores_are_normalised_and_said_to_be(tmp_path: Path, images: np.ndarray) -> None:
    classifier = Classifier(make_exported_model(tmp_path / "sigmoid.onnx", head="sigmoid"))
    assert classifier.scores_normalised
    w, b = linear_weights()
    s = 1 / (1 + np.exp(-(images.reshape(len(images), 784).astype(np.float64) @ w + b)))
    np.testing.assert_allclose(classifier.predict_proba(images), s / s.sum(axis=1, keepdims=True), atol=1e-5)


@pytest.mark.parametrize(
    "shape",
    [["N", 1, 28, 28], [32, 1, 28, 28], [64, 784], [1, 28, 28, 1], [28, 28], [784], [28, 28, 1], [1, 28, 28]],
)
def test_input_shapes_people_export(tmp_path: Path, images: np.ndarray, shape: list[int | str]) -> None:
    classifier = Classifier(make_exported_model(tmp_path / "m.onnx", input_shape=shape))
    np.testing.assert_allclose(classifier.predict_proba(images), reference_probabilities(images), atol=1e-5)


def test_one_output_per_run_shapes(tmp_path: Path, images: np.ndarray) -> None:
    classifier = Classifier(make_exported_model(tmp_path / "m.onnx", head="flat10", input_shape=[28, 28]))
    np.testing.assert_allclose(classifier.predict_proba(images), reference_probabilities(images), atol=1e-5)


def test_a_label_only_model_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="outputs only labels"):
        Classifier(make_exported_model(tmp_path / "labels.onnx", head="labels"))


def test_external_weights_load_and_a_missing_weights_file_is_named(tmp_path: Path, images: np.ndarray) -> None:
    path = make_exported_model(tmp_path / "dynamo.onnx", external_data=True)
    np.testing.assert_allclose(Classifier(path).predict_proba(images), reference_probabilities(images), atol=1e-5)
    (tmp_path / "dynamo.onnx.data").unlink()
    with pytest.raises(ModelLoadError, match=r"dynamo\.onnx\.data, which is missing") as info:
        Classifier(path)
    assert "ONNXRuntimeError" not in str(info.value)


def test_external_weights_outside_the_models_folder_are_refused(tmp_path: Path) -> None:
    path = make_exported_model(tmp_path / "m.onnx", external_data=True)
    model = onnx.load(str(path), load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = "../../etc/passwd"
    onnx.save(model, str(path))
    with pytest.raises(ModelLoadError, match="outside the model's folder"):
        Classifier(path)


SETPRIV = shutil.which("setpriv")
LOAD_AND_SAY_WHY = """
import sys
from digitcanvas.model.classifier import Classifier, ModelLoadError
try:
    Classifier(sys.argv[1])
except ModelLoadError as e:
    print(e)
"""


@pytest.mark.skipif(os.geteuid() == 0 and SETPRIV is None, reason="root reads every file, and setpriv is missing")
def test_an_unreadable_model_says_permission_denied(tmp_path: Path) -> None:
    path = make_exported_model(tmp_path / "m.onnx")
    path.chmod(0)
    if os.geteuid() != 0:
        with pytest.raises(ModelLoadError, match="permission denied"):
            Classifier(path)
        return
    # Root reads every file: load it in a process that has given up that right (no capabilities).
    assert SETPRIV is not None
    command = [SETPRIV, "--inh-caps=-all", "--bounding-set=-all", sys.executable, "-c", LOAD_AND_SAY_WHY, str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "setpriv" in done.stderr:
        pytest.skip(f"this container does not let root give up its capabilities: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert "permission denied" in done.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0-255", InputScaling(scale=255.0)),
        ("mnist-inverted", InputScaling(mean=0.1307, std=0.3081, invert=True)),
        ("scale=255, mean=127.5 ,std=127.5", InputScaling(scale=255.0, mean=127.5, std=127.5)),
        ("invert,normalize=l2-columns", InputScaling(invert=True, normalize=Normalization.L2_COLUMNS)),
    ],
)
def test_input_settings_parse_and_print_back(text: str, expected: InputScaling) -> None:
    from digitcanvas.model.conventions import format_setting, parse_setting

    assert parse_setting(text) == expected
    assert parse_setting(format_setting(expected)) == expected


@pytest.mark.parametrize("text", ["", "bogus", "scale=abc", "std=0", "colour=red", "normalize=l1"])
def test_bad_input_settings_say_what_is_accepted(text: str) -> None:
    from digitcanvas.model.conventions import parse_setting

    with pytest.raises(ValueError, match=r"input setting|not a number|at least|expected one of"):
        parse_setting(text)


@pytest.mark.parametrize("fit", ["pad", "resize"])
def test_a_32_by_32_model_is_fed_digits_fitted_as_it_was_trained(tmp_path: Path, fit: str) -> None:
    """LeNet-5 takes MNIST padded by 2 px to 32×32; other 32×32 models took it scaled up:
    both load, and detection tells which (with the pixel convention)."""
    from onnx_models import make_lenet_like_model

    classifier = Classifier(make_lenet_like_model(tmp_path / f"{fit}.onnx", fit))
    assert classifier.layout.side == 32 and classifier.input_source == "detected"
    assert classifier.scaling == InputScaling(fit=Fit(fit))
    ref = reference_digits()
    assert (classifier.predict_proba(ref.images).argmax(axis=1) == ref.labels).mean() >= 0.95
    assert describe_input(classifier).startswith(
        f"Input: pixels 0–1, {'padded' if fit == 'pad' else 'resized'} to 32×32"
    )
    chosen = Classifier(tmp_path / f"{fit}.onnx", scaling=parse_setting(f"unit,fit={fit}"))
    assert chosen.scaling.fit == fit


def test_a_model_is_named_by_its_file_not_its_graph(tmp_path: Path) -> None:
    """Exporters name the graph "main_graph", "torch_jit", a hex string or the last layer's class."""
    import onnx

    path = make_linear_model(tmp_path / "my-mnist.onnx")
    model = onnx.load(str(path))
    model.graph.name = "torch_jit"
    onnx.save(model, str(path))
    assert Classifier(path).name == "my-mnist"


def test_not_sure_is_fitted_for_scores_that_are_not_probabilities(tmp_path: Path) -> None:
    """Decision scores (an SVC's, one-vs-rest) softmax into flat rows: with the default 80 %
    every digit would be "not sure". The threshold fitted on the reference digits flags few."""
    import onnx
    from onnx import helper

    path = make_convention_model(tmp_path / "sharp.onnx", "unit")
    model = onnx.load(str(path))
    # Squash the logits to a tenth: the ranking stays, the softmax goes flat (~25 % at the top).
    model.graph.initializer.append(onnx.numpy_helper.from_array(np.array(0.1, np.float32), "squash"))
    model.graph.node[-1].output[0] = "sharp_logits"
    model.graph.node.append(helper.make_node("Mul", ["sharp_logits", "squash"], ["logits"]))
    onnx.save(model, str(path))
    classifier = Classifier(path)
    ref = reference_digits()
    top = classifier.predict_proba(ref.images).max(axis=1)
    assert top.mean() < DEFAULT_THRESHOLD  # the default would flag most of them
    assert classifier.doubt_fitted and classifier.doubt_threshold < DEFAULT_THRESHOLD
    assert (top < classifier.doubt_threshold).mean() <= 0.06
