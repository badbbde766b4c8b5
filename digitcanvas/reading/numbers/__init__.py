"""Whole numbers: ink split into digits (:mod:`.segmentation` chooses the split, from the atoms
of :mod:`.atoms` and the cuts through touching ink of :mod:`.cuts`). No Qt.
"""
