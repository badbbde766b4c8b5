from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitcanvas import __version__
from digitcanvas.cli import main
from digitcanvas.commands.predict import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE
from digitcanvas.drawing.file import drawing_to_dict, save_drawing
from digitcanvas.drawing.strokes import Drawing
from digitcanvas.model.classifier import bundled_model_path
from digitcanvas.reading.batch import PARALLEL_THRESHOLD


def _one_image(size: int = 120, *, dark_ink: bool = True) -> np.ndarray:
    paper, ink = (255, 0) if dark_ink else (0, 255)
    image = np.full((size, size), paper, np.uint8)
    half = max(1, size // 20)
    image[size // 8 : -size // 8, size // 2 - half : size // 2 + half] = ink
    return image


def _zero_drawing() -> Drawing:
    t = np.linspace(0, 2 * np.pi, 60)
    return Drawing.from_points([np.stack([210 + 70 * np.sin(t), 210 - 120 * np.cos(t)], axis=1)], width=420, height=420)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    (folder / "nested").mkdir(parents=True)
    Image.fromarray(_one_image()).save(folder / "one.png")
    Image.fromarray(_one_image(dark_ink=False)).convert("RGB").save(folder / "one_inverted.jpg", quality=95)
    rgba = np.zeros((90, 90, 4), np.uint8)
    rgba[..., 3] = 255 - _one_image(90)  # black ink on transparent paper
    Image.fromarray(rgba, "RGBA").save(folder / "one_rgba.png")
    Image.fromarray(_one_image(14)).save(folder / "one_tiny.bmp")
    Image.fromarray(_one_image(1500)).save(folder / "one_huge.png")
    save_drawing(_zero_drawing(), folder / "zero.json")
    save_drawing(_zero_drawing(), folder / "nested" / "zero-without-extension")
    return folder


def test_version_and_help() -> None:
    run = [sys.executable, "-m", "digitcanvas"]
    version = subprocess.run([*run, "--version"], capture_output=True, text=True, check=True)
    assert __version__ in version.stdout
    top = subprocess.run([*run, "--help"], capture_output=True, text=True, check=True)
    assert "predict" in top.stdout and "--model" in top.stdout and "--input" in top.stdout
    sub = subprocess.run([*run, "predict", "--help"], capture_output=True, text=True, check=True)
    for option in ("--json", "--top", "--recursive", "--model", "--verbose", "exit status"):
        assert option in sub.stdout


@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_model_before_or_after_the_command_is_used(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    drawing, missing = str(tmp_path / "zero.json"), str(tmp_path / "missing.onnx")
    for argv in (["--model", missing, command, drawing], [command, "--model", missing, drawing]):
        assert main(argv) == EXIT_USAGE, argv
        assert missing in capsys.readouterr().err
    bundled = str(bundled_model_path())
    assert main(["--model", missing, command, "--model", bundled, drawing]) == EXIT_OK  # the later one wins
    assert missing not in capsys.readouterr().err


def test_table_output_on_images_and_drawings(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(inputs)]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["file", "digit", "confidence"]
    rows = {Path(line.split()[0]).name: line.split() for line in out[1:]}
    assert set(rows) == {"one.png", "one_inverted.jpg", "one_rgba.png", "one_tiny.bmp", "one_huge.png", "zero.json"}
    for name in ("one.png", "one_inverted.jpg", "one_rgba.png", "one_tiny.bmp", "one_huge.png"):
        assert rows[name][1] == "1", rows[name]
    assert rows["zero.json"][1] == "0"
    assert rows["zero.json"][2].endswith("%")


def test_table_columns_line_up_under_the_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # short paths: longer ones than the file column's maximum push the row
    Image.fromarray(_one_image()).save(tmp_path / "one.png")
    dot = np.full((60, 60), 255, np.uint8)
    dot[28:31, 28:31] = 0  # a dot: not sure
    Image.fromarray(dot).save(tmp_path / "a-dot-with-a-long-name.png")
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    assert main(["predict", "--top", "3", "."]) == EXIT_OK
    header, *rows = capsys.readouterr().out.splitlines()
    verdict, others = header.index("verdict"), header.index("next best")
    assert {row[verdict:].split("  ")[0] for row in rows} >= {"sure", "not sure (low confidence)"}
    for row in rows:
        assert row[verdict - 1] == " " and row[verdict] != " "  # the verdict starts under its heading
        assert row[others - 2 : others] == "  " and row[others].isdigit()  # "3:<0.1%" under "next best"
        assert "100" not in row and ":0.0%" not in row  # ">99.99%" and "<0.1%", as the app says them

    t = np.linspace(0, 2 * np.pi, 40)
    zeros = [np.stack([60 + x0 + 30 * np.sin(t), 200 - 70 * np.cos(t)], axis=1) for x0 in range(0, 900, 100)]
    save_drawing(Drawing.from_points(zeros, width=1000, height=400), tmp_path / "zeros.json")
    assert main(["predict", "--number", "zero.json", "zeros.json"]) == EXIT_OK
    header, *rows = capsys.readouterr().out.splitlines()
    number, confidences = header.index("number"), header.index("digit confidences")
    assert [row[number:].split()[0] for row in rows] == ["0", "000000000"]
    for row in rows:
        assert row[confidences - 2 : confidences] == "  " and row[confidences:].split()[0].endswith("%")


def test_recursive_json_and_top(inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "--recursive", "--json", "--top", "3", str(inputs)]) == EXIT_OK
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_name = {Path(r["file"]).name: r for r in records}
    assert len(records) == 7
    nested = by_name["zero-without-extension"]  # recognised by content, not extension
    assert nested["digit"] == 0
    assert len(nested["probabilities"]) == 10
    assert abs(sum(nested["probabilities"]) - 1) < 1e-4
    assert nested["top"][0]["digit"] == 0 and len(nested["top"]) == 3


def test_bad_files_are_reported_and_others_still_classified(
    inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "broken.png": b"\x89PNG\r\n\x1a\n garbage",
        "notes.txt": b"just some text",
        "bad.json": b'{"format": "digitcanvas-drawing", "version": 1}',
        "syntax.json": b"{not json",
        "empty.json": json.dumps(drawing_to_dict(Drawing((), 420, 420))).encode(),
    }
    for name, payload in bad.items():
        (inputs / name).write_bytes(payload)
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(inputs / "blank.png")
    status = main(["predict", str(inputs), str(tmp_path / "does-not-exist.png")])
    captured = capsys.readouterr()
    assert status == EXIT_SOME_FAILED
    for name in [*bad, "blank.png", "does-not-exist.png"]:
        assert name in captured.err, name
    assert "empty" in captured.err and '"canvas"' in captured.err and "no ink" in captured.err
    assert len(captured.out.splitlines()) == 1 + 6  # header + the six good files


def test_bad_model_exits_with_a_message(inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"nope")
    assert main(["predict", "--model", str(model), str(inputs)]) == EXIT_USAGE
    assert "model.onnx" in capsys.readouterr().err


def test_verbose_gives_onnxruntimes_own_words_for_a_model_it_cannot_load(
    inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"\x08\x07")  # protobuf the check reads, without a graph: onnxruntime refuses it
    assert main(["predict", "--model", str(model), str(inputs)]) == EXIT_USAGE
    assert "ONNXRuntimeError" not in capsys.readouterr().err
    assert main(["predict", "-v", "--model", str(model), str(inputs)]) == EXIT_USAGE
    details = [line for line in capsys.readouterr().err.splitlines() if line.startswith("details: ")]
    assert len(details) == 1 and "ONNXRuntimeError" in details[0]


def test_a_model_that_needs_a_look_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onnx_models import make_convention_model, make_exported_model

    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    drawing = str(tmp_path / "zero.json")
    random = make_exported_model(tmp_path / "random.onnx", head="sigmoid")  # random weights, sigmoid units
    assert main(["predict", "--model", str(random), drawing]) == EXIT_OK
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2
    assert "no convention fits" in warnings[0] and "normalises them to sum to 1" in warnings[1]
    fitting = make_convention_model(tmp_path / "fits.onnx", "0-255")
    assert main(["predict", "--model", str(fitting), drawing]) == EXIT_OK
    # What was detected is said in one line, how sure, and how to set it otherwise; no warning.
    assert capsys.readouterr().err == (
        "note: fits.onnx: input detected as pixels 0–255 (100% of the reference digits read right; --input sets it)\n"
    )
    assert main(["predict", "-v", "--model", str(fitting), drawing]) == EXIT_OK
    err = capsys.readouterr().err
    assert "Input: pixels 0–255 (detected; 100% on reference digits)" in err
    assert "Not sure under" in err and "(fitted on the reference digits)" in err
    assert main(["predict", "--input", "0-255", "--model", str(fitting), drawing]) == EXIT_OK
    assert capsys.readouterr().err == ""  # set, not detected: nothing to say


def test_no_files_and_bad_top(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", str(tmp_path)]) == EXIT_USAGE
    assert "no input files" in capsys.readouterr().err
    assert main(["predict", "--top", "11", str(tmp_path)]) == EXIT_USAGE


def test_verbose_prints_the_rate(inputs: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "-v", "--model", str(linear_model), str(inputs)]) == EXIT_OK
    assert "files/s" in capsys.readouterr().err


def test_many_drawings_in_parallel_keep_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    drawing = _zero_drawing()
    for i in range(PARALLEL_THRESHOLD + 10):
        save_drawing(drawing, folder / f"{i:05d}.json")
    (folder / "00500.json").write_text("{broken")
    assert main(["predict", "--json", str(folder)]) == EXIT_SOME_FAILED
    names = [Path(json.loads(line)["file"]).name for line in capsys.readouterr().out.splitlines()]
    assert len(names) == PARALLEL_THRESHOLD + 9
    assert names == sorted(names)


def test_predict_number_on_a_drawing_and_an_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import ImageDraw
    from strokes import compose

    drawing, _ = compose(["2", "0", "7"], gap=0.3)
    save_drawing(drawing, tmp_path / "number.json")
    image = Image.new("RGB", (drawing.width, drawing.height), "white")
    pen = ImageDraw.Draw(image)
    for stroke in drawing.strokes:
        pen.line([tuple(p) for p in stroke], fill="black", width=int(drawing.pen_width), joint="curve")
    image.save(tmp_path / "number.png")
    assert main(["predict", "--number", "--json", str(tmp_path)]) == EXIT_OK
    records = {Path(r["file"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    for name in ("number.json", "number.png"):
        assert records[name]["number"] == "207"
        assert [d["digit"] for d in records[name]["digits"]] == [2, 0, 7]
        assert all(len(d["probabilities"]) == 10 for d in records[name]["digits"])
    assert main(["predict", "--number", str(tmp_path / "number.json")]) == EXIT_OK
    table = capsys.readouterr().out.splitlines()
    assert table[1].split()[2] == "207"


def test_predict_number_reports_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    Image.fromarray(np.full((30, 30), 255, np.uint8)).save(tmp_path / "blank.png")
    assert main(["predict", "--number", str(tmp_path)]) == EXIT_SOME_FAILED
    err = capsys.readouterr().err
    assert "bad.json" in err and "blank.png" in err


def test_json_says_whether_the_app_is_sure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    dot = Drawing.from_points([[[300, 200], [303, 202]]], width=640, height=400, pen_width=4)
    save_drawing(dot, tmp_path / "dot.json")
    assert main(["predict", "--json", str(tmp_path)]) == EXIT_OK
    records = {Path(r["file"]).name: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert records["zero.json"]["sure"] is True and records["zero.json"]["doubt"] is None
    assert records["dot.json"]["sure"] is False and records["dot.json"]["doubt"] == "too small"
    assert main(["predict", str(tmp_path)]) == EXIT_OK
    rows = {Path(line.split()[0]).name: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["dot.json"].rstrip().endswith("not sure (too small)")
    assert rows["zero.json"].rstrip().endswith("sure") and "not sure" not in rows["zero.json"]


def test_number_json_marks_the_doubtful_digit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from strokes import compose

    drawing, _ = compose(["2", "0"], gap=0.4)
    ys = np.linspace(110, 290, 13)
    zigzag = np.stack([np.where(np.arange(13) % 2 == 0, 560.0, 620.0), ys], axis=1)  # a scribble, not a digit
    number = Drawing((*drawing.strokes, zigzag), drawing.width, drawing.height, drawing.pen_width)
    save_drawing(number, tmp_path / "n.json")
    assert main(["predict", "--number", "--json", str(tmp_path / "n.json")]) == EXIT_OK
    record = json.loads(capsys.readouterr().out)
    assert record["number"].startswith("20") and len(record["digits"]) == 3
    assert [d["sure"] for d in record["digits"]] == [True, True, False]
    assert record["digits"][2]["doubt"] == "low confidence"
    assert record["sure"] is False and record["doubt"] == "digit 3 of 3: low confidence"


def test_a_model_failing_on_batches_still_reads_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onnx_models import make_ink_failing_model

    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    Image.fromarray(_one_image()).save(tmp_path / "one.png")
    model = make_ink_failing_model(tmp_path / "fails.onnx")
    assert main(["predict", "--model", str(model), str(tmp_path / "zero.json"), str(tmp_path / "one.png")]) == (
        EXIT_SOME_FAILED
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.count("the model failed on this input") == 2


def test_predict_takes_an_input_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onnx_models import make_convention_model

    model = make_convention_model(tmp_path / "m.onnx", "0-255")
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    assert main(["predict", "--json", "--model", str(model), str(tmp_path / "zero.json")]) == EXIT_OK
    detected = json.loads(capsys.readouterr().out)
    assert main(["predict", "--json", "--input", "unit", "--model", str(model), str(tmp_path / "zero.json")]) == EXIT_OK
    forced = json.loads(capsys.readouterr().out)
    assert detected["confidence"] > 0.5 and forced["probabilities"] != detected["probabilities"]
    with pytest.raises(SystemExit):
        main(["predict", "--input", "sideways", str(tmp_path)])
    assert "unknown input setting 'sideways'" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_input_before_or_after_the_command_is_used(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from onnx_models import make_convention_model

    model = str(make_convention_model(tmp_path / "m.onnx", "0-255"))
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    rest = ["--json", "--model", model, str(tmp_path / "zero.json")]

    def probabilities(*argv: str) -> list[float]:
        assert main([*argv, *rest]) == EXIT_OK, argv
        return list(json.loads(capsys.readouterr().out)["probabilities"])

    detected = probabilities(command)  # 0-255, the model's own convention
    assert max(detected) > 0.5
    assert probabilities("--input", "unit", command) != detected
    assert probabilities(command, "--input", "unit") != detected
    assert probabilities("--input", "unit", command, "--input", "0-255") == detected  # the later one wins


def test_the_window_opens_with_the_model_and_input_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import digitcanvas.ui.app as app
    from digitcanvas.model.conventions import parse_setting

    opened: list[dict[str, object]] = []

    def run_app(**options: object) -> int:
        opened.append(options)
        return 0

    monkeypatch.setattr(app, "run_app", run_app)
    assert main(["--model", "mine.onnx", "--input", "0-255"]) == 0
    assert main(["--input", "unit"]) == 0
    assert main([]) == 0
    assert opened == [
        {"model_path": "mine.onnx", "input_scaling": parse_setting("0-255")},
        {"model_path": None, "input_scaling": parse_setting("unit")},
        {"model_path": None, "input_scaling": None},
    ]


def test_a_file_name_that_is_not_utf8_prints_on_a_strict_utf8_stdout(tmp_path: Path) -> None:
    import os

    name = os.fsdecode(b"sept-\xe9t\xe9.json")  # a Latin-1 name: not UTF-8
    save_drawing(_zero_drawing(), tmp_path / name)
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    for options in (["--json"], []):
        result = subprocess.run(
            [sys.executable, "-m", "digitcanvas", "predict", *options, str(tmp_path)],
            env=environment,
            capture_output=True,
            timeout=120,
        )
        assert result.returncode == EXIT_OK, result.stderr
        out = result.stdout.decode("utf-8")  # strict: no lone surrogates
        shown = json.loads(out)["file"] if options else out
        assert "sept-\\xe9t\\xe9.json" in shown


def test_predict_adapts_to_a_collection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from strokes import compose

    from digitcanvas.collection.folder import add_to_collection

    seven, _ = compose(["7crossed"])
    add_to_collection(seven, 1, tmp_path / "mine")  # this writer's crossed 7 is their 1
    save_drawing(seven, tmp_path / "seven.json")
    assert main(["predict", "--json", str(tmp_path / "seven.json")]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["digit"] == 7
    assert main(["predict", "--json", "-v", "--adapt", str(tmp_path / "mine"), str(tmp_path / "seven.json")]) == EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out)["digit"] == 1
    assert "adapted to 1 labelled drawings" in captured.err
    assert main(["predict", "--adapt", str(tmp_path / "nowhere"), str(tmp_path / "seven.json")]) == EXIT_USAGE
    assert "nowhere" in capsys.readouterr().err
