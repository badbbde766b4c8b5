"""Qt widgets and the main window. Everything here may import PySide6; the core may not."""
