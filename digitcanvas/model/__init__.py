"""ONNX digit models: the file checked before loading, sessions within bounds, what a model
says about itself, its input conventions and outputs, and the
:class:`~.classifier.Classifier` that runs it. No Qt.
"""
