"""The reading core: a drawing or an image becomes a :class:`~.reader.Reading` (preprocessing,
the "Not sure" rules, adapting to a hand, whole numbers in :mod:`.numbers`). The window, the
commands and the lab all read through :class:`~.reader.Reader`. No Qt.
"""
