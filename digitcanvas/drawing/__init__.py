"""Drawings and images as input: strokes as vectors (:mod:`.strokes`), the JSON drawing file
read and written (:mod:`.file`), image files (:mod:`.image_file`). No Qt.
"""
