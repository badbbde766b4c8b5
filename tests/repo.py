"""Where the repository is, for tests that read its files or run its modules."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
