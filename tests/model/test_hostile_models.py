"""Hostile models: refused at load in words, or failing at run time as ModelRunError; never
another exception, a hang past the limits, a NaN verdict or onnxruntime's C++ text (issues
#14 and #27)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx_models import make_single_image_model

import digitcanvas.model.classifier as inference
import digitcanvas.model.session as session
from digitcanvas.cli import main
from digitcanvas.commands.predict import EXIT_SOME_FAILED, EXIT_USAGE
from digitcanvas.explain.inspector import Inspector
from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.file_check import (
    MAX_GRAPH_ENTRIES,
    MAX_MODEL_TENSOR_BYTES,
    MAX_STRING_ELEMENTS,
    MAX_TENSOR_RANK,
)
from digitcanvas.model.info import (
    INPUT_KEYS,
    META_DOUBT,
    META_OUTPUT,
    ModelInfo,
    ModelInfoError,
    OutputKind,
    write_metadata,
)
from digitcanvas.model.layout import MAX_FIXED_BATCH
from digitcanvas.model.outputs import usable_probabilities, zipmap_rows
from digitcanvas.model.proto import MAX_GROUP_NESTING, MAX_PROTO_FIELDS
from digitcanvas.model.session import ModelRunError
from digitcanvas.reading.batch import READ_ERRORS
from digitcanvas.reading.reader import Reader
from lab.fuzz.hostile import drawing_text
from lab.fuzz.hostile_models import BUILDERS, FAILS_ON_INK, doubling_functions, hostile_models
from lab.fuzz.linear_model import make_linear_model

LOAD_SECONDS = 1.0  # the tests' load-time limit: the Loop case waits for it
RUN_SECONDS = 0.5  # the tests' run-time limit, where a test needs one
ONNXRUNTIME_WORDS = ("ONNXRuntimeError", ".cc:", "onnxruntime::", "Status Message")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile_models(tmp_path_factory.mktemp("hostile") / "models")


@pytest.fixture(autouse=True)
def _short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inference, "MODEL_LOAD_SECONDS", LOAD_SECONDS)
    monkeypatch.setattr(session, "MODEL_RUN_SECONDS", 2.0)  # the never-ending Loop on ink waits for it


def _ink() -> np.ndarray:
    image = np.zeros((1, 28, 28), np.float32)
    image[0, 4:24, 12:16] = 1.0
    return image


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_hostile_model_is_refused_or_fails_cleanly(
    models: dict[str, Path], name: str, capfd: pytest.CaptureFixture[str]
) -> None:
    path = models[name]
    started = time.monotonic()
    try:
        classifier = Classifier(path)
    except ModelLoadError as e:
        message = str(e)
        assert str(path) in message
        assert not any(word in message for word in ONNXRUNTIME_WORDS), message
        assert name not in FAILS_ON_INK
    else:
        assert name in FAILS_ON_INK, f"{name} loaded"
        with pytest.raises(ModelRunError) as info:
            classifier.predict_proba(_ink())
        assert not any(word in str(info.value) for word in ONNXRUNTIME_WORDS), str(info.value)
    assert time.monotonic() - started < LOAD_SECONDS + 5
    printed = capfd.readouterr()  # onnxruntime's banners and log lines never reach a terminal
    assert printed.out == "" and printed.err == ""


def test_a_loop_that_never_ends_is_stopped_at_the_load_limit(models: dict[str, Path]) -> None:
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match=f"within {LOAD_SECONDS:g} s"):
        Classifier(models["a Loop of 10^15 iterations"])
    assert time.monotonic() - started < LOAD_SECONDS + 5


def test_constants_over_the_memory_limit_are_refused_before_onnxruntime(models: dict[str, Path]) -> None:
    for name in ("a 40,000 × 40,000 ConstantOfShape", "an initializer declaring 10^10 floats"):
        with pytest.raises(ModelLoadError, match=f"at most {MAX_MODEL_TENSOR_BYTES // 2**20} MB"):
            Classifier(models[name])


def test_a_tensor_computed_past_the_memory_limit_fails_the_run(models: dict[str, Path]) -> None:
    classifier = Classifier(models["a ConstantOfShape computed from the ink"])
    with pytest.raises(ModelRunError, match="more than 512 MB of memory"):
        classifier.predict_proba(_ink())


def test_a_run_that_never_ends_is_stopped_at_the_run_limit(
    models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    classifier = Classifier(models["a Loop that never ends on ink"])
    monkeypatch.setattr(session, "MODEL_RUN_SECONDS", RUN_SECONDS)
    started = time.monotonic()
    with pytest.raises(session.ModelTimeoutError, match=f"did not finish within {RUN_SECONDS:g} s"):
        classifier.predict_proba(_ink())
    assert time.monotonic() - started < RUN_SECONDS + 5


def test_a_model_that_never_ends_on_ink_is_refused_at_load_without_a_threshold(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a "Not sure" threshold of its own, loading reads the reference digits with the
    model (to fit one): a model that never ends on ink is refused within the load-time limit."""
    path = tmp_path / "loop.onnx"
    path.write_bytes(models["a Loop that never ends on ink"].read_bytes())
    write_metadata(path, {META_DOUBT: None})
    monkeypatch.setattr(inference, "MODEL_LOAD_SECONDS", RUN_SECONDS)
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match=f"did not finish its runs at load time within {RUN_SECONDS:g} s"):
        Classifier(path)
    assert time.monotonic() - started < RUN_SECONDS + 5


