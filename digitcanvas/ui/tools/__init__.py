"""The tools that open windows of their own: Input Settings, Compare with Model, the inside
view, the collection browser.
"""
