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
        "bad.json": b'{"format": "digitcanvas-drawing", "version": 1}',
        "syntax.json": b"{not json",
        "empty.json": json.dumps(drawing_to_dict(Drawing((), 420, 420))).encode(),
    }
    for name, payload in bad.items():
        (inputs / name).write_bytes(payload)
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(inputs / "blank.png")
    (tmp_path / "notes.txt").write_bytes(b"just some text")  # named on its own: read, and refused
    status = main(["predict", str(inputs), str(tmp_path / "does-not-exist.png"), str(tmp_path / "notes.txt")])
    captured = capsys.readouterr()
    assert status == EXIT_SOME_FAILED
    for name in [*bad, "blank.png", "does-not-exist.png", "notes.txt"]:
        assert name in captured.err, name
    assert "empty" in captured.err and '"canvas"' in captured.err and "no ink" in captured.err
    assert len(captured.out.splitlines()) == 1 + 6  # header + the six good files


def test_a_folders_other_files_are_skipped_and_counted(
    inputs: Path, linear_model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder's notes, models and collections are not images or drawings: skipped, and said (issue #26)."""
    (inputs / "notes.txt").write_text("how I drew these")
    (inputs / "mine.onnx").write_bytes(linear_model.read_bytes())
    (inputs / "class.dccollection").write_bytes(b"PK\x03\x04 a zip")
    assert main(["predict", str(inputs)]) == EXIT_OK
    captured = capsys.readouterr()
    assert "skipped 3 files in the folders that are neither images nor drawings" in captured.err
    assert "error" not in captured.err and len(captured.out.splitlines()) == 1 + 6


def test_a_long_path_keeps_the_columns_in_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / ("a-folder-with-a-rather-long-name/" * 4)
    deep.mkdir(parents=True)
    Image.fromarray(_one_image()).save(deep / "one.png")
    Image.fromarray(_one_image()).save(tmp_path / "two.png")
    assert main(["predict", str(deep / "one.png"), str(tmp_path / "two.png")]) == EXIT_OK
    header, *rows = capsys.readouterr().out.splitlines()
    digit = header.index("digit") + len("digit") - 1
    assert all(row[digit] == "1" for row in rows)  # every digit under its heading (issue #26)
    shortened = rows[0].split()[0]
    assert "…" in shortened and shortened.endswith("-rather-long-name/one.png")  # the file name kept


def test_a_number_read_as_one_digit_gets_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from strokes import compose

    drawing, _ = compose(["4two", "7"], gap=0.4)
    save_drawing(drawing, tmp_path / "forty-seven.json")
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    assert main(["predict", str(tmp_path)]) == EXIT_OK
    err = capsys.readouterr().err
    assert f"hint: {tmp_path / 'forty-seven.json'} looks like a number (reads 47 with --number): try --number" in err
    assert "zero.json" not in err  # a digit read sure gets no hint


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
        {"model_path": "mine.onnx", "input_scaling": parse_setting("0-255"), "qt_arguments": []},
        {"model_path": None, "input_scaling": parse_setting("unit"), "qt_arguments": []},
        {"model_path": None, "input_scaling": None, "qt_arguments": []},
    ]


def test_qts_own_options_go_to_qt(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``digitcanvas -style fusion`` opens the window in Fusion, as any Qt app would (issue #26)."""
    import digitcanvas.ui.app as app

    opened: list[dict[str, object]] = []

    def run_app(**options: object) -> int:
        opened.append(options)
        return 0

    monkeypatch.setattr(app, "run_app", run_app)
    assert main(["-style", "fusion", "--model", "mine.onnx", "-reverse", "--stylesheet=look.qss"]) == 0
    assert opened == [
        {
            "model_path": "mine.onnx",
            "input_scaling": None,
            "qt_arguments": ["-style", "fusion", "-reverse", "--stylesheet=look.qss"],
        }
    ]
    with pytest.raises(SystemExit) as exit_info:  # Qt's options are for the window only
        main(["predict", "-style", "fusion", "x.png"])
    assert exit_info.value.code == EXIT_USAGE and "-style fusion" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # anything else is still refused
        main(["-nonsense"])


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


def test_predict_adapt_refuses_an_embedding_without_a_row_per_drawing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #27: an `embedding` output of another number of rows ended in a zip(strict=True)
    traceback (the window skipped the adaptation silently)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from digitcanvas.collection.folder import add_to_collection
    from digitcanvas.model.info import META_OUTPUT, META_SCALE, write_metadata

    nodes = [
        helper.make_node("Flatten", ["x"], ["flat"]),
        helper.make_node("MatMul", ["flat", "W"], ["y"]),
        helper.make_node("ReduceSum", ["flat", "rows"], ["embedding"], keepdims=1),  # one row for all
    ]
    weights = np.random.default_rng(5).normal(size=(784, 10)).astype(np.float32)
    graph = helper.make_graph(
        nodes,
        "embedding_of_one_row",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10]),
            helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [1, 784]),
        ],
        [numpy_helper.from_array(weights, "W"), numpy_helper.from_array(np.array([0], np.int64), "rows")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "rows.onnx"
    onnx.save(model, str(path))
    write_metadata(path, {META_SCALE: "1", META_OUTPUT: "logits"})
    for label in range(6):
        add_to_collection(
            Drawing.from_points([[[label, 10], [200, 300]]], width=640, height=400), label, tmp_path / "c"
        )
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    assert main(["predict", "--adapt", str(tmp_path / "c"), "--model", str(path), str(tmp_path / "zero.json")]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}: cannot adapt to {tmp_path / 'c'}: the model's embedding output gives 1 rows for 6 images; "
        "adapting to your drawings needs one per image\n"
    )