def test_looking_inside_a_run_that_never_ends_is_stopped_too(
    models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inspector's copy of the model (every layer an output) runs under the same bounds."""
    inspector = Inspector(Classifier(models["a Loop that never ends on ink"]))
    monkeypatch.setattr(session, "MODEL_RUN_SECONDS", RUN_SECONDS)
    started = time.monotonic()
    with pytest.raises(session.ModelTimeoutError, match=f"did not finish within {RUN_SECONDS:g} s"):
        inspector.activations(_ink())
    assert time.monotonic() - started < RUN_SECONDS + 5


@pytest.mark.parametrize("name", FAILS_ON_INK)
def test_predict_reports_run_failures_and_prints_no_nan(
    models: dict[str, Path], tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "seven.json").write_text(drawing_text())
    (tmp_path / "other.json").write_text(drawing_text([[[10, 10], [10, 300]]]))
    status = main(["predict", "--json", "--model", str(models[name]), str(tmp_path)])
    captured = capsys.readouterr()
    assert status == EXIT_SOME_FAILED
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.count("error: ") == 2


def test_a_model_failing_on_batches_reads_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = make_single_image_model(tmp_path / "single.onnx")
    (tmp_path / "in").mkdir()
    for i in range(3):
        (tmp_path / "in" / f"{i}.json").write_text(drawing_text())
    assert main(["predict", "--json", "--model", str(model), str(tmp_path / "in")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_a_run_failure_in_the_window_path_is_a_read_error(models: dict[str, Path], tmp_path: Path) -> None:
    reader = Reader(Classifier(models["NaN on ink (scores)"]))
    (tmp_path / "seven.json").write_text(drawing_text())
    for number in (False, True):
        with pytest.raises(READ_ERRORS, match="not a number"):
            reader.read_file(tmp_path / "seven.json", number=number)


# --- issue #27: what the check must see, bound or refuse ---------------------------------------

_MB = f"at most {MAX_MODEL_TENSOR_BYTES // 2**20} MB"
_ENTRIES = f"at most {MAX_GRAPH_ENTRIES:,}"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("an empty group before a model needing 954 MB", "need 954 MB"),
        ("an empty group after a model needing 954 MB", "need 954 MB"),
        ("nested groups before a model needing 954 MB", "need 954 MB"),
        ("an empty group before 1 GB of external weights", "need 1,024 MB"),
        ("a graph behind a tag with bit 32 set", "need 954 MB"),
        ("a graph written in two parts", "need 954 MB"),
        ("an empty group before 100,000 nodes", _ENTRIES),
    ],
)
def test_protobuf_that_onnxruntime_reads_hides_nothing_from_the_check(
    models: dict[str, Path], name: str, reason: str
) -> None:
    """Groups (wire types 3 and 4, which protobuf skips), a tag's bits above 32 (which it
    drops) and a graph in two parts (which it merges) are read as onnxruntime reads them."""
    with pytest.raises(ModelLoadError, match=reason):
        Classifier(models[name])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("groups nested 101 deep", f"groups nested over {MAX_GROUP_NESTING} deep"),
        ("the end of a group never started", "an end of group that matches no open group"),
    ],
)
def test_protobuf_that_onnxruntime_refuses_is_refused_in_words(models: dict[str, Path], name: str, reason: str) -> None:
    with pytest.raises(ModelLoadError, match=f"not a valid ONNX model \\({reason}"):
        Classifier(models[name])


