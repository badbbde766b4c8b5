"""Looking inside a model: layers and activations (:mod:`.inspector`), saliency, the pictures
of both, and two models compared. No Qt.
"""
