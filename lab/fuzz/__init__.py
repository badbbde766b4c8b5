"""The fuzzer (``python -m lab.fuzz``) and the hostile corpora it grows its cases from, which
the tests use too.
"""