# --- the terminal (issue #27) ----------------------------------------------------------------


def _many_drawings(folder: Path, count: int) -> Path:
    folder.mkdir()
    save_drawing(_zero_drawing(), folder / "0000.json")
    for i in range(1, count):
        (folder / f"{i:04d}.json").hardlink_to(folder / "0000.json")
    return folder


@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_a_closed_pipe_ends_quietly_with_a_status(tmp_path: Path, command: str) -> None:
    """`predict … | head -1` ended in a BrokenPipeError traceback."""
    target = _many_drawings(tmp_path / "many", 400) if command == "predict" else tmp_path / "zero.json"
    if command == "inspect":
        save_drawing(_zero_drawing(), target)
    extra = ["--json"] if command == "inspect" else []
    with subprocess.Popen(
        [sys.executable, "-m", "digitcanvas", command, *extra, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(1)  # what `head -c 1` reads, then it leaves
        child.stdout.close()
        stderr = child.stderr.read().decode()
        assert child.wait(timeout=300) in (EXIT_OK, EXIT_SOME_FAILED)  # OK when all was written before the close
    assert stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_a_full_disk_is_one_error_line_and_a_status(tmp_path: Path, command: str) -> None:
    """`predict … > /dev/full` ended in an OSError (ENOSPC) traceback."""
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "digitcanvas", command, str(tmp_path / "zero.json")],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert result.returncode == EXIT_SOME_FAILED
    assert result.stderr == "error: cannot write the output (no space left on device)\n"


TERMINAL_CONTROLS = "\x1b]0;pwned\x07\x1b[2J\r\x9b\u202e"  # retitle, clear the screen, return, CSI, reorder


def test_control_characters_in_file_names_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Escape sequences in a file name retitled the terminal and cleared it; a newline in a
    name forged an `error:` line. Text output escapes them; JSON escapes them as JSON does."""
    folder = tmp_path / "in"
    folder.mkdir()
    save_drawing(_zero_drawing(), folder / f"a{TERMINAL_CONTROLS}.json")
    (folder / "b\nerror: everything is fine.json").write_text("{broken")
    assert main(["predict", str(folder)]) == EXIT_SOME_FAILED
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in text)
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\r\\x9b\\u202e.json" in captured.out
    errors = captured.err.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"error: {folder}/b\\nerror: everything is fine.json: ")
    assert main(["predict", "--json", str(folder / f"a{TERMINAL_CONTROLS}.json")]) == EXIT_OK
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["file"] == str(folder / f"a{TERMINAL_CONTROLS}.json")  # JSON keeps the name itself


@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_control_characters_in_a_models_name_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    from digitcanvas.model.info import META_NAME, META_OUTPUT, META_SCALE
    from lab.fuzz.linear_model import make_linear_model

    model = make_linear_model(
        tmp_path / "m.onnx",
        metadata={META_NAME: f"Mine{TERMINAL_CONTROLS}\nerror: x", META_SCALE: "1", META_OUTPUT: "logits"},
    )
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    verbose = ["-v"] if command == "predict" else []
    assert main([command, *verbose, "--model", str(model), str(tmp_path / "zero.json")]) == EXIT_OK
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert "Mine\\x1b]0;pwned\\x07\\x1b[2J\\r\\x9b\\u202e\\nerror: x" in shown
    assert (
        "\x1b" not in shown and "\r" not in shown and not any(line.startswith("error") for line in shown.splitlines())
    )


@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_an_empty_model_path_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    """`--model ''` was refused as ".: not a regular file (a folder)"."""
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    for argv in (
        ["--model", "", command, str(tmp_path / "zero.json")],
        [command, "--model", "", str(tmp_path / "zero.json")],
    ):
        with pytest.raises(SystemExit) as ended:
            main(argv)
        assert ended.value.code == EXIT_USAGE
        err = capsys.readouterr().err
        assert "argument --model: an empty path names no model file" in err and "'.'" not in err


def test_a_model_naming_a_thousand_inputs_gets_a_short_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1,000-input model printed a 50 KB error line: one message is at most MAX_MESSAGE_CHARS."""
    import onnx
    from onnx import TensorProto, helper

    from digitcanvas.commands.terminal import MAX_MESSAGE_CHARS

    inputs = [
        helper.make_tensor_value_info(f"input_with_a_long_name_{i:04d}", TensorProto.FLOAT, [1, 10])
        for i in range(1000)
    ]
    graph = helper.make_graph(
        [helper.make_node("Sum", [i.name for i in inputs], ["y"])],
        "many_inputs",
        inputs,
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "many.onnx"))
    save_drawing(_zero_drawing(), tmp_path / "zero.json")
    assert main(["predict", "--model", str(tmp_path / "many.onnx"), str(tmp_path / "zero.json")]) == EXIT_USAGE
    (line,) = capsys.readouterr().err.splitlines()
    assert len(line) <= len("error: ") + MAX_MESSAGE_CHARS
    assert line.startswith(f"error: {tmp_path / 'many.onnx'}: needs 1000 inputs") and "characters left out" in line
    assert line.endswith("DigitCanvas provides one image")
