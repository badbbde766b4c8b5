"""DigitCanvas: draw a digit, see what a neural network reads, and why."""

__version__ = "0.1.0"
APP_NAME = "DigitCanvas"  # the window's title; its settings and data folders (~/.config/DigitCanvas on Linux)
