"""Training a network inside DigitCanvas, without Qt: recipes, MNIST, the engine, the ONNX it writes.

:mod:`.layers` says what a network is (a list of layers, written one per line as
``conv 32 3`` or ``dense 128``), :mod:`.recipes` the origin notebooks' networks and their
settings, :mod:`.mnist_data` where the images come from (downloaded once, checked and
cached, or read from a folder), :mod:`.dataset` how they are split, :mod:`.engine` trains
with PyTorch (an optional extra, imported only here), :mod:`.calibration` fits the
temperature and the "Not sure" threshold and :mod:`.onnx_writer` writes the result as an
ordinary ONNX model. ``digitcanvas train`` and Model ▸ Train a Network… both use them.
"""
