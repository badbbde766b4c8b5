"""What every layer uses: bounded reads and atomic writes of files, modules imported on first
use, text helpers. No Qt; imports nothing else of DigitCanvas.
"""
