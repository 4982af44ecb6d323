"""Fault tests use the end-to-end fixtures: a live server over the test's database."""

from tests.e2e.conftest import Live, editor, free_port, live

__all__ = ["Live", "editor", "free_port", "live"]
