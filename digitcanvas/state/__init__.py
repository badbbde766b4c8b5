"""The app's state without Qt: the model in use, the drawing and reading shown, the undo
history, the collection and the adaptation, with change notifications the window listens to.
"""
