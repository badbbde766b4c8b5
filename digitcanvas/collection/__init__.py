"""The personal collection: its state, its folder and archive files, the keeper's one-drawing-
one-entry rule, and the adaptation fitted to it. No Qt.
"""
