"""The main window and what it wires: actions and menus, the layout, the status line, and the
helpers that each drive one part (live reading, files, the model, the collection).
"""
