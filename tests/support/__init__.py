"""Helpers the tests share: never a test module, so that no test imports another.

Fixtures live in the conftest.py files; what they build on lives here."""
