"""Speed figures, printed rather than asserted: reading, loading, numbers, start-up,
adaptation, the inside view.
"""
