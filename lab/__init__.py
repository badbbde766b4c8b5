"""The lab: training, evaluation, dataset readers and benchmarks. Not shipped in the wheel.

Run from the repository root as modules, e.g. ``python -m lab.train``,
``python -m lab.evaluate.drawn``. Everything here uses the app's own reading core
(:class:`digitcanvas.reading.reader.Reader`) so that figures measure what users get.
"""
