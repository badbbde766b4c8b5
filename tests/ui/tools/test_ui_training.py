"""Model ▸ Train a Network…: the window driven offscreen, its training process real (PyTorch, tiny data).

The tool gets the state and the model control, never the main window. The data are bar
digits the test writes; tests that train skip without PyTorch (the ``train`` extra).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from mnist_files import write_mnist_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from window_helpers import app_state, said

from digitcanvas.model.classifier import Classifier
from digitcanvas.state.app_state import AppState
from digitcanvas.training import engine_check
from digitcanvas.training.recipes import RECIPES_BY_KEY
from digitcanvas.ui import theme
from digitcanvas.ui.background import LatestJobRunner
from digitcanvas.ui.settings import AppSettings
from digitcanvas.ui.tools.inside import InsideTool
from digitcanvas.ui.tools.training import TrainingTool
from digitcanvas.ui.tools.training_view import Phase
from digitcanvas.ui.window.actions import menu_path
from digitcanvas.ui.window.main_window import MainWindow
from digitcanvas.ui.window.model_control import ModelControl

WAIT_MS = 180_000  # a busy machine starts the training process (and PyTorch) slowly


def _parent(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def _tool(qtbot: QtBot, tmp_path: Path, **options: object) -> tuple[TrainingTool, AppState, AppSettings]:
    """The tool on its own: a state on the bundled model, a model control, a parent widget."""
    state, settings = app_state(tmp_path)
    parent = _parent(qtbot)
    models = ModelControl(state, settings, parent, input_settings="")
    tool = TrainingTool(state, models, settings, parent, threads=1, **options)  # type: ignore[arg-type]
    return tool, state, settings


def _small_recipe(tool: TrainingTool, *, epochs: int = 2) -> None:
    editor = tool.open().editor
    editor.recipes.setCurrentIndex(editor.recipes.findData("dense"))
    editor.layers.setPlainText("dense 32\nrelu")
    editor.epochs.setValue(epochs)
    editor.batch_size.setValue(32)


def test_without_pytorch_the_window_says_how_to_install_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_check, "ENGINE", "no_such_engine_for_digitcanvas")
    tool, _, _ = _tool(qtbot, tmp_path)
    view = tool.open()
    qtbot.addWidget(view)
    assert 'python -m pip install "digitcanvas[train]"' in view.message.text()
    assert not view.start_button.isEnabled() and not tool.start()
    assert "118,282 parameters" in view.editor.summary.text()  # counted without PyTorch
    assert not tool.process.running()
    tool.shutdown()


def test_the_editor_refuses_a_network_it_cannot_build_and_start_waits_for_a_good_one(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_check, "ENGINE", "numpy")  # "installed": no process is needed for this
    tool, _, _ = _tool(qtbot, tmp_path)
    view = tool.open()
    qtbot.addWidget(view)
    view.editor.layers.setPlainText("dense 10\nconv 8 3")
    assert view.editor.recipe() is None and "before the first dense layer" in view.editor.problem.text()
    assert not view.start_button.isEnabled()
    view.editor.layers.setPlainText("conv 8 3\nrelu\nmaxpool 2")
    recipe = view.editor.recipe()
    assert recipe is not None and recipe.key == "custom-dense" and view.start_button.isEnabled()
    assert "15,770 parameters" in view.editor.summary.text()  # 8 × 9 + 8, then 8 × 14 × 14 × 10 + 10
    view.editor.set_recipe(RECIPES_BY_KEY["cnn"])
    assert view.editor.layers.toPlainText().startswith("conv 64 3\nrelu\nmaxpool 2")
    tool.shutdown()


def test_the_window_opens_with_the_whole_recipe_in_view(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sized with the recipe's summary in it ("… measuring the time per epoch…"), it does not scroll."""
    monkeypatch.setattr(engine_check, "ENGINE", "numpy")  # "installed": the summary waits for a measure
    tool, _, _ = _tool(qtbot, tmp_path)
    tool._estimate_timer.setInterval(10**9)  # no measuring process: only the summary that says it waits
    tool._parent.setStyleSheet(theme.style_sheet())  # the app's, on the window too: its padded buttons
    view = tool.open()
    qtbot.addWidget(view)
    qtbot.waitExposed(view)
    QApplication.processEvents()  # the layouts, then the scroll bars
    assert "measuring" in view.editor.summary.text()
    assert not view.editor_scroll.verticalScrollBar().isVisible()
    tool.shutdown()