def test_constants_folded_at_load_are_computed_within_the_run_memory_limit(models: dict[str, Path]) -> None:
    """A ConstantOfShape of a Concat of constants (640 MB) is not folded while the session is
    created (1.3 GB before, outside every bound) but computed in the capped arena, and refused."""
    with pytest.raises(ModelLoadError, match="more than 512 MB of memory"):
        Classifier(models["a ConstantOfShape of a Concat of constants"])


def test_a_model_named_ort_is_read_as_the_onnx_model_the_check_read(tmp_path: Path) -> None:
    """onnxruntime reads a file named *.ort in its own format, which the check cannot read."""
    path = tmp_path / "model.ort"
    path.write_bytes(make_linear_model(tmp_path / "model.onnx").read_bytes())
    assert Classifier(path).predict_proba(_ink()).shape == (1, 10)


@pytest.mark.parametrize(("levels", "loads"), [(12, True), (13, False)])
def test_each_call_of_a_function_counts_the_nodes_it_inlines(tmp_path: Path, levels: int, loads: bool) -> None:
    """Functions each calling the one below twice: 2^12 = 4,096 Relu nodes once inlined fit
    the limit of 5,000 nodes and tensors, 2^13 = 8,192 do not."""
    path = doubling_functions(levels, tmp_path / "f.onnx")
    if loads:
        Classifier(path)
    else:
        with pytest.raises(ModelLoadError, match=f"8,19[0-9] nodes and tensors.*{_ENTRIES}"):
            Classifier(path)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (
            "functions nested 30 deep, each calling the next twice",
            f"1,073,741,8[0-9][0-9] nodes and tensors.*{_ENTRIES}",
        ),
        ("a function that calls itself", "its function 'ping' calls itself"),
    ],
)
def test_functions_that_multiply_or_recurse_are_refused(models: dict[str, Path], name: str, reason: str) -> None:
    with pytest.raises(ModelLoadError, match=reason):
        Classifier(models[name])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("an initializer of 17 dims of 2^62", f"need over [0-9,]+ MB; DigitCanvas accepts models with {_MB}"),
        ("an initializer of 100,000 dims", f"over {MAX_TENSOR_RANK} dimensions"),
        ("10,000,000 unknown fields", f"over {MAX_PROTO_FIELDS:,} protobuf fields"),
        ("a tensor of 10,000,000 one-byte strings", f"over {MAX_PROTO_FIELDS:,} protobuf fields"),
        (
            "a tensor of 200,000 strings",
            f"200,000 strings; DigitCanvas accepts models with at most {MAX_STRING_ELEMENTS:,}",
        ),
        ("50,000 initializers", f"over {MAX_GRAPH_ENTRIES:,} nodes and tensors"),
        ("a fixed batch of 10^12", f"batch fixed at 1,000,000,000,000 images.*at most {MAX_FIXED_BATCH:,}"),
        ("a fixed batch of 10^6", f"batch fixed at 1,000,000 images.*at most {MAX_FIXED_BATCH:,}"),
    ],
)
def test_load_time_bombs_are_refused_naming_the_limit(models: dict[str, Path], name: str, reason: str) -> None:
    """Dims that overflow, fields, strings and initializers by the million, fixed batches padded
    in numpy: refused before onnxruntime or numpy allocates, never a traceback or minutes."""
    with pytest.raises(ModelLoadError, match=reason):
        Classifier(models[name])


