"""House rules of the package's shape, read from the source (every import counts, also one
inside a function or under ``TYPE_CHECKING``): no import cycle anywhere, the layers and the
Qt and lab rules of ``[tool.importlinter]`` kept, each name imported from where it is defined."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from import_graph import ROOTS, cycles, graph, modules
from repo import REPO_ROOT

from digitcanvas.util.files import describe_os_error

CORE_PACKAGES = ("util", "drawing", "model", "reading", "collection", "explain", "training", "state", "commands")


def test_the_graph_sees_every_import() -> None:
    edges = graph()
    # A graph that found nothing would make the next tests pass vacuously.
    assert len(edges) > 100
    assert "digitcanvas.reading.reader" in edges["digitcanvas.state.app_state"]
    assert "digitcanvas.ui.app" in edges["digitcanvas.cli"]  # imported inside a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_in_the_package_or_the_lab() -> None:
    assert cycles(graph()) == []


def test_no_core_module_imports_qt_even_inside_a_function() -> None:
    edges = graph()
    external = {name: _external_imports(path) for name, path in modules().items()}
    core = [n for n in edges if n.split(".")[1:2] and n.split(".")[1] in CORE_PACKAGES]
    assert "digitcanvas.reading.reader" in core and "digitcanvas.ui.app" not in core
    for name in core:
        assert not {m for m in external[name] if m.split(".")[0] in ("PySide6", "shiboken6")}, name
        reached = _reachable(edges, name)
        assert not [m for m in reached if m.startswith("digitcanvas.ui")], (name, "reaches the ui")


def test_the_package_never_imports_the_lab() -> None:
    edges = graph()
    for name, imported in edges.items():
        if name.startswith("digitcanvas"):
            assert not [m for m in imported if m.split(".")[0] == "lab"], name


def test_names_are_imported_from_where_they_are_defined() -> None:
    """``from digitcanvas.x import Name`` names the module that defines Name, not one that
    imported it from elsewhere (mypy --strict says the same for the package)."""
    known = modules()
    wrong = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module not in known:
                continue
            defined = _defined_names(node.module)
            for alias in node.names:
                if f"{node.module}.{alias.name}" not in known and alias.name not in defined:
                    wrong.append(f"{name}: {node.module}.{alias.name}")
    assert wrong == []


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None, reason="import-linter is the dev extra's")
def test_the_import_linter_contracts_hold() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    try:
        result = subprocess.run([script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    except OSError as e:
        pytest.fail(f"lint-imports: {describe_os_error(e)}")
    assert result.returncode == 0, result.stdout[-3000:]


def test_scipy_waits_until_the_window_is_up() -> None:
    """scipy.ndimage (a third of the start-up) is imported by warm_up or the first drawing read."""
    code = (
        "import sys, numpy as np\n"
        "import digitcanvas.ui.window.main_window, digitcanvas.reading.reader\n"
        "print('scipy.ndimage' in sys.modules)\n"
        "from digitcanvas.util.lazy_imports import warm_up\n"
        "warm_up().join(60)\n"
        "print('scipy.ndimage' in sys.modules)\n"
        "from digitcanvas.reading.preprocessing import preprocess_image\n"
        "print(preprocess_image(np.eye(28) * 255).shape)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120, env=env)
    assert out.stdout.split("\n")[:3] == ["False", "True", "(28, 28)"]


def _reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _external_imports(path: os.PathLike[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return {m for m in found if m.split(".")[0] not in ROOTS}


def _defined_names(module: str) -> set[str]:
    """The names a module defines itself: functions, classes, assignments (not its imports)."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
                if isinstance(target, ast.Name) and target.id == "__all__":  # a shim's own exports
                    names.update(ast.literal_eval(node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names
