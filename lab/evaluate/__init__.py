"""Evaluations through the app's own reader: MNIST, drawn digits, numbers, "Not sure",
adaptation, saliency, models people export.
"""
