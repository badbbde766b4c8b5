"""Where the lab finds the repository's folders: reports, and the bundled model it trains."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORTS_DIR = REPO_ROOT / "reports"  # default output of the evaluations
BUNDLED_MODEL_OUT = REPO_ROOT / "digitcanvas" / "assets" / "digitcanvas-cnn.onnx"  # default output of training