def test_train_watch_stop_resume_then_save_and_look_inside(qtbot: QtBot, tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    data = tmp_path / "mnist"
    write_mnist_folder(data, train=300, test=50)
    tool, state, settings = _tool(qtbot, tmp_path, data_dir=data, verify=False)
    bundled = state.models.classifier
    assert bundled is not None
    _small_recipe(tool)
    view = tool.open()
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: "per epoch on this computer" in view.editor.summary.text(), timeout=WAIT_MS)
    used: list[Path] = []
    state.model_changed.connect(lambda _: used.append(state.models.classifier.path))  # type: ignore[union-attr]

    qtbot.mouseClick(view.start_button, Qt.MouseButton.LeftButton)
    assert view.phase == Phase.PREPARING and view.stop_button.isEnabled() and not view.editor.layers.isEnabled()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)  # read after Start: stops before the first step
    qtbot.waitUntil(lambda: view.phase == Phase.PAUSED, timeout=WAIT_MS)
    assert view.resume_button.isEnabled() and view.save_button.isEnabled() and not view.use_now_button.isEnabled()
    qtbot.waitUntil(lambda: bool(used), timeout=WAIT_MS)  # loaded off the window's thread
    assert used[-1].name == "snapshot-1.onnx"  # the network so far is the model in use
    assert state.models.classifier is not None and state.models.classifier.path == used[-1]

    qtbot.mouseClick(view.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.phase == Phase.FINISHED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: used[-1].name == "final.onnx", timeout=WAIT_MS)
    # Each epoch's network, then the end; a snapshot superseded before it loaded is dropped by
    # design (the newest model wins), which a fast last epoch can make of epoch 1.
    assert [p.name for p in used[1:]] in (["epoch-1.onnx", "final.onnx"], ["final.onnx"])
    assert len(view.curves.loss.steps) >= 2 and len(view.curves.accuracy.validation) == 2
    assert len(view.curves.loss.train) == 2 and view.progress.value() == view.progress.maximum()
    assert "Finished:" in view.message.text() and "test digits read right" in view.message.text()
    assert settings.model_path is None  # a temporary model is never remembered

    saved = tmp_path / "mine.onnx"
    assert tool.save_to(saved)
    assert state.models.classifier is not None and state.models.classifier.path == saved
    assert settings.model_path == str(saved.resolve())  # a saved one is
    assert Classifier(saved).info.name == "Dense 128-128 (changed)"
    inside = InsideTool(state, _parent(qtbot))
    inside_view = inside.show()
    qtbot.addWidget(inside_view)
    qtbot.waitUntil(lambda: inside_view.inspector() is not None, timeout=WAIT_MS)
    assert [layer.name for layer in inside_view.inspector().layers][:3] == ["flatten", "dense1", "relu1"]  # type: ignore[union-attr]
    inside.shutdown()

    folder = used[0].parent
    tool.shutdown()
    assert not tool.process.running() and not folder.exists()


def test_use_now_and_follow(qtbot: QtBot, tmp_path: Path, linear_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_check, "ENGINE", "numpy")
    tool, state, _ = _tool(qtbot, tmp_path)
    view = tool.open()
    qtbot.addWidget(view)
    sent: list[dict[str, object]] = []
    monkeypatch.setattr(tool.process, "send", lambda **command: sent.append(command))
    view.follow.setChecked(False)
    view.set_phase(Phase.TRAINING, has_model=False)
    assert view.use_now_button.isEnabled()
    loads: list[object] = []
    submit = LatestJobRunner.submit

    def counted(runner: LatestJobRunner, key: object, job: Callable[[], object]) -> None:
        loads.append(key)
        submit(runner, key, job)

    monkeypatch.setattr(LatestJobRunner, "submit", counted)
    tool.process.message.emit({"event": "model", "path": str(linear_model), "final": False})
    assert loads == [] and state.models.bundled  # not followed: an epoch's model is not loaded
    qtbot.mouseClick(view.use_now_button, Qt.MouseButton.LeftButton)
    assert sent[-1] == {"command": "snapshot"}
    tool.process.message.emit({"event": "model", "path": str(linear_model), "final": False})
    assert loads == [linear_model]
    qtbot.waitUntil(lambda: not state.models.bundled, timeout=WAIT_MS)
    assert state.models.classifier is not None and state.models.classifier.path == linear_model
    bad = linear_model.with_name("broken.onnx")
    bad.write_bytes(b"not a model")
    lines = said(state)
    tool.process.message.emit({"event": "model", "path": str(bad), "final": True})  # the final one is always used
    qtbot.waitUntil(lambda: bool(lines), timeout=WAIT_MS)
    assert lines[-1].startswith("Could not load the model") and state.models.classifier.path == linear_model
    tool.shutdown()


def test_offline_without_mnist_says_so_in_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    tool, state, _ = _tool(qtbot, tmp_path, cache_dir=tmp_path / "cache", mirrors=(nowhere,))
    _small_recipe(tool)
    view = tool.open()
    qtbot.addWidget(view)
    assert tool.start()
    qtbot.waitUntil(lambda: "could not be downloaded" in view.message.text(), timeout=WAIT_MS)
    assert view.phase == Phase.IDLE and view.start_button.isEnabled()
    assert str(tmp_path / "cache") in view.message.text()
    assert state.models.bundled  # the model in use stays
    tool.shutdown()


def test_the_model_menu_opens_the_training_window(window: MainWindow) -> None:
    action = window.ui_actions.train_network
    assert menu_path(action).replace("\u00a0", " ") == "Model ▸ Train a Network… (Ctrl+Shift+T)"
    action.trigger()
    view = window.training.view
    assert view is not None and view.isVisible() and view.editor.recipe() is not None
    window.training.shutdown()
    assert not window.training.process.running()
