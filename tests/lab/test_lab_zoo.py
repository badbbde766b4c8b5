"""The model zoo's shared numpy parts (lab.evaluate.zoo_common): 32 × 32 inputs, conventions, the manifest.

The zoo's builders feed each model the way its framework was fed, and the zoo's score
for DigitCanvas compares the convention it detects with the one recorded here, so these
must agree with the app's own presets and 32 × 32 fits. Small arrays made by each test.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from digitcanvas.model.conventions import INTEGER_PRESETS, PRESETS_BY_KEY
from digitcanvas.model.info import Fit
from digitcanvas.model.layout import fit_field
from lab.evaluate.zoo_common import (
    CONVENTIONS,
    INTEGER_CONVENTIONS,
    LENET_PAD,
    LENET_SIDE,
    MNIST_SIDE,
    SEED,
    Entry,
    ZooError,
    accuracy,
    apply_convention,
    manifest_path,
    parser,
    prepare,
    prepare_uint8,
    read_manifest,
    record,
    resize_bilinear,
    subset_note,
    to_unit,
    training_rows,
)


def _images(count: int = 5, seed: int = 3) -> np.ndarray:
    """uint8 (count, 28, 28), random ink with a blank border (as MNIST digits have)."""
    images = np.zeros((count, MNIST_SIDE, MNIST_SIDE), np.uint8)
    images[:, 4:24, 4:24] = np.random.default_rng(seed).integers(0, 256, (count, 20, 20), dtype=np.uint8)
    return images


def _entry(file: str, **changes: object) -> Entry:
    fields: dict[str, object] = {
        "file": file,
        "framework": "PyTorch 2.13.0",
        "exporter": "torch.onnx.export(dynamo=False) 2.13.0",
        "opset": 17,
        "input_shape": ["N", 1, 32, 32],
        "input_dtype": "float32",
        "layout": "NCHW",
        "output_kind": "logits",
        "convention": "mnist-inverted",
        "own_accuracy": 0.9876,
        "training": {"images": 6000, "epochs": 2, "seed": 7},
        "pad": LENET_PAD,
        "notes": "LeNet-5",
    }
    fields.update(changes)
    return Entry(**fields)  # type: ignore[arg-type]


# 32 × 32 inputs


def test_a_column_ramp_resized_to_32_samples_it_at_the_mapped_pixel_centres() -> None:
    # Output column j looks at input column (j + 0.5) * 28 / 32 - 0.5, clamped to [0, 27]:
    # column 0 at -0.0625 (clamped: 0), column 16 at 13.9375, column 31 at 27.0625 (clamped: 27).
    ramp = np.tile(np.arange(MNIST_SIDE, dtype=np.float32), (1, MNIST_SIDE, 1))
    resized = resize_bilinear(ramp, LENET_SIDE)
    assert resized.shape == (1, LENET_SIDE, LENET_SIDE) and resized.dtype == np.float32
    assert resized[0, 10, [0, 1, 16, 31]] == pytest.approx([0.0, 0.8125, 13.9375, 27.0], abs=1e-5)
    assert np.ptp(resized[0], axis=0).max() == pytest.approx(0.0, abs=1e-6)  # every row the same


def test_a_blank_or_uniform_image_stays_uniform_when_resized() -> None:
    uniform = np.full((2, MNIST_SIDE, MNIST_SIDE), 0.75, np.float32)
    assert resize_bilinear(uniform, LENET_SIDE) == pytest.approx(np.full((2, LENET_SIDE, LENET_SIDE), 0.75))


def test_the_zoo_resizes_to_32_as_the_app_fits_a_digit_to_a_32_pixel_field() -> None:
    unit = _images().astype(np.float32) / 255.0
    expected = fit_field(unit, LENET_SIDE, Fit.RESIZE)  # scipy's map_coordinates: another implementation
    assert to_unit(_images(), resize=LENET_SIDE) == pytest.approx(expected, abs=1e-5)


def test_the_zoo_resizes_to_32_as_pytorch_does() -> None:
    torch = pytest.importorskip("torch", reason="the PyTorch reference needs the train extra")
    unit = _images().astype(np.float32) / 255.0
    interpolated = torch.nn.functional.interpolate(
        torch.from_numpy(unit)[:, None], size=(LENET_SIDE, LENET_SIDE), mode="bilinear", align_corners=False
    )
    assert resize_bilinear(unit, LENET_SIDE) == pytest.approx(interpolated[:, 0].numpy(), abs=1e-5)


def test_padding_for_lenet_adds_two_pixels_of_background_around_the_digit() -> None:
    padded = to_unit(_images(), pad=LENET_PAD)
    assert padded.shape == (5, LENET_SIDE, LENET_SIDE)
    assert padded[:, 2:30, 2:30] == pytest.approx(_images() / 255.0)
    border = np.ones((LENET_SIDE, LENET_SIDE), bool)
    border[2:30, 2:30] = False
    assert not padded[:, border].any()
    assert padded == pytest.approx(fit_field(_images().astype(np.float32) / 255.0, LENET_SIDE, Fit.PAD))


# Conventions


def test_the_zoo_knows_exactly_the_apps_presets() -> None:
    assert sorted(CONVENTIONS) == sorted(PRESETS_BY_KEY)
    assert sorted(INTEGER_CONVENTIONS) == sorted(INTEGER_PRESETS)


@pytest.mark.parametrize("key", CONVENTIONS)
def test_each_convention_feeds_what_the_apps_preset_of_that_name_feeds(key: str) -> None:
    unit = to_unit(_images())
    expected = PRESETS_BY_KEY[key].scaling.apply(unit)
    assert apply_convention(unit, key) == pytest.approx(expected, rel=1e-5, abs=1e-5)
    assert prepare(_images(), key) == pytest.approx(expected, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize(
    ("key", "background", "ink"),
    [
        ("unit", 0.0, 1.0),
        ("unit-inverted", 1.0, 0.0),
        ("0-255", 0.0, 255.0),
        ("0-255-inverted", 255.0, 0.0),
        ("mnist", -0.1307 / 0.3081, 0.8693 / 0.3081),
        ("mnist-inverted", 0.8693 / 0.3081, -0.1307 / 0.3081),
        ("symmetric", -1.0, 1.0),
        ("symmetric-inverted", 1.0, -1.0),
    ],
)
def test_background_and_full_ink_take_the_values_of_the_convention(key: str, background: float, ink: float) -> None:
    x = np.zeros((1, MNIST_SIDE, MNIST_SIDE), np.float32)
    x[0, 10:20, 10:20] = 1.0
    fed = apply_convention(x, key)
    assert fed.dtype == np.float32
    assert fed[0, 0, 0] == pytest.approx(background, rel=1e-6)
    assert fed[0, 15, 15] == pytest.approx(ink, rel=1e-6)


def test_keras_normalize_makes_each_inked_column_unit_length_and_leaves_blank_ones() -> None:
    x = np.zeros((1, 4, 3), np.float32)
    x[0, :, 0] = [3, 0, 4, 0]  # a column of length 5
    x[0, 1, 1] = 0.5  # length 0.5; column 2 stays blank
    fed = apply_convention(x, "keras-normalize")
    assert fed[0, :, 0] == pytest.approx([0.6, 0.0, 0.8, 0.0])
    assert fed[0, :, 1] == pytest.approx([0.0, 1.0, 0.0, 0.0])
    assert not fed[0, :, 2].any()


@pytest.mark.parametrize("base", ["unit", "0-255", "mnist", "symmetric", "keras-normalize"])
def test_an_inverted_convention_is_its_base_on_black_ink_on_white(base: str) -> None:
    unit = to_unit(_images())
    assert apply_convention(unit, f"{base}-inverted") == pytest.approx(apply_convention(1.0 - unit, base))


def test_uint8_inputs_carry_the_integer_conventions_only() -> None:
    images = _images()
    assert np.array_equal(prepare_uint8(images, "0-255-inverted"), 255 - images)
    same = prepare_uint8(images, "0-255")
    assert np.array_equal(same, images) and same is not images
    same[0, 10, 10] ^= 1
    assert not np.array_equal(same, images)  # a copy: the caller's images stay as they were
    with pytest.raises(ZooError, match="'unit'"):
        prepare_uint8(images, "unit")


def test_an_unknown_convention_is_refused_by_name() -> None:
    with pytest.raises(ZooError, match="'0-1'"):
        apply_convention(np.zeros((1, 28, 28), np.float32), "0-1")


# The manifest


def test_entries_written_to_the_manifest_read_back_the_same_sorted_by_file(tmp_path: Path) -> None:
    path = tmp_path / "zoo" / "manifest.json"
    lenet, mlp = _entry("lenet.onnx"), _entry("mlp.onnx", pad=None, input_shape=[None, 784], layout="flat")
    record(path, mlp)
    record(path, lenet)
    data = read_manifest(path)
    assert [m["file"] for m in data["models"]] == ["lenet.onnx", "mlp.onnx"]
    assert [Entry(**m) for m in data["models"]] == [lenet, mlp]
    assert data["models"][0]["built_with"]["numpy"] == np.__version__
    assert sorted(p.name for p in path.parent.iterdir()) == ["manifest.json", "manifest.lock"]  # no partial file


def test_a_rebuilt_model_replaces_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    record(path, _entry("a.onnx", own_accuracy=0.5))
    record(path, _entry("b.onnx"))
    record(path, _entry("a.onnx", own_accuracy=0.75))
    models = read_manifest(path)["models"]
    assert [(m["file"], m["own_accuracy"]) for m in models] == [("a.onnx", 0.75), ("b.onnx", 0.9876)]


def test_a_missing_manifest_is_empty_and_a_broken_one_is_refused_naming_the_file(tmp_path: Path) -> None:
    assert read_manifest(tmp_path / "none.json") == {"models": []}
    broken = tmp_path / "broken.json"
    broken.write_text('{"models": [')
    with pytest.raises(ZooError, match=re.escape("broken.json: cannot read")):
        read_manifest(broken)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"models": {"a.onnx": {}}}))
    with pytest.raises(ZooError, match=re.escape("other.json: not a zoo manifest")):
        read_manifest(other)


def test_an_entry_names_only_known_conventions_and_output_kinds() -> None:
    with pytest.raises(ZooError, match=re.escape("x.onnx: unknown convention '0-1'")):
        _entry("x.onnx", convention="0-1")
    with pytest.raises(ZooError, match=re.escape("x.onnx: unknown output kind 'probits'")):
        _entry("x.onnx", output_kind="probits")


def test_the_manifest_lies_beside_the_models_folder_unless_named(tmp_path: Path) -> None:
    args = argparse.Namespace(out=str(tmp_path / "zoo2" / "models"), manifest=None)
    assert manifest_path(args) == tmp_path / "zoo2" / "manifest.json"
    args.manifest = str(tmp_path / "elsewhere.json")
    assert manifest_path(args) == tmp_path / "elsewhere.json"


# Training subsets and the command line


def test_variant_a_trains_on_the_first_images_and_b_on_a_seeded_random_subset() -> None:
    assert training_rows(4, 10, seed=1, variant="A").tolist() == [0, 1, 2, 3]
    rows = training_rows(100, 60_000, seed=SEED, variant="B")
    assert len(np.unique(rows)) == 100 and np.all(np.diff(rows) > 0) and rows.max() < 60_000
    assert np.array_equal(rows, training_rows(100, 60_000, seed=SEED, variant="B"))
    assert not np.array_equal(rows, training_rows(100, 60_000, seed=SEED + 1, variant="B"))
    assert rows.tolist() != list(range(100))
    assert subset_note(4, 10, seed=1, variant="A") == "the first 4 of 10"
    assert "default_rng(7)" in subset_note(4, 10, seed=7, variant="B")


@pytest.mark.parametrize("count", [0, 11])
def test_a_training_count_outside_the_set_is_refused(count: int) -> None:
    with pytest.raises(ZooError, match=f"cannot train on {count} of 10 images"):
        training_rows(count, 10, seed=1, variant="B")


def test_the_builders_command_line_defaults_to_the_first_zoo_and_refuses_other_variants() -> None:
    cli = parser("zoo", "doc")
    args = cli.parse_args(["--data", "mnist"])
    assert (args.variant, args.seed, args.out) == ("A", SEED, "runs/zoo/models")
    assert cli.parse_args(["--data", "d", "--variant", "B", "--seed", "4242"]).seed == 4242
    assert cli.parse_args(["--data", "d", "--variant", "C"]).variant == "C"
    with pytest.raises(SystemExit):
        cli.parse_args(["--data", "d", "--variant", "D"])


def test_the_third_zoo_holds_32_by_32_models_only_padded_and_resized() -> None:
    pytest.importorskip("torch", reason="the PyTorch builder needs the train extra")
    from lab.evaluate.model_zoo import RECIPES_C

    sizes = {recipe.size for recipe in RECIPES_C}
    assert sizes == {"pad", "resize"}


def test_accuracy_is_the_share_of_rows_whose_top_score_is_the_label() -> None:
    scores = np.array([[0.1, 0.9, 0.0], [2.0, -1.0, 0.5], [0.0, 0.2, 0.3]])
    assert accuracy(scores, np.array([1, 0, 1], np.uint8)) == pytest.approx(2 / 3)


# --- lab.evaluate.zoo_detection: DigitCanvas against the manifest ------------------------------


def test_detection_rows_compare_what_digitcanvas_detects_with_the_trained_convention(tmp_path: Path) -> None:
    from lab.evaluate.zoo_detection import judge, report
    from lab.fuzz.linear_model import make_linear_model

    path = make_linear_model(tmp_path / "linear.onnx", metadata={"digitcanvas.input_scale": "1"})
    rng = np.random.default_rng(3)
    images = rng.random((40, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 40).astype(np.uint8)
    row = judge(path, _entry("linear.onnx", convention="0-255"), images, labels)
    assert (row.trained, row.detected, row.exact) == ("0-255", "metadata", False)
    assert 0 <= row.read <= 1 and 0 <= row.own <= 1 and 0 <= row.not_sure <= 1
    text = report([row, replace(row, detected="0-255", read=row.own)])
    assert "detected as trained: 1 of 2" in text and "**≠**" in text
    assert f"largest gap {max(row.gap, 0.0):+.2f}" in text
