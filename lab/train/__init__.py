"""Training the bundled network and fitting what ships with it (``python -m lab.train``). Needs
the ``train`` extra (CPU PyTorch).
"""
