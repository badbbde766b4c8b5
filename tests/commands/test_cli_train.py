"""``digitcanvas train``: options, exit statuses and messages, and the model it writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from mnist_files import write_mnist_folder
from strokes import compose

from digitcanvas.cli import main
from digitcanvas.collection.folder import add_to_collection
from digitcanvas.commands.predict import EXIT_OK, EXIT_USAGE
from digitcanvas.commands.train import EXIT_NO_ENGINE
from digitcanvas.model.classifier import Classifier, InputSource
from digitcanvas.model.conventions import PRESETS_BY_KEY
from digitcanvas.model.info import META_NAME, META_TRAINING_COMMAND
from digitcanvas.training import engine_check


def test_the_recipes_are_listed_without_pytorch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_check, "ENGINE", "no_such_engine_for_digitcanvas")
    assert main(["train", "--list"]) == EXIT_OK
    out = capsys.readouterr().out
    for words in ("scratch:", "dense: Dense 128-128 (118,282 parameters)", "cnn:", "small-cnn:", "dropout 0.2"):
        assert words in out


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--recipe", "huge"], "no recipe 'huge'; the recipes are scratch, dense"),
        (["--layers", "dense 10, conv 4 3"], "layer 2 (conv 4 3): it needs image maps"),
        (["--layers", "dense"], "write it as 'dense UNITS'"),
        (["--epochs", "0"], "epochs: 0"),
        (["--learning-rate", "100"], "learning rate: 100"),
        (["--no-verify"], "give their folder with --data"),
        (["--threads", "0"], "--threads must be at least 1"),
        (["--out", "no/such/folder/m.onnx"], "the folder no/such/folder does not exist"),
    ],
)
def test_bad_options_are_refused_before_anything_is_loaded(
    arguments: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *arguments]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err


def test_without_pytorch_it_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_check, "ENGINE", "no_such_engine_for_digitcanvas")
    assert main(["train", "--out", str(tmp_path / "m.onnx")]) == EXIT_NO_ENGINE
    err = capsys.readouterr().err
    assert "needs PyTorch" in err and 'python -m pip install "digitcanvas[train]"' in err
    assert not (tmp_path / "m.onnx").exists()


def test_a_folder_of_other_idx_files_is_refused_unless_it_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    write_mnist_folder(tmp_path / "mine", train=40, test=10)
    assert main(["train", "--data", str(tmp_path / "mine"), "--out", str(tmp_path / "m.onnx")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "MD5 of the unpacked file" in err and "train-images-idx3-ubyte.gz" in err


def test_it_trains_and_writes_a_model_the_app_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    torch = pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    data = tmp_path / "mnist"
    write_mnist_folder(data, train=240, test=40)
    collection = tmp_path / "collection"
    for name in "17":
        add_to_collection(compose([name])[0], int(name), collection)
    out = tmp_path / "mine.onnx"
    arguments = ["--recipe", "small-cnn", "--epochs", "1", "--batch-size", "32", "--input", "mnist", "--threads", "1"]
    arguments += ["--data", str(data), "--no-verify", "--collection", str(collection), "--out", str(out)]
    threads = torch.get_num_threads()
    try:
        assert main(["train", *arguments]) == EXIT_OK
    finally:
        torch.set_num_threads(threads)
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    for words in (
        "your collection: 2 labelled drawings",
        "Small modern CNN: 29,290 parameters",
        "epoch 1/1",
        "test accuracy",
    ):
        assert words in captured.err
    model = Classifier(out)
    assert model.input_source == InputSource.METADATA and model.scaling == PRESETS_BY_KEY["mnist"].scaling
    assert model.metadata[META_NAME] == "Small modern CNN"
    command = model.metadata[META_TRAINING_COMMAND]
    assert command.startswith("digitcanvas train --recipe small-cnn --epochs 1 --batch-size 32")
    assert "--input mnist" in command and "--no-verify" in command and "--layers" not in command


def test_a_model_that_cannot_be_written_is_said_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    write_mnist_folder(tmp_path / "mnist", train=60, test=10)
    (tmp_path / "taken.onnx").mkdir()  # a folder where the file should go
    arguments = ["--data", str(tmp_path / "mnist"), "--no-verify", "--epochs", "1", "--layers", "dense 8"]
    threads = torch.get_num_threads()
    try:
        status = main(["train", *arguments, "--threads", "1", "--out", str(tmp_path / "taken.onnx")])
    finally:
        torch.set_num_threads(threads)
    err = capsys.readouterr().err
    assert status == EXIT_USAGE and "taken.onnx: cannot write the model" in err and "Traceback" not in err
