"""Widgets and panels: the canvas, the bars, the network-input tiles, the result and collection
panels, the model note, the compare panel. Each emits signals; none reaches the window.
"""
