"""DigitCanvas: draw a digit, see what a neural network reads, and why."""

__version__ = "0.1.0"