@pytest.mark.parametrize("name", ["an initializer of 17 dims of 2^62", "a fixed batch of 10^12"])
@pytest.mark.parametrize("command", ["predict", "inspect"])
def test_the_commands_refuse_load_time_bombs_in_one_line(
    models: dict[str, Path], tmp_path: Path, name: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    drawing = tmp_path / "seven.json"
    drawing.write_text(drawing_text())
    assert main([command, str(drawing), "--model", str(models[name]), "--json"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert "at most" in captured.err


@pytest.mark.parametrize(
    ("name", "labels"),
    [("a ZipMap of the labels 10 to 19", "10, 11, 12"), ("a ZipMap of the labels a to j", "'a', 'b', 'c'")],
)
def test_a_zipmap_of_other_labels_than_the_digits_is_refused(models: dict[str, Path], name: str, labels: str) -> None:
    with pytest.raises(ModelLoadError, match=f"probabilities for the labels {labels}.*not for the ten digits"):
        Classifier(models[name])


@pytest.mark.parametrize(
    "maps",
    [
        [{d: 0.1 for d in range(10)}],
        [{str(d): 0.1 for d in range(10)}],
        [{np.int64(d): 0.1 for d in range(10)}],
    ],
)
def test_zipmap_rows_take_the_digits_as_numbers_or_strings(maps: list[dict[object, float]]) -> None:
    np.testing.assert_array_equal(zipmap_rows(maps), np.full((1, 10), 0.1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "keys",
    [
        list(range(9)),
        [*range(9), 10],
        [*range(9), True],
        [*range(10), 10],
        [*range(9), "9", 9],
        ["0", *range(1, 9), " 9"],
    ],
)
def test_zipmap_rows_refuse_any_other_keys(keys: list[object]) -> None:
    with pytest.raises(ModelRunError, match="not for the ten digits"):
        zipmap_rows([dict.fromkeys(keys, 0.1)])


# --- properties -------------------------------------------------------------------------------

_score = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, -1.0, 1e308, -1e308, 3.4e38, 1e-320]),
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(_score, min_size=10, max_size=10), min_size=1, max_size=4),
    kind=st.sampled_from(list(OutputKind)),
)
def test_any_model_output_gives_probabilities_or_a_run_error(rows: list[list[float]], kind: OutputKind) -> None:
    raw = np.array(rows, dtype=np.float64)
    try:
        probabilities = usable_probabilities(raw, kind)
    except ModelRunError:
        return
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert (probabilities >= 0).all()


_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "-inf", "1e-45", "1e308", "0", "-0", "255", "true", "l2-columns", "LOGITS", " 1 "]),
)


@settings(max_examples=100, deadline=None)
@given(metadata=st.dictionaries(st.sampled_from([*INPUT_KEYS, META_DOUBT, META_OUTPUT]), _text, max_size=6))
def test_any_metadata_parses_or_is_refused_naming_the_key(metadata: dict[str, str]) -> None:
    try:
        info = ModelInfo.from_metadata(metadata, fallback_name="m")
    except ModelInfoError as e:
        assert any(key in str(e) for key in metadata)
        return
    scaling = info.scaling
    assert all(np.isfinite([scaling.scale, scaling.mean, scaling.std])) and scaling.std != 0
    assert 0 < info.doubt_threshold < 1
